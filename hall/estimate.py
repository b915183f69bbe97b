"""Estimated waiting time: when each waiting ticket will be called.

Better than "people ahead x average service time / windows open": the
forecast plays the hall forward. Every open window finishes its current
ticket after the service's recent average time (less what has already
passed), then calls the next ticket by the same rule the engine uses
(hall/policy.py), with each service's own recent average. So a window that
also helps another service, a green-channel ticket and a window serving two
services are all accounted for. Paused and closed windows are assumed to
stay so. Pure: the hall hands in its state and the time.
"""
from __future__ import annotations

import heapq
from collections import deque
from datetime import datetime, timedelta
from typing import Optional

from hall.model import APPOINTMENT, CALLED, FINISHED, OPEN, SERVING, HallConfig, Ticket


def average_service_minutes(config: HallConfig, tickets, sample: int) -> dict[str, float]:
    """Each service's mean service time over its last `sample` finished tickets today (or its default)."""
    done: dict[str, list[float]] = {}
    for t in sorted((t for t in tickets if t.status == FINISHED and t.started_at and t.finished_at),
                    key=lambda t: t.finished_at):
        done.setdefault(t.service, []).append((t.finished_at - t.started_at).total_seconds() / 60)
    out = {}
    for s in config.services:
        recent = done.get(s.code, [])[-sample:]
        out[s.code] = sum(recent) / len(recent) if recent else s.average_minutes
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
    for w in config.windows:
        ws = state.windows.get(w.id)
        if ws is None or ws.status != OPEN:
            continue
        free = now
        cur = state.tickets.get(ws.current) if ws.current is not None else None
        if cur is not None and cur.status in (CALLED, SERVING):
            avg = timedelta(minutes=averages[cur.service])
            began = cur.started_at or (cur.calls[-1].at if cur.calls else now)
            free = max(began + avg, now + avg * 0.2)
        heapq.heappush(heap, (free, w.id))
        streak[w.id] = ws.priority_streak
    by_id = {w.id: w for w in config.windows}
    calls: dict[int, datetime] = {}
    ratio = config.queue.priority_ratio
    while heap:
        free, wid = heapq.heappop(heap)
        w = by_id[wid]
        t = _take(w, lines, targeted.get(wid), streak, ratio)
        if t is None:
            continue  # nothing left this window may call
        calls[t.id] = free
        heapq.heappush(heap, (free + timedelta(minutes=averages[t.service]), wid))
    return calls


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
