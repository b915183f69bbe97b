"""Drives one window rater: armed when a service finishes, its answer becomes a rating.

    ticket_finished at the window -> arm the rater with that ticket
    rate key on the keypad         -> arm(...) with the window's current ticket
    a press while armed            -> facade.record_rating(ticket, window, staff, level, "rater", device)
    a press while nothing is armed -> logged, not counted
    a second press for a ticket    -> ignored (one rating per ticket)
    no press within rating_timeout -> facade.record_unrated(ticket, window, staff, device), and disarm

The driver's memory is not the record: the hall itself records "unrated"
for a finished ticket left without a rating a little after rating_timeout
(hall/hall.py, from its stored tickets and ratings), so a crash that loses
what this driver held loses no figure, and the hall refuses a second record
for a ticket however many times a rater is pressed or armed again.

Which key means which level is the `levels` setting (key number -> level), so
4-key raters work: {"1": "very_satisfied", "2": "satisfied", "3": "basic",
"4": "dissatisfied"}.

Settings (`RaterDriver.from_settings(settings, facade=..., pool=..., on_state=...)`):

    {"id": "rater-3", "link": "/dev/ttyUSB1", "address": 13, "window": 3,
     "levels": {"1": "very_satisfied", ...}, "rating_timeout": 30,
     "timeout": 0.3, "retries": 2, "fault_after": 3, "poll_interval": 2, "fault_poll_interval": 1,
     "baudrate": 9600}
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Optional

from devices import ff68
from devices.bus485 import BusPool, StateCallback
from devices.ff68_driver import DeviceSettingsError, Ff68Device, bus_for, common_settings, require
from devices.rater import protocol as rp

log = logging.getLogger(__name__)


@dataclass
class Armed:
    ticket_id: int
    number: str
    staff: Optional[str]
    deadline: float


def parse_levels(levels: Optional[dict]) -> dict[int, str]:
    """Key number -> level; refuses unknown levels with a sentence that lists the right ones."""
    if not levels:
        return dict(rp.FIVE_KEYS)
    out = {}
    for key, level in levels.items():
        if level not in rp.LEVELS:
            raise DeviceSettingsError(f"评价器按键 {key} 的等级 {level!r} 无效，应为 {', '.join(rp.LEVELS)} 之一。"
                                      f" / rater key {key}: level must be one of {', '.join(rp.LEVELS)}.")
        try:
            out[int(key)] = level
        except ValueError:
            raise DeviceSettingsError(f"评价器按键编号 {key!r} 应为数字。 / rater key {key!r} must be a number.") from None
    return out


class RaterDriver(Ff68Device):
    def __init__(self, *, facade, levels: Optional[dict] = None, rating_timeout: float = 30.0, **common):
        super().__init__(**common)
        self.facade = facade
        self.levels = parse_levels(levels)
        self.rating_timeout = float(rating_timeout)
        self.armed: Optional[Armed] = None
        self.rated: set[int] = set()           # tickets already rated or recorded unrated
        self.current: Optional[dict] = None    # the ticket at the window now (for the rate key)
        self.ignored_presses = 0

    @classmethod
    def from_settings(cls, settings: dict, *, facade, pool: Optional[BusPool] = None,
                      on_state: Optional[StateCallback] = None) -> "RaterDriver":
        s = dict(settings)
        require(s, "评价器 rater", "link", "address", "window")
        levels = parse_levels(s.get("levels"))
        bus, own = bus_for(s, pool)
        return cls(facade=facade, levels=levels, rating_timeout=s.get("rating_timeout", 30.0),
                   bus=bus, own_bus=own, on_state=on_state, **common_settings(s, "rater"))

    # -- hall events ------------------------------------------------------------------

    def on_event(self, event: dict) -> None:
        if event.get("window") != self.window:
            return
        kind = event.get("event")
        ticket = _ticket_of(event)
        if kind in ("ticket_called", "ticket_started"):
            self.current = ticket
        elif kind == "ticket_finished":
            self.current = None
            self.arm(ticket)

    def arm_current(self, window: Optional[int] = None) -> None:
        """The clerk pressed the rate key: arm with the ticket at the window (thread-safe)."""
        self.submit(self._arm_current)

    def _arm_current(self) -> None:
        if self.current is None:
            log.info("rater %s: rate key pressed with no ticket at window %s", self.device_id, self.window)
            return
        self.arm(self.current)

    def arm(self, ticket: dict) -> None:
        """Ask the citizen to rate `ticket` (on the driver's thread)."""
        ticket_id = ticket.get("id")
        if ticket_id is None:
            return
        if ticket_id in self.rated:
            log.info("rater %s: ticket %s is already rated; not armed again", self.device_id, ticket.get("number"))
            return
        if self.armed is not None and self.armed.ticket_id != ticket_id:
            self._unrated()
        self.armed = Armed(ticket_id, ticket.get("number") or "", ticket.get("staff"),
                           time.monotonic() + self.rating_timeout)
        self.request(rp.arm(self.address, self.armed.number), rp.ARM_REPLY)

    # -- presses ------------------------------------------------------------------------

    def ack_for(self, frame: ff68.Frame) -> Optional[bytes]:
        key = rp.parse_press(frame)
        return rp.press_ack(self.address, key) if key is not None else None

    def on_device_frame(self, frame: ff68.Frame) -> None:
        key = rp.parse_press(frame)
        if key is None:
            return
        armed = self.armed
        if armed is None:
            self.ignored_presses += 1
            log.info("rater %s: key %s pressed while nothing is armed; not counted", self.device_id, key)
            return
        level = self.levels.get(key)
        if level is None:
            self.ignored_presses += 1
            log.info("rater %s: key %s has no level in the settings; ignored", self.device_id, key)
            return
        self.armed = None
        self.rated.add(armed.ticket_id)
        try:
            self.facade.record_rating(armed.ticket_id, self.window, armed.staff, level, "rater", self.device_id)
        except Exception as exc:  # a refused rating (already rated...) is logged, not raised
            log.info("rater %s: rating of %s refused: %s", self.device_id, armed.number,
                     getattr(exc, "message", exc))
        self.request(rp.disarm(self.address), rp.DISARM_REPLY)

    def tick(self, now: float) -> None:
        if self.armed is not None and now >= self.armed.deadline:
            self._unrated()
            self.request(rp.disarm(self.address), rp.DISARM_REPLY)
        super().tick(now)

    def _unrated(self) -> None:
        armed, self.armed = self.armed, None
        if armed is None:
            return
        self.rated.add(armed.ticket_id)
        try:
            self.facade.record_unrated(armed.ticket_id, self.window, armed.staff, self.device_id)
        except Exception as exc:
            log.info("rater %s: unrated record of %s refused: %s", self.device_id, armed.number,
                     getattr(exc, "message", exc))

    def resend(self) -> None:
        if self.armed is not None:
            self.request(rp.arm(self.address, self.armed.number), rp.ARM_REPLY)


def _ticket_of(event: dict) -> dict:
    ticket = dict(event.get("ticket") or {})
    ticket.setdefault("number", event.get("number"))
    if not ticket.get("staff") and event.get("staff"):
        ticket["staff"] = event["staff"]
    return ticket
