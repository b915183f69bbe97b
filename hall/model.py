"""The hall's nouns as frozen dataclasses: services, windows, tickets, window states.

Configuration (Service, Window, HallConfig) says what the hall has; Ticket and
WindowState say what is happening today. The engine returns new instances,
never mutates old ones.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Optional

# Ticket states. OPEN_STATES are still in the hall's hands; the rest are final.
WAITING, CALLED, SERVING = "waiting", "called", "serving"
FINISHED, NO_SHOW, CANCELLED, EXPIRED = "finished", "no_show", "cancelled", "expired"
OPEN_STATES = frozenset({WAITING, CALLED, SERVING})
TICKET_STATES = (WAITING, CALLED, SERVING, FINISHED, NO_SHOW, CANCELLED, EXPIRED)

# Window states.
CLOSED, OPEN, PAUSED = "closed", "open", "paused"
WINDOW_STATES = (CLOSED, OPEN, PAUSED)
PAUSE_REASONS = ("break", "meeting", "helping", "other")

# The national five rating levels (GB/T 39734-2020), best first.
RATING_LEVELS = ("very_satisfied", "satisfied", "basic", "dissatisfied", "very_dissatisfied")
RATING_NAMES = {
    "very_satisfied": "非常满意",
    "satisfied": "满意",
    "basic": "基本满意",
    "dissatisfied": "不满意",
    "very_dissatisfied": "非常不满意",
}


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    name_en: str
    prefix: str
    digits: int = 3


@dataclass(frozen=True)
class Window:
    id: int
    name: str
    name_en: str
    services: tuple[str, ...]


@dataclass(frozen=True)
class HallConfig:
    name: str
    name_en: str
    timezone: str
    services: tuple[Service, ...]
    windows: tuple[Window, ...]
    devices: dict = field(default_factory=dict, hash=False, compare=False)
    source: str = "<embedded>"

    def service(self, code: str) -> Optional[Service]:
        return next((s for s in self.services if s.code == code), None)

    def window(self, window_id: int) -> Optional[Window]:
        return next((w for w in self.windows if w.id == window_id), None)


@dataclass(frozen=True)
class Call:
    at: datetime
    window: int


@dataclass(frozen=True)
class Ticket:
    id: int
    business_day: date
    service: str
    number: str
    serial: int  # the daily number within the service: A007 -> 7
    status: str
    issued_at: datetime
    calls: tuple[Call, ...] = ()
    started_at: Optional[datetime] = None
    finished_at: Optional[datetime] = None
    window: Optional[int] = None
    staff: Optional[str] = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES


@dataclass(frozen=True)
class WindowState:
    id: int
    status: str = CLOSED
    staff: Optional[str] = None       # username of the signed-in staff member
    staff_name: Optional[str] = None
    pause_reason: Optional[str] = None
    current: Optional[int] = None     # ticket id being called or served
    since: Optional[datetime] = None  # when status last changed


@dataclass(frozen=True)
class Rating:
    ticket_id: int
    business_day: date
    window: int
    staff: Optional[str]
    level: Optional[str]  # None: the citizen did not rate (kept as its own figure)
    channel: str          # rater, tablet, qr, phone
    device: Optional[str]
    at: datetime
