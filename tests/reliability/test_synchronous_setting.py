"""$HALLQ_SQLITE_SYNCHRONOUS: GROUP (group commit, the default) unless FULL or NORMAL is asked for
(bench/bench_durability.py), anything else refused; and what GROUP's `Store.sync` makes durable."""
from __future__ import annotations

import threading

import pytest

from hall.errors import ConfigError
from hall.store import Store


@pytest.mark.parametrize("value, pragma, group", [(None, 1, True), ("group", 1, True), ("", 1, True),
                                                  ("FULL", 2, False), ("normal", 1, False)])
def test_the_store_opens_its_file_with_the_synchronous_setting_asked_for(tmp_path, monkeypatch, value, pragma,
                                                                         group):
    if value is None:
        monkeypatch.delenv("HALLQ_SQLITE_SYNCHRONOUS", raising=False)
    else:
        monkeypatch.setenv("HALLQ_SQLITE_SYNCHRONOUS", value)
    store = Store(tmp_path / "hallq.db")
    try:
        assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == pragma
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.group_sync is group
    finally:
        store.close()


@pytest.mark.parametrize("value", ["OFF", "EXTRA", "2", "FULL; DROP TABLE tickets"])
def test_any_other_synchronous_setting_is_refused_in_one_sentence(tmp_path, monkeypatch, value):
    monkeypatch.setenv("HALLQ_SQLITE_SYNCHRONOUS", value)
    with pytest.raises(ConfigError, match="expected GROUP \\(the default\\), FULL or NORMAL"):
        Store(tmp_path / "hallq.db")
    assert not (tmp_path / "hallq.db-wal").exists()


@pytest.fixture
def group_store(tmp_path, monkeypatch):
    monkeypatch.delenv("HALLQ_SQLITE_SYNCHRONOUS", raising=False)
    store = Store(tmp_path / "hallq.db")
    yield store
    store.close()


def commit_row(store: Store, n: int, sync: bool) -> None:
    """One small transaction through the store's own durable commit."""
    with store._lock:
        store.conn.execute("BEGIN IMMEDIATE")
        store.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (f"test-{n}", str(n)))
        store._durable_commit(sync)


def test_one_fsync_makes_every_commit_written_before_it_durable(group_store):
    before = group_store.fsyncs
    for i in range(3):
        commit_row(group_store, i + 1, sync=False)
    assert group_store.fsyncs == before                  # committed, not yet made durable ...
    group_store.sync()
    assert group_store.fsyncs == before + 1              # ... and one fsync for the three
    group_store.sync()
    assert group_store.fsyncs == before + 1              # nothing new: no fsync


def test_a_store_method_is_durable_when_it_returns(group_store):
    from datetime import datetime, timezone
    before = group_store.fsyncs
    group_store.audit(datetime(2026, 3, 2, 9, tzinfo=timezone.utc), "admin", "test", "the store", None, None)
    assert group_store.fsyncs == before + 1


def test_commits_from_many_threads_are_each_made_durable_before_their_sync_returns(group_store):
    """Each thread commits and syncs; when its sync returns, an fsync that began after its commit ended."""
    not_covered = []

    def kiosk(k):
        for i in range(20):
            commit_row(group_store, 1000 * k + i, sync=False)
            mine = group_store._written
            group_store.sync()
            if group_store._synced < mine:
                not_covered.append((k, i))

    threads = [threading.Thread(target=kiosk, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not_covered == []
    assert group_store._synced == group_store._written
    assert 1 <= group_store.fsyncs <= group_store._written
