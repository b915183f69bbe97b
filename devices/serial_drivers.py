"""Build the serial device drivers (LED displays, keypads, raters, wireless) from [devices] settings.

All serial devices of one hall share one BusPool, so devices on one RS-485
line share one link with one writer at a time. A keypad's rate key arms the
rater of the same window.
"""
from __future__ import annotations

from devices.bus485 import BusPool
from devices.keypad.driver import KeypadDriver
from devices.led.driver import LedDriver
from devices.rater.driver import RaterDriver
from devices.wireless.driver import WirelessDriver


class SerialDevices:
    """The factory for one hall: one bus pool, and the raters by window for the keypads' rate key."""

    def __init__(self, hall, dry_run: bool = False):
        self.hall = hall
        self.pool = BusPool(autostart=not dry_run)
        self.raters_by_window: dict[int, RaterDriver] = {}

    def build(self, kind: str, settings: dict, on_state):
        """A driver for one [[devices.<kind>]] entry; a bad setting raises ValueError with a sentence."""
        if kind == "led":
            return LedDriver.from_settings(settings, pool=self.pool, on_state=on_state)
        if kind == "rater":
            rater = RaterDriver.from_settings(settings, facade=self.hall, pool=self.pool, on_state=on_state)
            self.raters_by_window[int(settings.get("window", 0))] = rater
            return rater
        if kind == "keypad":
            rater = self.raters_by_window.get(int(settings.get("window", 0)))
            return KeypadDriver.from_settings(settings, facade=self.hall, pool=self.pool, on_state=on_state,
                                              on_rate=rater.arm_current if rater else None)
        if kind == "wireless":
            return WirelessDriver.from_settings(settings, facade=self.hall, on_state=on_state,
                                                on_rate=self._arm_for_window)
        raise ValueError(f"unknown serial device kind {kind!r}")

    def _arm_for_window(self, window: int) -> None:
        rater = self.raters_by_window.get(window)
        if rater is not None:
            rater.arm_current(window)
