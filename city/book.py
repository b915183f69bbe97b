"""What the city's pages ask of the halls' records: the overview, a hall's windows and staff, rankings
across halls, bad-rating cases across halls, and every township centre's star rating.

Every figure is assess/figures.py's over city/reader.py's records, and every
star rating assess/stars.py's through assess/starbook.py, with each hall's own
settings, calendar and names taken from the latest configuration the hall sent
(`config_versions`): the figures the city shows of a hall are the hall's own.
A hall that has sent no configuration yet is figured with the defaults.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Optional

from assess import figures as F
from assess.period import Labels, settings_of
from assess.starbook import STATUS_NAMES, citizens_of_counts, year_json_of
from city.reader import CityReader
from config import load_config, parse_config
from hall import cases as case_rules
from hall.errors import ConfigError
from hall.model import HallConfig
from hall.workdays import Workdays

log = logging.getLogger(__name__)
TIERS = ("city", "township", "village")
TIER_NAMES = {"city": ("市中心", "City centre"), "township": ("镇（街道）中心", "Township centre"),
              "village": ("村级中心", "Village centre")}
LINK_NAMES = {"online": ("在线", "Online"), "offline": ("离线", "Offline"), "never": ("未连接", "Never connected")}
# A hall not heard from for this long is shown offline, whatever its last request left in `halls.link`.
SILENT = timedelta(minutes=10)
RANK_FIGURES = ("satisfaction", "avg_wait", "served", "bad", "service_level", "avg_service")


@dataclass(frozen=True)
class Hall:
    """A hall as the city knows it: the `halls` table's row with its latest configuration."""
    code: str
    name: str
    name_en: str
    tier: str
    parent: Optional[str]
    link: str
    last_seen_at: Optional[datetime]
    lag_seconds: Optional[float]
    config: HallConfig
    workdays: Workdays

    @property
    def tier_name(self) -> tuple[str, str]:
        return TIER_NAMES.get(self.tier, (self.tier, self.tier))

    @property
    def link_name(self) -> tuple[str, str]:
        return LINK_NAMES.get(self.link, (self.link, self.link))


_DEFAULT: Optional[HallConfig] = None
_CONFIGS: dict[tuple[str, int], HallConfig] = {}


def _config(code: str, version: Optional[int], text: Optional[str]) -> HallConfig:
    global _DEFAULT
    if text is None:
        if _DEFAULT is None:
            _DEFAULT = load_config()
        return _DEFAULT
    key = (code, version)
    if key not in _CONFIGS:
        try:
            _CONFIGS[key] = parse_config(text, source=f"{code} v{version}")
        except ConfigError as exc:
            # A hall newer than the city may send keys the city does not know yet: its figures are then
            # worked out on the defaults rather than not at all, and the log says so once.
            log.warning("hall %s: configuration version %s cannot be read here (%s); figured on the defaults",
                        code, version, exc)
            _CONFIGS[key] = _config(code, None, None)
    return _CONFIGS[key]


def halls(conn, now: datetime) -> list[Hall]:
    """Every hall the city knows, city centre first, then townships and villages, each by code."""
    rows = conn.execute(
        "SELECT h.code, h.name, h.name_en, h.tier, h.parent, h.link, h.last_seen_at, h.last_record_at,"
        " c.version, c.config FROM halls h LEFT JOIN LATERAL (SELECT version, config FROM config_versions v"
        " WHERE v.hall_code = h.code ORDER BY version DESC LIMIT 1) c ON true").fetchall()
    out = []
    for code, name, name_en, tier, parent, link, seen, last_record, version, text in rows:
        config = _config(code, version, text)
        cal = config.calendar
        workdays = Workdays(closed=config.queue.holidays, extra_workdays=cal.extra_workdays,
                            extra_holidays=cal.extra_holidays, tz=config.timezone)
        lag = (now - last_record).total_seconds() if last_record is not None else None
        link = link or "never"
        if link == "online" and seen is not None and now - seen > SILENT:
            link = "offline"          # nothing heard for a while: the last request's "online" is stale
        out.append(Hall(code, name, name_en or name, tier, parent, link, seen, lag, config, workdays))
    return sorted(out, key=lambda h: (TIERS.index(h.tier) if h.tier in TIERS else 9, h.code))


def _settings(hall: Hall) -> F.FigureSettings:
    return settings_of(hall.config)


def overview(conn, halls_: list[Hall], today: date) -> list[dict]:
    """Each hall with today's figures: tickets issued, served, average wait, satisfaction, open bad-rating cases."""
    steps, ratings, cases = CityReader(conn).facts(today, today)
    by_hall: dict[str, tuple[list, list, list]] = {h.code: ([], [], []) for h in halls_}
    for i, records in enumerate((steps, ratings, cases)):
        for r in records:
            if r.hall in by_hall:
                by_hall[r.hall][i].append(r)
    out = []
    for h in halls_:
        row = F.figures(*by_hall[h.code], by="total", settings=_settings(h), today=today, workdays=h.workdays)[0]
        out.append({"hall": h, "row": row})
    return out


def hall_figures(conn, hall: Hall, start: date, end: date, today: date) -> dict:
    """One hall's figures of start..end by window, by staff and in total, with the rows' names."""
    reader = CityReader(conn, hall.code)
    with reader.snapshot():
        records = reader.facts(start, end)
        labels = Labels(hall.config, reader.staff_names())
    common = dict(settings=_settings(hall), today=today, workdays=hall.workdays)
    return {by: [(labels.of(by, r.key), r) for r in F.figures(*records, by=by, **common)]
            for by in ("window", "staff", "day")} | {"total": F.figures(*records, by="total", **common)[0]}


def rankings(conn, halls_: list[Hall], start: date, end: date, by: str, figure: str, today: date) -> list[dict]:
    """Windows or staff (`by`) of every hall ranked by `figure` (assess.figures.rank): best first."""
    if by not in ("window", "staff") or figure not in RANK_FIGURES:
        raise ValueError(f"rank windows or staff by one of {', '.join(RANK_FIGURES)}")
    known = {h.code: h for h in halls_}
    reader = CityReader(conn)
    with reader.snapshot():
        records = reader.facts(start, end)
        names = _all_staff_names(conn)
    rows = []
    for h in halls_:
        mine = [[r for r in part if r.hall == h.code] for part in records]
        for r in F.figures(*mine, by=by, settings=_settings(h), today=today, workdays=h.workdays):
            if r.key is not None:
                rows.append(replace(r, key=(h.code, r.key)))
    out = []
    for rank, r in F.rank(rows, figure):
        code, key = r.key
        labels = Labels(known[code].config, names.get(code, {}))
        out.append({"rank": rank, "hall": known[code], "label": labels.of(by, key), "key": key, "row": r})
    return out


def _all_staff_names(conn) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for hall, username, name in conn.execute("SELECT hall_code, username, name FROM staff"):
        out.setdefault(hall, {})[username] = name
    return out


def cases(conn, halls_: list[Hall], today: date, status: str = "open") -> list[dict]:
    """Bad-rating cases of every hall, overdue first, then the oldest: `status` open, overdue or all."""
    known = {h.code: h for h in halls_}
    names = _all_staff_names(conn)
    out = []
    for c in CityReader(conn).cases():
        h = known.get(c.hall)
        if h is None:
            continue
        days = h.config.ratings.case_deadline_days
        overdue = case_rules.overdue(c, today, h.workdays, days)
        if status == "open" and c.status == "closed" or status == "overdue" and not overdue:
            continue
        labels = Labels(h.config, names.get(c.hall, {}))
        out.append({"case": c, "hall": h, "overdue": overdue, "due": case_rules.due(c, h.workdays, days),
                    "window": labels.of("window", c.window), "staff": labels.of("staff", c.staff),
                    "service": labels.of("service", c.service)})
    out.sort(key=lambda x: (not x["overdue"], x["case"].opened_at, x["hall"].code))
    return out


def stars(conn, halls_: list[Hall], year: int, today: date, tiers=("township",)) -> list[dict]:
    """The year's star rating of every centre of `tiers` (assess/starbook.py's year, one hall at a time),
    from three queries over all halls: the ratings counted by hall, day and level, the cases counted by
    hall, day and state, and the inputs (no record is built: a year of 71 centres is millions of rows)."""
    chosen = [h for h in halls_ if h.tier in tiers]
    reader = CityReader(conn)
    start, end = date(year, 1, 1), date(year, 12, 31)
    with reader.snapshot():
        counts = reader.level_counts_by_hall(start, end)
        case_counts = reader.case_counts_by_hall(start, end)
        entered = reader.star_inputs_by_hall(year)
    out = []
    for h in chosen:
        rectification = {month: F.rectification_rate(*c) for month, c in case_counts.get(h.code, {}).items()}
        by_month = citizens_of_counts(counts.get(h.code, {}), rectification)
        out.append({"hall": h, "year": year_json_of(year, entered.get(h.code, {}), by_month, today, h.workdays)})
    return out


__all__ = ["Hall", "halls", "overview", "hall_figures", "rankings", "cases", "stars", "STATUS_NAMES", "TIER_NAMES",
           "LINK_NAMES", "RANK_FIGURES"]
