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
from pathlib import Path
from typing import Callable, Optional

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
    """The hall's drivers, their bus subscriptions and their last states.

    `dry_run`: drivers are built to check their settings and nothing else happens: no bus
    subscription, no rater watched, nothing opened (`hallq check-config`, a new version's check).
    """

    def __init__(self, hall, data_dir=None, dry_run: bool = False):
        self.hall = hall
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self.dry_run = dry_run
        self.drivers: dict[str, object] = {}
        self.kinds: dict[str, str] = {}
        self.states: dict[str, dict] = {}
        self.entries: dict[str, dict] = {}     # device id -> the settings entry it was built from
        self.printer = None
        self.voice = None
        self.serial = None                     # devices.serial_drivers.SerialDevices, on first use
        self.override = None                   # settings that replace the configuration's (the demo's simulators)
        self._generation: dict[str, object] = {}   # device id -> the on_state callback its driver reports through
        self.index: dict[str, int] = {}        # device id -> its place among its kind's entries
        self._lock = threading.Lock()
        self._started = False

    # -- building ----------------------------------------------------------------

    def add(self, kind: str, driver, device_id: str, entry: Optional[dict] = None, generation=None) -> None:
        """Attach a built driver: it hears every committed event from now on."""
        self.drivers[device_id] = driver
        self.kinds[device_id] = kind
        self.entries[device_id] = dict(entry or {})
        if generation is not None:
            self._generation[device_id] = generation
        self.states.setdefault(device_id, {"device": device_id, "kind": kind, "state": "connecting", "detail": "",
                                           "since": None})
        if kind == "printer":
            self.printer = driver
        elif kind == "voice":
            self.voice = driver
        if self.dry_run:
            return
        if kind == "voice":
            self.hall.ser.audio = True    # each call's event names its joined announcement
        elif kind == "rater" and hasattr(self.hall, "watch_rater"):
            # The hall records "unrated" itself when the rating time passes, even after a crash.
            self.hall.watch_rater(getattr(driver, "window", None), getattr(driver, "rating_timeout", None), device_id)
        if hasattr(driver, "handle") and kind != "printer":
            self.hall.bus.subscribe(f"device-{device_id}", driver.handle)

    def remove(self, device_id: str) -> None:
        """Stop a driver and forget it: its bus subscription goes, its thread ends, its links close
        (a shared RS-485 line only when no other device is on it), and the board hears it is removed."""
        driver = self.drivers.pop(device_id)
        kind = self.kinds.pop(device_id)
        self.entries.pop(device_id, None)
        self.index.pop(device_id, None)
        self._generation.pop(device_id, None)
        self.hall.bus.unsubscribe(f"device-{device_id}")
        try:
            driver.stop()
        except Exception:
            log.exception("device %s did not stop cleanly", device_id)
        if self.printer is driver:
            self.printer = None
        if self.voice is driver:
            self.voice = None
            self.hall.ser.audio = False
        if kind == "rater":
            window = getattr(driver, "window", None)
            if hasattr(self.hall, "unwatch_rater"):
                self.hall.unwatch_rater(window, device_id)
            if self.serial is not None and self.serial.raters_by_window.get(window) is driver:
                del self.serial.raters_by_window[window]
        if self.serial is not None:
            in_use = {getattr(getattr(d, "bus", None), "url", None) for d in self.drivers.values()}
            self.serial.pool.release_unused(in_use)
        with self._lock:
            self.states.pop(device_id, None)
        try:
            self.hall.device_changed(device_id, kind, "removed", "")
        except Exception:
            log.exception("could not record that %s was removed", device_id)

    def reconfigure(self, settings: dict) -> tuple[list[str], list[str]]:
        """Put new [devices] settings in effect: each device whose entry changed or went is stopped
        and removed, each changed or new one built and started; the others keep running untouched.
        Returns (the ids stopped, the ids started). A keypad is rebuilt with its window's rater (its
        rate key arms that rater). While `override` is set (the demo's simulators), nothing changes."""
        if self.override is not None:
            log.info("device settings changed in the configuration; this hall runs its simulators instead")
            return [], []
        plan = build_devices(self.hall, settings, self.data_dir or Path("."), dry_run=True)
        old = {d: (self.kinds[d], self.entries.get(d)) for d in self.drivers}
        new = {d: (plan.kinds[d], plan.entries[d]) for d in plan.drivers}
        stop = {d for d in old if old[d] != new.get(d)}
        start = {d for d in new if new[d] != old.get(d)}
        # A keypad's rate key arms its window's rater: a rater that changes takes its keypads along.
        windows = {(old.get(d) or new[d])[1].get("window") for d in stop | start
                   if (old.get(d) or new[d])[0] == "rater"}
        for d, (kind, entry) in {**old, **new}.items():
            if kind == "keypad" and entry.get("window") in windows:
                stop |= {d} & set(old)
                start |= {d} & set(new)
        for d in sorted(stop):
            self.remove(d)
        order = list(plan.drivers)               # the plan's order: raters before the keypads that arm them
        for d in [d for d in order if d in start]:
            kind, entry = new[d]
            driver, device_id, generation = self._build(kind, entry, plan.index[d])
            self.add(kind, driver, device_id, entry, generation)
            self.index[device_id] = plan.index[d]
            if self._started:
                self._start(device_id)
        return sorted(stop), [d for d in order if d in start]

    def _build(self, kind: str, entry: dict, index: int):
        """One driver from one settings entry; (driver, id, the callback it reports through)."""
        report = self.on_state(kind)
        s = dict(entry)
        if kind == "printer":
            from devices.printer import PrinterDriver
            s.setdefault("id", "printer")
            return _built("printer", PrinterDriver, s, report), s["id"], report
        if kind == "voice":
            from devices.voice import VoiceDriver
            s.setdefault("id", "voice")
            s.setdefault("cache_dir", str((self.data_dir or Path(".")) / "voice"))
            s.setdefault("timezone", self.hall.config.timezone)
            return _built("voice", VoiceDriver, s, report), s["id"], report
        if self.serial is None:
            from devices.serial_drivers import SerialDevices
            self.serial = SerialDevices(self.hall, dry_run=self.dry_run)
        try:
            driver = self.serial.build(kind, s, report)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise ConfigError(f"devices.{kind}[{index}]: {getattr(exc, 'message', None) or exc}",
                              field=f"devices.{kind}[{index}]") from None
        return driver, driver_id(driver, kind, index), report

    def on_state(self, kind: str) -> Callable[[str, str, str], None]:
        def report(device_id: str, state: str, detail: str = "") -> None:
            if self._generation.get(device_id, report) is not report or device_id not in self.drivers:
                return   # a driver removed (or replaced) by a new configuration: its last words are not the board's
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
        self._started = True
        for device_id in list(self.drivers):
            self._start(device_id)

    def _start(self, device_id: str) -> None:
        driver = self.drivers[device_id]
        try:
            driver.start()
        except Exception as exc:  # a device that cannot start is a state, not a crash
            log.exception("device %s did not start", device_id)
            self.on_state(self.kinds[device_id])(device_id, "faulted", str(exc))
        if self.kinds[device_id] not in ("led", "keypad", "rater"):
            return
        for w in self.hall.config.windows:
            current = {"event": "window_changed", "window": self.hall.window_json(w.id), "replay": True}
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
        if self.serial is not None:
            self.serial.pool.stop()

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

    Nothing is opened until the manager starts (`dry_run`: not even the serial buses, and the
    hall is not touched: a check of the settings only)."""
    manager = DeviceManager(hall, data_dir, dry_run=dry_run)
    for kind, index, entry in device_entries(settings):
        driver, device_id, generation = manager._build(kind, entry, index)
        if device_id in manager.drivers:
            raise ConfigError(f"devices.{kind}[{index}]: the id {device_id!r} is another device's too; give each "
                              f"device its own id.", field=f"devices.{kind}[{index}].id")
        manager.add(kind, driver, device_id, entry, generation)
        manager.index[device_id] = index
    return manager


_KINDS = ("printer", "voice", "led", "keypad", "rater", "wireless")


def device_entries(settings: dict) -> list[tuple[str, int, dict]]:
    """(kind, index, entry) of each device under [devices], in the order they are built: raters
    before keypads, since a keypad's rate key arms the rater of its window."""
    if not isinstance(settings, dict):
        raise ConfigError("devices must be a table of device kinds.", field="devices")
    for key in settings:
        if key not in _KINDS:
            raise ConfigError(f"devices.{key} is not a known device kind; expected one of {sorted(_KINDS)}.",
                              field=f"devices.{key}")
    out = []
    for kind in ("printer", "voice"):
        if kind in settings:
            if not isinstance(settings[kind], dict):
                raise ConfigError(f"devices.{kind} must be one [devices.{kind}] table.", field=f"devices.{kind}")
            out.append((kind, 0, dict(settings[kind])))
    for kind in ("led", "rater", "keypad", "wireless"):
        entries = settings.get(kind, [])
        if isinstance(entries, dict):
            entries = [entries]
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise ConfigError(f"devices.{kind} must be [[devices.{kind}]] entries.", field=f"devices.{kind}")
        out += [(kind, i, dict(e)) for i, e in enumerate(entries)]
    return out


def driver_id(driver, kind: str, i: int) -> str:
    return getattr(driver, "device_id", None) or getattr(driver, "id", None) or f"{kind}-{i + 1}"


def _built(kind: str, cls, settings: dict, on_state):
    try:
        return cls(settings, on_state=on_state)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:   # a setting of the wrong shape too
        raise ConfigError(f"devices.{kind}: {getattr(exc, 'message', None) or exc}", field=f"devices.{kind}") from None


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
