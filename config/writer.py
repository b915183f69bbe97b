"""A HallConfig back to the data and the TOML it was read from.

`config_data(config)` gives the configuration as TOML's data model (tables as
dicts, every key written out, defaults included, so a version stored today
means the same hall whatever later defaults say); `parse_data` of it gives the
same HallConfig back. `config_json` is that data for JSON (dates as ISO
texts), what the administration API sends and takes. `dump_toml` writes it as
a hall file (`hallq config export`), through tomli-w: TOML's quoting and
escaping rules are easy to get subtly wrong by hand, and a file exported
must read back the same.

Sections and keys follow the model's field names (which are the file's
keys), so a section or key added to the model and the loader is written out
here with no change; the round-trip test fails if the two ever part.
"""
from __future__ import annotations

import dataclasses
from datetime import date, time
from typing import Any

import tomli_w

from hall.model import HallConfig, Window

# HallConfig fields that are not a section of their own: [hall]'s keys, and what only runs.
_HALL_KEYS = {"name": "name", "name_en": "name_en", "timezone": "timezone", "code": "code", "origins": "addresses",
              "tier": "tier", "parent": "parent"}
_NOT_WRITTEN = {"source"}
# Fields that only the running hall has: a service removed while its tickets are open (hall/reconfigure.py).
_RUNNING_ONLY = {"retired"}
_CALENDAR_KEYS = {"extra_holidays": "holidays", "extra_workdays": "workdays"}

HEADER = ("# {hall}: HallQ configuration version {version}, saved {at} by {by} ({source}).\n"
          "# Every key is described in docs/config.md; `hallq config import FILE` puts a changed copy in effect.\n\n")


def config_data(config: HallConfig) -> dict:
    """The configuration as TOML data: what `config.loader.parse_data` reads back into the same config.

    A service kept only for its waiting tickets (retired) is not part of the configuration."""
    out: dict[str, Any] = {"hall": {}}
    retired = {s.code for s in config.services if getattr(s, "retired", False)}
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if f.name in _NOT_WRITTEN:
            continue
        if f.name in _HALL_KEYS:
            if value is not None:         # TOML has no null: [hall] parent left out is None
                out["hall"][_HALL_KEYS[f.name]] = _value(value)
        elif f.name == "services":
            out["services"] = [_record(s) for s in value if s.code not in retired]
        elif f.name == "windows":
            out["windows"] = [_window(w, retired) for w in value]
        elif f.name == "devices":
            out["devices"] = _plain(value or {})
        elif f.name == "calendar":
            out["calendar"] = {_CALENDAR_KEYS.get(k, k): v for k, v in _record(value).items()}
        elif dataclasses.is_dataclass(value):
            out[f.name] = _record(value)
        elif value is not None:
            out[f.name] = _value(value)
    if not out.get("devices"):
        out.pop("devices", None)
    return out


def config_json(config: HallConfig) -> dict:
    """`config_data` for JSON: dates as ISO texts ("2026-10-01"), which the loader takes too."""
    return _jsonable(config_data(config))


def dump_toml(config: HallConfig, header: str = "") -> str:
    """The configuration as a hall file; `header` (comment lines) goes first."""
    return header + tomli_w.dumps(config_data(config))


def sections_changed(old: HallConfig, new: HallConfig) -> list[str]:
    """The top-level sections ("hall", "services", "windows", ...) that differ, in the file's order."""
    a, b = config_data(old), config_data(new)
    return [k for k in list(a) + [k for k in b if k not in a] if a.get(k) != b.get(k)]


def _window(w: Window, retired: set[str]) -> dict:
    d = _record(w)
    for key in ("services", "helps"):
        if key in d:
            d[key] = [c for c in d[key] if c not in retired]
    return d


def _record(obj) -> dict:
    """A dataclass as a table: each field that has a value, under its own name."""
    out = {}
    for f in dataclasses.fields(obj):
        if f.name in _RUNNING_ONLY:
            continue
        value = getattr(obj, f.name)
        if value is None:
            continue              # TOML has no null: a key left out is its default (None)
        out[f.name] = _value(value)
    return out


def _value(value):
    if dataclasses.is_dataclass(value):
        return _record(value)
    if isinstance(value, (tuple, list)):
        return [_value(v) for v in value]
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, dict):
        return _plain(value)
    return value


def _plain(value):
    """Free-form settings ([devices]) as plain dicts and lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


__all__ = ["config_data", "config_json", "dump_toml", "sections_changed", "HEADER"]
