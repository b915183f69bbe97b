"""Estimated waiting time: when each waiting ticket will be called.

Better than "people ahead x average service time / windows open": the
forecast plays the hall forward. A window is busy with a ticket from its
first call (the walk to the window and any recalls take window time as much
as the service does), so a service's time per ticket is measured from first
call to finish. Every open window finishes its current ticket after that
average (less what has passed since its first call), then calls the next
ticket by the same rule the engine uses (hall/policy.py), with each
service's own recent average. So a window that
also helps another service, a green-channel ticket and a window serving two
services are all accounted for. A window's scheduled breaks (a lunch
rotation, `[[windows]] breaks`) are counted: it calls nobody during them, and
a window paused for one is back at its end. Other paused windows and closed
ones are assumed to stay so. Pure: the hall hands in its state and the time.
"""
from __future__ import annotations

import heapq
from collections import deque
from datetime import datetime, timedelta
from typing import Optional

from zoneinfo import ZoneInfo

from hall.model import APPOINTMENT, CALLED, CLOSED, FINISHED, PAUSED, SERVING, HallConfig, Ticket


def _busy_from(t: Ticket) -> Optional[datetime]:
    """When the window became busy with this ticket: its first call (the walk and recalls count)."""
    return t.calls[0].at if t.calls else t.started_at


FLOOR = 0.4  # today's average is never taken below this share of the configured one


def average_service_minutes(config: HallConfig, tickets, sample: int) -> dict[str, float]:
    """Each service's mean window time per ticket, first call to finish, over its last `sample` finished today.

    Before any ticket of a service has finished today, the service's `average_minutes`.
    """
    done: dict[str, list[float]] = {}
    for t in sorted((t for t in tickets if t.status == FINISHED and _busy_from(t) and t.finished_at),
                    key=lambda t: t.finished_at):
        done.setdefault(t.service, []).append((t.finished_at - _busy_from(t)).total_seconds() / 60)
    out = {}
    for s in config.services:
        recent = done.get(s.code, [])[-sample:]
        mean = sum(recent) / len(recent) if recent else s.average_minutes
        # A few quick tickets early in the day must not make the whole line look instant.
        out[s.code] = max(mean, FLOOR * s.average_minutes)
    return out


class _Line:
    """One service's waiting tickets as two lines: priority (appointments first) and ordinary."""

    def __init__(self):
        self.special: deque = deque()
        self.ordinary: deque = deque()


def forecast(config: HallConfig, state, now: datetime, averages: dict[str, float]) -> dict[int, datetime]:
    """Predicted call time of every waiting ticket that an open window will reach."""
    lines: dict[str, _Line] = {s.code: _Line() for s in config.services}
    targeted: dict[int, _Line] = {}
    for t in state.waiting():
        line = targeted.setdefault(t.target_window, _Line()) if t.target_window is not None else lines[t.service]
        (line.special if t.priority else line.ordinary).append(t)
    for line in list(lines.values()) + list(targeted.values()):
        line.special = deque(sorted(line.special, key=lambda t: (t.priority != APPOINTMENT, t.place, t.id)))

    heap = []  # (free at, window id)
    streak = {}
    tz = ZoneInfo(config.timezone)
    breaks = {w.id: _breaks(w, now, tz) for w in config.windows if w.breaks}
    for w in config.windows:
        ws = state.windows.get(w.id)
        if ws is None or ws.status == CLOSED:
            continue
        free = now
        if ws.status == PAUSED:
            # Only a window paused for one of its scheduled breaks is known to come back, at its end.
            back = next((end for start, end in breaks.get(w.id, ()) if start - timedelta(minutes=30) <= now < end),
                        None)
            if back is None:
                continue
            free = back
        cur = state.tickets.get(ws.current) if ws.current is not None else None
        if cur is not None and cur.status in (CALLED, SERVING):
            avg = timedelta(minutes=averages[cur.service])
            began = _busy_from(cur) or now
            free = max(began + avg, now + avg * 0.2)
        heapq.heappush(heap, (free, w.id))
        streak[w.id] = ws.priority_streak
    by_id = {w.id: w for w in config.windows}
    calls: dict[int, datetime] = {}
    ratio = config.queue.priority_ratio
    while heap:
        free, wid = heapq.heappop(heap)
        w = by_id[wid]
        during = next((end for start, end in breaks.get(wid, ()) if start <= free < end), None)
        if during is not None:  # the clerk is on a scheduled break: back at its end
            heapq.heappush(heap, (during, wid))
            continue
        t = _take(w, lines, targeted.get(wid), streak, ratio)
        if t is None:
            continue  # nothing left this window may call
        calls[t.id] = free
        heapq.heappush(heap, (free + timedelta(minutes=averages[t.service]), wid))
    return calls


def _breaks(w, now: datetime, tz) -> list[tuple[datetime, datetime]]:
    """The window's scheduled breaks today, as times."""
    day = now.astimezone(tz).date()
    return [(datetime.combine(day, a, tz), datetime.combine(day, b, tz)) for a, b in w.breaks]


def _take(w, lines, own_targeted: Optional[_Line], streak, ratio) -> Optional[Ticket]:
    for tier in (w.services, w.helps):
        group = [lines[c] for c in tier if c in lines]
        if tier is w.services and own_targeted is not None:
            group.append(own_targeted)
        special = [ln for ln in group if ln.special]
        ordinary = [ln for ln in group if ln.ordinary]
        if not special and not ordinary:
            continue
        if special and (not ordinary or streak[w.id] < ratio):
            ln = min(special, key=lambda ln: (ln.special[0].priority != APPOINTMENT, ln.special[0].place, ln.special[0].id))
            if ordinary:
                streak[w.id] += 1
            return ln.special.popleft()
        ln = min(ordinary, key=lambda ln: (ln.ordinary[0].place, ln.ordinary[0].id))
        streak[w.id] = 0
        return ln.ordinary.popleft()
    return None


def minutes_until(when: Optional[datetime], now: datetime) -> Optional[int]:
    """Whole minutes from now, rounded; None when no open window will reach the ticket."""
    if when is None:
        return None
    return max(0, round((when - now).total_seconds() / 60))

