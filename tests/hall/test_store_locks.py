"""The store keeps SQLite's own locks, so another process reading beside it (hallq report) is safe.

Opening and closing a file drops every POSIX lock the process holds on it. SQLite's
shared lock on the -shm file is what tells a reader in another process that the
wal-index is in use; without it that reader resets the -shm under the hall, which
dies of SIGBUS in its next COMMIT (bench/bench_figures.py did, issue 11).
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from hall.store import Store

pytestmark = pytest.mark.skipif(not Path("/proc/locks").exists(), reason="needs Linux's /proc/locks")


def locks_held(path: Path) -> list[tuple[str, str, str]]:
    """(type, start, end) of this process's POSIX locks on `path`, from /proc/locks."""
    inode, me = os.stat(path).st_ino, str(os.getpid())
    out = []
    for line in Path("/proc/locks").read_text().splitlines():
        parts = line.split()
        if "->" in parts or len(parts) < 8 or parts[1] != "POSIX" or parts[4] != me:
            continue
        if int(parts[5].split(":")[2]) == inode:
            out.append((parts[3], parts[6], parts[7]))
    return out


def test_a_new_store_keeps_its_lock_on_the_shared_memory(tmp_path):
    store = Store(tmp_path / "hallq.db")
    try:
        assert locks_held(tmp_path / "hallq.db-shm") != []
    finally:
        store.close()


def test_a_store_opened_on_left_over_wal_files_makes_them_private_and_keeps_its_lock(tmp_path):
    path = tmp_path / "hallq.db"
    Store(path).close()
    for suffix in ("-wal", "-shm"):       # as an older HallQ left them, with the umask's mode
        Path(f"{path}{suffix}").write_bytes(b"")
        os.chmod(f"{path}{suffix}", 0o644)
    store = Store(path)
    try:
        assert locks_held(Path(f"{path}-shm")) != []
        for suffix in ("-wal", "-shm"):
            assert stat.S_IMODE(os.stat(f"{path}{suffix}").st_mode) == 0o600
    finally:
        store.close()
