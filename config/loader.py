"""Load and validate a hall configuration file.

Every mistake becomes one ConfigError sentence naming the key, the value and
what is expected, so `hallq check-config` can print it instead of a traceback.
docs/config.md describes every key.
"""
from __future__ import annotations

import json
import math
import re
import tomllib
from datetime import date, time
from typing import Optional
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hall.errors import ConfigError
from hall.model import (DEFAULT_BAD_REASONS, AlarmRules, AppointmentRules, BackupRules, CalendarRules, HallConfig, Matter,
                        NotifyRules, PriorityCategory, CityLink, PrivacyRules, QueueRules, RatingReason, RatingRules, Service,
                        Window)

DEFAULT_CONFIG_PATH = Path(__file__).with_name("hall.toml")

_CODE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_MISSING = object()


def _shown_key(key: str) -> str:
    """A key as a refusal names it: bare when TOML writes it bare, else quoted with every character that is
    not printable escaped (a newline, but also U+0085 or U+2028, which end a line too), so it cannot break
    the sentence in two."""
    if re.fullmatch(r"[A-Za-z0-9_-]+", key):
        return key
    return "".join(c if c.isprintable() else json.dumps(c)[1:-1] for c in json.dumps(key, ensure_ascii=False))


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
    return parse_data(data, source)


def parse_data(data: dict, source: str = "<data>") -> HallConfig:
    """Validate a hall configuration given as data (TOML's tables as dicts, as `config.writer.config_data`
    or the admin API's JSON gives it; dates may be ISO texts) into a HallConfig, with the same sentences
    as a file. A ConfigError's `field` names the key it is about: "windows[2].services"."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: is not a table of sections; expected [hall], [[services]], [[windows]]...")
    t = _Table(source, "", data, {"hall", "services", "windows", "queue", "appointments", "notify", "devices",
                                  "ratings", "calendar", "alarms", "privacy", "backup", "city"})
    hall = t.table("hall", {"name", "name_en", "timezone", "addresses", "code", "tier", "parent"})
    code = hall.text("code", "hall")
    if not _HALL_CODE.match(code):
        hall.fail("code", code, "a short code of letters, digits, - and _ such as \"xinhe-town\" (the hall's name in the city's records)")
    name = hall.text("name")
    tz = hall.text("timezone", "Asia/Shanghai")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{source}: hall.timezone = {tz!r} is not a known time zone; expected a name such as \"Asia/Shanghai\".",
                          field="hall.timezone") from None

    services = tuple(_service(s) for s in t.tables("services", _SERVICE_KEYS))
    _unique(source, "services", "code", [s.code for s in services])
    _unique(source, "services", "prefix", [s.prefix for s in services])
    codes = {s.code for s in services}
    windows = tuple(_window(w, codes) for w in t.tables("windows", {"id", "name", "name_en", "services", "helps", "breaks",
                                                                     "a_holder", "b_holder", "alarm_pause_minutes",
                                                                     "alarm_unstaffed_minutes"},
                                                         label=_window_label))
    _unique(source, "windows", "id", [w.id for w in windows],
            labels=[_entry_label("windows", i) for i in range(len(windows))])

    addresses = tuple(_address(hall, a) for a in hall.list("addresses", []))
    devices = data.get("devices", {})
    if not isinstance(devices, dict):
        raise ConfigError(f"{source}: devices = {devices!r} is not a table; expected [devices] sections.", field="devices")
    config = HallConfig(name=name, name_en=hall.text("name_en", name), timezone=tz, services=services,
                      windows=windows, queue=_queue(t.table("queue", _QUEUE_KEYS, optional=True)),
                      appointments=_appointments(t.table("appointments", _APPOINTMENT_KEYS, optional=True)),
                      notify=_notify(t.table("notify", {"url", "when_ahead", "timeout_seconds", "base_url"}, optional=True)),
                      devices=devices, origins=addresses,
                      ratings=_ratings(t.table("ratings", _RATING_KEYS, optional=True)),
                      calendar=_calendar(t.table("calendar", {"holidays", "workdays"}, optional=True)),
                      alarms=_alarms(t.table("alarms", _ALARM_KEYS, optional=True)),
                      privacy=PrivacyRules(keep_days=t.table("privacy", {"keep_days"}, optional=True).integer(
                          "keep_days", 180, 1, 3650)),
                      backup=_backup(t.table("backup", {"directory", "at", "keep"}, optional=True)),
                      code=code, tier=_tier(hall), parent=_parent(hall, code),
                      city=_city(t.table("city", {"url", "key_file", "batch"}, optional=True)), source=source)
    _check_keep_days(config, source)
    return config


def _check_keep_days(config: HallConfig, source: str) -> None:
    """Personal data is kept as long as the hall's own rules still read it: a phone may rate a step
    `phone_hours` after it, missed appointments block an ID over `block_window_days`."""
    keep = config.privacy.keep_days
    needs = [(math.ceil(config.ratings.phone_hours / 24), "[ratings] phone_hours", "a phone may still rate a step")]
    if config.appointments.block_after_no_shows:
        needs.append((config.appointments.block_window_days, "[appointments] block_window_days",
                      "missed appointments are counted by their ID over that many days"))
    for days, key, why in needs:
        if keep < days:
            raise ConfigError(f"{source}: privacy.keep_days = {keep} is not allowed; expected at least {days}, as "
                              f"{key} needs ({why}).", field="privacy.keep_days")


TIERS = ("city", "township", "village")


def _tier(hall: "_Table") -> str:
    """[hall] tier: the hall's place in the three tiers (三级便民服务体系)."""
    tier = hall.get("tier", "city")
    if tier not in TIERS:
        hall.fail("tier", tier, "one of \"city\" (市行政服务中心), \"township\" (镇乡(街道)365便民服务中心) or "
                  "\"village\" (村级便民服务中心)")
    return tier


def _parent(hall: "_Table", code: str) -> Optional[str]:
    """[hall] parent: the code of the hall above this one (a village's township, a township's city)."""
    parent = hall.get("parent", None)
    if parent is not None and not (isinstance(parent, str) and _HALL_CODE.match(parent) and parent != code):
        hall.fail("parent", parent, "the code of the hall above this one, such as \"xinhe-town\" (not its own code)")
    return parent


def _city(c: "_Table") -> CityLink:
    """[city]: the link to the city centre (hall/sender.py); off while no url is given."""
    url = c.get("url", None)
    if url is not None:
        parsed = urlparse(url) if isinstance(url, str) else None
        if not parsed or parsed.scheme not in ("http", "https") or not parsed.netloc or parsed.path not in ("", "/"):
            c.fail("url", url, "the city centre's address, such as \"https://city.example:8100\" (no path)")
    key_file = c.get("key_file", None)
    if key_file is not None and not (isinstance(key_file, str) and key_file.strip() and "\0" not in key_file):
        c.fail("key_file", key_file, "the file holding the hall's key, such as \"/etc/hallq/city.key\"")
    if url is not None and key_file is None:
        c.fail("key_file", None, "the file holding the key hallq city hall add printed (the city refuses an unsigned hall)")
    return CityLink(url=url.rstrip("/") if url else None, key_file=key_file.strip() if key_file else None,
                    batch=c.integer("batch", 500, 1, 5000))


def _backup(b: "_Table") -> BackupRules:
    """[backup]: the nightly backup of the hall's database (hall/backup.py); off while no directory is named."""
    directory = b.get("directory", None)
    if directory is not None and not (isinstance(directory, str) and directory.strip() and "\0" not in directory):
        b.fail("directory", directory, "the folder the nightly backups are written to, such as "
               "\"/mnt/backup/hallq\" (or leave it out for no nightly backup)")
    at = b.get("at", "02:30")
    if not (isinstance(at, str) and _CLOCK.match(at)):
        b.fail("at", at, "the time of day the backup is taken, such as \"02:30\"")
    return BackupRules(directory=directory.strip() if directory else None, at=time.fromisoformat(at),
                       keep=b.integer("keep", 14, 1, 3650))


_HALL_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
_RATING_KEYS = {"phone_hours", "reasons", "comment_chars", "case_deadline_days", "service_level_minutes",
                "service_limit_minutes"}


def _ratings(r: "_Table") -> RatingRules:
    reasons = tuple(RatingReason(code=x.text("code"), name=x.text("name"), name_en=x.text("name_en", x.text("name")))
                    for x in r.tables("reasons", {"code", "name", "name_en"}, optional=True)) or DEFAULT_BAD_REASONS
    _unique(r.source, "ratings.reasons", "code", [x.code for x in reasons])
    return RatingRules(phone_hours=r.number("phone_hours", 24.0, 0, 24 * 30), reasons=reasons,
                       comment_chars=r.integer("comment_chars", 500, 0, 5000),
                       case_deadline_days=r.integer("case_deadline_days", 5, 1, 60),
                       service_level_minutes=r.integer("service_level_minutes", 15, 1, 24 * 60),
                       service_limit_minutes=r.integer("service_limit_minutes", None, 1, 24 * 60))


_ALARM_KEYS = {"wait_minutes", "queue_length", "pause_minutes", "unstaffed_minutes", "device_minutes", "hours",
               "open_days"}
_OPEN_DAYS = ("workdays", "every_day")


def _alarms(a: "_Table") -> AlarmRules:
    """[alarms]: the hall's thresholds of electronic supervision (电子监察); 0 raises none of that kind."""
    hours = tuple(_period(a, i, p) for i, p in enumerate(a.list("hours", [])))
    for (_, a_end), (b_start, _) in zip(hours, hours[1:]):
        if b_start < a_end:
            a.fail("hours", a.get("hours"), "opening periods in order that do not overlap, such as "
                   "[[\"08:30\", \"12:00\"], [\"13:30\", \"17:30\"]]")
    open_days = a.get("open_days", "workdays")
    if open_days not in _OPEN_DAYS:
        a.fail("open_days", open_days, "\"workdays\" (the official calendar's working days) or \"every_day\"")
    return AlarmRules(wait_minutes=a.integer("wait_minutes", 30, 0, 24 * 60),
                      queue_length=a.integer("queue_length", 20, 0, 99999),
                      pause_minutes=a.integer("pause_minutes", 30, 0, 24 * 60),
                      unstaffed_minutes=a.integer("unstaffed_minutes", 15, 0, 24 * 60),
                      device_minutes=a.integer("device_minutes", 1, 0, 24 * 60), hours=hours, open_days=open_days)


def _calendar(c: "_Table") -> CalendarRules:
    return CalendarRules(extra_holidays=_dates(c, "holidays"), extra_workdays=_dates(c, "workdays"))


def _dates(t: "_Table", key: str) -> tuple[date, ...]:
    out = []
    for i, d in enumerate(t.list(key, [])):
        if isinstance(d, date):
            out.append(d)
            continue
        try:
            out.append(date.fromisoformat(d))
        except (TypeError, ValueError):
            t.fail(f"{key}[{i}]", d, "a date such as 2028-10-01")
    return tuple(sorted(set(out)))


def _address(hall: "_Table", value) -> str:
    """One address the hall's pages are opened at besides its own, as an origin: scheme://host[:port]."""
    u = urlparse(value) if isinstance(value, str) else None
    if u is None or u.scheme not in ("http", "https") or not u.netloc or u.path not in ("", "/"):
        hall.fail("addresses", value, "a list of addresses the hall's pages are opened at, such as "
                  "[\"http://192.168.1.10:8000\", \"https://hall.example.gov.cn\"]")
    return f"{u.scheme}://{u.netloc}".lower()


_SERVICE_KEYS = {"code", "prefix", "name", "name_en", "digits", "matters", "real_name", "person_daily_limit",
                 "daily_quota", "hours", "average_minutes", "alarm_wait_minutes", "alarm_queue_length",
                 "service_limit_minutes"}
_QUEUE_KEYS = {"priority_categories", "priority_ratio", "max_recalls", "rejoin_minutes", "rejoin_after",
               "transfer_keeps_place", "day_end", "holidays", "estimate_sample",
               "estimate_futures"}
_APPOINTMENT_KEYS = {"checkin_before_minutes", "checkin_after_minutes", "late_becomes_ordinary",
                     "block_after_no_shows", "block_window_days", "block_days"}


def _service(s: "_Table") -> Service:
    code = s.text("code")
    if not _CODE.match(code):
        s.fail("code", code, "1 to 16 letters, digits, '-' or '_'")
    prefix = s.get("prefix", code)
    if not (isinstance(prefix, str) and re.fullmatch(r"[A-Z]", prefix)):
        s.fail("prefix", prefix, "one capital letter A-Z")
    name = s.text("name")
    matters = tuple(_matter(m) for m in s.tables("matters", {"code", "name", "name_en", "materials", "materials_en",
                                                                      "time_limit_days", "service_limit_minutes"},
                                                   optional=True))
    _unique(s.source, s.key + ".matters", "code", [m.code for m in matters])
    hours = tuple(_period(s, i, p) for i, p in enumerate(s.list("hours", [])))
    for (a_start, a_end), (b_start, _) in zip(hours, hours[1:]):
        if b_start < a_end:
            s.fail("hours", s.get("hours"), "periods in order that do not overlap, such as [[\"08:30\", \"12:00\"], [\"13:30\", \"17:30\"]]")
    return Service(code=code, prefix=prefix, digits=s.integer("digits", 3, 2, 5), name=name,
                   name_en=s.text("name_en", name), matters=matters, real_name=s.boolean("real_name", False),
                   person_daily_limit=s.integer("person_daily_limit", None, 1, 100),
                   daily_quota=s.integer("daily_quota", None, 1, 99999), hours=hours,
                   average_minutes=s.number("average_minutes", 6.0, 0.5, 240),
                   alarm_wait_minutes=s.integer("alarm_wait_minutes", None, 0, 24 * 60),
                   alarm_queue_length=s.integer("alarm_queue_length", None, 0, 99999),
                   service_limit_minutes=s.integer("service_limit_minutes", None, 1, 24 * 60))


def _matter(m: "_Table") -> Matter:
    code = m.text("code")
    name = m.text("name")
    materials = m.list("materials", [])
    if not all(isinstance(x, str) and x.strip() for x in materials):
        m.fail("materials", materials, "a list of texts, one per document the citizen must bring")
    materials_en = m.list("materials_en", [])
    if materials_en and not (len(materials_en) == len(materials)
                             and all(isinstance(x, str) and x.strip() for x in materials_en)):
        m.fail("materials_en", materials_en,
               f"the {len(materials)} texts of `materials` in English, in the same order (or leave it out)")
    return Matter(code=code, name=name, name_en=m.text("name_en", name), materials=tuple(materials),
                  materials_en=tuple(materials_en), time_limit_days=m.integer("time_limit_days", None, 0, 365),
                  service_limit_minutes=m.integer("service_limit_minutes", None, 1, 24 * 60))


def _period(s: "_Table", i: int, p, key: str = "hours") -> tuple[time, time]:
    if not (isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) and _CLOCK.match(x) for x in p)
            and p[0] < p[1]):
        s.fail(f"{key}[{i}]", p, "a pair of times such as [\"12:00\", \"12:45\"], the first before the second")
    return time.fromisoformat(p[0]), time.fromisoformat(p[1])


def _window(w: "_Table", codes: set[str]) -> Window:
    wid = w.integer("id", _MISSING, 1, 999)
    services = w.list("services", _MISSING)
    helps = w.list("helps", [])
    for key, value, need in (("services", services, True), ("helps", helps, False)):
        if (need and not value) or not all(isinstance(x, str) for x in value):
            w.fail(key, value, "a non-empty list of service codes such as [\"A\", \"B\"]" if need
                   else "a list of service codes such as [\"F\"]")
        for code in value:
            if code not in codes:
                raise ConfigError(f"{w.source}: {w._where(key)} names {code!r}, which is not a service; "
                                  f"expected one of {sorted(codes)}.", field=w.path(key))
    services = tuple(dict.fromkeys(services))
    breaks = tuple(_period(w, i, p, key="breaks") for i, p in enumerate(w.list("breaks", [])))
    holders = {}
    for key in ("a_holder", "b_holder"):
        value = w.get(key, None)
        # A username as hall/auth.py validate_new_user takes it: letters, digits, '.', '-', '_'.
        if value is not None and not (isinstance(value, str)
                                      and value.replace("_", "").replace("-", "").replace(".", "").isalnum()):
            w.fail(key, value, "the username of a staff account, such as \"zhang\" (letters, digits, '.', '-', '_')")
        holders[key] = value
    if holders["a_holder"] is not None and holders["a_holder"] == holders["b_holder"]:
        w.fail("b_holder", holders["b_holder"], "another clerk than a_holder: the B holder covers the window when "
               "its A holder is away (AB岗)")
    return Window(id=wid, name=w.text("name", f"{wid}号窗口"), name_en=w.text("name_en", f"Window {wid}"),
                  services=services, helps=tuple(c for c in dict.fromkeys(helps) if c not in services),
                  breaks=tuple(sorted(breaks)), **holders,
                  alarm_pause_minutes=w.integer("alarm_pause_minutes", None, 0, 24 * 60),
                  alarm_unstaffed_minutes=w.integer("alarm_unstaffed_minutes", None, 0, 24 * 60))


def _queue(q: "_Table") -> QueueRules:
    cats = tuple(PriorityCategory(code=c.text("code"), name=c.text("name"), name_en=c.text("name_en", c.text("name")))
                 for c in q.tables("priority_categories", {"code", "name", "name_en"}, optional=True))
    _unique(q.source, "queue.priority_categories", "code", [c.code for c in cats])
    day_end = q.get("day_end", None)
    if day_end is not None and not (isinstance(day_end, str) and _CLOCK.match(day_end)):
        q.fail("day_end", day_end, "a time such as \"18:00\"")
    holidays = []
    for i, h in enumerate(q.list("holidays", [])):
        if isinstance(h, date):
            holidays.append(h)
            continue
        try:
            holidays.append(date.fromisoformat(h))
        except (TypeError, ValueError):
            q.fail(f"holidays[{i}]", h, "a date such as 2026-10-01")
    return QueueRules(priority_categories=cats, priority_ratio=q.integer("priority_ratio", 2, 1, 100),
                      max_recalls=q.integer("max_recalls", 2, 0, 20),
                      rejoin_minutes=q.integer("rejoin_minutes", 30, 0, 24 * 60),
                      rejoin_after=q.integer("rejoin_after", 2, 0, 1000),
                      transfer_keeps_place=q.boolean("transfer_keeps_place", True),
                      day_end=time.fromisoformat(day_end) if day_end else None, holidays=tuple(holidays),
                      estimate_sample=q.integer("estimate_sample", 30, 1, 1000),
                      estimate_futures=q.integer("estimate_futures", 40, 0, 500))


def _appointments(a: "_Table") -> AppointmentRules:
    return AppointmentRules(checkin_before_minutes=a.integer("checkin_before_minutes", 30, 0, 24 * 60),
                            checkin_after_minutes=a.integer("checkin_after_minutes", 15, 0, 24 * 60),
                            late_becomes_ordinary=a.boolean("late_becomes_ordinary", True),
                            block_after_no_shows=a.integer("block_after_no_shows", 0, 0, 100),
                            block_window_days=a.integer("block_window_days", 90, 1, 3650),
                            block_days=a.integer("block_days", 30, 1, 3650))


def _notify(n: "_Table") -> NotifyRules:
    url = n.get("url", None)
    if url is not None and not (isinstance(url, str) and urlparse(url).scheme in ("http", "https")
                                and urlparse(url).netloc):
        n.fail("url", url, "an http:// or https:// address of the SMS gateway")
    base = n.get("base_url", "")
    if base and not (isinstance(base, str) and urlparse(base).scheme in ("http", "https") and urlparse(base).netloc):
        n.fail("base_url", base, "the hall server's address as phones reach it, such as \"http://192.168.1.10:8000\"")
    return NotifyRules(url=url, when_ahead=n.integer("when_ahead", 3, 1, 100),
                       timeout_seconds=n.number("timeout_seconds", 3.0, 0.1, 60), base_url=base)


class _Table:
    """One TOML table and the path to it, with typed getters that fail in one sentence.

    `label`, when given, names the table in messages instead of its path: "3号窗口 (window 3): services".
    """

    def __init__(self, source: str, key: str, data: dict, allowed: set[str], label: Optional[str] = None):
        self.source, self.key, self.data, self.label = source, key, data, label
        for k in data:
            if k not in allowed:
                shown = _shown_key(k)
                raise ConfigError(f"{source}: {self._where(shown)} is not a known key; expected one of {sorted(allowed)}.",
                                  field=self.path(k))

    def _where(self, name: str) -> str:
        if self.label:
            return f"{self.label}: {name}"
        return f"{self.key}.{name}" if self.key else name

    def path(self, name: str) -> str:
        """The key's place in the data, whatever the label: "windows[2].services"."""
        return f"{self.key}.{name}" if self.key else name

    def fail(self, name, value, expected: str):
        raise ConfigError(f"{self.source}: {self._where(name)} = {value!r} is not allowed; expected {expected}.",
                          field=self.path(name))

    def get(self, name, default=_MISSING):
        if name not in self.data:
            if default is _MISSING:
                raise ConfigError(f"{self.source}: {self._where(name)} is missing; it is required.", field=self.path(name))
            return default
        return self.data[name]

    def text(self, name, default=_MISSING) -> str:
        value = self.get(name, default)
        if not isinstance(value, str) or not value.strip():
            self.fail(name, value, "a non-empty text in quotes")
        return value.strip()

    def integer(self, name, default, low, high):
        value = self.get(name, default)
        if value is None and default is None:
            return None
        if not (isinstance(value, int) and not isinstance(value, bool) and low <= value <= high):
            self.fail(name, value, f"a whole number from {low} to {high}")
        return value

    def number(self, name, default, low, high) -> float:
        value = self.get(name, default)
        if not (isinstance(value, (int, float)) and not isinstance(value, bool) and low <= value <= high):
            self.fail(name, value, f"a number from {low} to {high}")
        return float(value)

    def boolean(self, name, default) -> bool:
        value = self.get(name, default)
        if not isinstance(value, bool):
            self.fail(name, value, "true or false")
        return value

    def list(self, name, default) -> list:
        value = self.get(name, default)
        if not isinstance(value, list):
            self.fail(name, value, "a list in square brackets")
        return value

    def table(self, name, allowed, optional=False) -> "_Table":
        value = self.data.get(name, {} if optional else None)
        if not isinstance(value, dict):
            raise ConfigError(f"{self.source}: [{self._where(name)}] is missing or not a table; expected a [{self._where(name)}] section.",
                              field=self.path(name))
        return _Table(self.source, self._where(name), value, allowed)

    def tables(self, name, allowed, optional=False, label=None) -> list["_Table"]:
        value = self.data.get(name, [] if optional else None)
        if not isinstance(value, list) or (not value and not optional):
            raise ConfigError(f"{self.source}: {self._where(name)} is missing or empty; expected at least one [[{self._where(name)}]] entry.",
                              field=self.path(name))
        out = []
        for i, item in enumerate(value):
            key = f"{self._where(name)}[{i}]"
            if not isinstance(item, dict):
                raise ConfigError(f"{self.source}: {key} is not a table; expected [[{self._where(name)}]] entries.",
                                  field=f"{self.path(name)}[{i}]")
            out.append(_Table(self.source, key, item, allowed, label(i, item) if label else None))
        return out


def _unique(source, table, key, values, labels=None) -> None:
    seen = set()
    for i, v in enumerate(values):
        if v in seen:
            where = f"{labels[i]}: {key}" if labels else f"{table}[{i}].{key}"
            raise ConfigError(f"{source}: {where} = {v!r} is used twice; expected each to have its own {key}.",
                              field=f"{table}[{i}].{key}")
        seen.add(v)


def _window_label(i: int, item: dict) -> str:
    """Staff know a window by its number: "4号窗口 (window 4)". An entry whose number is missing
    or wrong is named by its place, counted from 1."""
    wid = item.get("id")
    if isinstance(wid, int) and not isinstance(wid, bool) and 1 <= wid <= 999:
        return f"{wid}号窗口 (window {wid})"
    return _entry_label("windows", i)


def _entry_label(table: str, i: int) -> str:
    n = i + 1
    nth = f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"
    return f"第{n}个 [[{table}]] (the {nth} [[{table}]] entry)"
