"""The demo hall's serial devices, simulated: LED strips and the main screen on one RS-485
line, keypads and raters on another, and a wireless receiver — each over a real pty.

`start_lab(config)` starts them and gives the [devices] settings that attach
the real drivers; the device lab page reads `state()` and presses buttons
through `press()`.
"""
from __future__ import annotations

from devices.keypad.sim import KeypadSim
from devices.led.sim import LedSim
from devices.rater.sim import RaterSim
from devices.sim_util import SharedLine
from devices.wireless.sim import WirelessSim

MAIN_SCREEN_ADDRESS = 99
RATER_BASE = 100  # rater of window w at address 100 + w, on the keypads' line (keypads at w: up to 99 windows)
RATER_KEYS = [(1, "非常满意"), (2, "满意"), (3, "基本满意"), (4, "不满意"), (5, "非常不满意")]
KEYPAD_KEYS = [("call", "叫号"), ("recall", "重呼"), ("start", "开始办理"), ("finish", "办结"),
               ("give_up", "过号"), ("pause", "暂停/恢复"), ("rate", "请评价")]
WIRELESS_KEYS = [(1, "叫号"), (2, "重呼"), (3, "办结"), (4, "过号")]
WIRELESS_REMOTE = "A1B2C3"


class Lab:
    def __init__(self, config):
        self.windows = [w.id for w in config.windows]
        self.led = LedSim(addresses=tuple(self.windows) + (MAIN_SCREEN_ADDRESS,), name="led-line")
        self.line = SharedLine()
        self.keypads = KeypadSim(addresses=tuple(self.windows), line=self.line)
        self.raters = RaterSim(addresses=tuple(RATER_BASE + w for w in self.windows), line=self.line)
        self.wireless = WirelessSim()
        self.wireless_window = self.windows[-1]
        self.settings = {
            "led": [{"id": f"strip-{w}", "kind": "window_strip", "link": self.led.url, "address": w, "windows": [w]}
                    for w in self.windows]
            + [{"id": "main-screen", "kind": "main_screen", "link": self.led.url, "address": MAIN_SCREEN_ADDRESS,
                "windows": self.windows, "width": 192, "height": 64, "rows": 4}],
            "rater": [{"id": f"rater-{w}", "link": self.line.url, "address": RATER_BASE + w, "window": w,
                       "rating_timeout": 60} for w in self.windows],
            "keypad": [{"id": f"keypad-{w}", "link": self.line.url, "address": w, "window": w}
                       for w in self.windows],
            "wireless": [{"id": "wireless", "link": self.wireless.url,
                          "remotes": {WIRELESS_REMOTE: {"window": self.wireless_window}}}],
        }

    def state(self) -> dict:
        return {
            "leds": [{"id": f"strip-{w}", "kind": "window_strip", "address": w, "windows": [w],
                      "text": self.led.text(w)} for w in self.windows]
            + [{"id": "main-screen", "kind": "main_screen", "address": MAIN_SCREEN_ADDRESS, "windows": self.windows,
                "text": self.led.text(MAIN_SCREEN_ADDRESS)}],
            "raters": [{"id": f"rater-{w}", "window": w, "armed": self.raters.armed.get(RATER_BASE + w) is not None,
                        "ticket": self.raters.armed.get(RATER_BASE + w),
                        "keys": [{"key": k, "label": label} for k, label in RATER_KEYS]} for w in self.windows],
            "keypads": [{"id": f"keypad-{w}", "window": w, "display": self.keypads.display.get(w, ""),
                         "keys": [{"key": k, "label": label} for k, label in KEYPAD_KEYS]} for w in self.windows],
            "wireless": [{"id": "wireless", "remote": WIRELESS_REMOTE, "window": self.wireless_window,
                          "keys": [{"key": k, "label": label} for k, label in WIRELESS_KEYS]}],
        }

    def press(self, kind: str, device: str, key) -> None:
        """Press `key` on a simulated device; KeyError for no such device, ValueError for a bad key."""
        if kind == "rater":
            window = _window_of(device, "rater-")
            if window not in self.windows:
                raise KeyError(device)
            if key not in [k for k, _ in RATER_KEYS]:
                raise ValueError(f"a rater key is 1 to 5, not {key!r}")
            if not self.raters.press(RATER_BASE + window, key):
                raise ValueError("the rater is not armed: finish a ticket at its window first")
        elif kind == "keypad":
            window = _window_of(device, "keypad-")
            if window not in self.windows:
                raise KeyError(device)
            if key not in [k for k, _ in KEYPAD_KEYS]:
                raise ValueError(f"a keypad key is one of {[k for k, _ in KEYPAD_KEYS]}, not {key!r}")
            self.keypads.press(window, key)
        elif kind == "wireless":
            if device != "wireless":
                raise KeyError(device)
            if key not in [k for k, _ in WIRELESS_KEYS]:
                raise ValueError(f"a remote key is 1 to 4, not {key!r}")
            self.wireless.press(WIRELESS_REMOTE, key)
        else:
            raise KeyError(kind)

    def stop(self) -> None:
        for sim in (self.keypads, self.raters, self.led, self.wireless):
            try:
                sim.close()
            except Exception:
                pass
        self.line.close()


def _window_of(device: str, prefix: str) -> int:
    if not device.startswith(prefix) or not device[len(prefix):].isdigit():
        raise KeyError(device)
    return int(device[len(prefix):])


def start_lab(config) -> Lab:
    return Lab(config)
