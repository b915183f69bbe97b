"""The hall's configuration as versioned records in its database (`config_versions`).

A new hall is seeded from its TOML file (`--config`, or the embedded default)
as version 1; from then on the latest version in the database is the hall's
configuration, whatever file a later start names (it is told so, once).
Versions are added by `Hall.apply_config` only: the administration pages, the
admin API and `hallq config import` all go through it. Each version is the
whole validated configuration as TOML text (config/writer.py), so a version is
exported as it is stored.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Optional

from config.loader import parse_config
from config.writer import config_data, dump_toml
from hall.model import HallConfig

log = logging.getLogger(__name__)

SEED_USER = "hallq"     # who a seeded version is by: the hall's own start


def load(row: dict) -> HallConfig:
    """The HallConfig of a stored version row (Store.config_version)."""
    return parse_config(row["config"], source=f"版本 {row['version']} (configuration version {row['version']})")


def current(store, offered: HallConfig, at: datetime, note: str = "") -> tuple[HallConfig, int, Optional[dict]]:
    """The configuration a hall starts with: (config, version, warning).

    An empty database is seeded with `offered` as version 1 (`note`: where it came from). A database
    with versions starts on its latest; `warning` ({message, message_en}) then says so when `offered`
    (the file a start named) differs from it."""
    row = store.config_version()
    if row is None:
        version = store.seed_config(dump_toml(offered), at, SEED_USER, note or offered.source)
        if version is not None:
            return offered, version, None
        row = store.config_version()       # another process seeded it first
    config = load(row)
    warning = None
    if config_data(config) != config_data(offered):
        warning = {
            "message": f"数据库里已有本大厅的配置（第 {row['version']} 版，{row['at'][:16]} 由 {row['username']} 保存），"
                       f"本次按它运行，没有使用 {offered.source}；要用文件替换它，请运行 hallq config import 文件。",
            "message_en": f"the hall's database has its own configuration (version {row['version']}, saved "
                          f"{row['at'][:16]} by {row['username']}) and runs on it, not on {offered.source}; "
                          f"`hallq config import FILE` replaces it with a file.",
        }
    return config, row["version"], warning


def read_latest(db_path) -> Optional[dict]:
    """The latest version row of the database at `db_path`, read through a read-only connection (a
    running hall keeps writing meanwhile); None when there is no database or no version yet."""
    import sqlite3
    from pathlib import Path
    if not Path(db_path).exists():
        return None
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        row = conn.execute("SELECT version, at, username, source, config, note FROM config_versions"
                           " ORDER BY version DESC LIMIT 1").fetchone()
    except sqlite3.OperationalError:      # a database older than migration 10: no versions
        return None
    finally:
        conn.close()
    return None if row is None else dict(zip(("version", "at", "username", "source", "config", "note"), row))


def export_text(row: dict) -> str:
    """A stored version as a hall file: a comment naming it, then its TOML (which reads back the same)."""
    from config.writer import HEADER
    config = load(row)
    return HEADER.format(version=row["version"], hall=config.name, at=row["at"][:16].replace("T", " "),
                         by=row["username"], source=row["source"]) + row["config"]
