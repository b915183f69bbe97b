"""Wireless keypads: the receiver's (remote id, key) lines become window actions.

Each remote is mapped to a window and its keys to actions (the same actions
as the wired keypad: call, recall, pause, transfer, finish, give_up, start,
rate). A remote repeats its code while a key is held, so the same (remote,
key) within `debounce` seconds counts once. An unknown remote is logged and
counted, never acted on.

Settings (`WirelessDriver.from_settings(settings, facade=..., on_state=..., on_rate=...)`):

    {"id": "wireless-1", "link": "/dev/ttyUSB2", "baudrate": 9600, "debounce": 0.5,
     "keys": {"1": "call", "2": "recall", "3": "finish", "4": "give_up"},
     "remotes": {"A1B2C": {"window": 3, "keys": {...optional, per remote...}}},
     "transfer_service": "B", "pause_reason": "break"}

The receiver never answers anything, so its state is its link's state.
"""
from __future__ import annotations

import logging
import time
from typing import Callable, Optional

from devices.bus485 import DeviceHealth, StateCallback
from devices.ff68_driver import DeviceSettingsError
from devices.keypad.actions import ACTIONS, Outcome, run_action
from devices.link import Link
from devices.wireless import protocol as wl
from devices.worker import DeviceWorker

log = logging.getLogger(__name__)

DEFAULT_KEYS = {1: "call", 2: "recall", 3: "finish", 4: "give_up"}


def _keys(mapping: Optional[dict], where: str) -> dict[int, str]:
    if not mapping:
        return dict(DEFAULT_KEYS)
    out = {}
    for key, action in mapping.items():
        if action not in ACTIONS:
            raise DeviceSettingsError(f"{where} 按键 {key} 的动作 {action!r} 无效，应为 {', '.join(ACTIONS)} 之一。"
                                      f" / {where} key {key}: action must be one of {', '.join(ACTIONS)}.")
        out[int(str(key), 16)] = action
    return out


class WirelessDriver(DeviceWorker):
    def __init__(self, *, device_id: str, link_url: str, facade, remotes: dict, keys: Optional[dict] = None,
                 debounce: float = 0.5, baudrate: int = 9600, transfer_service: Optional[str] = None,
                 pause_reason: str = "break", on_rate: Optional[Callable[[int], None]] = None,
                 on_state: Optional[StateCallback] = None):
        super().__init__(device_id)
        self.facade = facade
        default = _keys(keys, "无线呼叫器 wireless")
        self.remotes: dict[str, tuple[int, dict[int, str]]] = {}
        for remote_id, cfg in (remotes or {}).items():
            if "window" not in cfg:
                raise DeviceSettingsError(f"无线遥控 {remote_id} 缺少 window。 / remote {remote_id} needs a window.")
            keymap = _keys(cfg.get("keys"), f"remote {remote_id}") if cfg.get("keys") else default
            self.remotes[str(remote_id).upper()] = (int(cfg["window"]), keymap)
        self.debounce = float(debounce)
        self.transfer_service = transfer_service
        self.pause_reason = pause_reason
        self.on_rate = on_rate
        self.paused: dict[int, bool] = {}
        self.parser = wl.LineParser()
        self.health = DeviceHealth(device_id, on_state)
        self.link = Link(link_url, name=device_id, on_state=self._link_state, on_data=self._on_data,
                         baudrate=baudrate)
        self.unknown_remotes = 0
        self.outcomes: list[Outcome] = []
        self._last: dict[tuple[str, int], float] = {}

    @classmethod
    def from_settings(cls, settings: dict, *, facade, on_state: Optional[StateCallback] = None,
                      on_rate: Optional[Callable[[int], None]] = None) -> "WirelessDriver":
        s = dict(settings)
        if "link" not in s:
            raise DeviceSettingsError("无线接收器设置缺少 link。 / wireless receiver settings need 'link'.")
        return cls(device_id=str(s.get("id") or f"wireless@{s['link']}"), link_url=s["link"], facade=facade,
                   remotes=s.get("remotes", {}), keys=s.get("keys"), debounce=s.get("debounce", 0.5),
                   baudrate=int(s.get("baudrate", 9600)), transfer_service=s.get("transfer_service"),
                   pause_reason=s.get("pause_reason", "break"), on_rate=on_rate, on_state=on_state)

    def on_start(self) -> None:
        self.link.start()

    def on_stop(self) -> None:
        self.link.close()

    def _link_state(self, name: str, state: str, detail: str) -> None:
        self.health.link(state, detail)
        if state == "online":
            self.health.answered()

    def _on_data(self, data: bytes) -> None:
        now = time.monotonic()
        for remote_id, key in self.parser.feed(data):
            last = self._last.get((remote_id, key))
            self._last[(remote_id, key)] = now
            if last is not None and now - last < self.debounce:
                continue     # the remote repeating one press
            self.submit(self._pressed, remote_id, key)

    def _pressed(self, remote_id: str, key: int) -> None:
        if remote_id not in self.remotes:
            self.unknown_remotes += 1
            log.info("wireless %s: remote %s is not configured; key %s ignored", self.device_id, remote_id, key)
            return
        window, keymap = self.remotes[remote_id]
        action = keymap.get(key)
        if action is None:
            log.info("wireless %s: remote %s key %s has no action", self.device_id, remote_id, key)
            return
        outcome = run_action(self.facade, window, action, paused=self.paused.get(window, False),
                             pause_reason=self.pause_reason, transfer_service=self.transfer_service,
                             on_rate=self.on_rate, device=self.device_id)
        if action == "pause" and outcome.ok:
            self.paused[window] = not self.paused.get(window, False)
        self.outcomes.append(outcome)

    def on_event(self, event: dict) -> None:
        window = event.get("window")
        if event.get("event") == "window_changed" and isinstance(window, dict):
            self.paused[window.get("id")] = window.get("status") == "paused"
