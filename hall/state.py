"""The hall's state today, the changes the engine returns, and applying them.

HallState is what the hall knows now (rebuilt from the store at start-up);
a Change is what one action would do to it. The engine only returns
Changes; the hall applies one after the store has committed it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple, Optional

from hall.events import Event
from hall.model import WAITING, Alarm, Appointment, Rating, Ticket, WindowState


@dataclass
class HallState:
    """What is happening in the hall today; rebuilt from the store at start-up."""
    business_day: date
    tickets: dict[int, Ticket] = field(default_factory=dict)   # this business day's tickets
    windows: dict[int, WindowState] = field(default_factory=dict)
    next_ticket_id: int = 1
    last_seq: int = 0
    # (ticket id, step) -> level of today's ratings; None: recorded "unrated"
    rated: dict[tuple[int, int], Optional[str]] = field(default_factory=dict)
    next_case_id: int = 1
    blocked: dict[str, date] = field(default_factory=dict)     # ID hash -> blocked until (inclusive)
    day_closed: bool = False                                   # the day end has expired open tickets
    version: int = 0                                           # moved on by every applied change
    alarms: dict[int, Alarm] = field(default_factory=dict)     # the open alarms (电子监察), whatever their day
    next_alarm_id: int = 1
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def _memo(self, key, compute):
        """A value derived from the tickets, kept until the next change (the hot paths ask many times)."""
        if self._cache.get("version") != self.version:
            for k in [k for k in self._cache if not k.startswith(_KEPT)]:
                del self._cache[k]
            self._cache["version"] = self.version
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def waiting(self, services=None) -> list[Ticket]:
        """Waiting tickets by their place in line (oldest first)."""
        ids = self._index("waiting_ids", lambda: {tid for tid, t in self.tickets.items() if t.status == WAITING})
        everyone = self._memo("waiting", lambda: sorted((self.tickets[tid] for tid in ids), key=lambda t: (t.place, t.id)))
        if services is None:
            return list(everyone)
        return [t for t in everyone if t.service in services]

    def _index(self, key, build):
        """An index of today's tickets that `apply` keeps up to date ticket by ticket, built once
        for each day's dict: the hot paths must not scan a whole day of tickets on every change."""
        if self._cache.get(key + "_of") is not self.tickets:
            self._cache[key], self._cache[key + "_of"] = build(), self.tickets
        return self._cache[key]

    def ticket_of_token(self, token: str) -> Optional[Ticket]:
        """Today's ticket with this phone token, or None."""
        return self._ticket_by("tokens", "token", token)

    def ticket_of_number(self, number: str) -> Optional[Ticket]:
        """Today's ticket with this number (A012), or None: a number is one ticket's all day."""
        return self._ticket_by("numbers", "number", number)

    def _ticket_by(self, index: str, field: str, value: str) -> Optional[Ticket]:
        """The ticket whose `field` is `value`, through the kept index of that field (built on first use)."""
        tid = self._index(index, lambda: {getattr(t, field): tid for tid, t in self.tickets.items()
                                          if getattr(t, field)}).get(value)
        t = self.tickets.get(tid) if tid is not None else None
        return t if t is not None and getattr(t, field) == value else None

    def last_serial(self, prefix: str) -> int:
        """The last daily number used with this prefix (a transferred ticket keeps its number)."""
        def build():
            serials: dict[str, int] = {}
            for t in self.tickets.values():
                serials[t.number[:1]] = max(serials.get(t.number[:1], 0), t.serial)
            return serials
        return self._index("serials", build).get(prefix, 0)


# The cached indexes `apply` keeps up to date itself; the rest of the cache goes with each change.
_KEPT = ("serials", "waiting_ids", "tokens", "numbers")


class StarEntry(NamedTuple):
    """A month's star-rating inputs (assess.stars.StarInputs) as entered for a centre, by whom and when."""
    hall: str
    inputs: object
    by: str
    at: datetime


@dataclass(frozen=True)
class Change:
    tickets: tuple[Ticket, ...] = ()
    windows: tuple[WindowState, ...] = ()
    events: tuple[Event, ...] = ()
    ratings: tuple[Rating, ...] = ()
    cases: tuple = ()                             # assess.records.CaseRecord, new or changed
    exclusions: tuple = ()                        # hall.cases.Exclusion: ratings an upheld appeal takes out
    star_months: tuple[StarEntry, ...] = ()       # a month's star-rating inputs, new or entered again
    appointments: tuple[Appointment, ...] = ()
    blocks: tuple[tuple[str, date], ...] = ()   # (ID hash, blocked until)
    alarms: tuple[Alarm, ...] = ()                # alarms raised, acknowledged or cleared (hall/alarms.py)
    new_day: date | None = None   # set when the change starts a new business day
    day_closed: bool = False       # set when the change closes the business day
    result: object = None          # what the action hands back to its caller

    def then(self, other: "Change") -> "Change":
        """This change followed by `other` (later versions of a ticket or window win)."""
        return Change(tickets=self.tickets + other.tickets, windows=self.windows + other.windows,
                      events=self.events + other.events, ratings=self.ratings + other.ratings, cases=self.cases + other.cases,
                      exclusions=self.exclusions + other.exclusions, star_months=self.star_months + other.star_months,
                      appointments=self.appointments + other.appointments, blocks=self.blocks + other.blocks,
                      alarms=self.alarms + other.alarms,
                      new_day=other.new_day or self.new_day, day_closed=self.day_closed or other.day_closed,
                      result=other.result)

    @property
    def empty(self) -> bool:
        return not (self.tickets or self.windows or self.events or self.ratings or self.cases or self.appointments
                    or self.star_months or self.blocks or self.alarms or self.new_day or self.day_closed)


def apply(state: HallState, change: Change) -> None:
    """Apply a committed change to the in-memory state."""
    state.version += 1
    if change.new_day is not None:
        state.business_day = change.new_day
        state.tickets = {tid: t for tid, t in state.tickets.items() if t.business_day == change.new_day}
        state.rated = {}
        state.day_closed = False
    if change.day_closed:
        state.day_closed = True
    for id_hash, until in change.blocks:
        state.blocked[id_hash] = until
    kept = {k: state._cache.get(k) if state._cache.get(k + "_of") is state.tickets else None for k in _KEPT}
    serials, waiting, tokens, numbers = kept["serials"], kept["waiting_ids"], kept["tokens"], kept["numbers"]
    for t in change.tickets:
        today = t.business_day == state.business_day
        if serials is not None and today:
            serials[t.number[:1]] = max(serials.get(t.number[:1], 0), t.serial)
        if waiting is not None:
            if today and t.status == WAITING:
                waiting.add(t.id)
            else:
                waiting.discard(t.id)
        if tokens is not None and today and t.token:
            tokens[t.token] = t.id
        if numbers is not None and today:
            numbers[t.number] = t.id
        if today:
            state.tickets[t.id] = t
        else:
            state.tickets.pop(t.id, None)
        state.next_ticket_id = max(state.next_ticket_id, t.id + 1)
    for w in change.windows:
        state.windows[w.id] = w
    for r in change.ratings:
        if r.business_day == state.business_day:
            state.rated[(r.ticket_id, r.step)] = r.level
    for c in change.cases:
        state.next_case_id = max(state.next_case_id, c.case_id + 1)
    for a in change.alarms:
        if a.is_open:
            state.alarms[a.id] = a
        else:
            state.alarms.pop(a.id, None)
        state.next_alarm_id = max(state.next_alarm_id, a.id + 1)
