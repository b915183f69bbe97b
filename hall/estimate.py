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
  learned mean and today's spread; the ticket at the window now gets the
  time it still needs given how long it has been there.
- Each signed-in window, when free, calls the next ticket by the same rule
  the engine uses (hall/policy.py). So a window that also helps another
  service, a window serving two services and the green channel's ratio are
  all accounted for; a window with nobody to call calls again when
  somebody it may call comes.
- Who comes meanwhile, as this hall has them today: green-channel tickets
  at the last hour's rate (in front of the ordinary line); for a window
  that helps another service, its own services' new tickets over the next
  FEED_MINUTES (they keep it from helping); tickets its clerks send on to
  another service (a share of each service's, as they finish, keeping
  their place); no-shows who come back (behind the first `rejoin_after`).
- A window's scheduled breaks (a lunch rotation, `[[windows]] breaks`) are
  counted: the clerk goes when the citizen at the window is done and is
  back after the break's length (not before its end) plus how late this
  hall's clerks come back; a window on an unplanned pause is back after
  what such pauses last here. A paused window is never gone for the day
  while its clerk is signed in.

With `futures = 0` there is one future of averages and no arrivals: the
plain, exact play the rules' examples use. Pure: the hall hands in its
state and the time; the same state and time always give the same answer
(the futures are seeded).
"""
from __future__ import annotations

import heapq
import itertools
from bisect import insort
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
PRIOR_WEIGHT = 10    # tickets' worth of weight the configured mean keeps against recent weeks' tickets
SERVICE_PRIOR = 5    # tickets' worth of weight the hall's pace has in a service's average today
PACE_SAMPLE = 100    # recent finished tickets (all services) that give the hall's pace
SIGMA = 0.5          # spread of ln(window time) until today has enough finished tickets to measure it
SIGMA_SAMPLE = 20    # finished tickets needed to measure today's spread
ARRIVAL_WINDOW = 60  # minutes of recent tickets that give the arrival rate
HORIZON = 12 * 60    # minutes: no future is played further than this
LATE_PRIOR = 3.0     # minutes a clerk is assumed back after a scheduled break's end, before the hall's records say
PAUSE_PRIOR = 15.0   # minutes an unplanned pause is assumed to last, before the hall's records say
HABIT_WEIGHT = 1.5   # pauses' worth of weight those priors have against the hall's own pauses
HISTORY_WEIGHT = 0.3  # one ticket of the same weekday in recent weeks counts this much beside one of today
RECENT_MINUTES = 90  # today's tickets count less the longer ago they finished: weight halves every this many minutes
WINDOW_PRIOR = 15    # tickets' worth of weight that pull a window's own pace back to its service's
FEED_MINUTES = 15    # minutes ahead a helping window's own new tickets are played (then: gaps nobody can tell)
TRANSFER_PRIOR = 5   # served tickets' worth of "not sent on" that steady a service's share of transfers
RANGE = (0.2, 0.8)   # the likely range the phone shows: these quantiles of the sampled futures
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
    window_pace: dict[int, float] = field(default_factory=dict)        # a window's pace against its services' (1: theirs)
    late: float = LATE_PRIOR                      # minutes after being due back from a scheduled break a clerk is back
    pause: float = PAUSE_PRIOR                    # mean minutes of an unplanned pause
    ordinary_per_minute: dict[str, float] = field(default_factory=dict)  # ordinary arrivals, per service
    onward: dict[str, tuple[tuple[str, float], ...]] = field(default_factory=dict)  # service -> ((service a ticket is
                                                                                  # sent on to, share of its tickets))
    no_show: tuple[float, float] = (0.0, 0.0)     # (share of calls that end a no-show, their window minutes)
    rejoin: tuple[float, float] = (0.0, 0.0)      # (share of no-shows who come back, minutes until they do)


@dataclass(frozen=True)
class Pause:
    """One pause of a window: when it began and ended (None: still paused), and whether it was for one
    of the window's scheduled breaks (then `due` is when the clerk was due back, `_due`)."""
    window: int
    began: datetime
    ended: Optional[datetime]
    due: Optional[datetime] = None


@dataclass(frozen=True)
class History:
    """What the same weekday over recent weeks says (worked out once a business day, `learn_history`)."""
    minutes: dict[str, tuple[float, float]] = field(default_factory=dict)    # service -> (mean, weight)
    window_minutes: dict[int, tuple[float, float]] = field(default_factory=dict)  # window -> (sum of ratios, n)
    late: tuple[float, float] = (0.0, 0.0)        # (sum of lateness minutes, count)
    pause: tuple[float, float] = (0.0, 0.0)       # (sum of unplanned pause minutes, count)


def pause_of(config: HallConfig, window: int, began: datetime, ended: Optional[datetime]) -> Pause:
    """A pause, told planned when it began within half an hour before one of the window's scheduled
    breaks or during it (as `prepare` counts one)."""
    cfg = config.window(window)
    tz = ZoneInfo(config.timezone)
    day = began.astimezone(tz).date()
    for a, b in (cfg.breaks if cfg else ()):
        start, end = datetime.combine(day, a, tz), datetime.combine(day, b, tz)
        if start - timedelta(minutes=30) <= began < end:
            return Pause(window, began, ended, _due(start, end, began))
    return Pause(window, began, ended, None)


def _due(start, end, began):
    """When a clerk on a scheduled break is due back: at its end, or, gone later than its start (the
    citizen at the window came first), after the break's full length. Datetimes or minutes."""
    return max(end, began + (end - start))


def pauses_from(config: HallConfig, changes: Iterable[tuple[datetime, int, str]]) -> tuple[list[Pause], dict]:
    """A day's window changes (at, window, status), in order, as its ended pauses and the windows still
    paused (window -> since). A clerk who signs out while paused is not back: no length is learned."""
    ended, began, status = [], {}, {}
    for at, wid, st in changes:
        if st == PAUSED and status.get(wid) != PAUSED:
            began[wid] = at
        elif st != PAUSED and status.get(wid) == PAUSED and wid in began:
            since = began.pop(wid)
            if st == "open":
                ended.append(pause_of(config, wid, since, at))
        status[wid] = st
    return ended, began


def _pause_habits(pauses: Iterable[Pause]) -> tuple[tuple[float, float], tuple[float, float]]:
    late = [0.0, 0.0]
    unplanned = [0.0, 0.0]
    for p in pauses:
        if p.ended is None:
            continue
        if p.due is not None:
            late[0] += _minutes(p.ended, p.due)      # early counts too: the mean is what is kept
            late[1] += 1
        else:
            unplanned[0] += max(0.0, _minutes(p.ended, p.began))
            unplanned[1] += 1
    return (late[0], late[1]), (unplanned[0], unplanned[1])


def learn_history(config: HallConfig, days: Iterable[tuple[int, list, list]]) -> History:
    """The same weekday of recent weeks: (weeks ago, its tickets, its pauses) for each day read.

    A week further back counts half as much; the result is a prior for today (`outlook`).
    """
    sums: dict[str, list[float]] = {}
    wsums: dict[int, list[float]] = {}
    late, pause = [0.0, 0.0], [0.0, 0.0]
    configured = {s.code: s.average_minutes for s in config.services}
    for weeks, tickets, pauses in days:
        w = 0.5 ** max(0, weeks - 1)
        done = [(window, s, m) for _, s, m, window in finished(tickets)]
        for window, service, minutes in done:
            acc = sums.setdefault(service, [0.0, 0.0])
            acc[0] += w * minutes
            acc[1] += w
        means = {s: a[0] / a[1] for s, a in sums.items() if a[1]}
        for window, service, minutes in done:
            base = means.get(service) or configured.get(service)
            if window is not None and base:
                acc = wsums.setdefault(window, [0.0, 0.0])
                acc[0] += w * minutes / base
                acc[1] += w
        (ls, ln), (ps, pn) = _pause_habits(pauses)
        late[0] += w * ls
        late[1] += w * ln
        pause[0] += w * ps
        pause[1] += w * pn
    return History(minutes={s: (a[0] / a[1], a[1]) for s, a in sums.items() if a[1]},
                   window_minutes={k: (a[0], a[1]) for k, a in wsums.items()},
                   late=(late[0], late[1]), pause=(pause[0], pause[1]))


def finished(tickets) -> list[tuple[datetime, str, float, Optional[int]]]:
    """(finished at, service, window minutes, window) of finished tickets, oldest first (by ticket
    among those finished at the same moment: `finished_key`)."""
    return [entry for _, entry in finished_pairs(tickets)]


def finished_pairs(tickets) -> list[tuple[tuple[datetime, int], tuple[datetime, str, float, Optional[int]]]]:
    """(`finished_key`, `done_entry`) of the finished tickets, in the order of their keys."""
    return sorted(((finished_key(t), done_entry(t)) for t in tickets if counts_done(t)), key=lambda x: x[0])


def finished_key(t: Ticket) -> tuple[datetime, int]:
    return (t.finished_at, t.id)


def counts_done(t: Ticket) -> bool:
    return t.status == FINISHED and bool(_busy_from(t)) and bool(t.finished_at)


def done_entry(t: Ticket) -> tuple[datetime, str, float, Optional[int]]:
    return (t.finished_at, t.service, (t.finished_at - _busy_from(t)).total_seconds() / 60, t.window)


def _averages(config: HallConfig, done: list, now: datetime, history: History) -> dict[str, float]:
    """Each service's mean window minutes: the configured mean is only the prior.

    The same weekday of recent weeks moves the prior (HISTORY_WEIGHT a ticket); today's own tickets,
    weighted toward the latest (half as much every RECENT_MINUTES), move it further; the hall's pace
    today (all services, against their priors) steadies a service that has few tickets of its own.
    """
    configured = {s.code: s.average_minutes for s in config.services}
    prior: dict[str, float] = {}
    for s in config.services:
        mean, n = history.minutes.get(s.code, (0.0, 0.0))
        wh = n * HISTORY_WEIGHT
        prior[s.code] = (mean * wh + PRIOR_WEIGHT * s.average_minutes) / (wh + PRIOR_WEIGHT)
    weighted: dict[str, list[float]] = {}
    pace_num = pace_den = 0.0
    for at, service, minutes, _ in done:
        if service not in configured:
            continue
        w = 0.5 ** (max(0.0, _minutes(now, at)) / RECENT_MINUTES)
        acc = weighted.setdefault(service, [0.0, 0.0])
        acc[0] += w * minutes
        acc[1] += w
        pace_num += w * minutes
        pace_den += w * prior[service]
    # Today's pace across the hall (all services, so many tickets), against the priors.
    pace = pace_num / pace_den if pace_den else 1.0
    out = {}
    for s in config.services:
        total, weight = weighted.get(s.code, (0.0, 0.0))
        # A service's own tickets against a prior of SERVICE_PRIOR tickets at the hall's pace: a run
        # of slow tickets that made the line long must not alone make every ticket in it look slow.
        shrink = SERVICE_PRIOR
        steadied = prior[s.code] * pace
        mean = (total + shrink * steadied) / (weight + shrink)
        # A few quick tickets early in the day must not make the whole line look instant.
        out[s.code] = max(mean, FLOOR * s.average_minutes)
    return out


def _window_pace(done: list, minutes: dict[str, float], history: History) -> dict[int, float]:
    """Each window's pace against its services' means, where it has enough tickets to tell."""
    sums = {w: [a * HISTORY_WEIGHT, n * HISTORY_WEIGHT] for w, (a, n) in history.window_minutes.items()}
    for _, service, m, window in done:
        if window is None or service not in minutes:
            continue
        acc = sums.setdefault(window, [0.0, 0.0])
        acc[0] += m / minutes[service]
        acc[1] += 1
    return {w: (a + WINDOW_PRIOR) / (n + WINDOW_PRIOR) for w, (a, n) in sums.items() if n}


def outlook(config: HallConfig, tickets: Iterable[Ticket], now: datetime, sample: int,
            pauses: Iterable[Pause] = (), history: Optional[History] = None,
            done: Optional[list] = None) -> Outlook:
    """Today's service times, their spread, the green channel's arrival rate, the transfers and
    rejoins that will overtake a waiting ticket, and how long pauses last here: from today's
    tickets and pauses, with `history` (recent weeks, `learn_history`) as the prior. The pace is of
    the tickets finished by `now` (the hall passes the start of the minute and keeps the outlook
    for the minute, hall/hall.py `_outlook`). `done`: `finished(tickets)` if the caller keeps it
    (the hall does, ticket by ticket), else it is worked out here."""
    history = history or History()
    tickets = list(tickets)
    done = [d for d in (finished(tickets) if done is None else done) if d[0] <= now]   # the pace as of `now`
    minutes = _averages(config, done, now, history)
    logs = [math.log(m / minutes[s]) for _, s, m, _ in done[-10 * sample:] if m > 0 and s in minutes]
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
    plain: dict[str, int] = {}
    green = 0
    for t in before:
        if t.issued_at >= since:
            first_service = t.steps[0].service if t.steps else t.service     # a transfer is no new arrival
            recent[first_service] = recent.get(first_service, 0) + 1
            if not t.priority:
                plain[first_service] = plain.get(first_service, 0) + 1
        green += bool(t.priority and t.priority != APPOINTMENT)
    share = green / max(len(before), 20)
    rates = {code: n / span * share for code, n in recent.items()} if share else {}
    # Ordinary arrivals: behind every ticket now waiting, they matter only where they keep a window
    # that helps another service busy with its own (`_play`).
    ordinary = {code: n / span for code, n in plain.items()}
    # Who will come in front of today's tickets, as this hall has them today: the tickets its clerks
    # send on to another service (a share of each service's, played as they finish: they keep their
    # place, `queue.transfer_keeps_place`) and the no-shows who come back (a share of no-shows, so many
    # minutes later, behind the first `queue.rejoin_after` waiting).
    served: dict[str, int] = {}
    sent: dict[str, dict[str, int]] = {}
    calls = no_shows = rejoined = 0
    ns_minutes = rejoin_minutes = 0.0
    for t in tickets:
        for i, step in enumerate(t.steps):
            later = t.steps[i + 1] if i + 1 < len(t.steps) else None
            if step.outcome == "transferred":
                to = later.service if later is not None else t.service
                served[step.service] = served.get(step.service, 0) + 1
                sent.setdefault(step.service, {})
                sent[step.service][to] = sent[step.service].get(to, 0) + 1
            elif step.outcome == "no_show":
                no_shows += 1
                if step.calls and step.ended_at:
                    ns_minutes += max(0.0, _minutes(step.ended_at, step.calls[0].at))
                back = later.joined_at if later is not None else t.joined_at
                if back is not None:
                    rejoined += 1
                    rejoin_minutes += max(0.0, _minutes(back, step.ended_at))
        calls += len(t.steps) + bool(t.calls)
        if t.status == FINISHED:
            served[t.service] = served.get(t.service, 0) + 1
        elif t.status == "no_show":
            no_shows += 1
            if t.calls and t.finished_at:
                ns_minutes += max(0.0, _minutes(t.finished_at, t.calls[0].at))
    onward = {code: tuple((to, n / (served[code] + TRANSFER_PRIOR)) for to, n in sorted(tos.items()))
              for code, tos in sent.items()}
    no_show = (no_shows / calls, ns_minutes / no_shows) if calls >= 20 and no_shows else (0.0, 0.0)
    rejoin = (rejoined / no_shows, rejoin_minutes / rejoined) if no_show[0] and rejoined else (0.0, 0.0)
    # How late clerks come back from a scheduled break, and how long an unplanned pause lasts: this
    # hall's own, today's and recent weeks', steadied by the priors.
    (ls, ln), (ps, pn) = _pause_habits(pauses)
    late = max(0.0, (ls + history.late[0] + HABIT_WEIGHT * LATE_PRIOR) / (ln + history.late[1] + HABIT_WEIGHT))
    pause = (ps + history.pause[0] + HABIT_WEIGHT * PAUSE_PRIOR) / (pn + history.pause[1] + HABIT_WEIGHT)
    return Outlook(minutes=minutes, sigma=sigma, green_per_minute=rates,
                   window_pace=_window_pace(done, minutes, history), late=late, pause=pause,
                   ordinary_per_minute=ordinary, onward=onward, no_show=no_show, rejoin=rejoin)


@dataclass(frozen=True)
class Forecast:
    calls: dict[int, datetime]          # waiting ticket id -> its estimated call time
    probes: dict[str, datetime]         # service -> estimated call time of a ticket taken now
    order: dict[int, int]               # waiting ticket id -> its place in the order of calls (average future)
    # The likely range (RANGE quantiles of the sampled futures): ticket id / service -> (early, late);
    # late is None when the later futures do not reach the ticket at all.
    ranges: dict[int, tuple[datetime, Optional[datetime]]] = field(default_factory=dict)
    probe_ranges: dict[str, tuple[datetime, Optional[datetime]]] = field(default_factory=dict)


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
    waiting = [(_class(t), _minutes(t.place, now), t.id, t.service, t.target_window) for t in state.waiting()]
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
    spans: dict[int, tuple[float, float]] = {}
    if futures <= 0:
        picked = plain
        spans = {tid: (m, m) for tid, m in plain.items()}     # one future: no range to speak of
    else:
        seen: dict[int, list[float]] = {}
        for run in range(futures):
            for tid, at in _play(board, look, random.Random(run)).items():
                seen.setdefault(tid, []).append(at)
        picked = {}
        for tid, ats in seen.items():
            if len(ats) * 2 > futures:       # reached in most futures: the median is a time
                values = sorted(ats) + [math.inf] * (futures - len(ats))
                picked[tid] = _middle(values)
                spans[tid] = (values[int(RANGE[0] * (futures - 1))], values[math.ceil(RANGE[1] * (futures - 1))])
    at = {tid: now + timedelta(minutes=m) for tid, m in picked.items()}
    ranges = {tid: (now + timedelta(minutes=lo), None if math.isinf(hi) else now + timedelta(minutes=hi))
              for tid, (lo, hi) in spans.items()}
    probe_of = {_PROBE + i: s.code for i, s in enumerate(config.services)}
    return Forecast(calls={tid: t for tid, t in at.items() if tid < _PROBE},
                    probes={code: at[tid] for tid, code in probe_of.items() if tid in at},
                    order=order,
                    ranges={tid: r for tid, r in ranges.items() if tid < _PROBE},
                    probe_ranges={code: ranges[tid] for tid, code in probe_of.items() if tid in ranges})


def _middle(values: list[float]) -> float:
    """The median, steadied: the mean of the middle fifth of the values (40th to 60th percentile)."""
    values = sorted(values)
    n = len(values)
    low, high = int(n * 0.4), max(int(n * 0.4) + 1, n - int(n * 0.4))
    middle = values[low:high]
    return statistics.median(values) if math.inf in middle else sum(middle) / len(middle)


def _class(t: Ticket) -> int:
    """0 an appointment, 1 the green channel, 2 ordinary (the engine's order, hall/policy.py)."""
    return (0 if t.priority == APPOINTMENT else 1) if t.priority else 2


def _minutes(when: datetime, now: datetime) -> float:
    return (when - now).total_seconds() / 60


@dataclass
class _Open:
    id: int
    back: float                   # when the window can first call (0: now; a scheduled break's end)
    current: Optional[str]        # service of the ticket at the window
    elapsed: float                # minutes it has been at the window
    streak: int
    paused: Optional[str] = None  # "break": paused for a scheduled break (back at its end and the hall's
                                  # usual lateness); "pause": an unplanned pause (back after what such last)
    paused_for: float = 0.0       # minutes since an unplanned pause began
    current_item: Optional[tuple] = None   # the ticket at the window as a line's item (it may be sent on)


def _windows(config: HallConfig, state, now: datetime, breaks: dict) -> list[_Open]:
    """The windows that will call: every signed-in one. A paused window is expected back, never gone
    for the day: at its scheduled break's end (plus the hall's lateness, `_play`), or after an
    unplanned pause's usual length."""
    out = []
    for w in config.windows:
        ws = state.windows.get(w.id)
        if ws is None or ws.status == CLOSED:
            continue
        back, paused, paused_for = 0.0, None, 0.0
        if ws.status == PAUSED:
            since = _minutes(ws.since, now) if ws.since else 0.0     # minutes, <= 0
            # Paused for one of its scheduled breaks: paused within half an hour before it or during it.
            ends = [_due(start, end, since) for start, end in breaks.get(w.id, ()) if start - 30 <= since < end]
            if ends:
                back, paused = ends[0], "break"
            else:
                paused, paused_for = "pause", -since
        cur = state.tickets.get(ws.current) if ws.current is not None else None
        current = elapsed = item = None
        if cur is not None and cur.status in (CALLED, SERVING):
            began = _busy_from(cur)
            current, elapsed = cur.service, max(0.0, _minutes(now, began)) if began else 0.0
            item = (_class(cur), _minutes(cur.issued_at, now), -1, cur.service, None)
        out.append(_Open(w.id, back, current, elapsed or 0.0, ws.priority_streak, paused, paused_for, item))
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
        self.servers = [set() for _ in self.keys]   # line -> the windows that may call it
        for wid, (own, helps) in self.tiers.items():
            for i in own + helps:
                self.servers[i].add(wid)
        # line -> the lines its windows call: a ticket coming into a line matters to a call only
        # while one of these still holds a ticket of now (or a probe)
        self.reach = [sorted({j for w in self.servers[i] for j in sum(self.tiers[w], [])}) for i in range(len(self.keys))]
        self.breaks = breaks
        self.ratio = config.queue.priority_ratio
        self.rejoin_after = config.queue.rejoin_after
        self.keeps_place = config.queue.transfer_keeps_place
        # Services whose own new tickets keep a window that helps another service from helping it:
        # the only ordinary arrivals a waiting ticket's call time depends on (all others come behind it).
        self.feeds = sorted({c for w in windows if by_id[w.id].helps for c in by_id[w.id].services})
        self.helped = [set() for _ in self.keys]    # a feed's line -> the lines its windows help
        for w in windows:
            for c in by_id[w.id].services:
                for h in by_id[w.id].helps:
                    if c in self.keys and h in self.keys:
                        self.helped[self.keys[c]].add(self.keys[h])


def _spread(rng: Optional[random.Random]) -> float:
    """A factor of mean 1 for a pause's length in one future (1 in the future of averages)."""
    return rng.gammavariate(3.0, 1 / 3.0) if rng is not None else 1.0


def _play(board: _Board, look: Outlook, rng: Optional[random.Random]) -> dict[int, float]:
    """One future: minutes from now until each waiting ticket (and probe) is called.

    Without `rng`, every service takes its mean and nobody arrives.
    """
    lines = [(deque(sp), deque(od)) for sp, od in zip(board.special, board.ordinary)]
    tiers = {wid: ([lines[i] for i in own], [lines[i] for i in helps]) for wid, (own, helps) in board.tiers.items()}
    left = board.count
    means, sigma = look.minutes, look.sigma
    mus = {code: math.log(m) - sigma * sigma / 2 for code, m in means.items()}   # a lognormal with mean m
    pace = look.window_pace
    ns_share, ns_minutes = look.no_show
    keys = board.keys
    # What will come into the lines meanwhile (only in a sampled future): a heap of (at, n, kind, what).
    coming: list = []
    count = itertools.count()
    onward = {c: tos for c, tos in look.onward.items() if rng is not None}
    rejoin_share, rejoin_minutes = look.rejoin if rng is not None else (0.0, 0.0)

    def send_on(item: tuple, at: float) -> None:
        """The ticket done at `at` may be sent on to another service, as this hall's clerks send them."""
        u = rng.random()
        for to, share in onward[item[3]]:
            if u < share:
                if to in keys:
                    heapq.heappush(coming, (at, next(count), "t", (keys[to], (item[0], item[1], 0, to, None))))
                return
            u -= share

    def remaining(code: str, elapsed: float) -> float:
        """What the ticket at the window still needs, given it has been there `elapsed` minutes."""
        if rng is None:
            return max(means[code] - elapsed, 0.2 * means[code])
        mu = mus[code]
        low = _NORMAL.cdf((math.log(elapsed) - mu) / sigma) if elapsed > 0 else 0.0
        u = min(max(low + (1 - low) * rng.random(), 1e-12), 1 - 1e-12)
        return max(0.0, math.exp(mu + sigma * _NORMAL.inv_cdf(u)) - elapsed)

    late, pause = look.late, look.pause
    heap, streak = [], {}
    for w in board.windows:
        free = w.back
        if w.paused == "break":
            # back when due (the break's length after the clerk went, not before its end) plus what this
            # hall's clerks usually take; one late already is expected in as long again (a lateness has
            # a long tail: the later, the longer still)
            g = _spread(rng)
            free = max(w.back + late * g, late * g)
        elif w.paused == "pause":
            # an unplanned pause lasts what such pauses usually last here; one longer already, half that again
            free = max(pause - w.paused_for, pause / 2) * _spread(rng)
        if w.current is not None:
            done = remaining(w.current, w.elapsed) * pace.get(w.id, 1.0)
            free = max(free, done)
            if w.current_item is not None and w.current in onward:
                send_on(w.current_item, done)
        heap.append((free, w.id))
        streak[w.id] = w.streak
    heapq.heapify(heap)
    codes = {i: c for c, i in keys.items() if isinstance(c, str)}
    # Arrivals: green-channel tickets (in front of the ordinary line, as the engine puts them) and,
    # where a window helps another service, its own services' ordinary tickets that keep it busy --
    # these for the next FEED_MINUTES only: the last hour's rate says little of later (a peak ends,
    # lunch comes), and a helped line must never be starved for good in a future.
    rates = {}
    if rng is not None:
        rates = {(keys[c], 1): r for c, r in look.green_per_minute.items() if r > 0 and c in keys}
        rates |= {(keys[c], 2): look.ordinary_per_minute[c] for c in board.feeds
                  if look.ordinary_per_minute.get(c, 0) > 0}
        for (i, cls), r in sorted(rates.items()):
            heapq.heappush(coming, (rng.expovariate(r), next(count), "a", (i, cls)))
    real = [sum(1 for x in sp if x[2] >= 0) + sum(1 for x in od if x[2] >= 0) for sp, od in lines]
    helped, reach = board.helped, board.reach
    gauss, exp = (rng.gauss if rng is not None else None), math.exp
    breaks, ratio, after, keeps = board.breaks, board.ratio, board.rejoin_after, board.keeps_place
    calls: dict[int, float] = {}
    new_id = -1
    idle: set[int] = set()                     # windows with nobody to call, until something comes
    servers = board.servers
    paces = {w.id: pace.get(w.id, 1.0) for w in board.windows}
    while heap and left:
        free, wid = heapq.heappop(heap)
        if free > HORIZON:
            break
        while coming and coming[0][0] <= free:
            at, _, kind, what = heapq.heappop(coming)
            i = what[0]
            if idle:
                for w in servers[i] & idle:    # a window that may call it is not idle any more
                    idle.discard(w)
                    heapq.heappush(heap, (at, w))
            if kind == "a":                    # a new ticket, at the back of its line
                cls = what[1]
                lines[i][cls - 1].append((cls, at, new_id, codes[i], None))
                if cls == 1:
                    if any(real[j] for j in reach[i]):   # it still matters to somebody's call
                        heapq.heappush(coming, (at + rng.expovariate(rates[what]), next(count), kind, what))
                elif any(real[j] for j in helped[i]):
                    then = at + rng.expovariate(rates[what])
                    if then <= FEED_MINUTES:
                        heapq.heappush(coming, (then, next(count), kind, what))
            else:
                item = what[1]
                line = lines[i][0 if item[0] < 2 else 1]
                if kind == "t":                # sent on: keeps its place, or goes to the head of the line
                    if keeps:
                        insort(line, (item[0], item[1], new_id, item[3], None))
                    else:
                        line.appendleft((item[0], line[0][1] if line else at, new_id, item[3], None))
                else:                          # a no-show back: behind the first `rejoin_after` waiting
                    k = min(after, len(line))
                    line.insert(k, (item[0], line[k - 1][1] if k else at, new_id, item[3], None))
            new_id -= 1
        if wid in breaks:
            during = next((_due(start, end, free) for start, end in breaks[wid] if start <= free < end), None)
            if during is not None:   # the clerk goes on a scheduled break: back after it and the usual lateness
                heapq.heappush(heap, (during + late * _spread(rng), wid))
                continue
        item = _take(tiers[wid], streak, wid, ratio)
        if item is None:
            # Nobody left this window may call now: it calls again when something comes that it may
            # call (a new ticket, one sent on, a no-show back).
            idle.add(wid)
            continue
        tid = item[2]
        if tid >= 0:
            calls[tid] = free
            left -= 1
            real[keys[item[3]] if item[4] is None else keys[("w", item[4])]] -= 1
            if tid >= _PROBE:
                heapq.heappush(heap, (free, wid))     # a probe only marks the time; it takes no window time
                continue
        code = item[3]
        if gauss:
            if ns_share and rng.random() < ns_share:
                took = ns_minutes
                if rejoin_share and rng.random() < rejoin_share:
                    back = free + ns_minutes + rejoin_minutes * _spread(rng)
                    heapq.heappush(coming, (back, next(count), "r", (keys[item[3]] if item[4] is None
                                                                   else keys[("w", item[4])], item)))
            else:
                took = exp(gauss(mus[code], sigma)) * paces[wid]
                if code in onward:
                    send_on(item, free + took)
        else:
            took = means[code] * (1 - ns_share) * paces[wid] + ns_minutes * ns_share
        heapq.heappush(heap, (free + took, wid))
    return calls


def _take(tiers, streak: dict, wid: int, ratio: int) -> Optional[tuple]:
    """The window's next ticket by the engine's rule (hall/policy.py), taken off its line."""
    for group in tiers:
        if len(group) == 1:                  # one line (the usual case): no choosing between lines
            sp, od = group[0]
            if sp and (not od or streak[wid] < ratio):
                if od:
                    streak[wid] += 1
                return sp.popleft()
            if od:
                streak[wid] = 0
                return od.popleft()
            continue
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
