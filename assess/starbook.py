"""A year of a centre's star rating (星级考评) as the stars page and the monthly report show it.

The inputs are what was entered (the `star_months` table, through the Reader);
the citizens' part is each month's figures; the points, stars and the year's
reward or warning are assess/stars.py's.
"""
from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Mapping, Optional

from assess import figures as F
from assess.stars import ASPECT_NAMES, ASPECTS, PART_NAMES, Citizens, StarInputs, month_score, year_view
from hall.store import star_inputs_from_json

STATUS_NAMES = {"five_star": ("五星级", "Five stars"), "below_five": ("未达五星", "Below five stars"),
                "not_assessed": ("未评定", "Not assessed")}


def _months(year: int, today: date, entered) -> list[str]:
    """The year's months so far (all twelve of a past year), and any month entered ahead."""
    last = 12 if year < today.year else today.month if year == today.year else 0
    return sorted({f"{year:04d}-{m:02d}" for m in range(1, last + 1)} | set(entered))


def citizens_of_year(reader, year: int) -> dict[str, tuple]:
    """Each month's citizens' part of the star rating: "YYYY-MM" -> (Citizens, rated, bad).

    Satisfaction needs only how many ratings of each level a month had, and the rectification
    rate how many cases were opened, upheld on appeal and rectified: the database counts both
    (a year of a big hall's 900,000 ratings and 18,000 cases in a fraction of a second), and
    `figures.level_figures` and `figures.rectification_rate` turn the counts into the figures
    `figures` itself gives (tests/assess/test_star_citizens.py holds them equal).
    """
    start, end = date(year, 1, 1), date(year, 12, 31)
    counts = reader.level_counts(start, end)
    rectification = {month: F.rectification_rate(*c) for month, c in reader.case_counts(start, end).items()}
    return citizens_of_counts(counts, rectification)


def citizens_of_counts(counts: dict, rectification: Mapping[str, Optional[float]]) -> dict[str, tuple]:
    """`citizens_of_year` from a year's level counts (Reader.level_counts) and each month's rectification
    rate (None: no case counted; a month absent: no case at all): the city counts both for every hall
    at once in the database and gives each hall's here."""
    out = {}
    for month in sorted(set(counts) | set(rectification)):
        lv = F.level_figures(counts.get(month, {}))
        out[month] = (Citizens(lv.satisfaction, rectification.get(month)), lv.rated, lv.bad)
    return out


def year_json(reader, year: int, today: date, workdays) -> dict:
    entered = reader.star_inputs(year)
    by_month = citizens_of_year(reader, year)
    return year_json_of(year, entered, by_month, today, workdays)


def year_json_of(year: int, entered: dict, by_month: dict, today: date, workdays) -> dict:
    """The year's star rating from what was entered (Reader.star_inputs) and each month's citizens'
    part (citizens_of_year): what year_json answers, for a centre whose records are read already."""
    months, scores = [], []
    for month in _months(year, today, entered):
        stored = entered.get(month)
        inputs = star_inputs_from_json(month, stored) if stored else StarInputs(month)
        citizens, rated, bad = by_month.get(month, (None, 0, 0))
        score = month_score(inputs, citizens)
        scores.append(score)
        months.append({
            "month": month,
            "inputs": {"self_assessment": stored.get("self_assessment"), "inspection": stored.get("inspection")}
            if stored else None,
            "entered_by": stored.get("entered_by") if stored else None,
            "entered_at": stored.get("entered_at") if stored else None,
            "citizens": {"satisfaction": citizens.satisfaction, "rectification": citizens.rectification,
                         "rated": rated, "bad": bad} if citizens else None,
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
