"""A year of a centre's star rating (星级考评) as the stars page and the monthly report show it.

The inputs are what was entered (the `star_months` table, through the Reader);
the citizens' part is each month's figures; the points, stars and the year's
reward or warning are assess/stars.py's.
"""
from __future__ import annotations

from dataclasses import asdict
from datetime import date

from assess import figures as F
from assess.period import settings_of
from assess.stars import ASPECT_NAMES, ASPECTS, PART_NAMES, Citizens, StarInputs, month_score, year_view
from hall.store import star_inputs_from_json

STATUS_NAMES = {"five_star": ("五星级", "Five stars"), "below_five": ("未达五星", "Below five stars"),
                "not_assessed": ("未评定", "Not assessed")}


def _months(year: int, today: date, entered) -> list[str]:
    """The year's months so far (all twelve of a past year), and any month entered ahead."""
    last = 12 if year < today.year else today.month if year == today.year else 0
    return sorted({f"{year:04d}-{m:02d}" for m in range(1, last + 1)} | set(entered))


def year_json(reader, year: int, config, today: date, workdays) -> dict:
    entered = reader.star_inputs(year)
    steps, ratings, cases = reader.records(date(year, 1, 1), date(year, 12, 31))
    by_month = {r.key: r for r in F.figures(steps, ratings, cases, by="month", settings=settings_of(config),
                                            today=today, workdays=workdays)}
    months, scores = [], []
    for month in _months(year, today, entered):
        stored = entered.get(month)
        inputs = star_inputs_from_json(month, stored) if stored else StarInputs(month)
        row = by_month.get(month)
        citizens = Citizens.from_row(row) if row is not None else None
        score = month_score(inputs, citizens)
        scores.append(score)
        months.append({
            "month": month,
            "inputs": {"self_assessment": stored.get("self_assessment"), "inspection": stored.get("inspection")}
            if stored else None,
            "entered_by": stored.get("entered_by") if stored else None,
            "entered_at": stored.get("entered_at") if stored else None,
            "citizens": {"satisfaction": citizens.satisfaction, "rectification": citizens.rectification,
                         "rated": row.rated, "bad": row.bad} if citizens else None,
            "score": {**asdict(score), "status": score.status, "status_name": STATUS_NAMES[score.status][0],
                      "status_name_en": STATUS_NAMES[score.status][1]},
        })
    verdict = year_view(scores, workdays=workdays)
    return {"year": year, "aspects": [{"aspect": a, "name": ASPECT_NAMES[a]} for a in ASPECTS],
            "parts": [{"part": k, "name": v} for k, v in PART_NAMES.items()], "months": months,
            "verdict": {"five_star": verdict.five_star, "below_five": verdict.below_five,
                        "not_assessed": list(verdict.not_assessed), "reward": verdict.reward,
                        "warning": verdict.warning, "warning_month": verdict.warning_month,
                        "deadline": verdict.deadline.isoformat() if verdict.deadline else None}}
