"""The database, its WAL files, the session key and the data directory are the hall's user's only."""
from __future__ import annotations

import os
import stat

import pytest

from hall.store import Store


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def open_umask():
    old = os.umask(0o022)  # the usual umask, which made hallq.db world-readable
    yield
    os.umask(old)


def test_a_new_store_is_readable_by_its_user_only(tmp_path, open_umask):
    data = tmp_path / "hall"
    store = Store(data / "hallq.db")
    store.conn.execute("CREATE TABLE probe (x)")  # a write: the -wal and -shm exist now
    assert mode(data) == 0o700
    for name in ("hallq.db", "hallq.db-wal", "hallq.db-shm"):
        assert (data / name).exists(), name
        assert mode(data / name) == 0o600, name
    store.close()


def test_an_older_world_readable_database_is_tightened_when_opened(tmp_path, open_umask):
    Store(tmp_path / "hallq.db").close()
    for name in ("hallq.db", "hallq.db-wal", "hallq.db-shm"):
        if (tmp_path / name).exists():
            os.chmod(tmp_path / name, 0o644)
    os.chmod(tmp_path, 0o755)
    store = Store(tmp_path / "hallq.db")
    assert mode(tmp_path) == 0o700
    assert mode(tmp_path / "hallq.db") == 0o600
    for name in ("hallq.db-wal", "hallq.db-shm"):
        if (tmp_path / name).exists():
            assert mode(tmp_path / name) == 0o600
    store.close()


def test_the_app_makes_a_private_data_directory_and_key(tmp_path, config, open_umask):
    from hall.app import create_app
    data = tmp_path / "data"
    app = create_app(config, data_dir=data, testing=True)
    try:
        assert mode(data) == 0o700
        assert mode(data / "secret_key") == 0o600
        assert mode(data / "hallq.db") == 0o600
    finally:
        app.extensions["hallq"].store.close()


def test_hallq_user_add_on_a_new_directory_makes_it_private(tmp_path, monkeypatch, open_umask):
    import io
    from hall.cli import main
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password\n"))
    data = tmp_path / "prod"
    assert main(["user", "add", "chen", "--role", "manager", "--data-dir", str(data)]) == 0
    assert mode(data) == 0o700
    assert mode(data / "hallq.db") == 0o600


@pytest.mark.parametrize("shared_mode", [0o1777, 0o777, 0o1755])
def test_a_shared_directory_such_as_tmp_is_never_tightened(tmp_path, open_umask, shared_mode):
    # Running as root, /tmp is this user's own: a database put straight in it must not make it 0700.
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, shared_mode)
    (shared / "someone-elses-file").write_text("x")
    Store(shared / "x.db").close()
    assert mode(shared) == shared_mode
    assert mode(shared / "x.db") == 0o600


def test_a_directory_of_other_files_is_left_as_it_is(tmp_path, open_umask):
    other = tmp_path / "home"
    other.mkdir()
    os.chmod(other, 0o755)
    (other / "notes.txt").write_text("x")
    from hall.private import private_dir
    private_dir(other)
    assert mode(other) == 0o755
