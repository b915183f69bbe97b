"""What the keypad and rater drivers share: one FF 68 device on a (shared) RS-485 bus.

The device's unprompted frames arrive on the bus's dispatcher thread: they
are acknowledged there at once (the device repeats a frame it hears no ack
for) and the work is handed to the driver's own thread. The driver polls the
device every `poll_interval` seconds (every tick while faulted), so a
device that stops answering goes faulted after `fault_after` misses and
comes back on its own.

Common settings keys: id, link, address, window, baudrate, timeout, retries,
fault_after, poll_interval, fault_poll_interval.
"""
from __future__ import annotations

import logging
import time
from typing import Optional

from devices import ff68
from devices.bus485 import Bus485, BusPool, DeviceHealth, StateCallback
from devices.worker import DeviceWorker

log = logging.getLogger(__name__)

REPEAT_WINDOW = 0.3   # the same frame again within this many seconds is the device repeating itself


class DeviceSettingsError(ValueError):
    """A keypad/rater setting the driver cannot use; the message names the key."""


def bus_for(settings: dict, pool: Optional[BusPool]) -> tuple[Bus485, bool]:
    """The bus for the settings' link: shared through `pool`, or owned by the driver."""
    link = settings["link"]
    options = {"baudrate": int(settings.get("baudrate", 9600))}
    if pool is not None:
        return pool.get(link, kind="ff68", parser_factory=ff68.FrameParser, **options), False
    return Bus485(link, name=f"ff68@{link}", parser_factory=ff68.FrameParser, **options), True


def common_settings(s: dict, kind: str) -> dict:
    """The constructor arguments every FF 68 driver takes, from a settings dict."""
    return {"device_id": str(s.get("id") or f"{kind}-{s['address']}@{s['link']}"),
            "address": s["address"], "window": s["window"], "timeout": s.get("timeout", 0.3),
            "retries": s.get("retries", 2), "fault_after": s.get("fault_after", 3),
            "poll_interval": s.get("poll_interval", 2.0), "fault_poll_interval": s.get("fault_poll_interval", 1.0)}


def require(settings: dict, kind: str, *keys: str) -> None:
    for key in keys:
        if key not in settings:
            raise DeviceSettingsError(f"{kind} 设置缺少 {key}。 / {kind} settings need {key!r}.")


class Ff68Device(DeviceWorker):
    """Base driver: health, polling and acked unprompted frames for one address."""

    poll_command = 0x00

    def __init__(self, *, device_id: str, bus: Bus485, address: int, window: int,
                 timeout: float = 0.3, retries: int = 2, fault_after: int = 3, poll_interval: float = 2.0,
                 fault_poll_interval: float = 1.0, on_state: Optional[StateCallback] = None, own_bus: bool = False):
        super().__init__(device_id)
        self.bus = bus
        self.own_bus = own_bus
        self.address = int(address)
        self.window = int(window)
        self.timeout, self.retries = float(timeout), int(retries)
        self.poll_interval = float(poll_interval)
        self.fault_poll_interval = float(fault_poll_interval)
        self.tick_interval = min(self.tick_interval, self.poll_interval, self.fault_poll_interval)
        self.health = DeviceHealth(device_id, on_state, fault_after=fault_after)
        self._last_contact = 0.0
        self._last_frame: tuple[bytes, float] = (b"", 0.0)
        self._stale = False             # the device may not show what it should: resend when it answers
        self.ignored_repeats = 0

    # -- life cycle ----------------------------------------------------------------

    def on_start(self) -> None:
        self.bus.attach(self.address, on_frame=self._frame_from_device, on_link=self._link_changed)
        if self.own_bus:
            self.bus.start()

    def on_stop(self) -> None:
        self.bus.detach(self.address, on_link=self._link_changed)
        if self.own_bus:
            self.bus.stop()

    def _link_changed(self, state: str, detail: str) -> None:
        self.health.link(state, detail)
        if state == "online":
            self._stale = True          # whatever we sent while it was down never arrived
            self.submit(self.tick, time.monotonic())

    # -- frames from the device (dispatcher thread) ----------------------------------

    def _frame_from_device(self, frame: ff68.Frame) -> None:
        self.health.answered()
        ack = self.ack_for(frame)
        if ack is not None:
            self.bus.send(ack)
        raw, now = frame.encode(), time.monotonic()
        last_raw, last_at = self._last_frame
        self._last_frame = (raw, now)
        if raw == last_raw and now - last_at < REPEAT_WINDOW:
            self.ignored_repeats += 1     # our ack crossed its repeat on the wire
            return
        self.submit(self.on_device_frame, frame)

    def ack_for(self, frame: ff68.Frame) -> Optional[bytes]:
        """The ack the host sends for an unprompted frame (overridden)."""
        return None

    def on_device_frame(self, frame: ff68.Frame) -> None:
        """Handle an unprompted frame on the driver's thread (overridden)."""

    # -- requests (driver thread) ------------------------------------------------------

    def request(self, data: bytes, reply_command: int) -> Optional[ff68.Frame]:
        """Send a command and wait for its answer; a miss is counted, never raised."""
        retries = 0 if self.health.faulted else self.retries
        answer = self.bus.request(self.address, data, match=lambda f: f.command == reply_command,
                                  timeout=self.timeout, retries=retries)
        self._last_contact = time.monotonic()
        if answer is None:
            self.health.missed("设备无应答 / no answer")
            self._stale = True
        else:
            self.health.answered()
        return answer

    def _poll(self) -> bool:
        if self.health.link_state != "online":
            return False
        return self.request(ff68.encode(self.address, self.poll_command), self.poll_command | 0x80) is not None

    def tick(self, now: float) -> None:
        # A dead device is asked less often (and without retries): on a shared
        # line every unanswered poll holds the wire for the others.
        faulted = self.health.faulted
        interval = self.fault_poll_interval if faulted else self.poll_interval
        if (self._stale and not faulted) or now - self._last_contact >= interval:
            if self._poll() and self._stale:
                self._stale = False
                self.resend()

    def resend(self) -> None:
        """The device answers again after a miss or a reconnect: send what it should show (overridden)."""
