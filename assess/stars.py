"""The monthly star rating of a centre (星级考评) and the year's verdict, as the seed report sets them.

Each month a centre self-assesses five aspects (爱岗敬业, 办件规范, 服务优质, 廉洁自律,
群众满意); the city's assessor enters the month's inspections (明察暗访); the
citizens' part is the month's figures (satisfaction rate, and the bad-rating
rectification rate when there were cases). `month_score` weighs the three parts
into points out of 100 and reads the stars off the thresholds; `year_view`
applies the seed's year rule: six or more five-star months earn a reward, six
or more months below five stars a warning with a deadline to improve.
docs/assessment.md explains the choices. Pure: no clock, no storage.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Mapping, Optional, Sequence

from assess.figures import MondayToFriday

ASPECTS = ("dedication", "conduct", "quality", "integrity", "satisfaction")
ASPECT_NAMES = {"dedication": "爱岗敬业", "conduct": "办件规范", "quality": "服务优质",
                "integrity": "廉洁自律", "satisfaction": "群众满意"}
PARTS = ("self", "inspection", "citizens")
PART_NAMES = {"self": "月度自评", "inspection": "明察暗访", "citizens": "群众评议"}


@dataclass(frozen=True)
class StarSettings:
    """Weights, thresholds and the year rule; every default is the one docs/assessment.md gives."""
    self_weight: float = 0.3
    inspection_weight: float = 0.3
    citizens_weight: float = 0.4
    aspect_weights: Mapping[str, float] = field(default_factory=lambda: dict.fromkeys(ASPECTS, 1.0))
    rectification_share: float = 0.25        # of the citizens' part, when the month had bad-rating cases
    thresholds: tuple[tuple[int, float], ...] = ((5, 90.0), (4, 80.0), (3, 70.0), (2, 60.0))   # else 1 star
    reward_months: int = 6                   # five-star months in a year that earn a reward
    warning_months: int = 6                  # months below five stars that bring a warning
    warning_workdays: int = 20               # the deadline to improve, in working days after the warning...
    warning_deadline: Optional[date] = None  # ...unless a fixed date is given


@dataclass(frozen=True)
class Inspection:
    """The assessor's result of the month's unannounced inspections (明察暗访), out of 100."""
    score: float
    findings: tuple[str, ...] = ()           # what was found, in the assessor's words


@dataclass(frozen=True)
class StarInputs:
    """What was entered for a month. Nothing entered (both None): the month is not assessed."""
    month: str                                          # "YYYY-MM"
    self_assessment: Optional[Mapping[str, float]] = None   # aspect -> 0..100; None: not submitted
    inspection: Optional[Inspection] = None                 # None: no inspection this month


@dataclass(frozen=True)
class Citizens:
    """The citizens' part, from the month's figures (assess/figures.py, by="month")."""
    satisfaction: Optional[float]            # 0..1; None: nothing was rated
    rectification: Optional[float] = None    # 0..1; None: no bad-rating cases

    @classmethod
    def from_row(cls, row) -> "Citizens":
        return cls(row.satisfaction, row.rectification_rate)


@dataclass(frozen=True)
class StarMonth:
    """A month's star rating. `assessed` False: not assessed, no points and no stars."""
    month: str
    assessed: bool
    points: Optional[float] = None           # out of 100, one decimal
    stars: Optional[int] = None              # 1..5
    self_points: Optional[float] = None      # each part out of 100; None: not part of this month
    inspection_points: Optional[float] = None
    citizen_points: Optional[float] = None
    weights: tuple[tuple[str, float], ...] = ()     # the parts counted and their weights, summing to 1
    missing_aspects: tuple[str, ...] = ()    # aspects the self-assessment left out (scored 0)
    findings: tuple[str, ...] = ()

    @property
    def status(self) -> str:
        """not_assessed, five_star or below_five: the three kinds of month the year rule counts."""
        if not self.assessed:
            return "not_assessed"
        return "five_star" if self.stars == 5 else "below_five"


@dataclass(frozen=True)
class YearVerdict:
    year: Optional[int]                      # None: no months given
    months: tuple[StarMonth, ...]
    five_star: int
    below_five: int
    not_assessed: tuple[str, ...]            # the months given but not assessed (they count to neither)
    reward: bool
    warning: bool
    warning_month: Optional[str] = None      # the month whose result brought the warning
    deadline: Optional[date] = None          # improve by this day (a warning only)


def _score(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
        raise ValueError(f"{what} must be a score from 0 to 100, not {value!r}")
    return float(value)


def _share(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"{what} must be a rate from 0 to 1, not {value!r}")
    return float(value)


def _one_decimal(x: float) -> float:
    """Half up to one decimal, after dropping float noise (0.3 * 90 + ... is not exactly 90)."""
    return float(Decimal(repr(round(x, 6))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _month(month: str) -> tuple[int, int]:
    try:
        y, m = month.split("-")
        year, mon = int(y), int(m)
        if len(y) != 4 or len(m) != 2 or not 1 <= mon <= 12:
            raise ValueError
    except (AttributeError, ValueError):
        raise ValueError(f"month must be written YYYY-MM, such as 2026-11, not {month!r}") from None
    return year, mon


def month_score(inputs: StarInputs, citizens: Optional[Citizens], settings: StarSettings = StarSettings()) -> StarMonth:
    """The month's points and stars.

    A part that has nothing to judge is left out and its weight shared among the
    others: no inspection this month, or nothing rated. A self-assessment the
    centre owes but did not submit scores 0 (so does an aspect it left out) once
    anything else was entered; with neither a self-assessment nor an inspection
    the month is not assessed.
    """
    _month(inputs.month)
    if inputs.self_assessment is None and inputs.inspection is None:
        return StarMonth(inputs.month, assessed=False)
    own = dict(inputs.self_assessment or {})
    unknown = sorted(set(own) - set(ASPECTS))
    if unknown:
        raise ValueError(f"self-assessment: {unknown[0]!r} is not an aspect; the aspects are {', '.join(ASPECTS)}")
    aw = settings.aspect_weights
    self_points = (sum(aw[a] * _score(own.get(a, 0), f"self-assessment {a}") for a in ASPECTS)
                   / sum(aw[a] for a in ASPECTS))
    parts = {"self": (settings.self_weight, self_points)}
    findings: tuple[str, ...] = ()
    if inputs.inspection is not None:
        parts["inspection"] = (settings.inspection_weight, _score(inputs.inspection.score, "inspection score"))
        findings = tuple(inputs.inspection.findings)
    if citizens is not None and citizens.satisfaction is not None:
        sat = _share(citizens.satisfaction, "satisfaction")
        if citizens.rectification is not None:
            share = settings.rectification_share
            sat = (1 - share) * sat + share * _share(citizens.rectification, "rectification")
        parts["citizens"] = (settings.citizens_weight, 100 * sat)
    weight = sum(w for w, _ in parts.values())
    if weight <= 0:
        raise ValueError("star settings: the weights of the parts must add up to more than 0")
    points = _one_decimal(sum(w * p for w, p in parts.values()) / weight)
    stars = next((n for n, least in settings.thresholds if points >= least), 1)
    got = {k: _one_decimal(p) for k, (_, p) in parts.items()}
    return StarMonth(inputs.month, assessed=True, points=points, stars=stars, self_points=got["self"],
                     inspection_points=got.get("inspection"), citizen_points=got.get("citizens"),
                     weights=tuple((k, w / weight) for k, (w, _) in parts.items()),
                     missing_aspects=tuple(a for a in ASPECTS if a not in own), findings=findings)


def _last_day(month: str) -> date:
    year, mon = _month(month)
    return (date(year + mon // 12, mon % 12 + 1, 1)) - timedelta(days=1)


def year_view(months: Sequence[StarMonth], settings: StarSettings = StarSettings(), *,
              decided_on: Optional[date] = None, workdays=None) -> YearVerdict:
    """The year's verdict over its months (any order, each at most once, all of one year).

    Months not assessed count toward neither the reward nor the warning. The warning
    is due once the `warning_months`-th month below five stars is in; its deadline is
    `settings.warning_deadline`, or `warning_workdays` working days after `decided_on`
    (by default the last day of that month) on `workdays` (Monday to Friday when None).
    """
    ordered = sorted(months, key=lambda m: _month(m.month))
    years = {_month(m.month)[0] for m in ordered}
    if len(years) > 1:
        raise ValueError(f"a year's months must be of one year, not of {', '.join(map(str, sorted(years)))}")
    seen = [m.month for m in ordered]
    twice = sorted({m for m in seen if seen.count(m) > 1})
    if twice:
        raise ValueError(f"month {twice[0]} is given more than once")
    below = [m for m in ordered if m.status == "below_five"]
    five = sum(m.status == "five_star" for m in ordered)
    warning = len(below) >= settings.warning_months
    warning_month = below[settings.warning_months - 1].month if warning else None
    deadline = None
    if warning:
        deadline = settings.warning_deadline or (workdays or MondayToFriday()).add(
            decided_on or _last_day(warning_month), settings.warning_workdays)
    return YearVerdict(year=years.pop() if years else None, months=tuple(ordered), five_star=five,
                       below_five=len(below), not_assessed=tuple(m.month for m in ordered if not m.assessed),
                       reward=five >= settings.reward_months, warning=warning, warning_month=warning_month,
                       deadline=deadline)
