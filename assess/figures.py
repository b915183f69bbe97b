"""The figures of a hall — waits, services, ratings, bad-rating cases — from the stored records alone.

`figures()` groups the records once (by staff, window, service, matter, hall, day,
month or in total) and returns one `Row` per group; `drill()` returns the records
behind one figure of one row, the tickets and ratings a manager clicks through
to; `rank()` orders rows for the monthly window ranking. docs/assessment.md
defines every figure. Times are seconds, rates are fractions (0.9 is 90 %), and
every count is additive: the per-staff counts sum to the hall's.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from operator import attrgetter
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence, Union

from assess.collector import paused
from assess.records import (BAD_LEVELS, LEVELS, STEP_OUTCOMES, CaseRecord, RatingFacts, RatingRecord, StepFacts,
                            StepRecord, rating_facts, step_facts)

# The dimensions a figure can be grouped by; `by` is one of them or a tuple of them
# (("staff", "window") gives each clerk's figures at each window).
DIMENSIONS = ("staff", "window", "service", "matter", "hall", "day", "month", "total")
TOTAL = "total"                      # the key of the one row of by="total"
ANSWERED_OUTCOMES = ("serving", "finished", "transferred")   # the citizen came to the window


@dataclass(frozen=True)
class FigureSettings:
    """What the figures need besides the records; the hall file's [ratings] section fills it."""
    service_level_minutes: float = 15          # T of "called within T minutes" ([ratings] of the hall file)
    case_deadline_days: int = 5                # a case without a ledger deadline is due N working days after opening
    service_limit_minutes: Optional[float] = None   # the time limit of a step with no limit of its own
    service_limits: Mapping[str, float] = field(default_factory=dict)   # service code -> minutes
    matter_limits: Mapping[str, float] = field(default_factory=dict)    # matter code -> minutes (wins over service)


class MondayToFriday:
    """Working days when no calendar is given: Monday to Friday, no holidays."""

    def is_workday(self, d: date) -> bool:
        return d.weekday() < 5

    def add(self, start: date, n: int) -> date:
        """The n-th working day after `start` (n = 0: `start` itself)."""
        d = start
        while n > 0:
            d += timedelta(days=1)
            if d.weekday() < 5:
                n -= 1
        return d


@dataclass(frozen=True, slots=True)
class Row:
    """Every figure of one group of records. Seconds for times, fractions for rates, None: nothing to divide."""
    key: Any
    # steps (StepRecord)
    tickets: int                      # tickets issued: steps with step == 0
    steps: int
    called: int                       # steps called at least once
    called_within: int                # ... whose first call came within T of joining the line
    answered: int                     # steps whose call was answered: the ones with a wait
    served: int
    no_shows: int
    transfers: int
    cancellations: int
    expired: int
    open: int                         # still waiting, called or serving
    breaches: int                     # served steps over their time limit
    served_as_a: int                  # served at the post the step records (AB岗)
    served_as_b: int
    avg_wait: Optional[float]
    p90_wait: Optional[float]
    avg_service: Optional[float]
    p90_service: Optional[float]
    service_level: Optional[float]    # called_within / called
    no_show_rate: Optional[float]     # no_shows / called
    # ratings (RatingRecord)
    very_satisfied: int
    satisfied: int
    basic: int
    dissatisfied: int
    very_dissatisfied: int
    rated: int                        # ratings with a level, not excluded
    bad: int                          # dissatisfied + very_dissatisfied, not excluded
    excluded: int                     # taken out by an upheld appeal
    unrated: int                      # served steps with neither a level nor an excluded rating
    satisfaction: Optional[float]     # (very_satisfied + satisfied + basic) / rated
    unrated_share: Optional[float]    # unrated / served
    # bad-rating cases (CaseRecord); upheld appeals count only in cases_opened and cases_upheld
    cases_opened: int
    cases_upheld: int
    cases_closed: int
    cases_rectified: int
    cases_called_back: int
    cases_overdue: int
    rectification_rate: Optional[float]   # cases_rectified / (cases_opened - cases_upheld)
    callback_rate: Optional[float]        # cases_called_back / (cases_opened - cases_upheld)


ROW_FIGURES = tuple(f.name for f in fields(Row) if f.name != "key")
# The figures that are counts: they add up over any slicing (the rest are averages and rates).
COUNT_FIGURES = tuple(f.name for f in fields(Row) if f.name != "key" and f.type == "int")
_STEP_COUNTS = COUNT_FIGURES[:COUNT_FIGURES.index("served_as_b") + 1]
_LEVEL_INDEX = {level: i for i, level in enumerate(LEVELS)}


class _Group:
    """The running counts of one group; lists of waits and service times sorted once at the end."""
    __slots__ = _STEP_COUNTS + ("waits", "services", "levels", "excluded", "unrated", "cases_opened",
                                "cases_upheld", "cases_closed", "cases_rectified", "cases_called_back",
                                "cases_overdue")

    def __init__(self):
        for name in self.__slots__:
            setattr(self, name, 0)
        self.waits, self.services, self.levels = [], [], [0] * len(LEVELS)


def _key_function(by: Union[str, Sequence[str]]) -> Callable[[Any], Any]:
    """The group key of a step, rating or case record (they share the dimension fields)."""
    if not isinstance(by, str):
        parts = [_key_function(b) for b in by]
        if not parts:
            raise ValueError("by: name at least one of " + ", ".join(DIMENSIONS))
        return lambda r: tuple([f(r) for f in parts])
    if by == "total":
        return lambda r: TOTAL
    if by == "day":
        return attrgetter("business_day")
    if by == "month":
        months: dict[date, str] = {}

        def month(r):
            d = r.business_day
            m = months.get(d)
            if m is None:
                m = months[d] = f"{d.year:04d}-{d.month:02d}"
            return m
        return month
    if by in DIMENSIONS:
        return attrgetter(by)
    raise ValueError(f"by={by!r}: group by one of " + ", ".join(DIMENSIONS))


def _sort_key(key):
    """Keys in order with None last (staff None: steps no clerk touched), tuples element by element."""
    if isinstance(key, tuple):
        return tuple(_sort_key(k) for k in key)
    return (key is None, key if key is not None else 0)


def _percentile(ordered: list[float], p: float) -> Optional[float]:
    """Nearest rank: the smallest value with at least p of the values at or below it."""
    if not ordered:
        return None
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)]


def _ratio(a: int, b: int) -> Optional[float]:
    return a / b if b else None


def _rated_steps(ratings: Iterable[RatingRecord]) -> set:
    return {(r.hall, r.ticket_id, r.step) for r in ratings if r.excluded or r.level is not None}


def _limits(settings: FigureSettings) -> Callable[[str, Optional[str]], Optional[float]]:
    """The time limit in seconds of a step of (service, matter): its matter's, else its service's, else the
    hall's; None: no limit."""
    services = {k: v * 60 for k, v in settings.service_limits.items()}
    matters = {k: v * 60 for k, v in settings.matter_limits.items()}
    default = None if settings.service_limit_minutes is None else settings.service_limit_minutes * 60

    def limit(service, matter):
        m = matters.get(matter)
        if m is None:
            m = services.get(service, default)
        return m
    return limit


def _case_state(c: CaseRecord, today: Optional[date], workdays, deadline_days: int) -> tuple[bool, bool, bool]:
    """(rectified, called back, overdue) of a case that is not an upheld appeal.

    Overdue is hall/cases.py's rule: not rectified and `today` past the due day, the
    ledger's deadline or `deadline_days` working days from the (hall's) day it opened.
    """
    rectified = c.rectified_at is not None or c.status in ("callback", "closed")
    overdue = False
    if not rectified and today is not None:
        due = c.deadline
        if due is None:
            day_of = getattr(workdays, "day_of", None)
            opened = day_of(c.opened_at) if day_of else c.opened_at.date()
            due = workdays.add(opened, deadline_days)
        overdue = today > due
    return rectified, c.callback_at is not None, overdue


def _facts(records: Iterable, kind: type, convert: Callable) -> list:
    """The records as the figures count them: facts as they are, records turned into facts."""
    return [r if type(r) is kind else convert(r) for r in records]


def figures(steps: Iterable[Union[StepRecord, StepFacts]], ratings: Iterable[Union[RatingRecord, RatingFacts]],
            cases: Iterable[CaseRecord], *, by: Union[str, Sequence[str]], settings: FigureSettings, today: date,
            workdays=None) -> list[Row]:
    """Every figure of every group of the records, one Row per group, keys in order (None last).

    `steps` and `ratings` are records (assess/records.py) or their facts (StepFacts, RatingFacts:
    what a reader's `facts()` hands over); the figures are the same from either. `by`: one of
    DIMENSIONS or a tuple of them. `today` decides which cases are overdue; `workdays` is any
    object with `.add(date, n)` (hall/workdays.py's Workdays), Monday to Friday when None. The
    records are read once each; nothing else is consulted. Times are summed as whole microseconds,
    so an average does not depend on the order of the records.
    """
    with paused():          # the lists and the set below hold no cycles (assess/collector.py)
        return _figures(steps, ratings, cases, by, settings, today, workdays)


def _figures(steps, ratings, cases, by, settings: FigureSettings, today: date, workdays) -> list[Row]:
    keyf = _key_function(by)
    workdays = workdays or MondayToFriday()
    groups: dict[Any, _Group] = {}
    within = timedelta(minutes=settings.service_level_minutes) // timedelta(microseconds=1)
    limit_of = _limits(settings)
    steps = _facts(steps, StepFacts, step_facts)
    ratings = _facts(ratings, RatingFacts, rating_facts)

    rated = set()                     # the steps with a level or an excluded rating: not unrated
    level_index = _LEVEL_INDEX
    for r, k in zip(ratings, map(keyf, ratings)):
        g = groups.get(k)
        if g is None:
            g = groups[k] = _Group()
        if r.excluded:
            g.excluded += 1
        elif r.level is not None:
            try:
                g.levels[level_index[r.level]] += 1
            except KeyError:
                raise ValueError(f"a rating of step {r.ticket_id}/{r.step} has level {r.level!r}, "
                                 f"not one of {', '.join(LEVELS)}")
        else:
            continue
        rated.add((r.hall, r.ticket_id, r.step))

    for (hall, ticket_id, step, _day, service, matter, _window, _staff, post, o, started, first_wait, wait,
         service_us), k in zip(steps, map(keyf, steps)):
        g = groups.get(k)
        if g is None:
            g = groups[k] = _Group()
        g.steps += 1
        if step == 0:
            g.tickets += 1
        if first_wait is not None:
            g.called += 1
            if first_wait <= within:
                g.called_within += 1
        if o == "finished" or o == "transferred" or o == "serving":
            if o == "serving":
                g.open += 1
            elif o == "transferred":
                g.transfers += 1
            if wait is not None:
                g.answered += 1
                g.waits.append(wait)
            if o != "serving" and started:      # StepRecord.served
                g.served += 1
                if post == "A":
                    g.served_as_a += 1
                elif post == "B":
                    g.served_as_b += 1
                if (hall, ticket_id, step) not in rated:
                    g.unrated += 1
                if service_us is not None:
                    g.services.append(service_us)
                    limit = limit_of(service, matter)
                    if limit is not None and service_us / 1_000_000 > limit:
                        g.breaches += 1
        elif o == "no_show":
            g.no_shows += 1
        elif o == "cancelled":
            g.cancellations += 1
        elif o == "expired":
            g.expired += 1
        elif o == "waiting" or o == "called":
            g.open += 1
        else:
            raise ValueError(f"step {ticket_id}/{step} has outcome {o!r}, not one of {', '.join(STEP_OUTCOMES)}")

    for c in cases:
        k = keyf(c)
        g = groups.get(k)
        if g is None:
            g = groups[k] = _Group()
        g.cases_opened += 1
        if c.appeal == "upheld":
            g.cases_upheld += 1
            continue
        rectified, called_back, overdue = _case_state(c, today, workdays, settings.case_deadline_days)
        g.cases_closed += c.status == "closed"
        g.cases_rectified += rectified
        g.cases_called_back += called_back
        g.cases_overdue += overdue

    if by == "total" and not groups:
        groups[TOTAL] = _Group()      # the hall's total exists on a day with nothing in it
    return [_row(k, groups[k]) for k in sorted(groups, key=_sort_key)]


def _mean_seconds(micros: list[int]) -> Optional[float]:
    """The mean of whole microseconds, in seconds: the exact sum, divided once."""
    return sum(micros) / (len(micros) * 1_000_000) if micros else None


def _row(key, g: _Group) -> Row:
    waits, services = sorted(g.waits), sorted(g.services)
    p90_wait, p90_service = _percentile(waits, 0.9), _percentile(services, 0.9)
    levels = g.levels
    rated = sum(levels)
    counted_cases = g.cases_opened - g.cases_upheld
    return Row(
        key=key, tickets=g.tickets, steps=g.steps, called=g.called, called_within=g.called_within,
        answered=g.answered, served=g.served, no_shows=g.no_shows, transfers=g.transfers,
        cancellations=g.cancellations, expired=g.expired, open=g.open, breaches=g.breaches,
        served_as_a=g.served_as_a, served_as_b=g.served_as_b,
        avg_wait=_mean_seconds(waits), p90_wait=None if p90_wait is None else p90_wait / 1_000_000,
        avg_service=_mean_seconds(services),
        p90_service=None if p90_service is None else p90_service / 1_000_000,
        service_level=_ratio(g.called_within, g.called), no_show_rate=_ratio(g.no_shows, g.called),
        very_satisfied=levels[0], satisfied=levels[1], basic=levels[2], dissatisfied=levels[3],
        very_dissatisfied=levels[4], rated=rated, bad=levels[3] + levels[4], excluded=g.excluded,
        unrated=g.unrated, satisfaction=_ratio(levels[0] + levels[1] + levels[2], rated),
        unrated_share=_ratio(g.unrated, g.served),
        cases_opened=g.cases_opened, cases_upheld=g.cases_upheld, cases_closed=g.cases_closed,
        cases_rectified=g.cases_rectified, cases_called_back=g.cases_called_back, cases_overdue=g.cases_overdue,
        rectification_rate=rectification_rate(g.cases_opened, g.cases_upheld, g.cases_rectified),
        callback_rate=_ratio(g.cases_called_back, counted_cases))


def answered_waits(steps: Iterable[Union[StepRecord, StepFacts]]) -> list[float]:
    """The waits, in seconds, that avg_wait and p90_wait are over (the answered steps'), of records or facts."""
    return [f.wait_us / 1_000_000 for f in _facts(steps, StepFacts, step_facts)
            if f.wait_us is not None and f.outcome in ANSWERED_OUTCOMES]


def rectification_rate(opened: int, upheld: int, rectified: int) -> Optional[float]:
    """Cases rectified of those counted (an upheld appeal's case is not): Row.rectification_rate. The city
    counts a year's cases by month in its database and turns the counts into the rate here."""
    return _ratio(rectified, opened - upheld)


# -- ranking -----------------------------------------------------------------

# Figures where less is better; every other figure ranks the highest first.
LOWER_IS_BETTER = frozenset({"avg_wait", "p90_wait", "avg_service", "p90_service", "no_shows", "no_show_rate",
                             "breaches", "bad", "dissatisfied", "very_dissatisfied", "unrated", "unrated_share",
                             "cases_opened", "cases_overdue", "cancellations", "expired"})


@dataclass(frozen=True)
class LevelFigures:
    """The rating figures of a count of ratings by level (what the star rating's citizens' part needs)."""
    rated: int
    bad: int
    excluded: int
    satisfaction: Optional[float]


def level_figures(counts: Mapping[tuple, int]) -> LevelFigures:
    """`counts[(level, excluded)]` = how many ratings (level None: unrated): rated, bad and satisfaction
    exactly as `figures` counts them (appeal-excluded and unrated ones are not rated). A year of
    ratings counted by the database per month (Reader.level_counts) gives each month's citizens'
    part of the star rating without building a record per rating; a test holds both equal."""
    levels = [0] * len(LEVELS)
    excluded = 0
    for (level, was_excluded), n in counts.items():
        if was_excluded:
            excluded += n
        elif level is not None:
            levels[LEVELS.index(level)] += n
    rated = sum(levels)
    return LevelFigures(rated=rated, bad=levels[3] + levels[4], excluded=excluded,
                        satisfaction=_ratio(levels[0] + levels[1] + levels[2], rated))


def rank(rows: Iterable[Row], key: str = "satisfaction", *,
         higher_is_better: Optional[bool] = None) -> list[tuple[Optional[int], Row]]:
    """The rows best first as (rank, row): equal values share a rank (1, 1, 3), None comes last, unranked."""
    if key not in ROW_FIGURES:
        raise ValueError(f"rank by one of {', '.join(ROW_FIGURES)}, not {key!r}")
    high = key not in LOWER_IS_BETTER if higher_is_better is None else higher_is_better
    rows = list(rows)
    valued = sorted((r for r in rows if getattr(r, key) is not None), key=attrgetter(key), reverse=high)
    out: list[tuple[Optional[int], Row]] = []
    for i, r in enumerate(valued):
        same = i and getattr(r, key) == getattr(valued[i - 1], key)
        out.append((out[-1][0] if same else i + 1, r))
    return out + [(None, r) for r in rows if getattr(r, key) is None]


# -- drilling down -------------------------------------------------------------

def _step_wait(s):
    return (s.called_at - s.queued_at).total_seconds()


def _step_service(s):
    return (s.ended_at - s.started_at).total_seconds()


def drill(steps: Iterable[StepRecord], ratings: Iterable[RatingRecord], cases: Iterable[CaseRecord] = (), *,
          key_by: Union[str, Sequence[str]], key, figure: str, settings: Optional[FigureSettings] = None,
          today: Optional[date] = None, workdays=None) -> list:
    """The records behind `figure` in the row `key` of figures(..., by=key_by).

    A count gives the records it counts (len() equals the figure); an average or
    percentile the records it is computed over, longest first; a rate the records
    of its denominator (satisfaction: the rated ratings; service_level: the called
    steps). `settings`, `today` and `workdays` as for figures() (overdue needs `today`).
    """
    if figure not in ROW_FIGURES:
        raise ValueError(f"drill into one of {', '.join(ROW_FIGURES)}, not {figure!r}")
    settings = settings or FigureSettings()
    keyf = _key_function(key_by)
    steps, ratings = list(steps), list(ratings)
    if any(type(r) in (StepFacts, RatingFacts) for r in steps[:1] + ratings[:1]):
        raise TypeError("drill lists the records behind a figure: give it the records (Reader.records), not facts")
    mine_r = [r for r in ratings if keyf(r) == key]
    counted_r = [r for r in mine_r if not r.excluded and r.level is not None]
    levels = {name: [r for r in counted_r if r.level == name] for name in LEVELS}
    by_rating = {"rated": counted_r, "satisfaction": counted_r, "excluded": [r for r in mine_r if r.excluded],
                 "bad": [r for r in counted_r if r.level in BAD_LEVELS], **levels}
    if figure in by_rating:
        return by_rating[figure]

    if figure.startswith("cases_") or figure in ("rectification_rate", "callback_rate"):
        workdays = workdays or MondayToFriday()
        if figure == "cases_overdue" and today is None:
            raise ValueError("cases_overdue needs today")
        mine_c = [c for c in cases if keyf(c) == key]
        counted = [c for c in mine_c if c.appeal != "upheld"]
        state = {c.case_id: _case_state(c, today, workdays, settings.case_deadline_days) for c in counted}
        return {"cases_opened": mine_c, "cases_upheld": [c for c in mine_c if c.appeal == "upheld"],
                "cases_closed": [c for c in counted if c.status == "closed"],
                "cases_rectified": [c for c in counted if state[c.case_id][0]],
                "cases_called_back": [c for c in counted if state[c.case_id][1]],
                "cases_overdue": [c for c in counted if state[c.case_id][2]],
                "rectification_rate": counted, "callback_rate": counted}[figure]

    mine = [s for s in steps if keyf(s) == key]
    within = timedelta(minutes=settings.service_level_minutes)
    if figure == "unrated":
        rated = _rated_steps(ratings)
        return [s for s in mine if s.served and (s.hall, s.ticket_id, s.step) not in rated]
    if figure == "breaches":
        limit = _limits(settings)
        return [s for s in mine if s.served and s.ended_at is not None and limit(s.service, s.matter) is not None
                and _step_service(s) > limit(s.service, s.matter)]
    if figure in ("answered", "avg_wait", "p90_wait"):
        waited = [s for s in mine if s.outcome in ANSWERED_OUTCOMES and s.called_at is not None]
        return waited if figure == "answered" else sorted(waited, key=_step_wait, reverse=True)
    if figure in ("avg_service", "p90_service"):
        return sorted((s for s in mine if s.served and s.ended_at is not None), key=_step_service, reverse=True)
    called = [s for s in mine if s.first_called_at is not None]
    outcome = {"no_shows": "no_show", "transfers": "transferred", "cancellations": "cancelled", "expired": "expired"}
    if figure in outcome:
        return [s for s in mine if s.outcome == outcome[figure]]
    return {"tickets": lambda: [s for s in mine if s.step == 0],
            "steps": lambda: mine,
            "called": lambda: called, "service_level": lambda: called, "no_show_rate": lambda: called,
            "called_within": lambda: [s for s in called if s.first_called_at - s.queued_at <= within],
            "served": lambda: [s for s in mine if s.served],
            "unrated_share": lambda: [s for s in mine if s.served],
            "open": lambda: [s for s in mine if s.outcome in ("waiting", "called", "serving")],
            "served_as_a": lambda: [s for s in mine if s.served and s.post == "A"],
            "served_as_b": lambda: [s for s in mine if s.served and s.post == "B"]}[figure]()
