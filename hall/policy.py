"""Which waiting ticket a window calls next, and where a moved ticket goes back in line.

The rule, in order (docs/queue-rules.md has worked examples):
1. A window calls from its own services first; its `helps` services only
   when none of its own has anybody waiting (跨窗通办). A ticket transferred
   to a particular window is called only there, and there it counts as one
   of that window's own.
2. Within those, checked-in appointments come first, then green-channel
   tickets, then ordinary ones; each class oldest first by its place in line.
3. While ordinary tickets wait, at most `priority_ratio` priority calls
   (appointments included) follow each other at one window; then one
   ordinary ticket is called, so the ordinary line never starves.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterable, Optional

from hall.model import APPOINTMENT, Ticket, Window, WindowState


def _order(t: Ticket):
    return (t.place, t.id)


def _class(t: Ticket) -> int:
    return 0 if t.priority == APPOINTMENT else 1 if t.priority else 2


def calling_key(t: Ticket):
    """Appointments, then the green channel, then ordinary tickets; each by place in line."""
    return (_class(t), t.place, t.id)


def candidates(waiting: Iterable[Ticket], window: Window) -> list[list[Ticket]]:
    """The waiting tickets this window may call, as tiers: its own services, then those it helps."""
    own, helped = [], []
    for t in waiting:
        if t.target_window is not None:
            if t.target_window == window.id:
                own.append(t)
        elif t.service in window.services:
            own.append(t)
        elif t.service in window.helps:
            helped.append(t)
    return [tier for tier in (own, helped) if tier]


def pick_next(waiting: Iterable[Ticket], window: Window, ws: WindowState, priority_ratio: int) -> Optional[Ticket]:
    """The ticket `window` calls next, or None when nobody waits for it."""
    tiers = candidates(waiting, window)
    if not tiers:
        return None
    tier = tiers[0]
    ordinary = [t for t in tier if not t.priority]
    special = [t for t in tier if t.priority]
    if special and (not ordinary or ws.priority_streak < priority_ratio):
        return min(special, key=lambda t: (_class(t), _order(t)))
    return min(ordinary, key=_order)


def streak_after(ws: WindowState, called: Ticket, waiting: Iterable[Ticket], window: Window) -> int:
    """The window's priority streak after calling `called`."""
    if not called.priority:
        return 0
    tiers = candidates((t for t in waiting if t.id != called.id), window)
    ordinary_waiting = any(not t.priority for tier in tiers[:1] for t in tier)
    return ws.priority_streak + 1 if ordinary_waiting else ws.priority_streak


def place_after(waiting_in_service: list[Ticket], after: int, now: datetime) -> datetime:
    """A place in line behind the first `after` waiting tickets (or at the back, if fewer wait)."""
    ordered = sorted(waiting_in_service, key=_order)
    if after >= len(ordered):
        # At the back: behind the last one even when it took its place in this same second
        # (the hall's times are whole seconds, hall/hall.py `_now`).
        return max(now, ordered[-1].place + timedelta(microseconds=1)) if ordered else now
    if after == 0:
        return ordered[0].place - timedelta(microseconds=1)
    return ordered[after - 1].place + timedelta(microseconds=1)


def head_of_line(waiting_in_service: list[Ticket], now: datetime) -> datetime:
    """A place before everybody now waiting."""
    return place_after(waiting_in_service, 0, now) if waiting_in_service else now


def calling_order(waiting: Iterable[Ticket], window: Window, ws: WindowState, priority_ratio: int) -> list[Ticket]:
    """Every ticket this window may call, in the order it would call them if nobody else came."""
    from dataclasses import replace
    left = list(waiting)
    out = []
    while True:
        t = pick_next(left, window, ws, priority_ratio)
        if t is None:
            return out
        ws = replace(ws, priority_streak=streak_after(ws, t, left, window))
        left = [x for x in left if x.id != t.id]
        out.append(t)
