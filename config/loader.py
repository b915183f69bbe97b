"""Load and validate a hall configuration file.

Every mistake becomes one ConfigError sentence naming the key, the value and
what is expected, so `hallq check-config` can print it instead of a traceback.
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hall.errors import ConfigError
from hall.model import HallConfig, Service, Window

DEFAULT_CONFIG_PATH = Path(__file__).with_name("hall.toml")

_HALL_KEYS = {"name", "name_en", "timezone"}
_SERVICE_KEYS = {"code", "prefix", "name", "name_en", "digits"}
_WINDOW_KEYS = {"id", "name", "name_en", "services"}
_TOP_KEYS = {"hall", "services", "windows", "devices"}
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


def load_config(path: str | Path | None = None) -> HallConfig:
    """Read and validate a hall file (the embedded default when `path` is None)."""
    path = Path(path) if path else DEFAULT_CONFIG_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file; give the path of a hall configuration (see config/hall.toml).") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc}); it must be a UTF-8 TOML file.") from None
    return parse_config(text, source=str(path))


def parse_config(text: str, source: str = "<text>") -> HallConfig:
    """Validate TOML text into a HallConfig; raise ConfigError with one clear sentence."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: is not valid TOML ({exc}); fix the syntax at that line.") from None
    _unknown_keys(source, "", data, _TOP_KEYS)
    hall = _table(source, data, "hall")
    _unknown_keys(source, "hall.", hall, _HALL_KEYS)
    name = _text(source, "hall.name", hall.get("name"))
    name_en = _text(source, "hall.name_en", hall.get("name_en", name))
    tz = _text(source, "hall.timezone", hall.get("timezone", "Asia/Shanghai"))
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{source}: hall.timezone = {tz!r} is not a known time zone; expected a name such as \"Asia/Shanghai\".") from None

    services = tuple(_service(source, i, s) for i, s in enumerate(_array(source, data, "services")))
    _unique(source, "services", "code", [s.code for s in services])
    _unique(source, "services", "prefix", [s.prefix for s in services])
    codes = {s.code for s in services}
    windows = tuple(_window(source, i, w, codes) for i, w in enumerate(_array(source, data, "windows")))
    _unique(source, "windows", "id", [w.id for w in windows])
    devices = data.get("devices", {})
    if not isinstance(devices, dict):
        raise ConfigError(f"{source}: devices = {devices!r} is not a table; expected [devices] sections.")
    return HallConfig(name=name, name_en=name_en, timezone=tz, services=services,
                      windows=windows, devices=devices, source=source)


def _service(source: str, i: int, raw) -> Service:
    key = f"services[{i}]"
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: {key} is not a table; expected [[services]] with code, name and prefix.")
    _unknown_keys(source, key + ".", raw, _SERVICE_KEYS)
    code = _text(source, f"{key}.code", raw.get("code"))
    if not _CODE.match(code):
        raise ConfigError(f"{source}: {key}.code = {code!r} is not allowed; expected 1 to 16 letters, digits, '-' or '_'.")
    prefix = raw.get("prefix", code)
    if not (isinstance(prefix, str) and re.fullmatch(r"[A-Z]", prefix)):
        raise ConfigError(f"{source}: {key}.prefix = {prefix!r} is not allowed; expected one capital letter A-Z.")
    digits = raw.get("digits", 3)
    if not (isinstance(digits, int) and not isinstance(digits, bool) and 2 <= digits <= 5):
        raise ConfigError(f"{source}: {key}.digits = {digits!r} is not allowed; expected a whole number from 2 to 5.")
    name = _text(source, f"{key}.name", raw.get("name"))
    return Service(code=code, prefix=prefix, digits=digits, name=name,
                   name_en=_text(source, f"{key}.name_en", raw.get("name_en", name)))


def _window(source: str, i: int, raw, codes: set[str]) -> Window:
    key = f"windows[{i}]"
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: {key} is not a table; expected [[windows]] with id, name and services.")
    _unknown_keys(source, key + ".", raw, _WINDOW_KEYS)
    wid = raw.get("id")
    if not (isinstance(wid, int) and not isinstance(wid, bool) and 1 <= wid <= 999):
        raise ConfigError(f"{source}: {key}.id = {wid!r} is not allowed; expected a window number from 1 to 999.")
    services = raw.get("services")
    if not (isinstance(services, list) and services and all(isinstance(s, str) for s in services)):
        raise ConfigError(f"{source}: {key}.services = {services!r} is not allowed; expected a non-empty list of service codes such as [\"A\", \"B\"].")
    for code in services:
        if code not in codes:
            raise ConfigError(f"{source}: {key}.services names {code!r}, which is not a service; expected one of {sorted(codes)}.")
    name = raw.get("name", f"{wid}号窗口")
    return Window(id=wid, name=_text(source, f"{key}.name", name),
                  name_en=_text(source, f"{key}.name_en", raw.get("name_en", f"Window {wid}")),
                  services=tuple(dict.fromkeys(services)))


def _table(source, data, key) -> dict:
    value = data.get(key)
    if not isinstance(value, dict):
        raise ConfigError(f"{source}: [{key}] is missing or not a table; expected a [{key}] section.")
    return value


def _array(source, data, key) -> list:
    value = data.get(key)
    if not isinstance(value, list) or not value:
        raise ConfigError(f"{source}: {key} is missing or empty; expected at least one [[{key}]] entry.")
    return value


def _text(source, key, value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{source}: {key} = {value!r} is not allowed; expected a non-empty text in quotes.")
    return value.strip()


def _unique(source, table, key, values) -> None:
    seen = set()
    for i, v in enumerate(values):
        if v in seen:
            raise ConfigError(f"{source}: {table}[{i}].{key} = {v!r} is used twice; expected each {table[:-1]} to have its own {key}.")
        seen.add(v)


def _unknown_keys(source, prefix, table: dict, allowed: set[str]) -> None:
    for k in table:
        if k not in allowed:
            raise ConfigError(f"{source}: {prefix}{k} is not a known key; expected one of {sorted(allowed)}.")
