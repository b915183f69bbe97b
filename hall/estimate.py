"""Estimated waiting time: when each waiting ticket will be called.

Better than "people ahead x average service time / windows open": the
forecast plays the hall forward, and not once but in `futures` sampled
futures, and each ticket's estimate is the median of its call times across
them (a wait is skewed: a long service or a green-channel arrival now and
then; the median is the wait a citizen is most nearly told right).

In every future:
- A window is busy with a ticket from its first call (the walk to the
  window and any recalls take window time as much as the service does).
  Each ticket's window time is drawn from a lognormal with its service's
  recent mean and today's spread; the ticket at the window now gets the
  time it still needs given how long it has been there.
- Each open window, when free, calls the next ticket by the same rule the
  engine uses (hall/policy.py). So a window that also helps another
  service, a window serving two services and the green channel's ratio are
  all accounted for.
- Green-channel tickets keep arriving at the rate of the last hour, and go
  in front of the ordinary line as the engine puts them.
- A window's scheduled breaks (a lunch rotation, `[[windows]] breaks`) are
  counted: it calls nobody during them, and a window paused for one is
  back at its end. Other paused windows and closed ones stay so.

With `futures = 0` there is one future of averages and no arrivals: the
plain, exact play the rules' examples use. Pure: the hall hands in its
state and the time; the same state and time always give the same answer
(the futures are seeded).
"""
from __future__ import annotations

import heapq
import math
import random
import statistics
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Iterable, Optional

from zoneinfo import ZoneInfo

from hall.model import APPOINTMENT, CALLED, CLOSED, FINISHED, PAUSED, SERVING, HallConfig, Ticket

FLOOR = 0.4          # today's average is never taken below this share of the configured one
PRIOR_WEIGHT = 10    # tickets' worth of weight the hall's pace has in a service's average
PACE_SAMPLE = 100    # recent finished tickets (all services) that give the hall's pace
SIGMA = 0.5          # spread of ln(window time) until today has enough finished tickets to measure it
SIGMA_SAMPLE = 20    # finished tickets needed to measure today's spread
ARRIVAL_WINDOW = 60  # minutes of recent tickets that give the arrival rate
HORIZON = 12 * 60    # minutes: no future is played further than this
_NORMAL = statistics.NormalDist()


def _busy_from(t: Ticket) -> Optional[datetime]:
    """When the window became busy with this ticket: its first call (the walk and recalls count)."""
    return t.calls[0].at if t.calls else t.started_at


@dataclass(frozen=True)
class Outlook:
    """What today's tickets say about the rest of the day."""
    minutes: dict[str, float]                     # mean window minutes per ticket, per service
    sigma: float = SIGMA                          # spread of ln(window time)
    green_per_minute: dict[str, float] = field(default_factory=dict)   # green-channel arrivals, per service


def _finished(tickets) -> list[tuple[datetime, str, float]]:
    """(finished at, service, window minutes) of today's finished tickets, oldest first."""
    return sorted(((t.finished_at, t.service, (t.finished_at - _busy_from(t)).total_seconds() / 60)
                   for t in tickets if t.status == FINISHED and _busy_from(t) and t.finished_at),
                  key=lambda x: x[0])


def _averages(config: HallConfig, done: list, sample: int) -> dict[str, float]:
    by_service: dict[str, list[float]] = {}
    for _, service, minutes in done:
        by_service.setdefault(service, []).append(minutes)
    # Today's pace across the hall (all services, so many tickets): window time against the configured averages.
    configured = {s.code: s.average_minutes for s in config.services}
    pool = [(c, m) for _, c, m in done[-PACE_SAMPLE:] if c in configured]
    pace = sum(m for _, m in pool) / sum(configured[c] for c, _ in pool) if pool else 1.0
    out = {}
    for s in config.services:
        recent = by_service.get(s.code, [])[-sample:]
        # The service's own recent tickets, steadied by PRIOR_WEIGHT tickets at the hall's pace: a run of
        # slow tickets that made the line long must not also make every ticket in it look slow.
        prior = s.average_minutes * pace
        mean = (sum(recent) + PRIOR_WEIGHT * prior) / (len(recent) + PRIOR_WEIGHT)
        # A few quick tickets early in the day must not make the whole line look instant.
        out[s.code] = max(mean, FLOOR * s.average_minutes)
    return out


def outlook(config: HallConfig, tickets: Iterable[Ticket], now: datetime, sample: int) -> Outlook:
    """Today's service times, their spread and the green channel's arrival rate, from today's tickets."""
    tickets = list(tickets)
    done = _finished(tickets)
    minutes = _averages(config, done, sample)
    logs = [math.log(m / minutes[s]) for _, s, m in done[-10 * sample:] if m > 0]
    sigma = min(1.0, max(0.1, statistics.pstdev(logs))) if len(logs) >= SIGMA_SAMPLE else SIGMA
    # Green-channel arrivals: each service's ticket rate over the last hour times today's green share.
    # A hall that has issued none today expects none. Counted up to the start of this minute, so the
    # ticket a citizen takes does not change the figures the button showed a moment before: the
    # ticket is told exactly the wait the kiosk's button promised.
    minute = now.replace(second=0, microsecond=0)
    before = [t for t in tickets if t.issued_at < minute]
    first = min((t.issued_at for t in before), default=minute)
    span = max(10.0, min(ARRIVAL_WINDOW, (minute - first).total_seconds() / 60))
    since = minute - timedelta(minutes=span)
    recent: dict[str, int] = {}
    green = 0
    for t in before:
        if t.issued_at >= since:
            recent[t.service] = recent.get(t.service, 0) + 1
        green += bool(t.priority and t.priority != APPOINTMENT)
    share = green / max(len(before), 20)
    rates = {code: n / span * share for code, n in recent.items()} if share else {}
    return Outlook(minutes=minutes, sigma=sigma, green_per_minute=rates)


@dataclass(frozen=True)
class Forecast:
    calls: dict[int, datetime]          # waiting ticket id -> its estimated call time
    probes: dict[str, datetime]         # service -> estimated call time of a ticket taken now
    order: dict[int, int]               # waiting ticket id -> its place in the order of calls (average future)


_PROBE = 1 << 62   # probe ids: after every real ticket; a probe takes no window time


def forecast(config: HallConfig, state, now: datetime, look: Outlook, futures: int = 0) -> Forecast:
    """Estimated call times of the waiting tickets and of a ticket taken now in each service."""
    return work_out(config, prepare(config, state, now), now, look, futures)


def prepare(config: HallConfig, state, now: datetime) -> Optional["_Board"]:
    """What the forecast needs of the hall's state, copied (None: no window will call).

    Quick, so the hall takes it under its lock; `work_out` then runs without the lock.
    """
    tz = ZoneInfo(config.timezone)
    day = now.astimezone(tz).date()
    breaks = {w.id: [(_minutes(datetime.combine(day, a, tz), now), _minutes(datetime.combine(day, b, tz), now))
                     for a, b in w.breaks] for w in config.windows if w.breaks}
    windows = _windows(config, state, now, breaks)
    if not windows:
        return None
    waiting = [((0 if t.priority == APPOINTMENT else 1) if t.priority else 2,
                _minutes(t.place, now), t.id, t.service, t.target_window) for t in state.waiting()]
    back = max([item[1] for item in waiting] + [0.0])      # a ticket taken now goes behind every one
    probes = [(2, back, _PROBE + i, s.code, None) for i, s in enumerate(config.services)]
    return _Board(config, waiting + probes, windows, breaks)


def work_out(config: HallConfig, board: Optional["_Board"], now: datetime, look: Outlook, futures: int) -> Forecast:
    """Play the futures on a prepared board (`prepare`) and take each ticket's middle call time."""
    if board is None:            # no window will call: nobody has an estimate
        return Forecast(calls={}, probes={}, order={})
    plain = _play(board, look, None)
    order = {tid: n for n, (tid, _) in enumerate(sorted(((tid, at) for tid, at in plain.items() if tid < _PROBE),
                                                        key=lambda x: (x[1], x[0])))}
    if futures <= 0:
        picked = plain
    else:
        seen: dict[int, list[float]] = {}
        for run in range(futures):
            for tid, at in _play(board, look, random.Random(run)).items():
                seen.setdefault(tid, []).append(at)
        picked = {}
        for tid, ats in seen.items():
            if len(ats) * 2 > futures:       # reached in most futures: the median is a time
                picked[tid] = _middle(ats + [math.inf] * (futures - len(ats)))
    at = {tid: now + timedelta(minutes=m) for tid, m in picked.items()}
    return Forecast(calls={tid: t for tid, t in at.items() if tid < _PROBE},
                    probes={s.code: at[_PROBE + i] for i, s in enumerate(config.services) if _PROBE + i in at},
                    order=order)


def _middle(values: list[float]) -> float:
    """The median, steadied: the mean of the middle fifth of the values (40th to 60th percentile)."""
    values = sorted(values)
    n = len(values)
    low, high = int(n * 0.4), max(int(n * 0.4) + 1, n - int(n * 0.4))
    middle = values[low:high]
    return statistics.median(values) if math.inf in middle else sum(middle) / len(middle)


def _minutes(when: datetime, now: datetime) -> float:
    return (when - now).total_seconds() / 60


@dataclass
class _Open:
    id: int
    back: float                   # when the window can first call (0: now; a scheduled break's end)
    current: Optional[str]        # service of the ticket at the window
    elapsed: float                # minutes it has been at the window
    streak: int


def _windows(config: HallConfig, state, now: datetime, breaks: dict) -> list[_Open]:
    """The windows that will call: open ones, and ones paused for a scheduled break (back at its end)."""
    out = []
    for w in config.windows:
        ws = state.windows.get(w.id)
        if ws is None or ws.status == CLOSED:
            continue
        back = 0.0
        if ws.status == PAUSED:
            # Only a window paused for one of its scheduled breaks is known to come back, at its end.
            ends = [end for start, end in breaks.get(w.id, ()) if start - 30 <= 0 < end]
            if not ends:
                continue
            back = ends[0]
        cur = state.tickets.get(ws.current) if ws.current is not None else None
        current = elapsed = None
        if cur is not None and cur.status in (CALLED, SERVING):
            began = _busy_from(cur)
            current, elapsed = cur.service, max(0.0, _minutes(now, began)) if began else 0.0
        out.append(_Open(w.id, back, current, elapsed or 0.0, ws.priority_streak))
    return out


class _Board:
    """The hall as every future starts it: the lines in calling order and which lines each window calls.

    A ticket is (class, place, id, service, target window); class 0 an
    appointment, 1 the green channel, 2 ordinary; place in minutes from now.
    A line is a service's, or a window's own (tickets transferred to it).
    """

    def __init__(self, config: HallConfig, waiting: list[tuple], windows: list[_Open], breaks: dict):
        self.keys: dict = {s.code: i for i, s in enumerate(config.services)}
        for item in waiting:
            if item[4] is not None:
                self.keys.setdefault(("w", item[4]), len(self.keys))
            else:
                self.keys.setdefault(item[3], len(self.keys))
        special: list[list] = [[] for _ in self.keys]
        ordinary: list[list] = [[] for _ in self.keys]
        for item in waiting:
            i = self.keys[("w", item[4]) if item[4] is not None else item[3]]
            (special if item[0] < 2 else ordinary)[i].append(item)
        self.special = [sorted(x) for x in special]
        self.ordinary = [sorted(x) for x in ordinary]
        self.count = len(waiting)
        self.windows = windows
        by_id = {w.id: w for w in config.windows}
        self.tiers = {}   # window id -> (its own lines, the lines it helps), as line indices
        for w in windows:
            cfg = by_id[w.id]
            own = [self.keys[c] for c in cfg.services if c in self.keys]
            if ("w", w.id) in self.keys:
                own.append(self.keys[("w", w.id)])
            self.tiers[w.id] = (own, [self.keys[c] for c in cfg.helps if c in self.keys])
        self.breaks = breaks
        self.ratio = config.queue.priority_ratio


def _play(board: _Board, look: Outlook, rng: Optional[random.Random]) -> dict[int, float]:
    """One future: minutes from now until each waiting ticket (and probe) is called.

    Without `rng`, every service takes its mean and nobody arrives.
    """
    lines = [(deque(sp), deque(od)) for sp, od in zip(board.special, board.ordinary)]
    tiers = {wid: ([lines[i] for i in own], [lines[i] for i in helps]) for wid, (own, helps) in board.tiers.items()}
    left = board.count
    means, sigma = look.minutes, look.sigma
    mus = {code: math.log(m) - sigma * sigma / 2 for code, m in means.items()}   # a lognormal with mean m

    def remaining(code: str, elapsed: float) -> float:
        """What the ticket at the window still needs, given it has been there `elapsed` minutes."""
        if rng is None:
            return max(means[code] - elapsed, 0.2 * means[code])
        mu = mus[code]
        low = _NORMAL.cdf((math.log(elapsed) - mu) / sigma) if elapsed > 0 else 0.0
        u = min(max(low + (1 - low) * rng.random(), 1e-12), 1 - 1e-12)
        return max(0.0, math.exp(mu + sigma * _NORMAL.inv_cdf(u)) - elapsed)

    heap, streak = [], {}
    for w in board.windows:
        free = w.back
        if w.current is not None:
            free = max(free, remaining(w.current, w.elapsed))
        heap.append((free, w.id))
        streak[w.id] = w.streak
    heapq.heapify(heap)
    rates = {board.keys[c]: r for c, r in look.green_per_minute.items() if r > 0 and c in board.keys}
    codes = {i: c for c, i in board.keys.items() if isinstance(c, str)}
    arrivals = {i: rng.expovariate(r) for i, r in sorted(rates.items())} if rng is not None else {}
    gauss, exp = (rng.gauss if rng is not None else None), math.exp
    breaks, ratio = board.breaks, board.ratio
    calls: dict[int, float] = {}
    new_id = -1
    next_arrival = min(arrivals.values(), default=math.inf)
    while heap and left:
        free, wid = heapq.heappop(heap)
        if free > HORIZON:
            break
        if next_arrival <= free:
            for i, at in arrivals.items():           # green-channel tickets that have come by now
                while at <= free:
                    lines[i][0].append((1, at, new_id, codes[i], None))
                    new_id -= 1
                    at += rng.expovariate(rates[i])
                arrivals[i] = at
            next_arrival = min(arrivals.values())
        if wid in breaks:
            during = next((end for start, end in breaks[wid] if start <= free < end), None)
            if during is not None:   # the clerk is on a scheduled break: back at its end
                heapq.heappush(heap, (during, wid))
                continue
        item = _take(tiers[wid], streak, wid, ratio)
        if item is None:
            # Nobody left this window may call: later arrivals would be behind every ticket forecast.
            continue
        tid = item[2]
        if tid >= 0:
            calls[tid] = free
            left -= 1
            if tid >= _PROBE:
                heapq.heappush(heap, (free, wid))     # a probe only marks the time; it takes no window time
                continue
        code = item[3]
        heapq.heappush(heap, (free + (exp(gauss(mus[code], sigma)) if gauss else means[code]), wid))
    return calls


def _take(tiers, streak: dict, wid: int, ratio: int) -> Optional[tuple]:
    """The window's next ticket by the engine's rule (hall/policy.py), taken off its line."""
    for group in tiers:
        if len(group) == 1:
            special = [group[0]] if group[0][0] else ()
            ordinary = [group[0]] if group[0][1] else ()
        else:
            special = [ln for ln in group if ln[0]]
            ordinary = [ln for ln in group if ln[1]]
        if not special and not ordinary:
            continue
        if special and (not ordinary or streak[wid] < ratio):
            ln = special[0] if len(special) == 1 else min(special, key=lambda ln: ln[0][0][:3])
            if ordinary:
                streak[wid] += 1
            return ln[0].popleft()
        ln = ordinary[0] if len(ordinary) == 1 else min(ordinary, key=lambda ln: ln[1][0][1:3])
        streak[wid] = 0
        return ln[1].popleft()
    return None


def minutes_until(when: Optional[datetime], now: datetime) -> Optional[int]:
    """Whole minutes from now, rounded; None when no open window will reach the ticket."""
    if when is None:
        return None
    return max(0, round((when - now).total_seconds() / 60))
