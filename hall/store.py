"""The hall's one SQLite file: schema, migrations, the one writer, and queries.

Every action is one transaction that writes the new ticket and window rows
and appends its events to the `events` log. The log is append-only and
sequenced (its rowid is the `seq` every client sees), so ticket times,
ratings and figures can always be recomputed from it and a city centre can
be sent each record in order, exactly once. Nothing is ever deleted.
"""
from __future__ import annotations

import json
import sqlite3
import threading
from datetime import date, datetime
from pathlib import Path
from typing import Iterable, Optional

import sqlite_utils

from hall.engine import Change, HallState
from hall.model import OPEN_STATES, Call, Ticket, WindowState

# Numbered migrations: each runs once, in order, inside a transaction; the
# file's PRAGMA user_version records how many have run.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE tickets (
        id INTEGER PRIMARY KEY,
        business_day TEXT NOT NULL,
        service TEXT NOT NULL,
        number TEXT NOT NULL,
        serial INTEGER NOT NULL,
        status TEXT NOT NULL,
        issued_at TEXT NOT NULL,
        calls TEXT NOT NULL DEFAULT '[]',
        started_at TEXT,
        finished_at TEXT,
        window INTEGER,
        staff TEXT
    );
    CREATE UNIQUE INDEX tickets_day_service_serial ON tickets (business_day, service, serial);
    CREATE INDEX tickets_open ON tickets (status) WHERE status IN ('waiting', 'called', 'serving');
    CREATE TABLE windows (
        id INTEGER PRIMARY KEY,
        status TEXT NOT NULL,
        staff TEXT,
        staff_name TEXT,
        pause_reason TEXT,
        current INTEGER REFERENCES tickets(id),
        since TEXT
    );
    CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        business_day TEXT NOT NULL,
        name TEXT NOT NULL,
        ticket_id INTEGER,
        payload TEXT NOT NULL
    );
    CREATE INDEX events_day ON events (business_day);
    CREATE TABLE ratings (
        id INTEGER PRIMARY KEY,
        ticket_id INTEGER NOT NULL UNIQUE REFERENCES tickets(id),
        business_day TEXT NOT NULL,
        window INTEGER NOT NULL,
        staff TEXT,
        level TEXT,
        channel TEXT NOT NULL,
        device TEXT,
        at TEXT NOT NULL
    );
    CREATE TABLE users (
        username TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('staff', 'manager', 'admin')),
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1
    );
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
]


def _ts(dt: Optional[datetime]) -> Optional[str]:
    return dt.isoformat() if dt else None


def _dt(text: Optional[str]) -> Optional[datetime]:
    return datetime.fromisoformat(text) if text else None


class Store:
    """Owns the database file. All writes go through `commit`, one at a time."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self.db = sqlite_utils.Database(conn)
        self.conn = conn
        self._lock = threading.RLock()
        conn.execute("PRAGMA journal_mode=WAL")
        # FULL: a ticket the kiosk showed survives a power cut, not only a crash.
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        self.migrate()

    def migrate(self) -> None:
        with self._lock:
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
            for i, sql in enumerate(MIGRATIONS[version:], start=version + 1):
                self.conn.execute("BEGIN IMMEDIATE")
                try:
                    for statement in sql.split(";"):
                        if statement.strip():
                            self.conn.execute(statement)
                    self.conn.execute(f"PRAGMA user_version = {i}")
                    self.conn.execute("COMMIT")
                except Exception:
                    self.conn.execute("ROLLBACK")
                    raise

    @property
    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self.conn.close()

    # -- the one writer --------------------------------------------------------

    def commit(self, change: Change, payloads: list[dict], business_day: date) -> list[int]:
        """Write a change and its events in one transaction; return the events' seqs."""
        seqs: list[int] = []
        with self._lock:
            c = self.conn
            c.execute("BEGIN IMMEDIATE")
            try:
                for t in change.tickets:
                    c.execute(
                        "INSERT INTO tickets (id, business_day, service, number, serial, status, issued_at, calls,"
                        " started_at, finished_at, window, staff) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
                        " ON CONFLICT(id) DO UPDATE SET status=excluded.status, calls=excluded.calls,"
                        " started_at=excluded.started_at, finished_at=excluded.finished_at,"
                        " window=excluded.window, staff=excluded.staff, service=excluded.service",
                        (t.id, t.business_day.isoformat(), t.service, t.number, t.serial, t.status,
                         _ts(t.issued_at), json.dumps([[_ts(x.at), x.window] for x in t.calls]),
                         _ts(t.started_at), _ts(t.finished_at), t.window, t.staff))
                for w in change.windows:
                    c.execute("INSERT OR REPLACE INTO windows (id, status, staff, staff_name, pause_reason, current,"
                              " since) VALUES (?,?,?,?,?,?,?)",
                              (w.id, w.status, w.staff, w.staff_name, w.pause_reason, w.current, _ts(w.since)))
                for r in change.ratings:
                    c.execute("INSERT INTO ratings (ticket_id, business_day, window, staff, level, channel, device, at)"
                              " VALUES (?,?,?,?,?,?,?,?)",
                              (r.ticket_id, r.business_day.isoformat(), r.window, r.staff, r.level, r.channel,
                               r.device, _ts(r.at)))
                day = (change.new_day or business_day).isoformat()
                for e, payload in zip(change.events, payloads):
                    cur = c.execute("INSERT INTO events (at, business_day, name, ticket_id, payload) VALUES (?,?,?,?,?)",
                                    (_ts(e.at), day, e.name, e.ticket.id if e.ticket else None,
                                     json.dumps(payload, ensure_ascii=False)))
                    seqs.append(cur.lastrowid)
                if change.new_day is not None:
                    c.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('business_day', ?)", (day,))
                c.execute("COMMIT")
            except BaseException:
                c.execute("ROLLBACK")
                raise
        return seqs

    # -- loading ---------------------------------------------------------------

    def load_state(self, today: date) -> HallState:
        """Rebuild the hall's state exactly as the last committed transaction left it."""
        with self._lock:
            c = self.conn
            row = c.execute("SELECT value FROM meta WHERE key='business_day'").fetchone()
            day = date.fromisoformat(row[0]) if row else today
            if row is None:
                c.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('business_day', ?)", (day.isoformat(),))
            tickets = {t.id: t for t in self._tickets(
                "SELECT * FROM tickets WHERE business_day = ? ORDER BY id", (day.isoformat(),))}
            windows = {w.id: w for w in self._windows()}
            next_id = (c.execute("SELECT max(id) FROM tickets").fetchone()[0] or 0) + 1
            last_seq = c.execute("SELECT max(seq) FROM events").fetchone()[0] or 0
            rated = {r[0] for r in c.execute("SELECT ticket_id FROM ratings WHERE business_day = ?", (day.isoformat(),))}
        return HallState(business_day=day, tickets=tickets, windows=windows, next_ticket_id=next_id,
                         last_seq=last_seq, rated=rated)

    def _tickets(self, sql: str, args: Iterable) -> list[Ticket]:
        out = []
        for r in self.conn.execute(sql, tuple(args)).fetchall():
            (tid, day, service, number, serial, status, issued_at, calls, started_at, finished_at, window, staff) = r
            out.append(Ticket(id=tid, business_day=date.fromisoformat(day), service=service, number=number,
                              serial=serial, status=status, issued_at=_dt(issued_at),
                              calls=tuple(Call(_dt(a), w) for a, w in json.loads(calls)),
                              started_at=_dt(started_at), finished_at=_dt(finished_at), window=window, staff=staff))
        return out

    def _windows(self) -> list[WindowState]:
        return [WindowState(id=i, status=s, staff=st, staff_name=sn, pause_reason=pr, current=cur, since=_dt(since))
                for i, s, st, sn, pr, cur, since in self.conn.execute(
                    "SELECT id, status, staff, staff_name, pause_reason, current, since FROM windows ORDER BY id")]

    # -- reading history -------------------------------------------------------

    def tickets_of_day(self, day: date) -> list[Ticket]:
        with self._lock:
            return self._tickets("SELECT * FROM tickets WHERE business_day = ? ORDER BY id", (day.isoformat(),))

    def events_since(self, seq: int, limit: int = 1000) -> list[dict]:
        """The event log after `seq`, in order: what a display or the city link replays."""
        with self._lock:
            rows = self.conn.execute("SELECT seq, payload FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
                                     (seq, limit)).fetchall()
        return [dict(json.loads(p), seq=s) for s, p in rows]

    def recent_calls(self, limit: int = 10) -> list[dict]:
        with self._lock:
            rows = self.conn.execute("SELECT seq, payload FROM events WHERE name = 'ticket_called'"
                                     " ORDER BY seq DESC LIMIT ?", (limit,)).fetchall()
        return [dict(json.loads(p), seq=s) for s, p in rows]

    def ratings(self, day: Optional[date] = None) -> list[dict]:
        with self._lock:
            sql, args = "SELECT * FROM ratings", ()
            if day:
                sql, args = sql + " WHERE business_day = ?", (day.isoformat(),)
            return [dict(r) for r in self.db.query(sql + " ORDER BY id", args)]

    # -- users -----------------------------------------------------------------

    def get_user(self, username: str) -> Optional[dict]:
        with self._lock:
            rows = list(self.db.query("SELECT * FROM users WHERE username = ? AND active = 1", (username,)))
        return rows[0] if rows else None

    def put_user(self, username: str, name: str, role: str, password_hash: str, now: datetime) -> None:
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                self.conn.execute(
                    "INSERT INTO users (username, name, role, password_hash, created_at, active) VALUES (?,?,?,?,?,1)"
                    " ON CONFLICT(username) DO UPDATE SET name=excluded.name, role=excluded.role,"
                    " password_hash=excluded.password_hash, active=1",
                    (username, name, role, password_hash, now.isoformat()))
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise

    def list_users(self) -> list[dict]:
        with self._lock:
            return [dict(r) for r in self.db.query("SELECT username, name, role, active FROM users ORDER BY username")]
