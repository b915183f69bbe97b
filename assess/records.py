"""The stored records the figures are computed from, as plain frozen dataclasses.

A hall reads them from its SQLite file (the `steps`, `ratings` and `cases`
tables, through a read-only connection); a city centre reads the same records
from PostgreSQL. The figures (assess/figures.py) see nothing else, so they
are equal whoever computes them and however the records are sliced.
"""
from __future__ import annotations

from collections import namedtuple
from dataclasses import MISSING, asdict, dataclass, fields
from datetime import date, datetime, timedelta
from typing import Optional

# How a step of a visit ended. OPEN_OUTCOMES: the step is still in the hall's hands.
OPEN_OUTCOMES = ("waiting", "called", "serving")
STEP_OUTCOMES = OPEN_OUTCOMES + ("finished", "transferred", "no_show", "cancelled", "expired")
# The national five levels, best first; the last two are bad ratings (差评).
LEVELS = ("very_satisfied", "satisfied", "basic", "dissatisfied", "very_dissatisfied")
SATISFIED_LEVELS = LEVELS[:3]
BAD_LEVELS = LEVELS[3:]
CHANNELS = ("rater", "tablet", "phone")


@dataclass(frozen=True)
class StepRecord:
    """One step of a visit: the wait for one service and, when it was served, its service.

    A ticket transferred to another service, or rejoining after a no-show, has
    one more step; `step` counts from 0. Waiting and service times are per step.
    """
    hall: str
    ticket_id: int
    step: int
    business_day: date
    number: str
    service: str
    matter: Optional[str]
    priority: Optional[str]              # a green-channel category, "appointment", or None
    issued_at: datetime                  # when the ticket was issued
    queued_at: datetime                  # when this step joined its line
    first_called_at: Optional[datetime]
    called_at: Optional[datetime]        # the call that was answered: the step's last call
    calls: int                           # how many times the step was called (recalls included)
    started_at: Optional[datetime]       # service began (None: never served)
    ended_at: Optional[datetime]         # the step ended (None: still open)
    outcome: str                         # one of STEP_OUTCOMES
    window: Optional[int]
    staff: Optional[str]                 # username of the clerk who called / served it
    post: Optional[str] = None           # "A" or "B": the post the clerk held at that window (AB岗)

    @property
    def served(self) -> bool:
        """Service began and the step is over: finished, or transferred on after service."""
        return self.started_at is not None and self.outcome in ("finished", "transferred")


@dataclass(frozen=True)
class RatingRecord:
    """A citizen's rating of one served step; `level` None is "unrated" (the time to rate passed)."""
    hall: str
    rating_id: int
    ticket_id: int
    step: int
    business_day: date                   # the business day of the step rated
    number: str
    service: str
    matter: Optional[str]
    window: int
    staff: Optional[str]
    level: Optional[str]                 # one of LEVELS, or None: unrated
    channel: str                         # one of CHANNELS
    device: Optional[str]
    reasons: tuple[str, ...]             # for a bad rating: the reason codes chosen
    comment: str                         # for a bad rating: the citizen's own words
    at: datetime
    excluded: bool = False               # an upheld appeal took it out of the figures (kept on record)
    exclusion_reason: str = ""

    @property
    def bad(self) -> bool:
        return self.level in BAD_LEVELS


@dataclass(frozen=True)
class CaseRecord:
    """A bad-rating case (差评整改): verify -> rectify -> call back -> closed, with an appeal path."""
    hall: str
    case_id: int
    rating_id: int
    ticket_id: int
    step: int
    business_day: date
    number: str
    service: str
    matter: Optional[str]
    window: int
    staff: Optional[str]
    level: str
    opened_at: datetime
    status: str                          # verifying, rectifying, callback, closed
    rectify_mode: Optional[str] = None   # on_spot, ledger
    deadline: Optional[date] = None      # the ledger's last working day to rectify
    verified_at: Optional[datetime] = None
    rectified_at: Optional[datetime] = None
    callback_at: Optional[datetime] = None
    callback_view: Optional[str] = None  # the citizen's view of the fix: satisfied, basic, dissatisfied
    closed_at: Optional[datetime] = None
    appeal: Optional[str] = None         # None, pending, upheld, rejected
    appeal_reason: str = ""
    appeal_decision: str = ""
    note: str = ""                       # the latest step's words (who verified what, how it was fixed)


# The fields a step's and a rating's facts share: who, where and what (the figures' dimensions).
_FACT_DIMENSIONS = ("hall", "ticket_id", "step", "business_day", "service", "matter", "window", "staff")

StepFacts = namedtuple("StepFacts", _FACT_DIMENSIONS + (
    "post", "outcome",
    "started",                           # service began (started_at is set)
    "first_wait_us",                     # first_called_at - queued_at, whole microseconds (None: never called)
    "wait_us",                           # called_at - queued_at
    "service_us"))                       # ended_at - started_at
StepFacts.__doc__ = """What the figures count of a step (assess/figures.py), and nothing more: its dimensions, how it
ended, and its times as whole microseconds, each the difference of two of StepRecord's times.

A reader hands these straight from its database, which keeps the differences as integers (the
hall's `steps`, hall/store.py migration 13) or works them out itself (the city's PostgreSQL), so a
month's figures build no datetime. `step_facts` gives the same from a StepRecord; the figures are
equal from either."""

RatingFacts = namedtuple("RatingFacts", _FACT_DIMENSIONS + ("level", "excluded"))
RatingFacts.__doc__ = ("What the figures count of a rating: its dimensions and step, its level (None: unrated) and "
                       "whether an upheld appeal excluded it.")


_MICROSECOND = timedelta(microseconds=1)


def micros_between(start: Optional[datetime], end: Optional[datetime]) -> Optional[int]:
    """end - start in whole microseconds (exact, as datetimes hold them); None when either is None."""
    if start is None or end is None:
        return None
    return (end - start) // _MICROSECOND


def step_facts(s: StepRecord) -> StepFacts:
    return StepFacts(s.hall, s.ticket_id, s.step, s.business_day, s.service, s.matter, s.window, s.staff, s.post,
                     s.outcome, s.started_at is not None, micros_between(s.queued_at, s.first_called_at),
                     micros_between(s.queued_at, s.called_at), micros_between(s.started_at, s.ended_at))


def rating_facts(r: RatingRecord) -> RatingFacts:
    return RatingFacts(r.hall, r.ticket_id, r.step, r.business_day, r.service, r.matter, r.window, r.staff, r.level,
                       bool(r.excluded))


_CASE_DATES = ("business_day", "deadline")
_CASE_TIMES = ("opened_at", "verified_at", "rectified_at", "callback_at", "closed_at")


def case_to_json(case: CaseRecord) -> dict:
    """A case as JSON-ready values (dates and times as ISO text): the store's row and each case event carry it."""
    return {k: (v.isoformat() if isinstance(v, (date, datetime)) else v) for k, v in asdict(case).items()}


_CASE_NAMES = tuple(f.name for f in fields(CaseRecord))
_REQUIRED = object()
# Each field's value when a record leaves it out (an older record); _REQUIRED: it may not.
_CASE_DEFAULTS = tuple(_REQUIRED if f.default is MISSING else f.default for f in fields(CaseRecord))
_CASE_PARSE = tuple((i, date.fromisoformat if name in _CASE_DATES else datetime.fromisoformat)
                    for i, name in enumerate(_CASE_NAMES) if name in _CASE_DATES or name in _CASE_TIMES)


def case_from_json(d: dict) -> CaseRecord:
    """The case back from `case_to_json` (unknown keys are left out, so an older reader reads a newer record).

    The record is made as `new_record` makes one, not through the frozen dataclass's __init__: a
    year's cases are read for the star ratings, and the generated __init__ was most of that read.
    """
    get = d.get
    values = [get(name, default) for name, default in zip(_CASE_NAMES, _CASE_DEFAULTS)]
    if any(v is _REQUIRED for v in values):
        raise TypeError("a case record lacks " + ", ".join(n for n, v in zip(_CASE_NAMES, values) if v is _REQUIRED))
    for i, parse in _CASE_PARSE:
        v = values[i]
        values[i] = parse(v) if v else None
    return new_record(CaseRecord, zip(_CASE_NAMES, values))


def new_record(cls, values):
    """A frozen dataclass record of these field values (a dict or (name, value) pairs), put in at once:
    equal, hashable and frozen as one made by its __init__, which sets every field through
    object.__setattr__ (several µs a record: half a second for a month's steps)."""
    record = object.__new__(cls)
    record.__dict__.update(values)
    return record


# The kinds of alarm of electronic supervision (电子监察, hall/alarms.py), in the order the board lists them.
ALARM_KINDS = ("long_wait", "long_queue", "service_overtime", "window_paused", "window_unstaffed", "device_fault",
               "bad_rating", "case_overdue")


@dataclass(frozen=True)
class AlarmRecord:
    """An alarm as kept in the hall's `alarms` table: raised, maybe acknowledged, maybe cleared (still open: None)."""
    hall: str
    alarm_id: int
    kind: str                            # one of ALARM_KINDS
    subject: str                         # a service code, window id, ticket id, device id or case id
    business_day: date                   # the business day it was raised on
    raised_at: datetime
    acknowledged_by: Optional[str]
    acknowledged_at: Optional[datetime]
    cleared_at: Optional[datetime]
