"""The city's own accounts: who may read the halls' figures at the city (no anonymous access).

An account (`city_accounts`) has a name and an argon2id password hash made by
hall/auth.py's hasher, the hall's own scheme. Signing in makes a session row
(`city_sessions`) whose random token is the only thing the browser's signed
cookie holds; signing out, or removing the account, ends it, and an ended
session is refused everywhere. Failed sign-ins are throttled per account and
per address (hall/auth.py's LoginThrottle). `add_account` makes or resets an account.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone
from typing import Optional

from hall import auth

TABLES = """
CREATE TABLE IF NOT EXISTS city_accounts (
    username text PRIMARY KEY,
    name text NOT NULL,
    password_hash text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS city_sessions (
    token text PRIMARY KEY,
    username text NOT NULL REFERENCES city_accounts(username) ON DELETE CASCADE,
    started_at timestamptz NOT NULL,
    ended_at timestamptz
)
"""
LIFETIME = timedelta(hours=12)
_throttle = auth.LoginThrottle(lambda: datetime.now(timezone.utc), limit=5)


def ensure_tables(conn) -> None:
    """Make the two tables if they are not there yet (idempotent)."""
    conn.execute(TABLES)


def add_account(conn, username: str, name: str, password: str) -> None:
    """Add an account, or give an existing one a new name and password (its sessions end)."""
    ensure_tables(conn)
    with conn.transaction():
        conn.execute("INSERT INTO city_accounts (username, name, password_hash) VALUES (%s, %s, %s)"
                     " ON CONFLICT (username) DO UPDATE SET name = excluded.name,"
                     " password_hash = excluded.password_hash", (username, name, auth.hash_password(password)))
        conn.execute("UPDATE city_sessions SET ended_at = now() WHERE username = %s AND ended_at IS NULL",
                     (username,))


def sign_in(conn, username: str, password: str, address: str) -> tuple[Optional[str], Optional[str]]:
    """(session token, None) for a right name and password; (None, why) otherwise, in zh and en."""
    for key in (f"user:{username}", f"addr:{address}"):
        until = _throttle.refused_until(key)
        if until is not None:
            minutes = max(1, round((until - datetime.now(timezone.utc)).total_seconds() / 60))
            return None, (f"登录失败次数过多，请 {minutes} 分钟后再试。",
                          f"Too many failed sign-ins; try again in {minutes} min.")
    row = conn.execute("SELECT password_hash FROM city_accounts WHERE username = %s", (username,)).fetchone()
    if row is None or not auth.check_password(row[0], password):
        if row is None:
            auth.check_password(auth.hash_password("x"), password)   # the same time for an unknown name
        _throttle.failed(f"user:{username}")
        _throttle.failed(f"addr:{address}")
        return None, ("用户名或密码不正确，请重新输入。", "Wrong user name or password. Please try again.")
    _throttle.succeeded(f"user:{username}")
    token = secrets.token_urlsafe(32)
    conn.execute("INSERT INTO city_sessions (token, username, started_at) VALUES (%s, %s, now())", (token, username))
    return token, None


def account_of(conn, token: Optional[str]) -> Optional[dict]:
    """The account of a live session token: {"username", "name"}; None when ended, too old or unknown."""
    if not token:
        return None
    row = conn.execute("SELECT a.username, a.name FROM city_sessions s JOIN city_accounts a USING (username)"
                       " WHERE s.token = %s AND s.ended_at IS NULL AND s.started_at > now() - %s",
                       (token, LIFETIME)).fetchone()
    return {"username": row[0], "name": row[1]} if row else None


def sign_out(conn, token: Optional[str]) -> None:
    if token:
        conn.execute("UPDATE city_sessions SET ended_at = now() WHERE token = %s AND ended_at IS NULL", (token,))
