"""Drives one caller keypad: its keys become window actions, its digits show the state.

Keys (devices/keypad/protocol.py KEYS) -> facade: call -> call_next, recall,
pause (resume when the window is paused), transfer (service typed on the
keypad or `transfer_service`), finish, give_up -> no_show, start, rate ->
`on_rate(window)` (the rater driver arms itself). Every key frame is acked.

The digits show the number being served/called at the window, otherwise the
number of tickets waiting for the window's services (from queue_changed).

Settings (`KeypadDriver.from_settings(settings, facade=..., pool=..., on_state=..., on_rate=...)`):

    {"id": "keypad-3", "link": "/dev/ttyUSB1", "address": 3, "window": 3,
     "services": ["A", "B"], "transfer_service": "B", "pause_reason": "break",
     "timeout": 0.3, "retries": 2, "fault_after": 3, "poll_interval": 2, "fault_poll_interval": 1,
     "baudrate": 9600}
"""
from __future__ import annotations

import logging
from typing import Callable, Optional

from devices import ff68
from devices.bus485 import BusPool, StateCallback
from devices.ff68_driver import Ff68Device, bus_for, common_settings, require
from devices.keypad import protocol as kp
from devices.keypad.actions import Outcome, run_action

log = logging.getLogger(__name__)

_CLEARS = ("ticket_finished", "ticket_no_show", "ticket_cancelled", "ticket_expired", "ticket_transferred")


class KeypadDriver(Ff68Device):
    def __init__(self, *, facade, services=(), transfer_service: Optional[str] = None,
                 pause_reason: str = "break", on_rate: Optional[Callable[[int], None]] = None, **common):
        super().__init__(**common)
        self.facade = facade
        self.services = set(services)
        self.transfer_service = transfer_service
        self.pause_reason = pause_reason
        self.on_rate = on_rate
        self.paused = False
        self.current: Optional[str] = None
        self.waiting: dict[str, int] = {}
        self.outcomes: list[Outcome] = []
        self.shown: Optional[str] = None

    @classmethod
    def from_settings(cls, settings: dict, *, facade, pool: Optional[BusPool] = None,
                      on_state: Optional[StateCallback] = None,
                      on_rate: Optional[Callable[[int], None]] = None) -> "KeypadDriver":
        s = dict(settings)
        require(s, "呼叫器 keypad", "link", "address", "window")
        bus, own = bus_for(s, pool)
        return cls(facade=facade, services=s.get("services", ()), transfer_service=s.get("transfer_service"),
                   pause_reason=s.get("pause_reason", "break"), on_rate=on_rate,
                   bus=bus, own_bus=own, on_state=on_state, **common_settings(s, "keypad"))

    # -- keys ---------------------------------------------------------------------

    def ack_for(self, frame: ff68.Frame) -> Optional[bytes]:
        if frame.command == kp.KEY and frame.data:
            return kp.key_ack(self.address, frame.data[0])
        return None

    def on_device_frame(self, frame: ff68.Frame) -> None:
        key = kp.parse_key(frame)
        if key is None:
            log.info("keypad %s: unknown frame %s ignored", self.device_id, frame)
            return
        action, argument = key
        outcome = run_action(self.facade, self.window, action, argument, paused=self.paused,
                             pause_reason=self.pause_reason, transfer_service=self.transfer_service,
                             on_rate=self.on_rate, device=self.device_id)
        self.outcomes.append(outcome)
        if outcome.ok and outcome.number and action in ("call", "recall", "start"):
            self.current = outcome.number
        if outcome.ok and action in ("finish", "give_up", "transfer"):
            self.current = None
        if action == "pause" and outcome.ok:
            self.paused = not self.paused
        self.refresh(error=not outcome.ok)

    # -- hall events ------------------------------------------------------------------

    def on_event(self, event: dict) -> None:
        kind = event.get("event")
        window = event.get("window")
        if kind == "queue_changed":
            self.waiting[event.get("service")] = int(event.get("waiting") or 0)
            if self.current is None:
                self.refresh()
        elif kind == "window_changed" and isinstance(window, dict) and window.get("id") == self.window:
            self.paused = window.get("status") == "paused"
            self.services = set(window.get("services") or self.services)
            current = window.get("current")
            self.current = current.get("number") if isinstance(current, dict) else None
            self.refresh()
        elif window == self.window and kind in ("ticket_called", "ticket_started"):
            self.current = event.get("number")
            self.refresh()
        elif window == self.window and kind in _CLEARS:
            if self.current == event.get("number"):
                self.current = None
            self.refresh()

    def display_text(self) -> str:
        """What the digits should show now."""
        if self.paused:
            return "P"
        if self.current:
            return self.current
        services = self.services or set(self.waiting)
        return str(sum(self.waiting.get(s, 0) for s in services))

    def refresh(self, error: bool = False) -> None:
        text = "E" if error else self.display_text()
        if self.request(kp.show(self.address, text), kp.SHOW_REPLY) is not None:
            self.shown = text

    def resend(self) -> None:
        self.refresh()
