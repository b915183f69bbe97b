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
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Callable, Iterable, Optional

import sqlite_utils

from assess.records import case_from_json, case_to_json  # noqa: F401 - the store's JSON of a case
from hall.state import Change, HallState
from hall.model import Appointment, Call, Step, Ticket, WindowState

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
    # 2: the queue rules — priorities, matters, real-name, transfers, appointments, blocks.
    # A transferred ticket keeps its number under another service, so numbers
    # are unique per business day rather than per (service, serial).
    """
    DROP INDEX tickets_day_service_serial;
    CREATE UNIQUE INDEX tickets_day_number ON tickets (business_day, number);
    ALTER TABLE tickets ADD COLUMN token TEXT NOT NULL DEFAULT '';
    ALTER TABLE tickets ADD COLUMN queued_at TEXT;
    ALTER TABLE tickets ADD COLUMN priority TEXT;
    ALTER TABLE tickets ADD COLUMN matter TEXT;
    ALTER TABLE tickets ADD COLUMN appointment TEXT;
    ALTER TABLE tickets ADD COLUMN id_hash TEXT;
    ALTER TABLE tickets ADD COLUMN id_masked TEXT;
    ALTER TABLE tickets ADD COLUMN target_window INTEGER;
    ALTER TABLE tickets ADD COLUMN steps TEXT NOT NULL DEFAULT '[]';
    CREATE INDEX tickets_token ON tickets (token);
    ALTER TABLE windows ADD COLUMN priority_streak INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE appointments (
        code TEXT PRIMARY KEY,
        service TEXT NOT NULL,
        day TEXT NOT NULL,
        slot_start TEXT NOT NULL,
        slot_end TEXT NOT NULL,
        name TEXT NOT NULL,
        id_hash TEXT,
        id_masked TEXT,
        status TEXT NOT NULL DEFAULT 'booked',
        ticket_id INTEGER REFERENCES tickets(id),
        created_at TEXT NOT NULL
    );
    CREATE INDEX appointments_day ON appointments (day);
    CREATE INDEX appointments_id ON appointments (id_hash, day);
    CREATE TABLE blocks (
        id INTEGER PRIMARY KEY,
        id_hash TEXT NOT NULL,
        until TEXT NOT NULL,
        reason TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX blocks_id ON blocks (id_hash)
    """,
    # 3: what became of each ticket at the printer, so a failed one can be reprinted.
    """
    ALTER TABLE tickets ADD COLUMN print_status TEXT
    """,
    # 4: which tickets the SMS gateway was told of (hall/notify.py), so a restart tells nobody twice.
    """
    CREATE TABLE notices (
        ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id),
        business_day TEXT NOT NULL,
        outcome TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX notices_day ON notices (business_day)
    """,
    # 5: the matter an appointment was booked for, so its ticket carries it.
    """
    ALTER TABLE appointments ADD COLUMN matter TEXT
    """,
    # 6: signed-in sessions kept by the hall (hall/auth.py), so signing out, a removed account
    # or another clerk taking the window ends a session everywhere. `id` is the SHA-256 of the
    # cookie's token: the file alone does not let anyone take over a session.
    """
    CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL,
        role TEXT NOT NULL,
        window INTEGER,
        csrf TEXT NOT NULL,
        created TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        ended_at TEXT,
        end_reason TEXT
    );
    CREATE INDEX sessions_live_user ON sessions (username) WHERE ended_at IS NULL;
    CREATE INDEX sessions_live_window ON sessions (window) WHERE ended_at IS NULL
    """,
    # 7: the records the figures are computed from (assess/records.py): one row per step of a
    # visit, so waiting and service times are queryable without decoding each ticket's JSON;
    # a rating per step (一次一评) that knows its service, matter and a bad rating's reasons;
    # bad-rating cases; the star-rating inputs; the version of each event's payload; and when a
    # ticket joined its current line (a transfer, a rejoin), from which its wait counts, while its
    # place in line (queued_at) may be earlier (transfer_keeps_place).
    lambda conn: _migrate_7(conn),
    # 8: the read-only `assessor` role (the assessment pages, the star-rating inputs).
    """
    CREATE TABLE users_v2 (
        username TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('staff', 'manager', 'admin', 'assessor')),
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1
    );
    INSERT INTO users_v2 SELECT username, name, role, password_hash, created_at, active FROM users;
    DROP TABLE users;
    ALTER TABLE users_v2 RENAME TO users
    """,
    # 9: a range of business days' steps in ticket order straight from an index (assess/reader.py),
    # not sorted in a temporary B-tree on every report (0.1-0.2 s a big hall's month); the new
    # index starts with business_day, so it serves every query steps_day did and replaces it.
    """
    CREATE INDEX steps_day_ticket ON steps (business_day, ticket_id, step);
    DROP INDEX steps_day
    """,
    # 10: electronic supervision (电子监察) and administration: alarms, each open at most once per kind
    # and subject, kept with its acknowledgement and end; the audit log of every administrative
    # change (who, when, before, after); the hall's configuration as versioned records; and the post
    # (AB岗: A or B holder) the clerk signed in at a window holds.
    """
    CREATE TABLE alarms (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        business_day TEXT NOT NULL,
        raised_at TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '{}',
        acknowledged_by TEXT,
        acknowledged_at TEXT,
        note TEXT NOT NULL DEFAULT '',
        cleared_at TEXT
    );
    CREATE UNIQUE INDEX alarms_open ON alarms (kind, subject) WHERE cleared_at IS NULL;
    CREATE INDEX alarms_day ON alarms (business_day);
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        username TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        before TEXT,
        after TEXT
    );
    CREATE INDEX audit_at ON audit (at);
    CREATE TABLE config_versions (
        version INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        username TEXT NOT NULL,
        source TEXT NOT NULL,
        config TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT ''
    );
    ALTER TABLE windows ADD COLUMN post TEXT
    """,
    # 11: the post (AB岗) a ticket's current step was called under, beside its clerk (the finished
    # steps carry theirs in `steps`); and an account disabled by an admin (active 0, removed 0), told
    # apart from one removed (removed 1), which is no longer listed.
    """
    ALTER TABLE tickets ADD COLUMN post TEXT;
    ALTER TABLE users ADD COLUMN removed INTEGER NOT NULL DEFAULT 0;
    UPDATE users SET removed = 1 WHERE active = 0
    """,
    # 12: a year's ratings counted by day and level from an index alone (the star rating's
    # citizens' part, assess/starbook.py), not by reading every rating row.
    """
    CREATE INDEX ratings_day_level ON ratings (business_day, level, excluded)
    """,
    # 13: each step's wait, first wait and service as whole microseconds beside its ISO times, kept by
    # the database on every write (so every writer, replay and old migrations included, fills them)
    # and back-filled: a month's figures read integers, never parsing a time (assess/reader.py facts).
    lambda conn: _migrate_13(conn),
]

_STEP_COLUMNS = ("ticket_id, step, business_day, number, service, matter, priority, issued_at, queued_at,"
                 " first_called_at, called_at, calls, started_at, ended_at, outcome, window, staff, post")
_RATING_COLUMNS = ("id, ticket_id, step, business_day, number, service, matter, window, staff, level, channel,"
                   " device, reasons, comment, at, excluded, exclusion_reason")

# The version of the payloads this HallQ writes to the event log (events.v). 1: before steps and
# per-step ratings; 2: ticket_rated names its step, service, matter, reasons and comment.
EVENT_VERSION = 2


def _migrate_7(conn) -> None:
    for statement in """
    ALTER TABLE tickets ADD COLUMN joined_at TEXT;
    CREATE TABLE steps (
        ticket_id INTEGER NOT NULL REFERENCES tickets(id),
        step INTEGER NOT NULL,
        business_day TEXT NOT NULL,
        number TEXT NOT NULL,
        service TEXT NOT NULL,
        matter TEXT,
        priority TEXT,
        issued_at TEXT NOT NULL,
        queued_at TEXT NOT NULL,
        first_called_at TEXT,
        called_at TEXT,
        calls INTEGER NOT NULL DEFAULT 0,
        started_at TEXT,
        ended_at TEXT,
        outcome TEXT NOT NULL,
        window INTEGER,
        staff TEXT,
        post TEXT,
        PRIMARY KEY (ticket_id, step)
    );
    CREATE INDEX steps_day ON steps (business_day);
    CREATE TABLE ratings_v2 (
        id INTEGER PRIMARY KEY,
        ticket_id INTEGER NOT NULL REFERENCES tickets(id),
        step INTEGER NOT NULL DEFAULT 0,
        business_day TEXT NOT NULL,
        number TEXT NOT NULL DEFAULT '',
        service TEXT NOT NULL DEFAULT '',
        matter TEXT,
        window INTEGER NOT NULL,
        staff TEXT,
        level TEXT,
        channel TEXT NOT NULL,
        device TEXT,
        reasons TEXT NOT NULL DEFAULT '[]',
        comment TEXT NOT NULL DEFAULT '',
        at TEXT NOT NULL,
        excluded INTEGER NOT NULL DEFAULT 0,
        exclusion_reason TEXT NOT NULL DEFAULT '',
        UNIQUE (ticket_id, step)
    );
    INSERT INTO ratings_v2 (id, ticket_id, step, business_day, number, service, matter, window, staff, level,
                            channel, device, at)
        SELECT r.id, r.ticket_id, COALESCE(json_array_length(t.steps), 0), r.business_day, t.number, t.service,
               CASE WHEN COALESCE(json_array_length(t.steps), 0) = 0
                         OR json_extract(t.steps, '$[0].service') = t.service THEN t.matter END,
               r.window, r.staff, r.level, r.channel, r.device, r.at
        FROM ratings r JOIN tickets t ON t.id = r.ticket_id;
    DROP TABLE ratings;
    ALTER TABLE ratings_v2 RENAME TO ratings;
    CREATE INDEX ratings_day ON ratings (business_day);
    CREATE TABLE cases (
        id INTEGER PRIMARY KEY,
        rating_id INTEGER NOT NULL UNIQUE REFERENCES ratings(id),
        ticket_id INTEGER NOT NULL,
        step INTEGER NOT NULL,
        business_day TEXT NOT NULL,
        opened_at TEXT NOT NULL,
        status TEXT NOT NULL,
        record TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX cases_open ON cases (status) WHERE status != 'closed';
    CREATE INDEX cases_day ON cases (business_day);
    CREATE TABLE star_months (
        hall TEXT NOT NULL,
        month TEXT NOT NULL,
        inputs TEXT NOT NULL,
        entered_by TEXT NOT NULL,
        entered_at TEXT NOT NULL,
        PRIMARY KEY (hall, month)
    );
    ALTER TABLE events ADD COLUMN v INTEGER NOT NULL DEFAULT 1
    """.split(";"):
        if statement.strip():
            conn.execute(statement)
    # The tickets as they were at migration 7: `post` came with migration 11.
    columns = _TICKET_COLUMNS.removesuffix(", post")
    for row in conn.execute(f"SELECT {columns} FROM tickets").fetchall():
        for values in _step_rows(_ticket(tuple(row) + (None,))):
            conn.execute(f"INSERT INTO steps ({_STEP_COLUMNS}) VALUES ({','.join('?' * 18)})", values)

def _micros_sql(column: str) -> str:
    """SQL for the ISO time in `column` (as `_ts` writes it: datetime.isoformat, no fraction or six digits,
    an offset or none) as whole microseconds since 1970 (no offset: taken as UTC; only differences are
    used). The seconds come from the text without its fraction (SQLite would round it to milliseconds),
    the fraction is added as an integer: exact, as Python's own datetime arithmetic."""
    frac = f"substr({column}, 20, 1) = '.'"
    return (f"(unixepoch(CASE WHEN {frac} THEN substr({column}, 1, 19) || substr({column}, 27) ELSE {column} END)"
            f" * 1000000 + CASE WHEN {frac} THEN CAST(substr({column}, 21, 6) AS INTEGER) ELSE 0 END)")


# The steps' durations (migration 13) as SQL over a row's time columns: NULL when either time is.
_STEP_DURATIONS = {"first_wait_us": ("queued_at", "first_called_at"), "wait_us": ("queued_at", "called_at"),
                   "service_us": ("started_at", "ended_at")}


def _durations_sql(row: str = "") -> str:
    return ", ".join(f"{name} = {_micros_sql(row + end)} - {_micros_sql(row + start)}"
                     for name, (start, end) in _STEP_DURATIONS.items())


def _migrate_13(conn) -> None:
    for name in _STEP_DURATIONS:
        conn.execute(f"ALTER TABLE steps ADD COLUMN {name} INTEGER")
    times = ", ".join(sorted({c for pair in _STEP_DURATIONS.values() for c in pair}))
    for event in ("INSERT", f"UPDATE OF {times}"):
        conn.execute(f"CREATE TRIGGER steps_durations_{event.split()[0].lower()} AFTER {event} ON steps BEGIN"
                     f" UPDATE steps SET {_durations_sql('NEW.')} WHERE rowid = NEW.rowid; END")
    conn.execute(f"UPDATE steps SET {_durations_sql()}")


_TICKET_COLUMNS = ("id, business_day, service, number, serial, status, issued_at, calls, started_at, finished_at,"
                   " window, staff, token, queued_at, priority, matter, appointment, id_hash, id_masked,"
                   " target_window, steps, print_status, joined_at, post")


def _ts(dt: Optional[datetime]) -> Optional[str]:
    return dt.isoformat() if dt else None


def _dt(text: Optional[str]) -> Optional[datetime]:
    return datetime.fromisoformat(text) if text else None


def _calls(calls) -> list:
    return [[_ts(x.at), x.window] for x in calls]


def _ticket_row(t: Ticket) -> tuple:
    steps = [{"service": s.service, "queued_at": _ts(s.queued_at), "calls": _calls(s.calls),
              "started_at": _ts(s.started_at), "ended_at": _ts(s.ended_at), "outcome": s.outcome,
              "window": s.window, "staff": s.staff, "joined_at": _ts(s.joined_at), "post": s.post} for s in t.steps]
    return (t.id, t.business_day.isoformat(), t.service, t.number, t.serial, t.status, _ts(t.issued_at),
            json.dumps(_calls(t.calls)), _ts(t.started_at), _ts(t.finished_at), t.window, t.staff, t.token,
            _ts(t.queued_at), t.priority, t.matter, t.appointment, t.id_hash, t.id_masked, t.target_window,
            json.dumps(steps), t.print_status, _ts(t.joined_at), t.post)


def _window_changes(conn, day: date) -> list[tuple[datetime, int, str]]:
    rows = conn.execute("SELECT payload FROM events WHERE business_day = ? AND name = 'window_changed'"
                        " ORDER BY seq", (day.isoformat(),)).fetchall()
    out = []
    for (payload,) in rows:
        e = json.loads(payload)
        w, at = e.get("window") or {}, e.get("at")
        if isinstance(w, dict) and isinstance(w.get("id"), int) and at:
            out.append((datetime.fromisoformat(at), w["id"], w.get("status")))
    return out


def read_history(path: str, config, day: date):
    """The estimate's prior for `day` (hall/estimate.py `learn_history`): the same weekday of the last
    four weeks, read from the hall's file on a read-only connection of its own. Module-level, so the
    hall runs it in its "forecast" helper process (hall/offloop.py), off the server's loop."""
    from hall import estimate
    conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        days = []
        for weeks in range(1, 5):
            past = day - timedelta(weeks=weeks)
            tickets = [_ticket(r) for r in conn.execute(
                f"SELECT {_TICKET_COLUMNS} FROM tickets WHERE business_day = ? ORDER BY id", (past.isoformat(),))]
            if tickets:
                days.append((weeks, tickets, estimate.pauses_from(config, _window_changes(conn, past))[0]))
        return estimate.learn_history(config, days)
    finally:
        conn.close()


def _ticket(r) -> Ticket:
    (tid, day, service, number, serial, status, issued_at, calls, started_at, finished_at, window, staff, token,
     queued_at, priority, matter, appointment, id_hash, id_masked, target_window, steps, print_status,
     joined_at, post) = r
    return Ticket(id=tid, business_day=date.fromisoformat(day), service=service, number=number, serial=serial,
                  status=status, issued_at=_dt(issued_at), calls=tuple(Call(_dt(a), w) for a, w in json.loads(calls)),
                  started_at=_dt(started_at), finished_at=_dt(finished_at), window=window, staff=staff, token=token,
                  queued_at=_dt(queued_at), priority=priority, matter=matter, appointment=appointment,
                  id_hash=id_hash, id_masked=id_masked, target_window=target_window, print_status=print_status,
                  joined_at=_dt(joined_at), post=post,
                  steps=tuple(Step(service=s["service"], queued_at=_dt(s["queued_at"]),
                                   calls=tuple(Call(_dt(a), w) for a, w in s["calls"]),
                                   started_at=_dt(s["started_at"]), ended_at=_dt(s["ended_at"]),
                                   outcome=s["outcome"], window=s["window"], staff=s["staff"],
                                   joined_at=_dt(s.get("joined_at")), post=s.get("post"))
                              for s in json.loads(steps)))


def _step_rows(t: Ticket) -> list[tuple]:
    """The rows of `steps` for a ticket: its finished steps, then the step it is in now."""
    rows = []

    def row(i, service, joined, calls, started_at, ended_at, outcome, window, staff, post):
        return (t.id, i, t.business_day.isoformat(), t.number, service, t.matter_of(service), t.priority,
                _ts(t.issued_at),
                _ts(joined), _ts(calls[0].at) if calls else None,
                _ts(calls[-1].at) if calls else None, len(calls), _ts(started_at), _ts(ended_at), outcome,
                window, staff, post)

    # A step's wait counts from when it joined its line: the issue, a transfer or a rejoin. (Files from
    # before `joined_at` give a later step the end of the one before: exact for a transfer.)
    joined = t.issued_at
    for i, s in enumerate(t.steps):
        joined = s.joined_at or joined
        rows.append(row(i, s.service, joined, s.calls, s.started_at, s.ended_at, s.outcome, s.window, s.staff, s.post))
        joined = s.ended_at
    rows.append(row(len(t.steps), t.service, t.joined_at or joined, t.calls, t.started_at, None if t.is_open else t.finished_at,
                    t.status, t.window, t.staff, t.post))
    return rows


_APPT_COLUMNS = "code, service, day, slot_start, slot_end, name, id_hash, id_masked, status, ticket_id, matter"


def _appointment(r) -> Appointment:
    code, service, day, start, end, name, id_hash, id_masked, status, ticket_id, matter = r
    return Appointment(code=code, service=service, day=date.fromisoformat(day), slot_start=time.fromisoformat(start),
                       slot_end=time.fromisoformat(end), name=name, id_hash=id_hash, id_masked=id_masked,
                       status=status, ticket_id=ticket_id, matter=matter)


SYNCHRONOUS_ENV = "HALLQ_SQLITE_SYNCHRONOUS"
SYNCHRONOUS_CHOICES = ("GROUP", "FULL", "NORMAL")


def synchronous_setting() -> str:
    """How the hall's commits reach the disk: GROUP (the default), FULL or NORMAL, from $HALLQ_SQLITE_SYNCHRONOUS.

    GROUP: SQLite's synchronous=NORMAL, and the store itself fsyncs the -wal file before a
    change is acknowledged (`Store.sync`), one fsync for every commit written meanwhile (group
    commit): what FULL guarantees of an acknowledged change, in fewer fsyncs when several
    kiosks and windows act at once. FULL: SQLite fsyncs the -wal at every COMMIT. NORMAL: no
    fsync but at checkpoints (may lose the last commits to a power cut, though never to a crash
    of the server). FULL and NORMAL are for bench/bench_durability.py, which measures all three.
    """
    import os
    from hall.errors import ConfigError
    value = os.environ.get(SYNCHRONOUS_ENV, "GROUP").strip().upper() or "GROUP"
    if value not in SYNCHRONOUS_CHOICES:
        raise ConfigError(f"{SYNCHRONOUS_ENV}={value!r} is not allowed; expected GROUP (the default), FULL or NORMAL.")
    return value


class Store:
    """Owns the database file. All writes go through `commit`, one at a time."""

    def __init__(self, path: str | Path):
        from hall.private import private_dir, private_file
        self.path = str(path)
        on_disk = self.path != ":memory:" and not self.path.startswith("file:")
        if on_disk:
            # Tickets, ID digests and password hashes: readable by the hall's user only,
            # whatever the umask. SQLite gives -wal and -shm the database file's mode.
            private_dir(Path(self.path).parent)
            private_file(self.path)
            # Before connecting: opening and closing a file drops every POSIX lock this process
            # holds on it, and SQLite's lock on -shm is what tells another process (hallq report,
            # a reader) that the wal-index is in use; without it that process resets the -shm
            # under this one, which dies of SIGBUS or reads a wrong index.
            for suffix in ("-wal", "-shm"):  # left by an older HallQ with the umask's mode
                if Path(self.path + suffix).exists():
                    private_file(self.path + suffix)
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self.db = sqlite_utils.Database(conn)
        self.conn = conn
        self._lock = threading.RLock()
        # Told the ids of the sessions a committed change ended, whatever ended them (hall/auth.py
        # binds the push here, so a changed account's sockets close at once).
        self.on_sessions_ended: list = []
        conn.execute("PRAGMA journal_mode=WAL")
        # A ticket the kiosk was shown survives a power cut, not only a crash: GROUP (or FULL) makes
        # the -wal durable before the answer (docs/reliability.md#durability-settings).
        setting = synchronous_setting()
        self.group_sync = setting == "GROUP" and on_disk
        conn.execute(f"PRAGMA synchronous={'NORMAL' if setting == 'GROUP' else setting}")
        self._written = 0          # commits written to the -wal so far ...
        self._synced = 0           # ... and how many of them an fsync has made durable
        self._sync_lock = threading.Lock()
        self._wal: Optional[tuple[int, int]] = None   # (fd, inode) of the -wal file, for its fsync
        self.fsyncs = 0            # how many fsyncs `sync` made (fewer than commits when they group)
        conn.execute("PRAGMA foreign_keys=ON")
        self.migrate()

    def migrate(self) -> None:
        with self._lock:
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
            for i, sql in enumerate(MIGRATIONS[version:], start=version + 1):
                self.conn.execute("BEGIN IMMEDIATE")
                try:
                    if callable(sql):
                        sql(self.conn)
                    else:
                        for statement in sql.split(";"):
                            if statement.strip():
                                self.conn.execute(statement)
                    self.conn.execute(f"PRAGMA user_version = {i}")
                    self.conn.execute("COMMIT")
                except Exception:
                    self.conn.execute("ROLLBACK")
                    raise

    def _durable_commit(self, sync: bool = True) -> None:
        """COMMIT, on a native thread when the server runs on gevent (hall/server.py), then
        `sync` unless told not to (the hall syncs after it lets go of its lock).

        The COMMIT may wait for the disk (an fsync with FULL, now and then a WAL checkpoint):
        done in the loop it would stop every socket and request for that long. The caller
        keeps the store's lock, so nothing else uses the connection meanwhile.
        """
        from hall.server import run_in_thread
        run_in_thread(self.conn.execute, "COMMIT")
        self._written += 1
        if sync:
            self.sync()

    def sync(self) -> None:
        """Make every commit written so far durable (GROUP; with FULL and NORMAL a no-op).

        Group commit: the first caller fsyncs the -wal on a native thread; the callers that
        committed meanwhile wait for that fsync to end, and the first of them whose commit it
        did not cover fsyncs once for all of them. An fsync of the file is durable for every
        frame written to it before, whoever wrote them.
        """
        if not self.group_sync:
            return
        mine = self._written
        if self._synced >= mine:
            return
        with self._sync_lock:
            if self._synced >= mine:
                return
            covered = self._written
            from hall.server import run_in_thread
            run_in_thread(self._fsync_wal)
            self._synced = max(self._synced, covered)

    def _fsync_wal(self) -> None:
        import os
        path = self.path + "-wal"
        try:
            inode = os.stat(path).st_ino
        except FileNotFoundError:   # checkpointed and removed (no other connection): all in the main file
            path, inode = self.path, None
        if self._wal is None or self._wal[1] != inode or inode is None:
            if self._wal is not None:
                os.close(self._wal[0])
            self._wal = (os.open(path, os.O_RDONLY), inode)
        os.fsync(self._wal[0])
        self.fsyncs += 1

    @property
    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self.sync()
            self.conn.close()
            if self._wal is not None:
                import os
                os.close(self._wal[0])
                self._wal = None

    # -- the one writer --------------------------------------------------------

    def commit(self, change: Change, payloads: list[dict], business_day: date,
               also: Optional[Callable[[sqlite3.Connection], None]] = None, sync: bool = True) -> list[int]:
        """Write a change and its events in one transaction; return the events' seqs. `also(conn)`
        writes more rows in the same transaction (a configuration version and its audit row).
        `sync=False`: committed but not yet durable against a power cut; the caller calls `sync`
        before it tells anyone (Hall._run, once it has let go of the hall's lock)."""
        seqs: list[int] = []
        with self._lock:
            c = self.conn
            c.execute("BEGIN IMMEDIATE")
            try:
                for t in change.tickets:
                    c.execute(f"INSERT OR REPLACE INTO tickets ({_TICKET_COLUMNS}) VALUES ({','.join('?' * 24)})",
                              _ticket_row(t))
                    c.executemany(f"INSERT OR REPLACE INTO steps ({_STEP_COLUMNS}) VALUES ({','.join('?' * 18)})",
                                  _step_rows(t))
                for w in change.windows:
                    c.execute("INSERT OR REPLACE INTO windows (id, status, staff, staff_name, pause_reason, current,"
                              " since, priority_streak, post) VALUES (?,?,?,?,?,?,?,?,?)",
                              (w.id, w.status, w.staff, w.staff_name, w.pause_reason, w.current, _ts(w.since),
                               w.priority_streak, w.post))
                for a in change.appointments:
                    c.execute("UPDATE appointments SET status = ?, ticket_id = ? WHERE code = ?",
                              (a.status, a.ticket_id, a.code))
                for id_hash, until in change.blocks:
                    c.execute("INSERT INTO blocks (id_hash, until, reason, at) VALUES (?,?,?,?)",
                              (id_hash, until.isoformat(), "appointment_no_shows",
                               _ts(change.events[0].at if change.events else None) or ""))
                for r in change.ratings:
                    # A rating may replace an "unrated" record of its step (the phone, within its
                    # time, after the rater's time passed); never another rating: UNIQUE(ticket_id, step).
                    c.execute("DELETE FROM ratings WHERE ticket_id = ? AND step = ? AND level IS NULL",
                              (r.ticket_id, r.step))
                    c.execute("INSERT INTO ratings (ticket_id, step, business_day, number, service, matter, window,"
                              " staff, level, channel, device, reasons, comment, at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                              (r.ticket_id, r.step, r.business_day.isoformat(), r.number, r.service, r.matter,
                               r.window, r.staff, r.level, r.channel, r.device,
                               json.dumps(list(r.reasons), ensure_ascii=False), r.comment, _ts(r.at)))
                for case in change.cases:
                    _put_case(c, case)
                for rating_id, reason in change.exclusions:
                    c.execute("UPDATE ratings SET excluded = 1, exclusion_reason = ? WHERE id = ?", (reason, rating_id))
                for entry in change.star_months:
                    # Entered again: the month's inputs are replaced; each entry stays in the event log.
                    c.execute("INSERT OR REPLACE INTO star_months (hall, month, inputs, entered_by, entered_at)"
                              " VALUES (?,?,?,?,?)", (entry.hall, entry.inputs.month,
                                                      json.dumps(star_inputs_to_json(entry.inputs), ensure_ascii=False),
                                                      entry.by, _ts(entry.at)))
                for a in change.alarms:
                    # Raised once (the partial unique index alarms_open refuses a second open one of a kind
                    # and subject), then acknowledged and cleared in place: its history is its one row.
                    c.execute("INSERT INTO alarms (id, kind, subject, business_day, raised_at, detail, acknowledged_by,"
                              " acknowledged_at, note, cleared_at) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE"
                              " SET acknowledged_by=excluded.acknowledged_by, acknowledged_at=excluded.acknowledged_at,"
                              " note=excluded.note, cleared_at=excluded.cleared_at", _alarm_row(a))
                day = (change.new_day or business_day).isoformat()
                for e, payload in zip(change.events, payloads):
                    cur = c.execute("INSERT INTO events (at, business_day, name, ticket_id, payload, v)"
                                    " VALUES (?,?,?,?,?,?)",
                                    (_ts(e.at), day, e.name, e.ticket.id if e.ticket else None,
                                     json.dumps(payload, ensure_ascii=False), EVENT_VERSION))
                    seqs.append(cur.lastrowid)
                if change.new_day is not None:
                    c.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('business_day', ?)", (day,))
                if change.day_closed:
                    c.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('day_closed', ?)", (day,))
                if also is not None:
                    also(c)
                self._durable_commit(sync)
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
                f"SELECT {_TICKET_COLUMNS} FROM tickets WHERE business_day = ? ORDER BY id", (day.isoformat(),))}
            closed = c.execute("SELECT value FROM meta WHERE key='day_closed'").fetchone()
            blocked = {}
            for h, until in c.execute("SELECT id_hash, max(until) FROM blocks GROUP BY id_hash"):
                blocked[h] = date.fromisoformat(until)
            windows = {w.id: w for w in self._windows()}
            next_id = (c.execute("SELECT max(id) FROM tickets").fetchone()[0] or 0) + 1
            last_seq = c.execute("SELECT max(seq) FROM events").fetchone()[0] or 0
            rated = {(tid, step): level for tid, step, level in c.execute(
                "SELECT ticket_id, step, level FROM ratings WHERE business_day = ?", (day.isoformat(),))}
            next_case = (c.execute("SELECT max(id) FROM cases").fetchone()[0] or 0) + 1
            # The open alarms, whatever their day: a restart neither raises them again nor loses them.
            alarms = {a.id: a for a in map(_alarm, c.execute(
                f"SELECT {_ALARM_COLUMNS} FROM alarms WHERE cleared_at IS NULL ORDER BY id"))}
            next_alarm = (c.execute("SELECT max(id) FROM alarms").fetchone()[0] or 0) + 1
        return HallState(business_day=day, tickets=tickets, windows=windows, next_ticket_id=next_id,
                         last_seq=last_seq, rated=rated, next_case_id=next_case, blocked=blocked,
                         day_closed=bool(closed and closed[0] == day.isoformat()), alarms=alarms,
                         next_alarm_id=next_alarm)

    def _tickets(self, sql: str, args: Iterable) -> list[Ticket]:
        return [_ticket(r) for r in self.conn.execute(sql, tuple(args)).fetchall()]

    def _windows(self) -> list[WindowState]:
        return [WindowState(id=i, status=s, staff=st, staff_name=sn, pause_reason=pr, current=cur, since=_dt(since),
                            priority_streak=ps, post=post)
                for i, s, st, sn, pr, cur, since, ps, post in self.conn.execute(
                    "SELECT id, status, staff, staff_name, pause_reason, current, since, priority_streak, post"
                    " FROM windows ORDER BY id")]

    def ticket_by_token(self, token: str) -> Optional[Ticket]:
        if not token:
            return None
        with self._lock:
            found = self._tickets(f"SELECT {_TICKET_COLUMNS} FROM tickets WHERE token = ?", (token,))
        return found[0] if found else None

    # -- appointments ----------------------------------------------------------

    def add_appointments(self, appointments: list[Appointment], now: datetime) -> None:
        """Store new appointments in one transaction; a code that exists already is refused whole."""
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                for a in appointments:
                    self.conn.execute(
                        "INSERT INTO appointments (code, service, day, slot_start, slot_end, name, id_hash, id_masked,"
                        " status, created_at, matter) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                        (a.code, a.service, a.day.isoformat(), a.slot_start.strftime("%H:%M"),
                         a.slot_end.strftime("%H:%M"), a.name, a.id_hash, a.id_masked, a.status, now.isoformat(),
                         a.matter))
                self._durable_commit()
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise

    def find_appointment(self, day: date, code: Optional[str] = None, id_hash: Optional[str] = None) -> Optional[Appointment]:
        """Today's appointment by its code or by the holder's ID (the earliest slot not yet used)."""
        with self._lock:
            if code is not None:
                rows = self.conn.execute(f"SELECT {_APPT_COLUMNS} FROM appointments WHERE code = ?", (code,)).fetchall()
            else:
                rows = self.conn.execute(f"SELECT {_APPT_COLUMNS} FROM appointments WHERE id_hash = ? AND day = ?"
                                         " ORDER BY status != 'booked', slot_start", (id_hash, day.isoformat())).fetchall()
        return _appointment(rows[0]) if rows else None

    def appointments_of_day(self, day: date) -> list[Appointment]:
        with self._lock:
            rows = self.conn.execute(f"SELECT {_APPT_COLUMNS} FROM appointments WHERE day = ? ORDER BY slot_start, code",
                                     (day.isoformat(),)).fetchall()
        return [_appointment(r) for r in rows]

    def missed_appointments(self, id_hash: str, since: date) -> int:
        with self._lock:
            return self.conn.execute("SELECT count(*) FROM appointments WHERE id_hash = ? AND status = 'no_show'"
                                     " AND day >= ?", (id_hash, since.isoformat())).fetchone()[0]

    # -- reading history -------------------------------------------------------

    def tickets_of_day(self, day: date) -> list[Ticket]:
        with self._lock:
            return self._tickets(f"SELECT {_TICKET_COLUMNS} FROM tickets WHERE business_day = ? ORDER BY id",
                                 (day.isoformat(),))

    def window_changes_of_day(self, day: date) -> list[tuple[datetime, int, str]]:
        """(at, window, status) of each window change of a business day, in order: the estimate
        learns from them how long this hall's pauses last."""
        with self._lock:
            return _window_changes(self.conn, day)

    def events_since(self, seq: int, limit: int = 1000) -> list[dict]:
        """The event log after `seq`, in order: what a display or the city link replays."""
        with self._lock:
            rows = self.conn.execute("SELECT seq, payload FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
                                     (seq, limit)).fetchall()
        return [dict(json.loads(p), seq=s) for s, p in rows]

    def rating_of_step(self, ticket_id: int, step: int):
        """What is stored for a step: hall.ratings.NOTHING, UNRATED, or its level."""
        from hall import ratings
        with self._lock:
            row = self.conn.execute("SELECT level FROM ratings WHERE ticket_id = ? AND step = ?",
                                    (ticket_id, step)).fetchone()
        if row is None:
            return ratings.NOTHING
        return ratings.UNRATED if row[0] is None else row[0]

    def case(self, case_id: int):
        """One bad-rating case (assess.records.CaseRecord), or None."""
        with self._lock:
            row = self.conn.execute("SELECT record FROM cases WHERE id = ?", (case_id,)).fetchone()
        return case_from_json(json.loads(row[0])) if row else None

    def open_cases(self) -> list:
        """Every bad-rating case not closed (assess.records.CaseRecord), by id: what the alarms watch."""
        with self._lock:
            rows = self.conn.execute("SELECT record FROM cases WHERE status != 'closed' ORDER BY id").fetchall()
        return [case_from_json(json.loads(r[0])) for r in rows]

    # -- alarms (电子监察, hall/alarms.py) -----------------------------------------

    def alarm(self, alarm_id: int):
        """One alarm (hall.model.Alarm), open or not, or None (an id beyond SQLite's 64 bits too)."""
        if not -(1 << 63) <= alarm_id < (1 << 63):
            return None
        with self._lock:
            row = self.conn.execute(f"SELECT {_ALARM_COLUMNS} FROM alarms WHERE id = ?", (alarm_id,)).fetchone()
        return _alarm(row) if row else None

    def alarms(self, open_only: bool = True, kind: Optional[str] = None, start: Optional[date] = None,
               end: Optional[date] = None, limit: int = 500) -> list:
        """Alarms raised on the business days start..end (both included, None: no bound) of `kind`:
        open ones first, then newest first."""
        where, args = [], []
        for clause, value in (("cleared_at IS NULL", open_only or None), ("kind = ?", kind),
                              ("business_day >= ?", start and start.isoformat()),
                              ("business_day <= ?", end and end.isoformat())):
            if value is not None:
                where.append(clause)
                if "?" in clause:
                    args.append(value)
        sql = (f"SELECT {_ALARM_COLUMNS} FROM alarms" + (" WHERE " + " AND ".join(where) if where else "")
               + " ORDER BY cleared_at IS NOT NULL, raised_at DESC, id DESC LIMIT ?")
        with self._lock:
            rows = self.conn.execute(sql, (*args, limit)).fetchall()
        return [_alarm(r) for r in rows]

    def figure_records(self, day: date, hall: str) -> tuple[list, list, list]:
        """What the figures of `day` are computed from (assess/records.py): the day's steps and
        ratings, and every bad-rating case not closed yet (one opened on an earlier day is still due)."""
        from assess.records import RatingRecord, StepRecord
        with self._lock:
            steps = self.conn.execute(f"SELECT {_STEP_COLUMNS} FROM steps WHERE business_day = ?",
                                      (day.isoformat(),)).fetchall()
            rated = self.conn.execute(f"SELECT {_RATING_COLUMNS} FROM ratings WHERE business_day = ?",
                                      (day.isoformat(),)).fetchall()
            cases = self.conn.execute("SELECT record FROM cases WHERE status != 'closed' ORDER BY id").fetchall()
        return ([StepRecord(hall, tid, step, date.fromisoformat(d), number, service, matter, priority, _dt(issued),
                            _dt(queued), _dt(first), _dt(called), calls, _dt(started), _dt(ended), outcome, window,
                            staff, post)
                 for (tid, step, d, number, service, matter, priority, issued, queued, first, called, calls, started,
                      ended, outcome, window, staff, post) in steps],
                [RatingRecord(hall, rid, tid, step, date.fromisoformat(d), number, service, matter, window, staff,
                              level, channel, device, tuple(json.loads(reasons)), comment, _dt(at), bool(excluded),
                              why)
                 for (rid, tid, step, d, number, service, matter, window, staff, level, channel, device, reasons,
                      comment, at, excluded, why) in rated],
                [case_from_json(json.loads(r[0])) for r in cases])

    def ratings(self, day: Optional[date] = None) -> list[dict]:
        with self._lock:
            sql, args = "SELECT * FROM ratings", ()
            if day:
                sql, args = sql + " WHERE business_day = ?", (day.isoformat(),)
            return [dict(r) for r in self.db.query(sql + " ORDER BY id", args)]

    # -- configuration versions (hall/configs.py) ------------------------------------

    def config_version(self, version: Optional[int] = None) -> Optional[dict]:
        """A stored configuration version (the latest when `version` is None): {version, at, username,
        source, config (its TOML text), note}; None when the hall has none yet."""
        with self._lock:
            sql = "SELECT version, at, username, source, config, note FROM config_versions"
            row = (self.conn.execute(sql + " WHERE version = ?", (version,)) if version is not None
                   else self.conn.execute(sql + " ORDER BY version DESC LIMIT 1")).fetchone()
        return None if row is None else dict(zip(("version", "at", "username", "source", "config", "note"), row))

    def config_versions(self, limit: int = 100) -> list[dict]:
        """The stored versions, newest first, without their text: {version, at, username, source, note}."""
        with self._lock:
            rows = self.conn.execute("SELECT version, at, username, source, note FROM config_versions"
                                     " ORDER BY version DESC LIMIT ?", (limit,)).fetchall()
        return [dict(zip(("version", "at", "username", "source", "note"), r)) for r in rows]

    def seed_config(self, text: str, at: datetime, username: str, note: str) -> Optional[int]:
        """Store `text` as version 1 if the hall has no configuration yet (source "seed"); the version
        stored, or None when the database already had one (it is left as it is)."""
        with self._transaction():
            if self.conn.execute("SELECT 1 FROM config_versions LIMIT 1").fetchone() is not None:
                return None
            put_config_version(self.conn, 1, at, username, "seed", text, note)
            return 1

    # -- personal data (hall/privacy.py) ------------------------------------------

    def purged_before(self) -> Optional[date]:
        """The day before which personal data was cleared already (None: never)."""
        with self._lock:
            row = self.conn.execute("SELECT value FROM meta WHERE key = 'personal_data_purged_before'").fetchone()
        return date.fromisoformat(row[0]) if row else None

    def first_day(self) -> Optional[date]:
        """The earliest business day anything was recorded for (a ticket, an appointment, an event)."""
        with self._lock:
            days = [r[0] for r in self.conn.execute(
                "SELECT min(business_day) FROM tickets UNION ALL SELECT min(day) FROM appointments"
                " UNION ALL SELECT min(business_day) FROM events") if r[0]]
        return date.fromisoformat(min(days)) if days else None

    def purge_personal_data(self, start: date, end: date) -> dict[str, int]:
        """Clear the personal data of the business days from `start` to before `end`, in one
        transaction: tickets' ID hashes and masks; appointments' names, ID hashes and masks; bad
        ratings' own words (`comment`), but while their case is still open; the same words and masks
        in the event log's payloads; blocks of IDs that ended before `end`. Everything the figures
        count (steps, levels, reasons, cases, times) stays as it was. Records `end` as the day purged
        before. How many rows of each kind it changed."""
        lo, hi = start.isoformat(), end.isoformat()
        days = (lo, hi)
        open_case = ("EXISTS (SELECT 1 FROM cases c WHERE c.ticket_id = {t} AND c.step = {s}"
                     " AND c.status != 'closed')")
        statements = {
            "tickets": ("UPDATE tickets SET id_hash = NULL, id_masked = NULL WHERE business_day >= ? AND business_day < ?"
                        " AND (id_hash IS NOT NULL OR id_masked IS NOT NULL)", days),
            "appointments": ("UPDATE appointments SET name = '', id_hash = NULL, id_masked = NULL WHERE day >= ?"
                             " AND day < ? AND (name != '' OR id_hash IS NOT NULL OR id_masked IS NOT NULL)", days),
            "ratings": ("UPDATE ratings SET comment = '' WHERE business_day >= ? AND business_day < ? AND comment != ''"
                        " AND NOT " + open_case.format(t="ratings.ticket_id", s="ratings.step"), days),
            "events": ("UPDATE events SET payload = json_set(payload, '$.comment', '') WHERE business_day >= ?"
                       " AND business_day < ? AND name IN ('ticket_rated', 'case_opened')"
                       " AND coalesce(json_extract(payload, '$.comment'), '') != ''"
                       " AND NOT " + open_case.format(t="events.ticket_id", s="coalesce(json_extract(events.payload,"
                                                      " '$.step'), json_extract(events.payload, '$.record.step'))"),
                       days),
            "event_ids": ("UPDATE events SET payload = json_set(payload, '$.id_masked', NULL) WHERE business_day >= ?"
                          " AND business_day < ? AND name IN ('appointment_missed', 'id_blocked')"
                          " AND json_extract(payload, '$.id_masked') IS NOT NULL", days),
            # A block that ended before `end` no longer refuses anyone: its ID hash has no use left.
            "blocks": ("DELETE FROM blocks WHERE until < ?", (hi,)),
        }
        counts: dict[str, int] = {}
        with self._transaction():
            for kind, (sql, args) in statements.items():
                counts[kind] = self.conn.execute(sql, args).rowcount
            counts["events"] += counts.pop("event_ids")
            self.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('personal_data_purged_before', ?)",
                              (hi,))
        return counts

    def audit(self, at: datetime, username: str, action: str, target: str, before: Optional[dict],
              after: Optional[dict]) -> None:
        """One row of the audit log on its own (a change that is not one transaction, such as a purge)."""
        with self._transaction():
            _audit(self.conn, at, username, action, target, before, after)

    # -- SMS notices -------------------------------------------------------------

    def put_notice(self, ticket_id: int, day: date, outcome: str, at: datetime) -> None:
        """Record what became of a ticket's near-the-front message: sent, failed, or skipped
        (the ticket started near the front, its holder still at the kiosk)."""
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                self.conn.execute("INSERT OR REPLACE INTO notices (ticket_id, business_day, outcome, at) VALUES (?,?,?,?)",
                                  (ticket_id, day.isoformat(), outcome, at.isoformat()))
                self._durable_commit()
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise

    def notices_of_day(self, day: date) -> dict[int, str]:
        """Ticket id -> outcome of the day's near-the-front messages."""
        with self._lock:
            rows = self.conn.execute("SELECT ticket_id, outcome FROM notices WHERE business_day = ?",
                                     (day.isoformat(),)).fetchall()
        return {tid: outcome for tid, outcome in rows}

    # -- users (hall/accounts.py decides; each change here is one transaction with its audit row) ------

    def get_user(self, username: str) -> Optional[dict]:
        """The account `username` if it may sign in (active), else None."""
        with self._lock:
            rows = list(self.db.query("SELECT * FROM users WHERE username = ? AND active = 1", (username,)))
        return rows[0] if rows else None

    def account(self, username: str) -> Optional[dict]:
        """The account `username`, active or disabled ({username, name, role, active, created_at}); None
        when there is none or it was removed."""
        with self._lock:
            row = self.conn.execute("SELECT username, name, role, active, created_at FROM users"
                                    " WHERE username = ? AND removed = 0", (username,)).fetchone()
        return None if row is None else dict(zip(("username", "name", "role", "active", "created_at"), row))

    def put_user(self, username: str, name: str, role: str, password_hash: str, now: datetime, *,
                 by: str = "system") -> list[str]:
        """Add an account, or replace the name, role and password of one (`hallq user add`, the demo),
        bringing a disabled or removed one back. A new role or password ends what was signed in
        before. Audited as `account_added` or `account_updated` by `by`; the sessions it ended."""
        with self._changing_users() as ended:
            old = self.conn.execute("SELECT role, password_hash, active, removed FROM users WHERE username = ?",
                                    (username,)).fetchone()
            before = self._account_state(username)
            if old is not None and tuple(old) != (role, password_hash, 1, 0):
                ended += _end_sessions(self.conn, "username = ?", (username,), "account_changed", now)
            self.conn.execute(
                "INSERT INTO users (username, name, role, password_hash, created_at, active, removed)"
                " VALUES (?,?,?,?,?,1,0) ON CONFLICT(username) DO UPDATE SET name=excluded.name, role=excluded.role,"
                " password_hash=excluded.password_hash, active=1, removed=0",
                (username, name, role, password_hash, now.isoformat()))
            after = self._account_state(username)
            if old is not None and old[1] != password_hash:
                after = dict(after, password="changed")   # that it changed: never the password or its hash
            added = before is None      # none, or removed: added (again)
            _audit(self.conn, now, by, "account_added" if added else "account_updated", username,
                   None if added else before, after)
        return ended

    def add_user(self, username: str, name: str, role: str, password_hash: str, now: datetime, *,
                 by: str) -> bool:
        """A new account (the admin's page); False, and nothing written, when the username is taken
        by any account, removed ones included (their records keep the username)."""
        with self._changing_users():
            if self.conn.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone():
                return False
            self.conn.execute("INSERT INTO users (username, name, role, password_hash, created_at, active, removed)"
                              " VALUES (?,?,?,?,?,1,0)", (username, name, role, password_hash, now.isoformat()))
            _audit(self.conn, now, by, "account_added", username, None, self._account_state(username))
        return True

    def set_role(self, username: str, role: str, now: datetime, *, by: str) -> Optional[list[str]]:
        """Give an account another role; its sessions end (`role_changed`). None: no such account."""
        return self._change_account(username, now, by, "role_changed", "UPDATE users SET role = ? WHERE username = ?",
                                    (role, username), end=True)

    def set_password(self, username: str, password_hash: str, now: datetime, *, by: str,
                     action: str = "password_reset", keep_session: Optional[str] = None) -> Optional[list[str]]:
        """A new password hash for an account: an admin's reset (`password_reset`) ends every session of
        it, the account's own change (`password_changed`) every one but `keep_session`, the one it was
        made in. The audit row says the password changed, never what to. None: no such account."""
        keep = ("id != ?", (keep_session,)) if keep_session else ("1", ())
        return self._change_account(username, now, by, action, "UPDATE users SET password_hash = ? WHERE username = ?",
                                    (password_hash, username), end=True, keep=keep, note={"password": "changed"})

    def set_active(self, username: str, active: bool, now: datetime, *, by: str) -> Optional[list[str]]:
        """Disable an account (it cannot sign in; its sessions end) or enable it again (`account_disabled`,
        `account_enabled`). None: no such account."""
        return self._change_account(username, now, by, "account_enabled" if active else "account_disabled",
                                    "UPDATE users SET active = ? WHERE username = ?", (1 if active else 0, username),
                                    end=not active)

    def remove_user(self, username: str, now: Optional[datetime] = None, *, by: str = "system") -> bool:
        """Take an account out of use: it can no longer sign in (`get_user` skips it) and is
        not listed. The row stays, so every ticket, rating, window and event that
        names the username still names a known account; `put_user` brings it back.
        False when there is no account of that name (or it was removed already)."""
        # Its sessions end with it, in the same transaction (also when `hallq user remove` runs
        # beside the server: the server's next look-up finds them ended).
        ended = self._change_account(username, now or datetime.now().astimezone(), by, "account_removed",
                                     "UPDATE users SET active = 0, removed = 1 WHERE username = ?", (username,),
                                     end=True, reason="account_removed")
        return ended is not None

    def list_users(self, removed: bool = False) -> list[dict]:
        """Every account by username, {username, name, role, active}; the removed ones too with `removed`."""
        with self._lock:
            return [dict(r) for r in self.db.query("SELECT username, name, role, active FROM users"
                                                   + ("" if removed else " WHERE removed = 0") + " ORDER BY username")]

    def live_sessions(self, since: datetime) -> dict[str, list[dict]]:
        """Username -> its sessions not ended and opened after `since` (younger than a session lives),
        each {window, created, last_seen}: who is signed in now, and where."""
        out: dict[str, list[dict]] = {}
        with self._lock:
            rows = self.conn.execute("SELECT username, window, created, last_seen FROM sessions"
                                     " WHERE ended_at IS NULL ORDER BY created").fetchall()
        for username, window, created, last_seen in rows:
            if datetime.fromisoformat(created) > since:
                out.setdefault(username, []).append({"window": window, "created": created, "last_seen": last_seen})
        return out

    def audit_entries(self, *, who: Optional[str] = None, action: Optional[str] = None,
                      start: Optional[datetime] = None, end: Optional[datetime] = None,
                      before_id: Optional[int] = None, limit: int = 100) -> list[dict]:
        """The audit log, newest first: [{id, at, username, action, target, before, after}] (before and
        after decoded), of `who`, of `action`, at or after `start` and before `end`, older than `before_id`."""
        where, args = [], []
        for clause, value in (("username = ?", who), ("action = ?", action), ("id < ?", before_id)):
            if value is not None:
                where.append(clause)
                args.append(value)
        sql = ("SELECT id, at, username, action, target, before, after FROM audit"
               + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id DESC")
        out = []
        with self._lock:
            cur = self.conn.execute(sql, args)
            try:
                # `at` is ISO text with its offset (whoever wrote it): compared as times, not as text.
                for rid, at, username, act, target, b, a in cur:
                    when = datetime.fromisoformat(at)
                    if (start is not None and when < start) or (end is not None and when >= end):
                        continue
                    out.append({"id": rid, "at": at, "username": username, "action": act, "target": target,
                                "before": json.loads(b) if b else None, "after": json.loads(a) if a else None})
                    if len(out) >= limit:
                        break
            finally:
                cur.close()
        return out

    def audit_choices(self) -> tuple[list[str], list[str]]:
        """Who appears in the audit log and which actions, each sorted: the audit page's filters."""
        with self._lock:
            who = [r[0] for r in self.conn.execute("SELECT DISTINCT username FROM audit ORDER BY username")]
            actions = [r[0] for r in self.conn.execute("SELECT DISTINCT action FROM audit ORDER BY action")]
        return who, actions

    def _account_state(self, username: str) -> Optional[dict]:
        """What the audit log keeps of an account: {name, role, active} (never its password hash)."""
        row = self.conn.execute("SELECT name, role, active, removed FROM users WHERE username = ?",
                                (username,)).fetchone()
        if row is None or row[3]:
            return None
        return {"name": row[0], "role": row[1], "active": bool(row[2])}

    def _change_account(self, username: str, now: datetime, by: str, action: str, sql: str, args: tuple, *,
                        end: bool, keep: tuple = ("1", ()), note: Optional[dict] = None,
                        reason: Optional[str] = None) -> Optional[list[str]]:
        """One change of an existing account: the update, its sessions ended (all of them but `keep`'s,
        with `reason`, by default the action), its audit row. None: no such account."""
        with self._changing_users() as ended:
            before = self._account_state(username)
            if before is None:
                return None
            self.conn.execute(sql, args)
            if end:
                ended += _end_sessions(self.conn, f"username = ? AND {keep[0]}", (username, *keep[1]),
                                       reason or action, now)
            after = self._account_state(username)
            _audit(self.conn, now, by, action, username, before, dict(after or {}, **(note or {})))
        return ended

    @contextmanager
    def _changing_users(self):
        """A transaction changing accounts; yields the list it adds the ended sessions' ids to, and
        tells `on_sessions_ended` of them once it committed."""
        ended: list[str] = []
        with self._transaction():
            yield ended
        self._tell_ended(ended)

    def _tell_ended(self, ended: list[str]) -> None:
        if not ended:
            return
        for listener in list(self.on_sessions_ended):
            try:
                listener(list(ended))
            except Exception:  # one listener's fault must not undo a committed change
                import logging
                logging.getLogger(__name__).exception("on_sessions_ended listener %r failed", listener)

    def recent_calls(self, limit: int = 10, day: Optional[date] = None) -> list[dict]:
        """The latest `limit` calls (of business day `day`, when given), newest first, each ticket at
        each window once: a recall (a `ticket_called` with `recall`) stands for that ticket's call,
        not for a second row."""
        out: list[dict] = []
        seen: set[tuple] = set()
        with self._lock:
            # Newest first, read only as far as needed (recalls are few: queue.max_recalls);
            # closing the cursor ends the read, so the next write is not held up by it.
            if day is None:
                cur = self.conn.execute("SELECT seq, payload FROM events WHERE name = 'ticket_called' ORDER BY seq DESC")
            else:
                cur = self.conn.execute("SELECT seq, payload FROM events WHERE name = 'ticket_called' AND business_day = ?"
                                        " ORDER BY seq DESC", (day.isoformat(),))
            try:
                for s, p in cur:
                    call = dict(json.loads(p), seq=s)
                    key = (call.get("number"), call.get("window"))
                    if key in seen:
                        continue
                    seen.add(key)
                    out.append(call)
                    if len(out) >= limit:
                        break
            finally:
                cur.close()
        return out

    # -- sessions (hall/auth.py) ------------------------------------------------

    def open_session(self, session_id: str, username: str, role: str, window: Optional[int], csrf: str,
                     now: datetime) -> None:
        with self._transaction():
            self.conn.execute("INSERT INTO sessions (id, username, role, window, csrf, created, last_seen)"
                              " VALUES (?,?,?,?,?,?,?)", (session_id, username, role, window, csrf, _ts(now), _ts(now)))

    def get_session(self, session_id: str) -> Optional[dict]:
        """The session and, when the account is still active, its current name and role (one indexed read)."""
        with self._lock:
            row = self.conn.execute(
                "SELECT s.id, s.username, s.role, s.window, s.csrf, s.created, s.last_seen, s.ended_at, s.end_reason,"
                " u.name, u.role FROM sessions s LEFT JOIN users u ON u.username = s.username AND u.active = 1"
                " WHERE s.id = ?", (session_id,)).fetchone()
        if row is None:
            return None
        keys = ("id", "username", "role", "window", "csrf", "created", "last_seen", "ended_at", "end_reason",
                "name", "account_role")
        return dict(zip(keys, row))

    def touch_session(self, session_id: str, now: datetime) -> None:
        with self._transaction():
            self.conn.execute("UPDATE sessions SET last_seen = ? WHERE id = ?", (_ts(now), session_id))

    def end_sessions(self, reason: str, now: datetime, *, session_id: Optional[str] = None,
                     username: Optional[str] = None, window: Optional[int] = None) -> list[str]:
        """End the live sessions matching every given criterion; the ids of those ended."""
        where, args = [], []
        for column, value in (("id", session_id), ("username", username), ("window", window)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        if not where:
            raise ValueError("end_sessions needs a session, username or window")
        with self._transaction():
            ended = _end_sessions(self.conn, " AND ".join(where), tuple(args), reason, now)
        self._tell_ended(ended)
        return ended

    def set_password_hash(self, username: str, password_hash: str) -> None:
        """Replace an account's hash with a new one of the same password (a rehash): its sessions stay."""
        with self._transaction():
            self.conn.execute("UPDATE users SET password_hash = ? WHERE username = ?", (password_hash, username))

    @contextmanager
    def _transaction(self):
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield
                self._durable_commit()
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise


_ALARM_COLUMNS = ("id, kind, subject, business_day, raised_at, detail, acknowledged_by, acknowledged_at, note,"
                  " cleared_at")


def _alarm_row(a) -> tuple:
    return (a.id, a.kind, a.subject, a.business_day.isoformat(), _ts(a.raised_at),
            json.dumps(a.detail, ensure_ascii=False), a.acknowledged_by, _ts(a.acknowledged_at), a.note,
            _ts(a.cleared_at))


def _alarm(r):
    from hall.model import Alarm
    aid, kind, subject, day, raised, detail, by, at, note, cleared = r
    return Alarm(id=aid, kind=kind, subject=subject, business_day=date.fromisoformat(day), raised_at=_dt(raised),
                 detail=json.loads(detail), acknowledged_by=by, acknowledged_at=_dt(at), note=note,
                 cleared_at=_dt(cleared))


def _put_case(conn, case) -> None:
    """Insert or update a bad-rating case; a new one finds its rating by ticket and step."""
    from dataclasses import replace
    if not case.rating_id:
        row = conn.execute("SELECT id FROM ratings WHERE ticket_id = ? AND step = ?", (case.ticket_id, case.step)).fetchone()
        case = replace(case, rating_id=row[0])
    conn.execute("INSERT INTO cases (id, rating_id, ticket_id, step, business_day, opened_at, status, record, updated_at)"
                 " VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET status=excluded.status,"
                 " record=excluded.record, updated_at=excluded.updated_at",
                 (case.case_id, case.rating_id, case.ticket_id, case.step, case.business_day.isoformat(),
                  _ts(case.opened_at), case.status, json.dumps(case_to_json(case), ensure_ascii=False),
                  _ts(datetime.now().astimezone())))


def put_config_version(conn, version: int, at: datetime, username: str, source: str, text: str, note: str) -> None:
    """Inside a transaction: a new configuration version (source: seed, browser or import)."""
    conn.execute("INSERT INTO config_versions (version, at, username, source, config, note) VALUES (?,?,?,?,?,?)",
                 (version, _ts(at), username, source, text, note or ""))


def star_inputs_to_json(inputs) -> dict:
    """A month's star-rating inputs (assess.stars.StarInputs) as the `star_months.inputs` JSON:
    {"self_assessment": {aspect: score} or null, "inspection": {"score", "findings": [...]} or null}."""
    i = inputs.inspection
    return {"self_assessment": dict(inputs.self_assessment) if inputs.self_assessment is not None else None,
            "inspection": None if i is None else {"score": i.score, "findings": list(i.findings)}}


def star_inputs_from_json(month: str, d: dict):
    """The StarInputs of `month` from its `star_months.inputs` JSON (star_inputs_to_json)."""
    from assess.stars import Inspection, StarInputs
    i = d.get("inspection")
    return StarInputs(month, d.get("self_assessment"),
                      None if i is None else Inspection(i["score"], tuple(i.get("findings", ()))))


def _audit(conn, at: datetime, username: str, action: str, target: str, before: Optional[dict],
           after: Optional[dict]) -> None:
    """Inside a transaction: one row of the audit log (who, when, what, on what, before, after as JSON)."""
    conn.execute("INSERT INTO audit (at, username, action, target, before, after) VALUES (?,?,?,?,?,?)",
                 (at.isoformat(), username, action, target,
                  None if before is None else json.dumps(before, ensure_ascii=False),
                  None if after is None else json.dumps(after, ensure_ascii=False)))


def _end_sessions(conn, where: str, args: tuple, reason: str, now: datetime) -> list[str]:
    """Inside a transaction: mark the live sessions matching `where` ended; their ids."""
    ids = [r[0] for r in conn.execute(f"SELECT id FROM sessions WHERE ended_at IS NULL AND {where}", args)]
    if ids:
        conn.execute(f"UPDATE sessions SET ended_at = ?, end_reason = ? WHERE ended_at IS NULL AND {where}",
                     (_ts(now), reason, *args))
    return ids
