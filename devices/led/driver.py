"""Drives one BX LED display from hall events: a window strip or the main screen.

Window strip (kind "window_strip"), for the windows it follows:
    ticket_called   -> "A001 请到3号窗口" (number in red, the rest in green)
    ticket_started  -> "A001 正在办理"
    ticket_finished / no_show / cancelled / expired -> the idle text
    window_changed  -> "暂停服务" when paused, the closed text when closed,
                       the idle text when it opens again with no ticket
Main screen (kind "main_screen"): the latest calls, newest first, one row of
16 pixels each ("A001 请到3号窗口").

Built from a plain dict with `LedDriver.from_settings(settings, pool=..., on_state=...)`:

    {"id": "led-3", "link": "/dev/ttyUSB0" | "socket://10.0.0.9:4001", "address": 1,
     "kind": "window_strip" | "main_screen", "width": 64, "height": 16,
     "windows": [3], "rows": 4, "idle_text": "欢迎光临", "closed_text": "暂停服务",
     "paused_text": "暂停服务", "colors": true, "byte_units": false,
     "timeout": 0.3, "retries": 2, "fault_after": 3, "poll_interval": 5, "fault_poll_interval": 1,
     "baudrate": 9600}

Every command asks for an ACK; no ACK after the retries is a miss; after
`fault_after` misses in a row the display is faulted, and it is pinged until
it answers again, when its current text is sent again.
"""
from __future__ import annotations

import logging
import time
from typing import Optional

from devices.bus485 import Bus485, BusPool, DeviceHealth, StateCallback
from devices.led import protocol as bx
from devices.worker import DeviceWorker

log = logging.getLogger(__name__)

KINDS = ("window_strip", "main_screen")
ROW_HEIGHT = 16


class LedSettingsError(ValueError):
    """An LED setting the driver cannot use; the message names the key and what to write."""


def _bus_for(settings: dict, pool: Optional[BusPool]) -> tuple[Bus485, bool]:
    link = settings.get("link")
    options = {"baudrate": int(settings.get("baudrate", 9600))}
    if pool is not None:
        return pool.get(link, kind="bx", parser_factory=bx.FrameParser, **options), False
    return Bus485(link, name=f"bx@{link}", parser_factory=bx.FrameParser, **options), True


class LedDriver(DeviceWorker):
    """One LED display at one address on a (possibly shared) bus."""

    def __init__(self, *, device_id: str, bus: Bus485, address: int, kind: str = "window_strip",
                 width: int = 64, height: int = 16, windows=(), rows: Optional[int] = None,
                 idle_text: str = "欢迎光临", closed_text: str = "暂停服务", paused_text: str = "暂停服务",
                 colors: bool = True, byte_units: bool = False, timeout: float = 0.3, retries: int = 2,
                 fault_after: int = 3, poll_interval: float = 5.0, fault_poll_interval: float = 1.0,
                 on_state: Optional[StateCallback] = None, own_bus: bool = False):
        super().__init__(device_id)
        if kind not in KINDS:
            raise LedSettingsError(f"LED 屏 {device_id} 的 kind={kind!r} 无效，应为 window_strip 或 main_screen。"
                                   f" / LED {device_id}: kind must be window_strip or main_screen.")
        self.bus = bus
        self.own_bus = own_bus
        self.address = int(address)
        self.kind = kind
        self.width, self.height = int(width), int(height)
        self.windows = {int(w) for w in windows}
        self.rows = max(1, int(rows) if rows else self.height // ROW_HEIGHT or 1)
        self.idle_text, self.closed_text, self.paused_text = idle_text, closed_text, paused_text
        self.colors = colors
        self.byte_units = byte_units
        self.timeout, self.retries = float(timeout), int(retries)
        self.poll_interval = float(poll_interval)
        self.fault_poll_interval = float(fault_poll_interval)
        self.tick_interval = min(self.tick_interval, self.poll_interval, self.fault_poll_interval)
        self.health = DeviceHealth(device_id, on_state, fault_after=fault_after)
        self.shown: list[str] = []           # what the display should show now, one entry per area
        self.calls: list[str] = []           # main screen: latest calls, newest first
        self.window_names: dict[int, str] = {}
        self._last_contact = 0.0
        self._stale = False                  # the display may have lost what we sent

    @classmethod
    def from_settings(cls, settings: dict, *, pool: Optional[BusPool] = None,
                      on_state: Optional[StateCallback] = None) -> "LedDriver":
        """Build a driver from a plain settings dict (see the module docstring for the keys)."""
        s = dict(settings)
        for key in ("link", "address"):
            if key not in s:
                raise LedSettingsError(f"LED 屏设置缺少 {key}。 / LED settings need {key!r}.")
        device_id = str(s.get("id") or f"led-{s['address']}@{s['link']}")
        bus, own = _bus_for(s, pool)
        return cls(device_id=device_id, bus=bus, own_bus=own, address=s["address"],
                   kind=s.get("kind", "window_strip"), width=s.get("width", 64), height=s.get("height", 16),
                   windows=s.get("windows", ()), rows=s.get("rows"),
                   idle_text=s.get("idle_text", "欢迎光临"), closed_text=s.get("closed_text", "暂停服务"),
                   paused_text=s.get("paused_text", "暂停服务"), colors=s.get("colors", True),
                   byte_units=s.get("byte_units", False), timeout=s.get("timeout", 0.3),
                   retries=s.get("retries", 2), fault_after=s.get("fault_after", 3),
                   poll_interval=s.get("poll_interval", 5.0),
                   fault_poll_interval=s.get("fault_poll_interval", 1.0), on_state=on_state)

    # -- life cycle ----------------------------------------------------------------

    def on_start(self) -> None:
        self.bus.attach(self.address, on_link=self._link_changed)
        if self.own_bus:
            self.bus.start()

    def on_stop(self) -> None:
        self.bus.detach(self.address, on_link=self._link_changed)
        if self.own_bus:
            self.bus.stop()

    def _link_changed(self, state: str, detail: str) -> None:
        self.health.link(state, detail)
        if state == "online":
            self._stale = True      # after a reconnect, say it again
            self.submit(self.tick, time.monotonic())

    # -- events --------------------------------------------------------------------

    def follows(self, window) -> bool:
        return not self.windows or (window is not None and int(window) in self.windows)

    def on_event(self, event: dict) -> None:
        kind = event.get("event")
        window = event.get("window")
        if kind == "window_changed" and isinstance(window, dict):
            self.window_names[window.get("id")] = window.get("name") or self.window_names.get(window.get("id"))
            if self.kind == "window_strip" and self.follows(window.get("id")):
                self._window_changed(window)
            return
        if kind == "ticket_called" and event.get("window_name"):
            self.window_names[event.get("window")] = event["window_name"]
        if self.kind == "main_screen":
            if kind == "ticket_called" and self.follows(window):
                self._main_call(event)
            return
        if not self.follows(window):
            return
        number = event.get("number", "")
        if kind == "ticket_called":
            self.show([self._call_text(number, window)])
        elif kind == "ticket_started":
            self.show([self._paint(("red", number), ("green", " 正在办理"))])
        elif kind in ("ticket_finished", "ticket_no_show", "ticket_cancelled", "ticket_expired"):
            if self.shown and bx.strip_colors(self.shown[0]).startswith(number):
                self.show([self._paint(("green", self.idle_text))])

    def _window_changed(self, window: dict) -> None:
        status = window.get("status")
        if status == "paused":
            self.show([self._paint(("yellow", self.paused_text))])
        elif status == "closed":
            self.show([self._paint(("yellow", self.closed_text))])
        elif status == "open" and not window.get("current"):
            self.show([self._paint(("green", self.idle_text))])

    def _main_call(self, event: dict) -> None:
        line = self._call_text(event.get("number", ""), event.get("window"))
        plain = bx.strip_colors(line)
        self.calls = [line] + [c for c in self.calls if bx.strip_colors(c) != plain]
        self.calls = self.calls[:self.rows]
        self.show(list(self.calls))

    def _window_name(self, window) -> str:
        return self.window_names.get(window) or f"{window}号窗口"

    def _call_text(self, number: str, window) -> str:
        return self._paint(("red", number), ("green", f" 请到{self._window_name(window)}"))

    def _paint(self, *parts: tuple[str, str]) -> str:
        return bx.colored(*parts) if self.colors else "".join(t for _, t in parts)

    # -- talking to the display -----------------------------------------------------

    def show(self, texts: list[str]) -> None:
        """Show `texts` (one per row) now; a fault is recorded, never raised."""
        self.shown = list(texts)
        self._send_shown()

    def frame_for(self, texts: list[str]) -> bytes:
        """The A3 06 frame that shows `texts`, one dynamic area per row."""
        rows = len(texts)
        if rows <= 1:
            areas = [bx.TextArea(texts[0] if texts else "", width=self.width, height=self.height,
                                 byte_units=self.byte_units)]
        else:
            row_h = max(ROW_HEIGHT, self.height // max(self.rows, 1))
            areas = [bx.TextArea(t, y=i * row_h, width=self.width, height=row_h, area_id=i,
                                 byte_units=self.byte_units) for i, t in enumerate(texts)]
        return bx.dynamic_areas(self.address, areas)

    def _send_shown(self) -> None:
        try:
            frame = self.frame_for(self.shown)
        except ValueError as exc:   # a character outside GB2312: say it, show the rest
            log.warning("LED %s: %s", self.device_id, exc)
            frame = self.frame_for([t.encode("gb2312", errors="replace").decode("gb2312") for t in self.shown])
        if self._transact(frame):
            self._stale = False

    def _transact(self, frame: bytes) -> bool:
        retries = 0 if self.health.faulted else self.retries
        answer = self.bus.request(self.address, frame, match=bx.is_ack, timeout=self.timeout, retries=retries)
        self._last_contact = time.monotonic()
        if answer is None:
            self.health.missed("LED 屏无应答 / no answer")
            self._stale = True          # it may have lost its text (power cut): resend when it answers
            return False
        self.health.answered()
        return True

    def tick(self, now: float) -> None:
        if self.health.link_state != "online":
            return
        # A dead display is asked less often and without retries: on a shared
        # line every unanswered frame holds the wire for the others.
        faulted = self.health.faulted
        interval = self.fault_poll_interval if faulted else self.poll_interval
        if (self._stale and not faulted) or now - self._last_contact >= interval:
            if self._transact(bx.ping(self.address)) and self._stale and self.shown:
                self._send_shown()
