"""The facts the hall records and pushes.

The engine returns `Event`s; the store gives each a `seq` (its row in the
append-only event log) in the same transaction as the state it describes; the
bus then hands the serialised dict to push, devices and everyone else.
docs/events.md lists every event and its fields; a test keeps the two in step.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional

from hall.model import Ticket, WindowState

# Every event the hall emits. Pushed to Socket.IO clients as they are.
EVENT_NAMES = (
    "ticket_issued",
    "ticket_called",
    "ticket_started",
    "ticket_finished",
    "ticket_no_show",
    "ticket_cancelled",
    "ticket_expired",
    "ticket_rated",
    "ticket_transferred",
    "ticket_prioritised",
    "ticket_rejoined",
    "ticket_printed",
    "window_changed",
    "queue_changed",
    "business_day_started",
    "business_day_ended",
    "appointment_missed",
    "id_blocked",
    "device_changed",
    "config_changed",     # a new configuration version in effect (hall/configs.py)
    # Bad-rating cases (差评整改), in the order a case goes (hall/cases.py).
    "case_opened",
    "case_verified",
    "case_put_on_ledger",
    "case_rectified",
    "case_called_back",
    "case_appealed",
    "case_appeal_decided",
    "stars_entered",
    # Electronic supervision (电子监察, hall/alarms.py): the board alone hears them.
    "alarm_raised",
    "alarm_acknowledged",
    "alarm_cleared",
)


@dataclass(frozen=True)
class Event:
    name: str
    at: datetime
    ticket: Optional[Ticket] = None
    window: Optional[WindowState] = None
    data: dict = field(default_factory=dict, hash=False, compare=False)

    def __post_init__(self):
        if self.name not in EVENT_NAMES:
            raise ValueError(f"unknown event {self.name!r}")
