"""What durability costs on this machine: the hall's group commit (GROUP), SQLite's FULL and NORMAL, all WAL.

For each setting, the real server (`hallq serve`, started with $HALLQ_SQLITE_SYNCHRONOUS) is sent
tickets by 8 concurrent kiosks over HTTP, and the bench prints tickets per second and the issue
latency's p50 and p99. Beside them: the disk's fsync ceiling (a 512-byte write and fsync, in a loop,
on the filesystem the data directory is on), and a bare SQLite commit of one row in each setting, so
the server's figures can be read against what the disk and SQLite alone allow. GROUP (the hall's
default, hall/store.py `synchronous_setting`) is synchronous=NORMAL with the store's own fsync of the
-wal before each answer, one fsync for all the actions committed meanwhile; its bare figure is one
writer alone, a COMMIT and an fsync each, as FULL.

Run: .venv/bin/python bench/bench_durability.py   (about a minute; the last line is GROUP's tickets/s)
"""
from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from typing import Callable, Optional

from _common import ServerProcess, issue_concurrently, percentile, scratch_dir, start_server

KIOSKS = 8
PER_KIOSK = 150
FSYNCS = 500
BARE_COMMITS = 500
SERVICES = ["A", "B", "D", "F"]        # the demo hall's services without a quota or real-name rule


def filesystem_of(path: Path) -> str:
    """The device and type of the filesystem holding `path` (a tmpfs would make every fsync free)."""
    best = ("?", "?", "")
    with open("/proc/mounts") as f:
        for line in f:
            dev, mount, kind = line.split()[:3]
            if str(path.resolve()).startswith(mount) and len(mount) > len(best[2]):
                best = (dev, kind, mount)
    return f"{best[0]} ({best[1]}, mounted on {best[2]})"


def fsync_ceiling(folder: Path) -> tuple[float, float]:
    """(fsyncs per second, p99 ms) of a small write followed by fsync, FSYNCS times."""
    path = folder / "fsync.bin"
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    block = b"x" * 512
    times = []
    try:
        t0 = time.perf_counter()
        for i in range(FSYNCS):
            a = time.perf_counter()
            os.pwrite(fd, block, (i % 8) * 4096)
            os.fsync(fd)
            times.append(time.perf_counter() - a)
        elapsed = time.perf_counter() - t0
    finally:
        os.close(fd)
        path.unlink()
    return FSYNCS / elapsed, percentile(times, 99) * 1000


def bare_commits(folder: Path, synchronous: str) -> float:
    """Commits per second of one small row per transaction, WAL, the given synchronous setting."""
    path = folder / f"bare-{synchronous}.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={'NORMAL' if synchronous == 'GROUP' else synchronous}")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT)")
    wal = os.open(f"{path}-wal", os.O_RDONLY)
    t0 = time.perf_counter()
    for i in range(BARE_COMMITS):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (payload) VALUES (?)", (f"ticket {i}",))
        conn.execute("COMMIT")
        if synchronous == "GROUP":
            os.fsync(wal)
    elapsed = time.perf_counter() - t0
    os.close(wal)
    conn.close()
    return BARE_COMMITS / elapsed


def issue_through_the_server(synchronous: str, kiosks: int = KIOSKS, per_kiosk: int = PER_KIOSK,
                             then: Optional[Callable[[ServerProcess, list[str]], None]] = None
                             ) -> tuple[float, float, float]:
    """(tickets per second, p50 ms, p99 ms) of `kiosks` kiosks issuing `per_kiosk` tickets each through a
    server started with this synchronous setting; `then(server, numbers)` is called with the server still
    up and the numbers it acknowledged (tests/reliability/test_durability_short.py kills it there)."""
    os.environ["HALLQ_SQLITE_SYNCHRONOUS"] = synchronous      # the server process inherits it
    server = start_server()
    try:
        numbers, latencies, elapsed = issue_concurrently(server.url + "/api/tickets", kiosks, per_kiosk, SERVICES)
        if then is not None:
            then(server, numbers)
        return len(latencies) / elapsed, percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000
    finally:
        server.stop()
        os.environ.pop("HALLQ_SQLITE_SYNCHRONOUS", None)


def main() -> None:
    folder = scratch_dir("hallq-durability-")
    print(f"data on {filesystem_of(folder)}; {os.cpu_count()} cores, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    rate, p99 = fsync_ceiling(folder)
    print(f"disk: {FSYNCS} x (512-byte write + fsync): {rate:.0f} fsyncs/s, p99 {p99:.2f} ms")
    figures = {}
    for synchronous in ("GROUP", "FULL", "NORMAL"):
        bare = bare_commits(folder, synchronous)
        tps, p50, p99 = issue_through_the_server(synchronous)
        figures[synchronous] = tps
        print(f"WAL + synchronous={synchronous}: bare SQLite {bare:.0f} commits/s; server {KIOSKS * PER_KIOSK} tickets "
              f"from {KIOSKS} kiosks: {tps:.0f} tickets/s, issue p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    print(f"of NORMAL's tickets/s, FULL costs {100 * (1 - figures['FULL'] / figures['NORMAL']):.0f}%, "
          f"GROUP {100 * (1 - figures['GROUP'] / figures['NORMAL']):.0f}%")
    print(f"durability_group_tickets_per_second={figures['GROUP']:.0f} tickets/s")


if __name__ == "__main__":
    main()
