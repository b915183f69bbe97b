"""The hall's devices: built from the configuration, fed from the bus, watched on the board.

Each driver gets the hall's events on a bus thread of its own (so one slow
or broken device never delays another, nor a screen) and reports its state
through `on_state`, which the hall records as a `device_changed` event.
Device kinds: printer (the kiosk's ticket printer), voice, and the serial
devices — led, keypad, rater, wireless — when their drivers are installed.
"""
from __future__ import annotations

import logging
import threading
from typing import Callable

from hall.errors import ConfigError

log = logging.getLogger(__name__)


# The printer's sentences in English, by reason (the Chinese come with the print result).
PRINT_MESSAGES_EN = {
    "paper_out": "The printer is out of paper and your ticket was not printed. Note the number on the screen "
                 "or scan the code; staff will reprint it for you.",
    "cover_open": "The printer's cover is open and your ticket was not printed. Note the number on the screen or scan the code.",
    "offline": "The printer is offline and your ticket was not printed. Note the number on the screen or scan the code.",
    "no_answer": "The printer did not answer; your ticket may not have printed. Note the number on the screen or scan the code.",
    "link_down": "The printer is not connected and your ticket was not printed. Note the number on the screen or scan the code.",
    "link_lost": "The printer was disconnected while printing. Note the number on the screen or scan the code.",
    "busy": "The printer is busy and your ticket was not printed. Note the number on the screen or scan the code.",
    "stopped": "The printer is switched off and your ticket was not printed. Note the number on the screen or scan the code.",
    "error": "Your ticket could not be printed. Note the number on the screen or scan the code.",
}


class DeviceManager:
    def __init__(self, hall):
        self.hall = hall
        self.drivers: dict[str, object] = {}
        self.kinds: dict[str, str] = {}
        self.states: dict[str, dict] = {}
        self.printer = None
        self.voice = None
        self._lock = threading.Lock()

    # -- building ----------------------------------------------------------------

    def add(self, kind: str, driver, device_id: str) -> None:
        """Attach a built driver: it hears every committed event from now on."""
        self.drivers[device_id] = driver
        self.kinds[device_id] = kind
        self.states.setdefault(device_id, {"device": device_id, "kind": kind, "state": "connecting", "detail": "",
                                           "since": None})
        if kind == "printer":
            self.printer = driver
        elif kind == "voice":
            self.voice = driver
        elif kind == "rater" and hasattr(self.hall, "watch_rater"):
            # The hall records "unrated" itself when the rating time passes, even after a crash.
            self.hall.watch_rater(getattr(driver, "window", None), getattr(driver, "rating_timeout", None), device_id)
        if hasattr(driver, "handle") and kind != "printer":
            self.hall.bus.subscribe(f"device-{device_id}", driver.handle)

    def on_state(self, kind: str) -> Callable[[str, str, str], None]:
        def report(device_id: str, state: str, detail: str = "") -> None:
            with self._lock:
                old = self.states.get(device_id, {})
                if old.get("state") == state:
                    # Only the detail moved (a voice queue's length): kept for the board, not logged.
                    old["detail"] = detail or ""
                    return
                self.states[device_id] = {"device": device_id, "kind": kind, "state": state, "detail": detail or "",
                                          "since": self.hall.clock().astimezone(self.hall.engine.tz)
                                          .isoformat(timespec="seconds")}
            try:
                self.hall.device_changed(device_id, kind, state, detail or "")
            except Exception:  # recording a device's state must never break the device
                log.exception("could not record the state of %s", device_id)
        return report

    def start(self) -> None:
        """Start every driver, then show each the windows as they are now (a display must not
        stay blank until the next event after a restart)."""
        for device_id, driver in self.drivers.items():
            try:
                driver.start()
            except Exception as exc:  # a device that cannot start is a state, not a crash
                log.exception("device %s did not start", device_id)
                self.on_state(self.kinds[device_id])(device_id, "faulted", str(exc))
        for w in self.hall.config.windows:
            current = {"event": "window_changed", "window": self.hall.window_json(w.id), "replay": True}
            for device_id, driver in self.drivers.items():
                if self.kinds[device_id] in ("led", "keypad", "rater"):
                    try:
                        driver.handle(current)
                    except Exception:
                        log.exception("device %s refused the current window state", device_id)

    def stop(self) -> None:
        for driver in self.drivers.values():
            try:
                driver.stop()
            except Exception:
                log.exception("device did not stop cleanly")

    def snapshot(self) -> list[dict]:
        with self._lock:
            return [dict(v) for v in self.states.values()]

    # -- the printer seam ------------------------------------------------------------

    def print_ticket(self, ticket, issued: dict, reprint: bool = False) -> dict:
        """Print a ticket at the kiosk; record what became of it; tell the kiosk in one sentence."""
        if self.printer is None:
            return {"status": "not_configured", "message": None}
        hall = self.hall
        service = hall.config.service(ticket.service)
        matter = service.matter(ticket.matter) if service and ticket.matter else None
        extras = {"hall_name": hall.config.name, "matter_name": matter.name if matter else None,
                  "people_ahead": issued.get("ahead"), "wait_minutes": issued.get("wait_minutes"),
                  "progress_url": issued.get("progress_url"),
                  "materials": "、".join(matter.materials[:2]) + ("等" if len(matter.materials) > 2 else "")
                  if matter and matter.materials else None,
                  "footer": "请留意叫号，过号请到导办台。"}
        try:
            job = self.printer.reprint if reprint else self.printer.print_ticket
            result = job(hall.ticket_json(ticket), extras)
            status, reason, message = result.status, result.reason, result.message
        except Exception:  # the kiosk still issues the ticket; it shows it on screen
            log.exception("printing %s failed", ticket.number)
            status, reason, message = "not_printed", "error", "打印小票时出错，请记下屏幕上的号码或扫码。"
        hall.record_print(ticket.id, status, reason, reprint)
        if status == "printed":
            return {"status": status, "reason": None, "message": None, "message_en": None}
        return {"status": status, "reason": reason, "message": message,
                "message_en": PRINT_MESSAGES_EN.get(reason, PRINT_MESSAGES_EN["error"])}


def build_devices(hall, settings: dict, data_dir, dry_run: bool = False) -> DeviceManager:
    """Build every device configured under [devices]; a bad setting is a ConfigError sentence.

    Nothing is opened until the manager starts (`dry_run`: not even the serial buses)."""
    manager = DeviceManager(hall)
    known = {"printer", "voice", "led", "keypad", "rater", "wireless"}
    for key in settings:
        if key not in known:
            raise ConfigError(f"devices.{key} is not a known device kind; expected one of {sorted(known)}.")
    if "printer" in settings:
        from devices.printer import PrinterDriver
        s = dict(settings["printer"])
        s.setdefault("id", "printer")
        manager.add("printer", _built("printer", PrinterDriver, s, manager.on_state("printer")), s["id"])
    if "voice" in settings:
        from devices.voice import VoiceDriver
        s = dict(settings["voice"])
        s.setdefault("id", "voice")
        s.setdefault("cache_dir", str(data_dir / "voice"))
        s.setdefault("timezone", hall.config.timezone)
        manager.add("voice", _built("voice", VoiceDriver, s, manager.on_state("voice")), s["id"])
    serial = None
    # Raters before keypads: a keypad's rate key arms the rater of its window.
    for kind in ("led", "rater", "keypad", "wireless"):
        entries = settings.get(kind, [])
        if isinstance(entries, dict):
            entries = [entries]
        if not isinstance(entries, list):
            raise ConfigError(f"devices.{kind} must be [[devices.{kind}]] entries.")
        for i, s in enumerate(entries):
            if serial is None:
                from devices.serial_drivers import SerialDevices
                serial = SerialDevices(hall, dry_run=dry_run)
            try:
                driver = serial.build(kind, dict(s), manager.on_state(kind))
            except (ValueError, TypeError, KeyError) as exc:
                raise ConfigError(f"devices.{kind}[{i}]: {getattr(exc, 'message', None) or exc}") from None
            manager.add(kind, driver, driver_id(driver, kind, i))
    return manager


def driver_id(driver, kind: str, i: int) -> str:
    return getattr(driver, "device_id", None) or getattr(driver, "id", None) or f"{kind}-{i + 1}"


def _built(kind: str, cls, settings: dict, on_state):
    try:
        return cls(settings, on_state=on_state)
    except ValueError as exc:
        raise ConfigError(f"devices.{kind}: {getattr(exc, 'message', None) or exc}") from None


def check_devices(config) -> list[str]:
    """Build (without opening) every configured device, as `hallq check-config` and `hallq serve`
    do before anything starts; a mistake raises ConfigError. Returns the device ids."""
    import tempfile
    from pathlib import Path

    from hall.hall import Hall
    from hall.store import Store
    with tempfile.TemporaryDirectory(prefix="hallq-check-") as tmp:
        store = Store(Path(tmp) / "check.db")
        hall = Hall(config, store)
        try:
            return list(build_devices(hall, config.devices, Path(tmp), dry_run=True).drivers)
        finally:
            hall.bus.close()
            store.close()
