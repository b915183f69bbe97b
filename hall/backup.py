"""Backups of the hall's database while it serves, and their restore into a stopped hall.

`take` copies the database through SQLite's online backup API on a read-only
connection of its own, never the Store's: it holds one read transaction for
the whole copy, so the copy is the database as of one moment, and in WAL mode
a reader never blocks the hall's writer (a kiosk issues on while the copy is
made). Without that transaction, the backup API starts again each time another
connection commits, and under a busy hall it may never finish (tried: a
copy of 25 MB had not finished after ten minutes while one writer inserted;
holding the transaction, a 6 MB copy under the same writer took 35 ms). The pages
are copied in steps of STEP_PAGES with the GIL released, so a nightly backup
on a native thread leaves the server's loop running.

The copy is written beside its destination, checked (integrity_check), made a
plain rollback-journal file and renamed into place: a backup file either is
whole or is not there. The session key of the hall's data directory, which
keys the ID digests (per-person limits, the block list), goes into the copy's
`meta` table, so a restore into a new machine still recognises every ID.

`restore` checks a backup (a SQLite file, integrity_check ok, a HallQ
database of a schema this HallQ knows) before it replaces anything, and keeps
the replaced database (with its -wal) aside under a dated name.

The nightly backup (`[backup]` in the hall file, docs/config.md) is taken by
`start_nightly`'s thread, which reads the configuration in force each time.
"""
from __future__ import annotations

import logging
import os
import re
import sqlite3
import threading
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Callable, Optional

from hall.errors import HallError
from hall.private import private_dir, private_file

log = logging.getLogger(__name__)

DB_NAME = "hallq.db"
STEP_PAGES = 1024                    # 4 MiB a step with 4 KiB pages
KEY_ROW = "backup_secret_key"        # meta rows a backup carries and a restore takes out again
TAKEN_ROW = "backup_taken_at"
NIGHTLY = re.compile(r"^hallq-(\d{4}-\d{2}-\d{2})\.db$")
CHECK_EVERY_S = 5.0                  # how often the nightly thread looks whether the day's backup is due
# The tables every HallQ database has had since its first migration.
HALL_TABLES = {"tickets", "windows", "events", "ratings", "users", "meta"}


class BackupError(HallError):
    """A refused backup or restore: a sentence the `hallq` command prints, never an API answer."""


@dataclass(frozen=True)
class Backup:
    path: Path
    pages: int
    steps: int
    tickets: int
    last_seq: int


def take(db_path: str | Path, dest: str | Path, step_pages: int = STEP_PAGES,
         now: Optional[datetime] = None) -> Backup:
    """Copy the database at `db_path` to `dest` (0600) while the hall may be serving; refuse an existing `dest`."""
    db_path, dest = Path(db_path), Path(dest)
    if not db_path.exists():
        raise BackupError("no_database", f"{db_path.parent} 里没有大厅的数据库（{DB_NAME}），请用 --data-dir 指定大厅的数据目录。",
                        f"{db_path.parent} holds no hall database ({DB_NAME}); give the hall's data directory "
                        f"with --data-dir.")
    if dest.exists():
        raise BackupError("backup_exists", f"{dest} 已存在，备份不会覆盖它：请换一个文件名，例如带上日期。",
                        f"{dest} exists and a backup never overwrites a file; choose another name, e.g. with the date.")
    if not dest.parent.is_dir():
        raise BackupError("no_directory", f"{dest.parent} 不是一个已有的文件夹，请先建立它或换一个位置。",
                        f"{dest.parent} is not an existing folder; create it or choose another place.")
    partial = dest.with_name(f".{dest.name}.partial")
    partial.unlink(missing_ok=True)          # left by a backup that was killed
    private_file(partial)
    src = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None, timeout=30)
    try:
        copy = sqlite3.connect(partial, isolation_level=None)
        try:
            steps = [0]

            def progress(_status, _remaining, _total):
                steps[0] += 1
            # One read transaction for every step: the copy is one moment's database, and it is never restarted.
            src.execute("BEGIN")
            src.execute("SELECT count(*) FROM sqlite_master").fetchone()
            src.backup(copy, pages=step_pages, progress=progress)
            src.execute("COMMIT")
            _check(copy, dest)
            copy.execute("PRAGMA journal_mode=DELETE")      # one self-contained file, no -wal beside it
            key = db_path.parent / "secret_key"
            copy.execute("BEGIN IMMEDIATE")
            if key.exists():
                copy.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (KEY_ROW, key.read_bytes().hex()))
            copy.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                         (TAKEN_ROW, (now or datetime.now().astimezone()).isoformat(timespec="seconds")))
            copy.execute("COMMIT")
            pages = copy.execute("PRAGMA page_count").fetchone()[0]
            tickets = copy.execute("SELECT count(*) FROM tickets").fetchone()[0]
            last_seq = copy.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]
        finally:
            copy.close()
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        src.close()
    _fsync(partial)
    os.replace(partial, dest)
    _fsync_dir(dest.parent)
    return Backup(path=dest, pages=pages, steps=steps[0], tickets=tickets, last_seq=last_seq)


def check(path: str | Path) -> None:
    """Raise BackupError with a sentence unless `path` is a whole HallQ database this HallQ can run on."""
    path = Path(path)
    if not path.is_file():
        raise BackupError("no_backup", f"找不到备份文件 {path}，请检查路径。", f"There is no backup file {path}; check the path.")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise _not_a_backup(path, str(exc)) from None
    try:
        _check(conn, path)
    finally:
        conn.close()


def _check(conn: sqlite3.Connection, path: Path) -> None:
    from hall.store import MIGRATIONS
    try:
        result = [r[0] for r in conn.execute("PRAGMA integrity_check(5)")]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:         # not a database at all, or encrypted, or truncated
        raise _not_a_backup(path, str(exc)) from None
    if result != ["ok"]:
        raise BackupError("backup_damaged", f"{path} 没有通过完整性检查（{result[0]}），不能用：请换一份备份。",
                        f"{path} fails SQLite's integrity check ({'; '.join(result)}); use another backup.")
    if not HALL_TABLES <= tables or version < 1:
        raise _not_a_backup(path, "no HallQ tables")
    if version > len(MIGRATIONS):
        raise BackupError("backup_too_new", f"{path} 是较新版本的 HallQ 做的（数据库版本 {version}），请先升级 HallQ 再恢复。",
                        f"{path} was made by a newer HallQ (schema {version}, this one knows {len(MIGRATIONS)}); "
                        f"upgrade HallQ before restoring it.")


def _not_a_backup(path: Path, why: str) -> "BackupError":
    return BackupError("not_a_backup", f"{path} 不是 HallQ 的数据库备份，没有恢复任何东西。",
                     f"{path} is not a HallQ database backup ({why}); nothing was restored.")


def restore(backup: str | Path, data_dir: str | Path, now: Optional[datetime] = None) -> dict:
    """Put `backup` in place as `data_dir`'s database. The caller holds the data directory's lock
    (no hall serves on it). Returns what was done: {"kept": the replaced file or None, "key": ...}."""
    backup, data_dir = Path(backup), private_dir(data_dir)
    check(backup)
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    incoming = data_dir / f".{DB_NAME}.restoring"
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{incoming}{suffix}").unlink(missing_ok=True)
    private_file(incoming)
    src = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)
    dst = sqlite3.connect(incoming, isolation_level=None)
    try:
        src.backup(dst)
        row = dst.execute("SELECT value FROM meta WHERE key = ?", (KEY_ROW,)).fetchone()
        dst.execute("DELETE FROM meta WHERE key IN (?, ?)", (KEY_ROW, TAKEN_ROW))
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        src.close()
        dst.close()
    _fsync(incoming)
    current = data_dir / DB_NAME
    kept = None
    if current.exists():
        # The replaced database goes aside with its -wal, which may hold committed transactions
        # (SQLite finds it by the new name): nothing is ever lost to a restore.
        kept = _free_name(data_dir, f"hallq-replaced-{stamp}", ".db")
        for suffix in ("-wal", "-shm", ""):           # the database last, so a -wal is never left orphaned
            if Path(f"{current}{suffix}").exists():
                os.replace(f"{current}{suffix}", f"{kept}{suffix}")
    key_done = "absent"
    if row is not None:
        key_done = _put_key(data_dir, bytes.fromhex(row[0]), stamp)
    os.replace(incoming, current)
    _fsync_dir(data_dir)
    return {"kept": kept, "key": key_done}


def _put_key(data_dir: Path, key: bytes, stamp: str) -> str:
    """The backup's session key as the data directory's; a different one there is kept aside."""
    path = data_dir / "secret_key"
    if path.exists():
        if path.read_bytes() == key:
            return "same"
        os.replace(path, _free_name(data_dir, f"secret_key-replaced-{stamp}", ""))
    tmp = data_dir / ".secret_key.restoring"
    private_file(tmp)
    tmp.write_bytes(key)
    _fsync(tmp)
    os.replace(tmp, path)
    return "restored"


def _free_name(folder: Path, stem: str, suffix: str) -> Path:
    """`stem + suffix` in `folder`, or with -2, -3... when taken: a kept file is never overwritten."""
    path, n = folder / f"{stem}{suffix}", 1
    while path.exists() or Path(f"{path}-wal").exists():
        n += 1
        path = folder / f"{stem}-{n}{suffix}"
    return path


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# -- the nightly backup -------------------------------------------------------------------------

def backup_dir(rules, data_dir: Path) -> Optional[Path]:
    """The nightly backups' folder: `[backup] directory`, relative to the data directory; None: no nightly backup."""
    if not rules.directory:
        return None
    return Path(data_dir) / Path(rules.directory).expanduser()


def nightly_due(rules, local_now: datetime, folder: Path) -> Optional[Path]:
    """The file of today's nightly backup when it is due and not yet taken, else None."""
    if local_now.time() < rules.at:
        return None
    path = folder / f"hallq-{local_now.date().isoformat()}.db"
    return None if path.exists() else path


def prune(folder: Path, keep: int) -> list[Path]:
    """Remove the nightly files past the newest `keep` (by the day in their names); other files stay."""
    days: list[tuple[date, Path]] = []
    for p in folder.iterdir():
        m = NIGHTLY.match(p.name)
        if m:
            try:
                days.append((date.fromisoformat(m.group(1)), p))
            except ValueError:
                continue
    days.sort(reverse=True)
    removed = [p for _, p in days[keep:]]
    for p in removed:
        p.unlink(missing_ok=True)
    return removed


def run_nightly(hall, data_dir: Path) -> Optional[Backup]:
    """Take today's nightly backup if it is due, then prune; the nightly thread calls this every few seconds."""
    rules = hall.config.backup            # the configuration in force now: an admin may have changed it
    folder = backup_dir(rules, data_dir)
    if folder is None:
        return None
    local_now = hall.clock().astimezone(hall.engine.tz)
    if not folder.exists():
        private_dir(folder)
    path = nightly_due(rules, local_now, folder)
    if path is None:
        return None
    from hall.server import run_in_thread
    done = run_in_thread(take, Path(data_dir) / DB_NAME, path, now=local_now)
    removed = prune(folder, rules.keep)
    log.info("nightly backup %s: %d pages, %d tickets; removed %d old backups", path, done.pages, done.tickets,
             len(removed))
    return done


def start_nightly(hall, data_dir: Path, every: float = CHECK_EVERY_S,
                  on_error: Optional[Callable[[Exception], None]] = None) -> threading.Event:
    """Look every `every` seconds whether the day's backup is due; set the returned event to stop.

    A failed backup is logged once per day and tried again at the next look."""
    stop = threading.Event()
    failed_on = [None]

    def run():
        while True:
            try:
                run_nightly(hall, data_dir)
                failed_on[0] = None
            except Exception as exc:
                day = hall.clock().date()
                if failed_on[0] != day:
                    failed_on[0] = day
                    log.error("nightly backup failed: %s", getattr(exc, "message_en", exc))
                if on_error is not None:
                    on_error(exc)
            if stop.wait(every):
                return
    threading.Thread(target=run, name="hall-backup", daemon=True).start()
    return stop
