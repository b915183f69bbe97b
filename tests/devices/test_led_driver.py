"""LED drivers against simulated BX controllers on real ptys."""
from __future__ import annotations

import time

import pytest

from devices.bus485 import BusPool
from devices.led import protocol as bx
from devices.led.driver import LedDriver, LedSettingsError
from devices.led.sim import LedSim


class States:
    def __init__(self):
        self.seen: list[tuple[str, str]] = []

    def __call__(self, device_id, state, detail):
        self.seen.append((device_id, state))

    def wait(self, device_id, state, count=1, timeout=8.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.seen.count((device_id, state)) >= count:
                return True
            time.sleep(0.01)
        return False


def called(number, window, recall=False):
    return {"event": "ticket_called", "seq": 1, "number": number, "service": number[0], "window": window,
            "window_name": f"{window}号窗口", "staff": "zhang", "recall": recall, "ticket": {"number": number}}


def window(wid, status, current=None):
    return {"event": "window_changed", "window": {"id": wid, "name": f"{wid}号窗口", "status": status,
                                                    "pause_reason": "break" if status == "paused" else None,
                                                    "staff": None, "current": current, "services": ["A"]}}


@pytest.fixture
def pool():
    p = BusPool()
    yield p
    p.stop()


@pytest.fixture
def sim():
    s = LedSim(addresses=(1, 2, 9))
    yield s
    s.close()


def start(driver):
    driver.start()
    return driver


def test_settings_without_link_are_refused():
    with pytest.raises(LedSettingsError):
        LedDriver.from_settings({"address": 1})


def test_call_puts_the_exact_frame_on_the_strip_link(sim, pool):
    states = States()
    strip = start(LedDriver.from_settings({"id": "strip-3", "link": sim.url, "address": 1, "width": 64,
                                           "height": 16, "windows": [3], "kind": "window_strip"},
                                          pool=pool, on_state=states))
    try:
        assert states.wait("strip-3", "online")
        strip.handle(called("A007", 4))          # another window: not shown
        strip.handle(called("A001", 3))
        assert sim.wait_text(1, "A001 请到3号窗口")
        expected = bx.show_text(1, "\\C1A001\\C2 请到3号窗口", width=64, height=16)
        assert expected in bytes(sim.endpoint.received)
        assert "A007" not in sim.text(1)
        strip.handle({"event": "ticket_started", "number": "A001", "service": "A", "window": 3, "ticket": {}})
        assert sim.wait_text(1, "A001 正在办理")
        strip.handle(window(3, "paused"))
        assert sim.wait_text(1, "暂停服务")
        strip.handle(window(3, "open"))
        assert sim.wait_text(1, "欢迎光临")
    finally:
        strip.stop()


def test_main_screen_shows_the_latest_calls_newest_first(sim, pool):
    screen = start(LedDriver.from_settings({"id": "main", "link": sim.url, "address": 9, "width": 128,
                                            "height": 48, "kind": "main_screen"}, pool=pool))
    try:
        for number, w in (("A001", 3), ("B001", 5), ("A002", 3), ("A001", 3), ("C001", 1)):
            screen.handle(called(number, w))
        assert sim.wait_text(9, "C001 请到1号窗口\nA001 请到3号窗口\nA002 请到3号窗口")
    finally:
        screen.stop()


def test_two_strips_share_one_rs485_line(sim, pool):
    a = start(LedDriver.from_settings({"link": sim.url, "address": 1, "windows": [3]}, pool=pool))
    b = start(LedDriver.from_settings({"link": sim.url, "address": 2, "windows": [4]}, pool=pool))
    try:
        a.handle(called("A001", 3))
        b.handle(called("B001", 4))
        assert sim.wait_text(1, "A001 请到3号窗口")
        assert sim.wait_text(2, "B001 请到4号窗口")
    finally:
        a.stop()
        b.stop()


def test_silent_display_goes_faulted_and_recovers_with_its_text(sim, pool):
    states = States()
    strip = start(LedDriver.from_settings({"id": "s", "link": sim.url, "address": 1, "windows": [3],
                                           "timeout": 0.05, "retries": 0, "fault_after": 2,
                                           "fault_poll_interval": 0.05},
                                          pool=pool, on_state=states))
    try:
        assert states.wait("s", "online")
        sim.endpoint.silent = True
        strip.handle(called("A001", 3))
        strip.handle(called("A002", 3))
        assert states.wait("s", "faulted")
        with sim.changed:
            sim.areas[1].clear()                 # the controller lost power meanwhile
        sim.endpoint.silent = False
        assert states.wait("s", "online", count=2)
        assert sim.wait_text(1, "A002 请到3号窗口")
    finally:
        strip.stop()


def test_a_faulted_strip_never_delays_another(pool):
    with LedSim(addresses=(1,)) as dead, LedSim(addresses=(1,)) as alive:
        dead.endpoint.silent = True
        slow = start(LedDriver.from_settings({"link": dead.url, "address": 1, "windows": [3],
                                              "timeout": 60, "retries": 0}, pool=pool))
        fine = start(LedDriver.from_settings({"link": alive.url, "address": 1, "windows": [3]}, pool=pool))
        try:
            time.sleep(0.1)
            for d in (slow, fine):
                d.handle(called("A001", 3))
            # The dead one is stuck waiting 60 s for an ACK; the other is not.
            assert alive.wait_text(1, "A001 请到3号窗口", timeout=10)
        finally:
            fine.stop()
            slow.stop(timeout=0.1)


def test_garbage_on_the_line_does_not_stop_the_display(sim, pool):
    sim.endpoint.garbage = True
    states = States()
    strip = start(LedDriver.from_settings({"id": "g", "link": sim.url, "address": 1, "windows": [3]},
                                          pool=pool, on_state=states))
    try:
        strip.handle(called("A001", 3))
        assert sim.wait_text(1, "A001 请到3号窗口")
        assert states.wait("g", "online")
        strip.drain()
        assert ("g", "faulted") not in states.seen
    finally:
        strip.stop()
