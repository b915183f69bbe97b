"""Staff accounts, roles and the signed-in session.

Passwords are stored as werkzeug's salted scrypt hashes. A browser session
remembers who signed in and at which window; it is signed with a key kept in
the data directory, so sessions survive a restart of the server.
"""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import Optional

from flask import current_app, session
from werkzeug.security import check_password_hash, generate_password_hash

from hall.errors import HallError

ROLES = ("staff", "manager", "admin")
# A manager may do what staff may; an admin what a manager may.
_RANK = {"staff": 0, "manager": 1, "admin": 2}


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def check_password(stored_hash: str, password: str) -> bool:
    return check_password_hash(stored_hash, password)


def validate_new_user(username: str, role: str, password: str) -> None:
    if not username or not username.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise HallError("invalid_username", "用户名只能由字母、数字、点、横线和下划线组成。",
                        "A username may hold only letters, digits, '.', '-' and '_'.", 400)
    if role not in ROLES:
        raise HallError("invalid_role", f"角色 {role!r} 无效，请选择 staff、manager 或 admin。",
                        f"Role {role!r} is not valid; choose staff, manager or admin.", 400)
    if len(password) < 8:
        raise HallError("weak_password", "密码至少需要 8 个字符。", "A password needs at least 8 characters.", 400)


def secret_key(data_dir: Path) -> bytes:
    """The session signing key of this hall, created once in the data directory."""
    path = Path(data_dir) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(secrets.token_bytes(32))
        tmp.chmod(0o600)
        tmp.replace(path)
    return path.read_bytes()


def current_user() -> Optional[dict]:
    """The signed-in user of this request, or None.

    The account is looked up on every request (one indexed read): a session of an account
    removed (`hallq user remove`) or given another role since it signed in ends at once.
    """
    user = session.get("user")
    if user is None:
        return None
    account = current_app.extensions["hallq"].store.get_user(user.get("username", ""))
    if account is None or account["role"] != user.get("role"):
        session.clear()
        return None
    return user


def current_window() -> Optional[int]:
    return session.get("window")


def require_role(role: str) -> dict:
    """The signed-in user if their role is at least `role`; otherwise an error for the API."""
    user = current_user()
    if user is None:
        raise HallError("not_signed_in", "请先登录。", "Please sign in first.", 401)
    if _RANK.get(user.get("role"), -1) < _RANK[role]:
        raise HallError("forbidden", "您的账号没有此权限。", "Your account may not do this.", 403)
    return user


def require_window(window_id: int) -> dict:
    """The signed-in staff member of `window_id` (a manager may act on any window)."""
    user = require_role("staff")
    if current_window() != window_id and _RANK[user["role"]] < _RANK["manager"]:
        raise HallError("forbidden", f"您没有登录 {window_id} 号窗口，请在该窗口登录后再操作。",
                        f"You are not signed in at window {window_id}.", 403)
    return user
