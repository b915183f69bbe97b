"""The figures of a date range of one hall, as the assessment pages and their API show them.

A `Period` holds the records of the business days start..end (read by
assess/reader.py from one snapshot) and answers what the pages ask: the rows
of a slice with the total, the charts' series, the records behind a figure.
A period read for its figures alone (`Period.read(..., facts=True)`: the
table, the charts, the exports) holds only the records' facts, read in a
third of the time; the drill-down reads the full records.
Everything here is computed by assess/figures.py; this module only picks
ranges, names columns in zh-CN and English and turns records into JSON.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Optional

from assess import export, figures as F
from assess.records import LEVELS, CaseRecord, RatingRecord, StepRecord
from hall.errors import HallError

PRESETS = ("today", "this_month", "last_month", "this_year")
PRESET_NAMES = {"today": ("今天", "Today"), "this_month": ("本月", "This month"),
                "last_month": ("上月", "Last month"), "this_year": ("今年", "This year")}
SLICES = ("staff", "window", "service", "matter", "hall", "day", "month")
SLICE_NAMES = export.DIMENSION_NAMES
MAX_DAYS = 366            # the longest range a page reads at once: a year

# Every figure as (name, 中文, English, kind: count, seconds or rate): the export's names, in Row's order.
COLUMNS = tuple((f, *export.COLUMNS[f]) for f in F.ROW_FIGURES)
# The figures the page's table shows at first; the rest are one click away (and all are in the export).
MAIN_FIGURES = ("tickets", "served", "avg_wait", "p90_wait", "avg_service", "service_level", "no_shows",
                "rated", "satisfaction", "bad", "unrated", "excluded", "cases_opened", "cases_overdue",
                "rectification_rate", "callback_rate")
LEVEL_NAMES = {"very_satisfied": ("非常满意", "Very satisfied"), "satisfied": ("满意", "Satisfied"),
               "basic": ("基本满意", "Basically satisfied"), "dissatisfied": ("不满意", "Dissatisfied"),
               "very_dissatisfied": ("非常不满意", "Very dissatisfied")}
# The waiting-time histogram's bins, in minutes (the last one is open-ended).
WAIT_BINS = (0, 5, 10, 15, 20, 30, 45, 60)
DRILL_LIMIT = 1000        # records answered per drill; the count says how many there are


def _bad_field(field: str, zh: str, en: str) -> HallError:
    return HallError("invalid_field", zh, en if en else zh, 400)


# -- ranges ---------------------------------------------------------------------

def _month_start(d: date) -> date:
    return d.replace(day=1)


def _month_end(d: date) -> date:
    return (d.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def preset_range(name: str, today: date) -> tuple[date, date]:
    """The business days of a preset: today, this month, last month, this year (to today)."""
    if name == "today":
        return today, today
    if name == "this_month":
        return _month_start(today), today
    if name == "last_month":
        end = _month_start(today) - timedelta(days=1)
        return _month_start(end), end
    if name == "this_year":
        return today.replace(month=1, day=1), today
    raise _bad_field("preset", f"时间范围 {name[:20]!r} 无效，请选择今天、本月、上月或今年。",
                     f"preset must be one of {', '.join(PRESETS)}, not {name[:20]!r}.")


def month_range(month: str) -> tuple[date, date]:
    """The first and last day of "YYYY-MM"."""
    try:
        y, m = month.split("-")
        if len(y) != 4 or len(m) != 2 or not (y + m).isascii() or not "1970" <= y <= "9998":
            raise ValueError
        first = date(int(y), int(m), 1)
    except (AttributeError, ValueError):
        raise _bad_field("month", f"月份应写成 YYYY-MM，例如 2026-11，而不是 {str(month)[:20]!r}。",
                         f"month must be written YYYY-MM, such as 2026-11, not {str(month)[:20]!r}.") from None
    return first, _month_end(first)


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise _bad_field(name, f"日期 {name} 应写成 YYYY-MM-DD，例如 2026-11-01，而不是 {str(value)[:20]!r}。",
                         f"{name} must be a date written YYYY-MM-DD, such as 2026-11-01, not {str(value)[:20]!r}.") \
            from None


def parse_range(args, today: date) -> tuple[date, date]:
    """The range a request asks for: `from` and `to` (YYYY-MM-DD), else `preset`, else this month."""
    start, end = args.get("from"), args.get("to")
    if start or end:
        if not (start and end):
            raise _bad_field("from", "请同时给出开始日期（from）和结束日期（to）。", "Give both from and to.")
        start, end = _day(start, "from"), _day(end, "to")
    else:
        start, end = preset_range(args.get("preset") or "this_month", today)
    if end < start:
        raise HallError("invalid_range", f"结束日期 {end} 早于开始日期 {start}，请重新选择。",
                        f"The range ends ({end}) before it starts ({start}); choose again.", 400)
    if (end - start).days + 1 > MAX_DAYS:
        raise HallError("invalid_range", f"一次最多查看 {MAX_DAYS} 天，请缩小时间范围（例如按年查看）。",
                        f"A range is at most {MAX_DAYS} days; choose a shorter one (a year at most).", 400)
    return start, end


def parse_slice(value: Optional[str]) -> str:
    by = value or "window"
    if by not in SLICES:
        raise _bad_field("by", f"分组 {by[:20]!r} 无效，请选择：" + "、".join(SLICE_NAMES[s][0] for s in SLICES) + "。",
                         f"by must be one of {', '.join(SLICES)}, not {by[:20]!r}.")
    return by


# -- the figures of a period ----------------------------------------------------------

def settings_of(config) -> F.FigureSettings:
    """The figures' settings from the hall file: [ratings], and the time limits of its services and
    matters (`service_limit_minutes`, as the alarms judge them: hall/alarms.py `service_limit`)."""
    r = config.ratings
    return F.FigureSettings(service_level_minutes=r.service_level_minutes, case_deadline_days=r.case_deadline_days,
                            service_limit_minutes=r.service_limit_minutes,
                            service_limits={s.code: s.service_limit_minutes for s in config.services
                                            if s.service_limit_minutes is not None},
                            matter_limits={m.code: m.service_limit_minutes for s in config.services for m in s.matters
                                           if m.service_limit_minutes is not None})


class Labels:
    """How a group's key is shown: a window's, service's and matter's names, a clerk's name."""

    def __init__(self, config, staff_names: dict[str, str]):
        self.config, self.staff = config, staff_names

    def reason(self, code: str) -> str:
        """A bad rating's reason as the citizen chose it (态度不好, ...)."""
        r = self.config.ratings.reason(code)
        return r.name if r else code

    def of(self, by: str, key) -> tuple[str, str]:
        if key is None:
            return {"staff": ("（无工作人员）", "(no clerk)"), "window": ("（未叫号）", "(never called)"),
                    "matter": ("（未选事项）", "(no matter)")}.get(by, ("—", "—"))
        if by == "staff":
            name = self.staff.get(key, key)
            return (f"{name}（{key}）", f"{name} ({key})") if name != key else (key, key)
        if by == "window":
            w = self.config.window(key)
            return (w.name, w.name_en) if w else (f"{key}号窗口", f"Window {key}")
        if by == "service":
            s = self.config.service(key)
            return (s.name, s.name_en) if s else (key, key)
        if by == "matter":
            for s in self.config.services:
                m = s.matter(key)
                if m:
                    return m.name, m.name_en
            return key, key
        if by == "total":
            return SLICE_NAMES["total"]
        return (key.isoformat(), key.isoformat()) if isinstance(key, date) else (str(key), str(key))


def key_param(key) -> str:
    """A group key as the drill's `key` argument ("" for None)."""
    if key is None:
        return ""
    return key.isoformat() if isinstance(key, date) else str(key)


def parse_key(by: str, raw: str):
    """The group key of `by` from its `key` argument (key_param's inverse)."""
    if raw == "" and by in ("staff", "window", "matter"):
        return None
    if by == "window":
        if not raw.isdigit():
            raise _bad_field("key", f"窗口号应为整数，而不是 {raw[:20]!r}。", f"A window key is a number, not {raw[:20]!r}.")
        return int(raw)
    if by == "day":
        return _day(raw, "key")
    return raw


@dataclass
class Period:
    """The records of the business days start..end of one hall, and what the pages ask of them."""
    start: date
    end: date
    steps: list[StepRecord]                     # or their facts (StepFacts, RatingFacts): no drill then
    ratings: list[RatingRecord]
    cases: list[CaseRecord]
    settings: F.FigureSettings
    today: date
    workdays: Any
    labels: Labels

    @classmethod
    def read(cls, reader, start: date, end: date, config, today: date, workdays, facts: bool = False) -> "Period":
        """The period's records (`facts`: only what the figures count, for the table, charts and exports)."""
        steps, ratings, cases = (reader.facts if facts else reader.records)(start, end)
        return cls(start, end, steps, ratings, cases, settings_of(config), today, workdays,
                   Labels(config, reader.staff_names()))

    def rows(self, by) -> list[F.Row]:
        return F.figures(self.steps, self.ratings, self.cases, by=by, settings=self.settings, today=self.today,
                         workdays=self.workdays)

    def total(self) -> F.Row:
        return self.rows("total")[0]

    def drill(self, by: str, key, figure: str) -> list:
        try:
            return F.drill(self.steps, self.ratings, self.cases, key_by=by, key=key, figure=figure,
                           settings=self.settings, today=self.today, workdays=self.workdays)
        except ValueError as exc:
            raise _bad_field("figure", f"无法下钻这个指标：{exc}。", f"Cannot drill into that figure: {exc}.") from None

    # -- as JSON ---------------------------------------------------------------------

    def row_json(self, by: str, row: F.Row) -> dict:
        zh, en = self.labels.of(by, row.key)
        return {"key": key_param(row.key), "label": zh, "label_en": en,
                "figures": {name: getattr(row, name) for name in F.ROW_FIGURES}}

    def table_json(self, by: str) -> dict:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "by": by,
                "today": self.today.isoformat(),
                "columns": [{"figure": f, "name": zh, "name_en": en, "kind": kind, "main": f in MAIN_FIGURES}
                            for f, zh, en, kind in COLUMNS],
                "rows": [self.row_json(by, r) for r in self.rows(by)],
                "total": self.row_json("total", self.total())}

    def charts_json(self) -> dict:
        """The series of the page's charts, each also shown as a table beside its chart."""
        total = self.total()
        trend = lambda by: [{"key": key_param(r.key), "tickets": r.tickets, "served": r.served,
                             "rated": r.rated, "bad": r.bad, "satisfaction": r.satisfaction}
                            for r in self.rows(by)]
        waits = [seconds / 60 for seconds in F.answered_waits(self.steps)]
        bins = []
        for i, low in enumerate(WAIT_BINS):
            high = WAIT_BINS[i + 1] if i + 1 < len(WAIT_BINS) else None
            bins.append({"from": low, "to": high,
                         "count": sum(1 for w in waits if w >= low and (high is None or w < high))})
        ranking = []
        for rank, r in F.rank([r for r in self.rows("window") if r.key is not None], "satisfaction"):
            zh, en = self.labels.of("window", r.key)
            ranking.append({"rank": rank, "key": key_param(r.key), "label": zh, "label_en": en,
                            "satisfaction": r.satisfaction, "rated": r.rated, "bad": r.bad, "served": r.served})
        return {"daily": trend("day"), "monthly": trend("month"),
                "levels": [{"level": lv, "name": LEVEL_NAMES[lv][0], "name_en": LEVEL_NAMES[lv][1],
                            "count": getattr(total, lv)} for lv in LEVELS]
                + [{"level": "unrated", "name": "未评价", "name_en": "Unrated", "count": total.unrated},
                   {"level": "excluded", "name": "申诉剔除", "name_en": "Excluded on appeal", "count": total.excluded}],
                "waits": bins, "ranking": ranking}

    def drill_json(self, by: str, key, figure: str, tz) -> dict:
        records = self.drill(by, key, figure)
        zh, en = self.labels.of(by, key)
        return {"by": by, "key": key_param(key), "label": zh, "label_en": en, "figure": figure,
                "count": len(records), "truncated": len(records) > DRILL_LIMIT,
                "records": [record_json(r, tz, self.labels) for r in records[:DRILL_LIMIT]]}


def _iso(dt: Optional[datetime], tz) -> Optional[str]:
    return dt.astimezone(tz).isoformat(timespec="seconds") if dt else None


def _seconds(a: Optional[datetime], b: Optional[datetime]) -> Optional[float]:
    return (b - a).total_seconds() if a is not None and b is not None else None


def record_json(r, tz, labels: Optional[Labels] = None) -> dict:
    """A step, rating or case record as the drill-down lists it (no personal data: records carry none)."""
    staff_name = labels.staff.get(r.staff, r.staff) if labels and r.staff else r.staff
    if isinstance(r, StepRecord):
        return {"kind": "step", "ticket_id": r.ticket_id, "step": r.step, "number": r.number,
                "business_day": r.business_day.isoformat(), "service": r.service, "matter": r.matter,
                "window": r.window, "staff": r.staff, "staff_name": staff_name, "post": r.post, "outcome": r.outcome,
                "issued_at": _iso(r.issued_at, tz), "queued_at": _iso(r.queued_at, tz),
                "called_at": _iso(r.called_at, tz), "started_at": _iso(r.started_at, tz),
                "ended_at": _iso(r.ended_at, tz), "calls": r.calls,
                "wait": _seconds(r.queued_at, r.called_at), "service_time": _seconds(r.started_at, r.ended_at)}
    if isinstance(r, RatingRecord):
        return {"kind": "rating", "rating_id": r.rating_id, "ticket_id": r.ticket_id, "step": r.step,
                "number": r.number, "business_day": r.business_day.isoformat(), "service": r.service,
                "matter": r.matter, "window": r.window, "staff": r.staff, "staff_name": staff_name,
                "level": r.level, "channel": r.channel, "reasons": list(r.reasons),
                "reason_names": [labels.reason(c) for c in r.reasons] if labels else list(r.reasons), "comment": r.comment,
                "at": _iso(r.at, tz), "excluded": r.excluded, "exclusion_reason": r.exclusion_reason}
    return {"kind": "case", "case_id": r.case_id, "rating_id": r.rating_id, "ticket_id": r.ticket_id,
            "number": r.number, "business_day": r.business_day.isoformat(), "service": r.service,
            "window": r.window, "staff": r.staff, "staff_name": staff_name, "level": r.level,
            "status": r.status, "appeal": r.appeal, "opened_at": _iso(r.opened_at, tz),
            "deadline": r.deadline.isoformat() if r.deadline else None}
