"""A simulated business day on the real hall, for the fairness test and the estimate benchmark.

Citizens arrive at random (a seeded Poisson process per service, busier in
the morning peak), take tickets — some on the green channel — and clerks
call the next one the moment they are free. Service times spread around
each service's average like real ones (lognormal). Staff sign in, a window
pauses for a break and resumes. Everything goes through `hall.hall.Hall` on
a real SQLite store, driven by a FakeClock that jumps from one event to the
next (an arrival, a citizen reaching the window, a service finishing, a
break ending), so a whole day takes seconds and the same seed gives the
same day, call for call.

For every ticket the result holds the estimate the kiosk showed when it was
issued (`Hall.wait_minutes`) and the wait that followed (first call − issue).
"""
from __future__ import annotations

import heapq
import math
import random
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Optional
from zoneinfo import ZoneInfo

from hall import idnumber
from hall.clock import FakeClock
from hall.errors import HallError
from hall.hall import Hall
from hall.model import NO_SHOW, HallConfig
from hall.store import Store

# Arrival rate factor by time of day: the morning peak, a quiet lunch hour.
MORNING_PEAK = (
    (time(8, 30), time(9, 0), 0.8),
    (time(9, 0), time(11, 0), 1.5),
    (time(11, 0), time(12, 0), 1.0),
    (time(12, 0), time(13, 30), 0.5),
    (time(13, 30), time(15, 30), 1.1),
    (time(15, 30), time(17, 0), 0.7),
)


@dataclass(frozen=True)
class DayPlan:
    """How the simulated day goes. Times are the hall's local time on `day`."""
    arrivals_per_hour: dict[str, float]          # per service, before the time-of-day factor
    profile: tuple[tuple[time, time, float], ...] = MORNING_PEAK   # arrivals only within these periods
    day: date = date(2026, 11, 27)
    priority_share: float = 0.1                  # share of green-channel tickets
    service_minutes: Optional[dict[str, float]] = None   # true mean service time; None: each service's average_minutes
    service_sigma: float = 0.5                   # spread of ln(service time): 0.5 is a real hall's long tail
    walk_minutes: tuple[float, float] = (0.2, 1.0)   # from the call until the citizen is at the window
    no_show_share: float = 0.0                   # citizens who left: recalled until they become no-shows
    recall_minutes: float = 1.0                  # between recalls of a citizen who does not come
    window_opens: dict[int, time] = field(default_factory=dict)   # when staff sign in; others stay closed
    breaks: tuple[tuple[int, time, float], ...] = ()   # (window, due at, minutes): taken once the window is free
    pauses: tuple[tuple[int, time, float], ...] = ()   # the same, unannounced (reason "other"): the hall is not told
    transfers: dict[str, str] = field(default_factory=dict)   # service -> the service a transferred ticket goes on to
    transfer_share: float = 0.0                  # tickets of such a service sent on after their service there
    rejoin_share: float = 0.0                    # no-shows who come back (过号重排) a few minutes later
    seed: int = 1


@dataclass
class TicketRecord:
    """One ticket of the day: what the kiosk estimated and what happened."""
    number: str
    service: str
    priority: Optional[str]
    issued_at: datetime
    issued_seq: int                      # the hall's event seq right after issuing
    estimate: Optional[int]              # Hall.wait_minutes right after issuing (None: no open window)
    called_at: Optional[datetime] = None
    called_seq: Optional[int] = None     # the hall's event seq of its first call
    window: Optional[int] = None
    no_show: bool = False
    naive: Optional[float] = None        # the simple arithmetic at issue: people ahead / open windows x configured mean
    low: Optional[int] = None            # the likely range at issue (Hall.wait_range)
    high: Optional[int] = None

    @property
    def wait(self) -> Optional[float]:
        """Minutes from issue to the first call."""
        if self.called_at is None:
            return None
        return (self.called_at - self.issued_at).total_seconds() / 60


@dataclass(frozen=True)
class CallRecord:
    """One `call_next` at a window (recalls are not calls of a new ticket)."""
    number: str
    service: str
    priority: Optional[str]
    at: datetime
    seq: int


@dataclass
class DayResult:
    tickets: list[TicketRecord]                   # in the order they were issued
    calls: dict[int, list[CallRecord]]            # window id -> its calls in order
    refused: list[tuple[datetime, str, str]]      # (at, service, error code): tickets the hall would not issue
    pauses: list[tuple[int, datetime, datetime]]  # (window, paused at, resumed at)

    def estimated(self) -> list[TicketRecord]:
        """Tickets that had an estimate and were called."""
        return [t for t in self.tickets if t.estimate is not None and t.called_at is not None]

    def mean_wait(self) -> float:
        waits = [t.wait for t in self.tickets if t.wait is not None]
        return sum(waits) / len(waits)

    def estimate_mae(self) -> float:
        """Mean absolute error of the issue-time estimate against the actual wait, in minutes."""
        rows = self.estimated()
        return sum(abs(t.estimate - t.wait) for t in rows) / len(rows)

    def estimate_bias(self) -> float:
        """Mean of estimate − actual: negative when the kiosk promises too short a wait."""
        rows = self.estimated()
        return sum(t.estimate - t.wait for t in rows) / len(rows)


def run_day(config: HallConfig, plan: DayPlan, db_dir: str | Path | None = None) -> DayResult:
    """Play `plan` on a fresh hall with `config`; the database lives in a temp dir removed afterwards.

    The temp dir is on /dev/shm when there is one: the store commits with
    synchronous=FULL, which on a disk would make a day of commits slow.
    """
    shm = Path("/dev/shm")
    base = db_dir or (shm if shm.is_dir() else None)
    tmp = Path(tempfile.mkdtemp(prefix="hallq-sim-", dir=base))
    store = Store(tmp / "hallq.db")
    try:
        return _Day(config, plan, store).run()
    finally:
        store.close()
        shutil.rmtree(tmp, ignore_errors=True)


@dataclass(frozen=True)
class _Arrival:
    service: str
    priority: Optional[str]
    id_number: Optional[str]
    service_minutes: float
    walk_minutes: float
    no_show: bool


class _Day:
    """The event loop: a heap of (time, order, kind, argument); the fake clock jumps to each."""

    def __init__(self, config: HallConfig, plan: DayPlan, store: Store):
        self.config, self.plan = config, plan
        self.tz = ZoneInfo(config.timezone)
        self.start = datetime.combine(plan.day, min((p[0] for p in plan.profile), default=time(8, 30)), self.tz)
        first = min([self.start] + [self._at(t) for t in plan.window_opens.values()])
        self.clock = FakeClock(first - timedelta(minutes=1))
        self.hall = Hall(config, store, clock=self.clock, id_key=b"simulation")
        self.heap: list = []
        self.order = 0
        self.records: dict[str, TicketRecord] = {}
        self.arrival_of: dict[str, _Arrival] = {}
        self.calls: dict[int, list[CallRecord]] = {w.id: [] for w in config.windows}
        self.refused: list[tuple[datetime, str, str]] = []
        self.pauses: list[tuple[int, datetime, datetime]] = []
        self.idle: set[int] = set()              # open windows with nobody to call
        self.break_due: dict[int, tuple] = {}    # window -> (minutes, reason) of a break it takes when next free
        self.next_minutes: dict[str, float] = {}  # ticket -> its service time at the next window (transferred)
        self.rng = random.Random(f"{plan.seed}-visits")   # transfers and rejoins
        self.came_back: set[str] = set()          # no-shows who rejoined: this time they come

    def _at(self, t: time) -> datetime:
        return datetime.combine(self.plan.day, t, self.tz)

    def _push(self, when: datetime, kind: str, arg) -> None:
        self.order += 1
        heapq.heappush(self.heap, (when, self.order, kind, arg))

    def run(self) -> DayResult:
        for wid, at in sorted(self.plan.window_opens.items()):
            self._push(self._at(at), "open", wid)
        for wid, at, minutes in self.plan.breaks:
            self._push(self._at(at), "break_due", (wid, minutes, "break"))
        for wid, at, minutes in self.plan.pauses:
            self._push(self._at(at), "break_due", (wid, minutes, "other"))
        for when, arrival in self._arrivals():
            self._push(when, "arrive", arrival)
        while self.heap:
            when, _, kind, arg = heapq.heappop(self.heap)
            self.clock.now = when
            getattr(self, "_on_" + kind)(arg)
        return DayResult(tickets=list(self.records.values()), calls=self.calls, refused=self.refused,
                         pauses=self.pauses)

    # -- who comes, when ------------------------------------------------------------

    def _arrivals(self) -> list[tuple[datetime, _Arrival]]:
        """Each service's arrivals by thinning a Poisson process at the profile's peak rate."""
        out = []
        peak = max(f for _, _, f in self.plan.profile)
        categories = [c.code for c in self.config.queue.priority_categories]
        for s in self.config.services:
            rate = self.plan.arrivals_per_hour.get(s.code, 0.0) * peak / 60   # per minute
            if rate <= 0:
                continue
            rng = random.Random(f"{self.plan.seed}-{s.code}")
            mean = (self.plan.service_minutes or {}).get(s.code, s.average_minutes)
            sigma = self.plan.service_sigma
            mu = math.log(mean) - sigma * sigma / 2    # so the lognormal's mean is `mean`
            for start, end, factor in self.plan.profile:
                t, stop = self._at(start), self._at(end)
                while True:
                    t += timedelta(minutes=rng.expovariate(rate))
                    if t >= stop:
                        break
                    keep = rng.random() < factor / peak
                    arrival = _Arrival(
                        service=s.code,
                        priority=rng.choice(categories) if categories and rng.random() < self.plan.priority_share else None,
                        id_number=_id_number(rng) if s.real_name else None,
                        service_minutes=rng.lognormvariate(mu, sigma),
                        walk_minutes=rng.uniform(*self.plan.walk_minutes),
                        no_show=rng.random() < self.plan.no_show_share)
                    if keep:
                        out.append((t.replace(microsecond=0), arrival))
        out.sort(key=lambda x: (x[0], x[1].service))
        return out

    # -- events --------------------------------------------------------------------------

    def _on_open(self, wid: int) -> None:
        self.hall.open_window(wid, f"clerk{wid}", f"{wid}号窗口工作人员")
        self._free(wid)

    def _on_arrive(self, a: _Arrival) -> None:
        try:
            t = self.hall.issue_ticket(a.service, priority=a.priority, id_number=a.id_number)
        except HallError as err:          # a quota or an hour the plan did not allow for
            self.refused.append((self.clock.now, a.service, err.code))
            return
        low, high = self.hall.wait_range(t)
        self.records[t.number] = TicketRecord(
            number=t.number, service=t.service, priority=t.priority, issued_at=t.issued_at,
            issued_seq=self.hall.state.last_seq, estimate=self.hall.wait_minutes(t), no_show=a.no_show,
            naive=self._naive(t), low=low, high=high)
        self.arrival_of[t.number] = a
        for wid in sorted(self.idle):
            self._call(wid)

    def _naive(self, t) -> float:
        """What most systems tell (DOMAIN.md): people ahead / windows open for the service x its configured mean
        (one window when none is open just now)."""
        windows = sum(1 for w in self.config.windows if t.service in w.services
                      and self.hall.state.windows.get(w.id) is not None and self.hall.state.windows[w.id].status == "open")
        return self.hall.ahead_of(t) / max(1, windows) * self.config.service(t.service).average_minutes

    def _on_walked_up(self, wid: int) -> None:
        t = self.hall.start(wid)
        minutes = self.next_minutes.pop(t.number, None)
        if minutes is None:
            minutes = self.arrival_of[t.number].service_minutes
            onward = self.plan.transfers.get(t.service)
            if onward and self.rng.random() < self.plan.transfer_share:
                # served here, then sent on: its time at the next service drawn like that service's
                self.next_minutes[t.number] = self._service_time(onward, self.rng)
        self._push(self.clock.now + timedelta(minutes=minutes), "finish", wid)

    def _service_time(self, code: str, rng: random.Random) -> float:
        s = self.config.service(code)
        mean = (self.plan.service_minutes or {}).get(code, s.average_minutes)
        sigma = self.plan.service_sigma
        return rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma)

    def _on_finish(self, wid: int) -> None:
        ws = self.hall.state.windows[wid]
        t = self.hall.state.tickets.get(ws.current) if ws.current is not None else None
        if t is not None and t.number in self.next_minutes and not t.steps:
            self.hall.transfer(wid, self.plan.transfers[t.service])
            for other in sorted(self.idle):
                self._call(other)
        else:
            self.hall.finish(wid)
        self._free(wid)

    def _on_recall(self, wid: int) -> None:
        t = self.hall.recall(wid)
        if t.status == NO_SHOW:           # recalled as often as the hall allows
            if self.rng.random() < self.plan.rejoin_share:
                self._push(self.clock.now + timedelta(minutes=self.rng.uniform(2, 15)), "rejoin", t.number)
            self._free(wid)
        else:
            self._push(self.clock.now + timedelta(minutes=self.plan.recall_minutes), "recall", wid)

    def _on_rejoin(self, number: str) -> None:
        try:
            self.hall.rejoin(number)
        except HallError:
            return
        self.came_back.add(number)
        for wid in sorted(self.idle):
            self._call(wid)

    def _on_break_due(self, arg) -> None:
        wid, minutes, reason = arg
        self.break_due[wid] = (minutes, reason)
        if wid in self.idle:
            self._free(wid)

    def _on_resume(self, wid: int) -> None:
        self.hall.resume(wid)
        self._free(wid)

    # -- the clerk -------------------------------------------------------------------------

    def _free(self, wid: int) -> None:
        """The window has nobody at it: take a due break, else call the next ticket."""
        if wid in self.break_due:
            self.idle.discard(wid)
            minutes, reason = self.break_due.pop(wid)
            self.hall.pause(wid, reason)
            back = self.clock.now + timedelta(minutes=minutes)
            self.pauses.append((wid, self.clock.now, back))
            self._push(back, "resume", wid)
            return
        self._call(wid)

    def _call(self, wid: int) -> None:
        try:
            t = self.hall.call_next(wid)
        except HallError as err:
            if err.code != "queue_empty":
                raise
            self.idle.add(wid)
            return
        self.idle.discard(wid)
        seq = self.hall.state.last_seq
        rec = self.records[t.number]
        if rec.called_at is None:         # its first call: what the estimate at issue told
            rec.called_at, rec.called_seq, rec.window = self.clock.now, seq, wid
        self.calls[wid].append(CallRecord(number=t.number, service=t.service, priority=t.priority,
                                          at=self.clock.now, seq=seq))
        a = self.arrival_of[t.number]
        if a.no_show and t.number not in self.came_back:
            self._push(self.clock.now + timedelta(minutes=self.plan.recall_minutes), "recall", wid)
        else:
            self._push(self.clock.now + timedelta(minutes=a.walk_minutes), "walked_up", wid)


def _id_number(rng: random.Random) -> str:
    """A valid, made-up resident ID number (GB 11643 check digit) for a real-name service."""
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 50))
    first17 = f"110101{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + idnumber.check_digit(first17)
