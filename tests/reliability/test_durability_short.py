"""The durability benchmark's short version, as CI runs it: bench/bench_durability.py's own code
(imported) with a few kiosks and tickets for each setting, GROUP (the hall's), FULL and NORMAL.

Each setting's server is started with $HALLQ_SQLITE_SYNCHRONOUS and must have it in its
environment; every ticket it acknowledged must be in its file after a kill -9 of its process
group (no shutdown code runs), each number once. No figure of time is asserted: the long version
is the benchmark itself (docs/reliability.md, Durability settings).

    .venv/bin/python -m pytest -s tests/reliability/test_durability_short.py
"""
from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest

from tests.server import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import bench_durability as durability  # noqa: E402  (the benchmark's own code, by import)

KIOSKS, PER_KIOSK = 4, 15


@pytest.mark.parametrize("synchronous", ["GROUP", "FULL", "NORMAL"])
def test_every_ticket_acknowledged_under_each_setting_is_in_the_file_after_a_kill(tmp_path, synchronous):
    seen = {}

    def kill_and_read(server, numbers):
        environ = Path(f"/proc/{server.proc.pid}/environ").read_bytes().split(b"\0")
        seen["setting"] = [e for e in environ if e.startswith(b"HALLQ_SQLITE_SYNCHRONOUS=")]
        server.kill()
        conn = sqlite3.connect(server.data_dir / "hallq.db")
        try:
            seen["stored"] = {n for (n,) in conn.execute("SELECT number FROM tickets")}
        finally:
            conn.close()
        seen["numbers"] = numbers

    tps, p50, p99 = durability.issue_through_the_server(synchronous, KIOSKS, PER_KIOSK, then=kill_and_read)
    bare = durability.bare_commits(tmp_path, synchronous)
    print(f"\n{synchronous}: {len(seen['numbers'])} tickets, {tps:.0f}/s, p99 {p99:.1f} ms; bare {bare:.0f} commits/s")
    assert seen["setting"] == [f"HALLQ_SQLITE_SYNCHRONOUS={synchronous}".encode()]
    assert len(seen["numbers"]) == KIOSKS * PER_KIOSK
    assert len(set(seen["numbers"])) == len(seen["numbers"]), "a number was given twice"
    missing = set(seen["numbers"]) - seen["stored"]
    assert not missing, f"acknowledged but not in the file after the kill: {sorted(missing)}"
    assert (tmp_path / f"bare-{synchronous}.db").exists()


def test_the_disk_s_fsync_ceiling_is_measured_on_the_data_s_filesystem(tmp_path):
    rate, p99 = durability.fsync_ceiling(tmp_path)
    assert rate > 0 and p99 > 0
    assert not (tmp_path / "fsync.bin").exists()
    mount = durability.filesystem_of(tmp_path).rsplit("mounted on ", 1)[1].rstrip(")")
    assert str(tmp_path.resolve()).startswith(mount), (mount, tmp_path)
