"""The monthly report (月度考评报告): one month of one hall on A4, as the report page prints it.

The figures by window (ranked by satisfaction) and by clerk, the satisfaction
and the ratings' levels, every bad rating with its case, and the month's star
rating. All of it from one snapshot of the records (assess/reader.py).
"""
from __future__ import annotations

from datetime import date

from assess import figures as F
from assess.casework import CHANNEL_NAMES, STATUS_NAMES
from assess.period import LEVEL_NAMES, Labels, Period, settings_of
from assess.records import BAD_LEVELS, LEVELS
from assess.stars import Citizens, StarInputs, month_score
from hall import cases as case_rules
from hall.store import star_inputs_from_json


def month_report(reader, month: str, start: date, end: date, config, today: date, workdays, tz) -> dict:
    steps, ratings, cases = reader.records(start, end)
    p = Period(start, end, steps, ratings, cases, settings_of(config), today, workdays,
               Labels(config, reader.staff_names()))
    total = p.total()
    windows = [(rank, r) for rank, r in F.rank([r for r in p.rows("window") if r.key is not None], "satisfaction")]
    staff = [r for r in p.rows("staff") if r.key is not None]
    case_of = {c.rating_id: c for c in cases}
    bad = []
    for r in sorted((r for r in ratings if r.level in BAD_LEVELS), key=lambda r: r.at):
        c = case_of.get(r.rating_id)
        reasons = [(config.ratings.reason(code).name if config.ratings.reason(code) else code) for code in r.reasons]
        bad.append({"number": r.number, "at": r.at.astimezone(tz).strftime("%m-%d %H:%M"),
                    "window": p.labels.of("window", r.window)[0], "staff": p.labels.of("staff", r.staff)[0],
                    "level": LEVEL_NAMES[r.level][0], "reasons": "、".join(reasons), "comment": r.comment,
                    "channel": CHANNEL_NAMES.get(r.channel, (r.channel,))[0], "excluded": r.excluded,
                    "exclusion_reason": r.exclusion_reason,
                    "case_id": c.case_id if c else None,
                    "case_status": STATUS_NAMES[c.status][0] if c else "",
                    "overdue": bool(c) and case_rules.overdue(c, today, workdays, config.ratings.case_deadline_days)})
    stored = reader.star_inputs(start.year).get(month)
    inputs = star_inputs_from_json(month, stored) if stored else StarInputs(month)
    star = month_score(inputs, Citizens.from_row(total))
    from assess.alarm_figures import KIND_NAMES, alarm_figures
    alarms = [(KIND_NAMES.get(a.kind, a.kind), a) for a in alarm_figures(reader.alarms(start, end))]
    return {"month": month, "start": start, "end": end, "total": total, "windows": windows, "staff": staff,
            "alarms": alarms,
            "labels": p.labels, "levels": [(LEVEL_NAMES[lv][0], getattr(total, lv)) for lv in LEVELS],
            "bad": bad, "star": star, "star_inputs": inputs, "today": today}
