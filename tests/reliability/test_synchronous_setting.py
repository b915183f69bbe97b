"""$HALLQ_SQLITE_SYNCHRONOUS (bench/bench_durability.py): FULL unless NORMAL is asked for, anything else refused."""
from __future__ import annotations

import pytest

from hall.errors import ConfigError
from hall.store import Store


@pytest.mark.parametrize("value, pragma", [(None, 2), ("FULL", 2), ("normal", 1), ("", 2)])
def test_the_store_opens_its_file_with_the_synchronous_setting_asked_for(tmp_path, monkeypatch, value, pragma):
    if value is None:
        monkeypatch.delenv("HALLQ_SQLITE_SYNCHRONOUS", raising=False)
    else:
        monkeypatch.setenv("HALLQ_SQLITE_SYNCHRONOUS", value)
    store = Store(tmp_path / "hallq.db")
    try:
        assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == pragma
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        store.close()


@pytest.mark.parametrize("value", ["OFF", "EXTRA", "2", "FULL; DROP TABLE tickets"])
def test_any_other_synchronous_setting_is_refused_in_one_sentence(tmp_path, monkeypatch, value):
    monkeypatch.setenv("HALLQ_SQLITE_SYNCHRONOUS", value)
    with pytest.raises(ConfigError, match="expected FULL \\(the default\\) or NORMAL"):
        Store(tmp_path / "hallq.db")
    assert not (tmp_path / "hallq.db-wal").exists()
