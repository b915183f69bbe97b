"""The hall as the reliability tests run it: `hallq serve` as a child process, its devices
simulated in the test's own process.

The simulators live outside the server on purpose: a kill -9 of the server is a power cut of
the hall PC, not of the printer or the LED strips, and an unplug is the test pulling a cable
the server cannot see. Each simulator speaks the real bytes over a real pty or TCP port
(devices/sim_util.py), exactly as the demo's do; the hall file names them under [devices].
"""
from __future__ import annotations

import array
import json
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import requests

from hall import auth
from hall.clock import system_now
from hall.store import Store
from tests.server import ROOT, ServerProcess

PASSWORD = "reliable-pw-1"
# username, name, role, the window they sign in at (None: no window)
ACCOUNTS = [("zhang", "张敏", "staff", 1), ("li", "李强", "staff", 2), ("wang", "王芳", "staff", 3),
            ("zhao", "赵磊", "staff", 4), ("manager", "陈主任", "manager", None),
            ("manager2", "周副主任", "manager", None), ("admin", "系统管理员", "admin", None)]
WINDOWS = (1, 2, 3, 4)             # the windows the day is worked at: A+F, A (helps F), B, B+F
MAIN_SCREEN = 99
RATER_BASE = 100                   # as the demo: window w's rater at 100 + w, on the keypads' line
WIRELESS_REMOTE = "A1B2C3"
WIRELESS_WINDOW = 4


def _table(header: str, **keys) -> str:
    """One TOML table: its header, then `key = value` lines (JSON strings, numbers and lists are TOML)."""
    return header + "\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in keys.items())


def seed_from_env(name: str) -> int:
    """The seed a run is to replay ($name), else a fresh one; the caller prints it."""
    return int(os.environ.get(name) or random.SystemRandom().randrange(2**32))


class Speaker:
    """The hall PC's sound output: a PulseAudio server of its own with one null sink, "speaker",
    whose monitor the test records to hear what the hall played. Unplugging it is the sound
    server gone (the USB speaker's card away, PulseAudio or PipeWire stopped); plugging it back
    starts it again on the same socket, as the hall PC's session would."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.socket = self.root / "native"
        self.env = {**os.environ, "HOME": str(self.root), "XDG_RUNTIME_DIR": str(self.root),
                    "PULSE_SERVER": f"unix:{self.socket}"}
        self.proc = None

    @staticmethod
    def available() -> bool:
        return bool(shutil.which("pulseaudio") and shutil.which("parec"))

    def plug(self, timeout: float = 30) -> None:
        assert self.available(), "the speaker needs pulseaudio and parec: make system installs them"
        self.proc = subprocess.Popen(
            [shutil.which("pulseaudio"), "-n", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no",
             "-L", f"module-native-protocol-unix socket={self.socket} auth-anonymous=1",
             "-L", "module-null-sink sink_name=speaker"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.socket(socket.AF_UNIX) as s:
                    s.connect(str(self.socket))
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("the test's PulseAudio server did not start")

    def unplug(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def hear(self, timeout: float = 60) -> bool:
        """Records the speaker until sound (not silence) arrives: True, or False after `timeout`."""
        rec = subprocess.Popen([shutil.which("parec"), "-d", "speaker.monitor", "--raw", "--format=s16le",
                                "--channels=1", "--rate=8000", "--latency-msec=100"],
                               env=self.env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                chunk = rec.stdout.read(1600)          # 0.1 s
                if not chunk:
                    return False
                samples = array.array("h", chunk[: len(chunk) // 2 * 2])
                if samples and max(abs(x) for x in samples) > 500:
                    return True
            return False
        finally:
            rec.kill()
            rec.wait()


class SimulatedDevices:
    """Every device kind of the hall, simulated: printer (TCP), LED strips and the main screen
    (one pty line), keypads and raters (another pty line), the wireless receiver (a pty)."""

    def __init__(self, rating_timeout: float = 8, printer: bool = True, led: bool = True,
                 keypads: bool = True, wireless: bool = True, speaker: Speaker | None = None):
        from devices.keypad.sim import KeypadSim
        from devices.led.sim import LedSim
        from devices.printer.sim import SimulatedPrinter, TcpPrinter
        from devices.rater.sim import RaterSim
        from devices.sim_util import SharedLine
        from devices.wireless.sim import WirelessSim
        self.rating_timeout = rating_timeout
        self.printer = SimulatedPrinter() if printer else None
        self.printer_carrier = TcpPrinter(self.printer).start() if printer else None
        self.led = LedSim(addresses=WINDOWS + (MAIN_SCREEN,), name="led-line") if led else None
        self.line = SharedLine(name="rs485")
        self.raters = RaterSim(addresses=tuple(RATER_BASE + w for w in WINDOWS), line=self.line)
        self.keypads = KeypadSim(addresses=WINDOWS, line=self.line) if keypads else None
        self.wireless = WirelessSim() if wireless else None
        self.speaker = speaker

    def toml(self) -> str:
        """The [devices] part of the hall file that attaches the real drivers to these simulators."""
        out = []
        if self.printer is not None:
            out.append(_table("[devices.printer]", id="printer", link=self.printer_carrier.url, paper_width_mm=80,
                              status_timeout_s=0.5, poll_interval_s=1.0))
        if self.led is not None:
            out += [_table("[[devices.led]]", id=f"strip-{w}", kind="window_strip", link=self.led.url, address=w,
                           windows=[w]) for w in WINDOWS]
            out.append(_table("[[devices.led]]", id="main-screen", kind="main_screen", link=self.led.url,
                              address=MAIN_SCREEN, windows=list(WINDOWS), width=192, height=64, rows=4))
        out += [_table("[[devices.rater]]", id=f"rater-{w}", link=self.line.url, address=RATER_BASE + w, window=w,
                       rating_timeout=self.rating_timeout) for w in WINDOWS]
        if self.keypads is not None:
            out += [_table("[[devices.keypad]]", id=f"keypad-{w}", link=self.line.url, address=w, window=w)
                    for w in WINDOWS]
        if self.wireless is not None:
            out.append(_table("[[devices.wireless]]", id="wireless", link=self.wireless.url))
            out.append(_table(f"[devices.wireless.remotes.{WIRELESS_REMOTE}]", window=WIRELESS_WINDOW))
        if self.speaker is not None:
            # libvlc really playing into the speaker: one language, once, so the calls keep up.
            out.append(_table("[devices.voice]", id="voice", audio_output="pulse", languages=["zh"], repeat=1))
        return "\n".join(out)

    def ids(self) -> list[str]:
        """The device ids the hall file names."""
        out = ["printer"] if self.printer is not None else []
        if self.led is not None:
            out += [f"strip-{w}" for w in WINDOWS] + ["main-screen"]
        out += [f"rater-{w}" for w in WINDOWS]
        if self.keypads is not None:
            out += [f"keypad-{w}" for w in WINDOWS]
        if self.wireless is not None:
            out.append("wireless")
        if self.speaker is not None:
            out.append("voice")
        return out

    def close(self) -> None:
        for thing in (self.keypads, self.raters, self.led, self.wireless):
            if thing is not None:
                try:
                    thing.close()
                except Exception:
                    pass
        self.line.close()
        if self.printer_carrier is not None:
            self.printer_carrier.stop()
        if self.speaker is not None:
            self.speaker.unplug()


class ReliableHall:
    """A hall's data directory, its hall file with the simulated devices, and its server."""

    def __init__(self, root: Path, devices: SimulatedDevices):
        self.root = Path(root)
        self.data = self.root / "data"
        self.devices = devices
        self.config = self.root / "hall.toml"
        self.config.write_text((ROOT / "config" / "hall.toml").read_text(encoding="utf-8") + "\n" + devices.toml(),
                               encoding="utf-8")
        store = Store(self.data / "hallq.db")
        for username, name, role, _ in ACCOUNTS:
            store.put_user(username, name, role, auth.hash_password(PASSWORD), system_now())
        store.close()
        self.server = None
        self.port = None

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def db(self) -> Path:
        return self.data / "hallq.db"

    def start(self) -> "ReliableHall":
        server = ServerProcess(self.data, extra=["--config", str(self.config)])
        if self.devices.speaker is not None:
            server.env = {"PULSE_SERVER": self.devices.speaker.env["PULSE_SERVER"]}
        if self.port is not None:
            server.port = self.port     # the same address after a restart, as a hall's clients know it
        server.start(timeout=120)
        self.server, self.port = server, server.port
        return self

    def kill(self) -> None:
        self.server.kill()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

    def read(self, sql: str, args=()) -> list[tuple]:
        """Rows from the hall's database file, read-only (the server may be running or dead)."""
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=30) as c:
            return c.execute(sql, args).fetchall()


class Person:
    """One browser or device of the hall: its own cookie jar, signed in or not."""

    def __init__(self, hall: ReliableHall, username: str | None = None, window: int | None = None):
        self.hall = hall
        self.username = username
        self.window = window
        self.http = requests.Session()

    def sign_in(self) -> dict:
        body = {"username": self.username, "password": PASSWORD}
        if self.window is not None:
            body["window"] = self.window
        r = self.http.post(self.hall.url + "/api/login", json=body, timeout=60)
        assert r.status_code == 200, (self.username, r.status_code, r.text[:300])
        self.http.headers["X-HallQ-CSRF"] = r.json()["csrf"]
        return r.json()

    def get(self, path: str, timeout: float = 60) -> requests.Response:
        return self.http.get(self.hall.url + path, timeout=timeout)

    def post(self, path: str, body: dict | None = None, timeout: float = 60) -> requests.Response:
        return self.http.post(self.hall.url + path, json={} if body is None else body, timeout=timeout)

    def put(self, path: str, body: dict, timeout: float = 60) -> requests.Response:
        return self.http.put(self.hall.url + path, json=body, timeout=timeout)
