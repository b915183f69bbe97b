"""The demo hall's simulated devices, attached when `hallq demo` runs without --no-devices.

Each simulator speaks the real bytes over a real pty or TCP port, and the
same drivers that talk to a hall's hardware talk to them. The device lab
(hall/lab.py) shows what they display and print and presses their buttons.
"""
from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)


class Simulators:
    """The running simulators and the [devices] settings that reach them."""

    def __init__(self):
        self.printer = None          # devices.printer.sim.SimulatedPrinter
        self.serial = None           # devices.serial_sims.Lab, when the serial device kinds are installed
        self._carriers = []
        self.settings: dict = {}

    def stop(self) -> None:
        for c in self._carriers:
            try:
                c.stop()
            except Exception:
                log.exception("simulator did not stop cleanly")
        if self.serial is not None:
            self.serial.stop()


def start_simulators(config, data_dir: Path) -> Simulators:
    """Start a simulator for each device kind and return the settings that attach the drivers to them."""
    from devices.printer.sim import SimulatedPrinter, TcpPrinter
    sims = Simulators()
    sims.printer = SimulatedPrinter()
    carrier = TcpPrinter(sims.printer).start()
    sims._carriers.append(carrier)
    sims.settings["printer"] = {"id": "printer", "link": carrier.url, "paper_width_mm": 80,
                                "status_timeout_s": 0.5, "poll_interval_s": 2.0}
    sims.settings["voice"] = {"id": "voice", "languages": ["zh", "en"], "repeat": 1,
                              "audio_output": "adummy", "cache_dir": str(Path(data_dir) / "voice")}
    try:
        from devices import serial_sims
    except ImportError:
        return sims
    sims.serial = serial_sims.start_lab(config)
    sims.settings.update(sims.serial.settings)
    return sims
