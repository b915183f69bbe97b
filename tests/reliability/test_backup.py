"""Backups of a serving hall (hall/backup.py): `hallq backup` under load, `hallq restore` into a stopped
hall only, the nightly backup and its retention. Real server processes, real SQLite files, the real CLI.

    .venv/bin/python -m pytest -q tests/reliability/test_backup.py
"""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, time as clock_time
from pathlib import Path

import pytest
import requests

from hall import backup
from hall.model import BackupRules
from tests.server import ROOT, ServerProcess

pytestmark = pytest.mark.slow

SERVICES = ["A", "B", "D", "F"]     # the embedded hall's services with neither a quota nor real names


def hallq(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hall.cli", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def state_of(server: ServerProcess) -> dict:
    r = requests.get(server.url + "/api/state", timeout=10)
    r.raise_for_status()
    snap = r.json()
    snap.pop("now")              # the only field that is the time of asking, not the hall's state
    return snap


def numbers_in(db: Path) -> list[tuple[str, int, str]]:
    """(service, serial, number) of every ticket in the file, in the order they were issued."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT service, serial, number FROM tickets ORDER BY id").fetchall()
    finally:
        conn.close()


class Kiosks:
    """Threads issuing tickets over HTTP as fast as the hall answers; each number is kept with when its 201 came."""

    def __init__(self, url: str, n: int = 4):
        self.url, self.stop = url + "/api/tickets", threading.Event()
        self.acked: list[tuple[float, str]] = []
        self.errors: list[str] = []
        self.threads = [threading.Thread(target=self.run, args=(k,)) for k in range(n)]

    def run(self, k: int) -> None:
        s = requests.Session()
        i = 0
        while not self.stop.is_set():
            r = s.post(self.url, json={"service": SERVICES[(k + i) % len(SERVICES)]}, timeout=30)
            i += 1
            if r.status_code != 201:
                self.errors.append(r.text)
                return
            self.acked.append((time.monotonic(), r.json()["ticket"]["number"]))

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(60)

    def count(self) -> int:
        return len(self.acked)


def wait_for(predicate, timeout: float = 60.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_backup_taken_under_load_is_whole_and_a_restored_copy_serves_the_same_state(tmp_path):
    server = ServerProcess(tmp_path / "hall").start()
    try:
        copy = tmp_path / "under-load.db"
        with Kiosks(server.url) as kiosks:
            wait_for(lambda: kiosks.count() >= 50, what="the kiosks' first tickets")
            started = time.monotonic()
            before = {n for _, n in list(kiosks.acked)}
            done = hallq("backup", copy, "--data-dir", server.data_dir)
            ended = time.monotonic()
            wait_for(lambda: sum(1 for t, _ in list(kiosks.acked) if t > ended) >= 20,
                     what="tickets issued after the backup")
        assert kiosks.errors == []
        assert done.returncode == 0, done.stderr
        assert "integrity check ok" in done.stdout
        during = [n for t, n in kiosks.acked if started < t < ended]
        assert copy.stat().st_mode & 0o777 == 0o600
        conn = sqlite3.connect(copy)
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)   # one file, no -wal beside it
        conn.close()
        assert not Path(f"{copy}-wal").exists()
        # One moment's database: every ticket told to a kiosk before the backup began is in it, and each
        # service's numbers run 1, 2, 3... with none missing (a copy mixing two moments would show a gap).
        in_copy = numbers_in(copy)
        numbers = {number for _, _, number in in_copy}
        assert before <= numbers
        for service in SERVICES:
            serials = sorted(serial for s, serial, _ in in_copy if s == service)
            assert serials == list(range(1, len(serials) + 1)), service
        print(f"{len(before)} tickets before the backup, {len(during)} issued while it ran, {len(in_copy)} in it")

        # Restored into a fresh data directory and served: the same hall as the copy's moment.
        fresh = tmp_path / "restored"
        r = hallq("restore", copy, "--data-dir", fresh)
        assert r.returncode == 0, r.stderr
        assert (fresh / "secret_key").read_bytes() == (server.data_dir / "secret_key").read_bytes()
        restored = ServerProcess(fresh).start()
        try:
            waiting = [t["number"] for t in state_of(restored)["waiting"]]
            assert sorted(waiting) == sorted(numbers)
        finally:
            restored.stop()

        # A quiet hall's backup, restored and served, answers /api/state exactly as the hall does.
        quiet = tmp_path / "quiet.db"
        assert hallq("backup", quiet, "--data-dir", server.data_dir).returncode == 0
        expected = state_of(server)
    finally:
        server.stop()
    fresh2 = tmp_path / "restored-quiet"
    assert hallq("restore", quiet, "--data-dir", fresh2).returncode == 0
    restored = ServerProcess(fresh2).start()
    try:
        served = state_of(restored)
        # The restored hall's ticker may have logged events since (an alarm on its long lines, as the
        # original's next tick would have): every event the copy had is there, the state is the same.
        assert served.pop("seq") >= expected.pop("seq")
        assert served == expected
    finally:
        restored.stop()


def test_restore_is_refused_while_the_hall_serves_and_changes_nothing(tmp_path):
    server = ServerProcess(tmp_path / "hall").start()
    try:
        requests.post(server.url + "/api/tickets", json={"service": "A"}, timeout=10).raise_for_status()
        copy = tmp_path / "copy.db"
        assert hallq("backup", copy, "--data-dir", server.data_dir).returncode == 0
        requests.post(server.url + "/api/tickets", json={"service": "A"}, timeout=10).raise_for_status()
        files = sorted(p.name for p in server.data_dir.iterdir())
        r = hallq("restore", copy, "--data-dir", server.data_dir)
        assert r.returncode == 2
        assert "正在使用" in r.stderr and "A hall server is running on" in r.stderr
        assert "Traceback" not in r.stderr
        assert sorted(p.name for p in server.data_dir.iterdir()) == files
        assert [t["number"] for t in state_of(server)["waiting"]] == ["A001", "A002"]
    finally:
        server.stop()


def test_restore_keeps_the_replaced_database_with_what_its_wal_held(tmp_path):
    """A hall killed with its last tickets only in -wal: the restore sets the database and its -wal aside together."""
    server = ServerProcess(tmp_path / "hall").start()
    copy = tmp_path / "copy.db"
    try:
        requests.post(server.url + "/api/tickets", json={"service": "A"}, timeout=10).raise_for_status()
        assert hallq("backup", copy, "--data-dir", server.data_dir).returncode == 0
        for _ in range(3):
            requests.post(server.url + "/api/tickets", json={"service": "B"}, timeout=10).raise_for_status()
    finally:
        server.kill()            # no clean close: the B tickets may be in hallq.db-wal only
    r = hallq("restore", copy, "--data-dir", server.data_dir)
    assert r.returncode == 0, r.stderr
    kept = [p for p in server.data_dir.iterdir() if backup.NIGHTLY.match(p.name) is None
            and p.name.startswith("hallq-replaced-") and p.name.endswith(".db")]
    assert len(kept) == 1, list(server.data_dir.iterdir())
    assert [n for _, _, n in numbers_in(kept[0])] == ["A001", "B001", "B002", "B003"]
    assert [n for _, _, n in numbers_in(server.data_dir / "hallq.db")] == ["A001"]


@pytest.mark.parametrize("content, code", [
    (b"", "not_a_backup"),
    (b"SQLite format 3\x00" + b"\x00" * 200, "not_a_backup"),
    (b"hello, this is a text file\n" * 100, "not_a_backup"),
])
def test_restore_refuses_a_file_that_is_not_a_hall_database(tmp_path, content, code):
    bad = tmp_path / "bad.db"
    bad.write_bytes(content)
    with pytest.raises(backup.BackupError) as err:
        backup.restore(bad, tmp_path / "data")
    assert err.value.code == code
    assert not (tmp_path / "data" / "hallq.db").exists()


def test_restore_refuses_a_damaged_copy_and_another_programs_database(tmp_path):
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()
    with pytest.raises(backup.BackupError) as err:
        backup.check(other)
    assert err.value.code == "not_a_backup"
    # A real hall copy with a page in the middle overwritten.
    from hall.store import Store
    store = Store(tmp_path / "src" / "hallq.db")
    store.conn.execute("CREATE TABLE filler (x)")
    store.conn.executemany("INSERT INTO filler VALUES (randomblob(500))", [()] * 2000)
    store.close()
    copy = tmp_path / "copy.db"
    backup.take(tmp_path / "src" / "hallq.db", copy)
    data = bytearray(copy.read_bytes())
    data[len(data) // 2: len(data) // 2 + 4096] = b"\xff" * 4096
    copy.write_bytes(bytes(data))
    with pytest.raises(backup.BackupError) as err:
        backup.restore(copy, tmp_path / "data")
    assert err.value.code in ("backup_damaged", "not_a_backup")
    assert not (tmp_path / "data" / "hallq.db").exists()


@pytest.mark.parametrize("at, now, taken", [
    ("02:30", "2026-12-03T02:29:59", False),
    ("02:30", "2026-12-03T02:30:00", True),
    ("02:30", "2026-12-03T23:00:00", True),     # missed (the server was off at 02:30): taken at start
    ("00:00", "2026-12-03T00:00:00", True),
])
def test_the_nightly_backup_is_due_from_its_time_of_day(tmp_path, at, now, taken):
    rules = BackupRules(directory="b", at=clock_time.fromisoformat(at), keep=3)
    due = backup.nightly_due(rules, datetime.fromisoformat(now), tmp_path)
    assert (due == tmp_path / "hallq-2026-12-03.db") if taken else due is None
    if taken:
        due.write_bytes(b"")
        assert backup.nightly_due(rules, datetime.fromisoformat(now), tmp_path) is None   # once a day


def test_the_server_takes_the_nightly_backup_each_day_and_keeps_the_newest(tmp_path):
    """`hallq demo --fake-clock`: the hall's own clock is moved a day at a time; no wall-clock waits asserted."""
    nightly = tmp_path / "nightly"
    nightly.mkdir()
    for day in ("2025-01-01", "2025-01-02", "2025-01-03"):
        (nightly / f"hallq-{day}.db").write_bytes(b"old")
    (nightly / "notes.txt").write_text("not a backup: never removed")
    hall_file = tmp_path / "hall.toml"
    hall_file.write_text((ROOT / "config" / "hall.toml").read_text(encoding="utf-8")
                         + f'\n[backup]\ndirectory = "{nightly}"\nat = "00:00"\nkeep = 2\n', encoding="utf-8")
    server = ServerProcess(tmp_path / "hall", command="demo",
                           extra=["--no-devices", "--fake-clock", "--config", str(hall_file)]).start()
    try:
        def nightly_files():
            return sorted(p.name for p in nightly.iterdir() if backup.NIGHTLY.match(p.name))

        def this_years():
            return [f for f in nightly_files() if f > "hallq-2026"]
        # Due at once ("00:00" has passed): today's file, and of the old ones only the newest stays (keep = 2).
        wait_for(lambda: len(this_years()) == 1 and len(nightly_files()) == 2, what="the first nightly backup")
        assert nightly_files()[0] == "hallq-2025-01-03.db"
        today = this_years()[0]
        requests.post(server.url + "/api/tickets", json={"service": "A"}, timeout=10).raise_for_status()
        requests.post(server.url + "/api/lab/clock", json={"minutes": 1440}, timeout=10).raise_for_status()
        wait_for(lambda: len(this_years()) == 2, what="the next day's backup")
        files = nightly_files()
        assert files[0] == today and len(files) == 2      # the newest two: yesterday's and today's
        newest = nightly / files[-1]
        assert newest.stat().st_mode & 0o777 == 0o600
        backup.check(newest)
        assert "A001" in [n for _, _, n in numbers_in(newest)]
        assert (nightly / "notes.txt").exists()
    finally:
        server.stop()


def _hall_with(backup_section: str) -> str:
    return (ROOT / "config" / "hall.toml").read_text(encoding="utf-8") + "\n[backup]\n" + backup_section + "\n"


@pytest.mark.parametrize("section, rules", [
    ("", BackupRules()),
    ('directory = "/mnt/backup/hallq"', BackupRules(directory="/mnt/backup/hallq")),
    ('directory = "backups"\nat = "23:59"\nkeep = 1', BackupRules(directory="backups", at=clock_time(23, 59), keep=1)),
])
def test_the_backup_section_is_read_and_written_back_the_same(section, rules):
    from config.loader import parse_config
    from config.writer import dump_toml
    config = parse_config(_hall_with(section))
    assert config.backup == rules
    assert parse_config(dump_toml(config)).backup == rules


@pytest.mark.parametrize("section, sentence", [
    ("at = \"25:00\"", "hall.toml: backup.at = '25:00' is not allowed; expected the time of day the backup is taken, "
                       "such as \"02:30\"."),
    ("at = 02:30:00", "hall.toml: backup.at = datetime.time(2, 30) is not allowed; expected the time of day the backup "
                      "is taken, such as \"02:30\"."),
    ("keep = 0", "hall.toml: backup.keep = 0 is not allowed; expected a whole number from 1 to 3650."),
    ("directory = \"\"", "hall.toml: backup.directory = '' is not allowed; expected the folder the nightly backups are "
                         "written to, such as \"/mnt/backup/hallq\" (or leave it out for no nightly backup)."),
    ("retention = 3", "hall.toml: backup.retention is not a known key; expected one of ['at', 'directory', 'keep']."),
])
def test_a_wrong_backup_setting_is_refused_in_one_sentence(section, sentence):
    from config.loader import parse_config
    from hall.errors import ConfigError
    with pytest.raises(ConfigError) as err:
        parse_config(_hall_with(section), "hall.toml")
    assert str(err.value) == sentence
