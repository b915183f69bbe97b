"""The whole path with the real hall: keypad press -> hall -> bus -> LED strip and rater, over ptys."""
from __future__ import annotations

import time

from devices.bus485 import BusPool
from devices.keypad.driver import KeypadDriver
from devices.keypad.sim import KeypadSim
from devices.led import protocol as bx
from devices.led.driver import LedDriver
from devices.led.sim import LedSim
from devices.rater.driver import RaterDriver
from devices.rater.sim import RaterSim
from devices.sim_util import SharedLine
from tests.devices.test_led_driver import States


def wait_until(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def test_keypad_call_shows_on_the_strip_and_the_rater_rates_the_ticket(hall, store):
    pool = BusPool()
    states = States()
    with LedSim(addresses=(1,)) as led, SharedLine() as line:
        keypad_sim = KeypadSim(addresses=(1,), line=line)
        rater_sim = RaterSim(addresses=(11,), line=line)
        strip = LedDriver.from_settings({"id": "strip-1", "link": led.url, "address": 1, "windows": [1]},
                                        pool=pool, on_state=states)
        rater = RaterDriver.from_settings({"id": "rater-1", "link": line.url, "address": 11, "window": 1},
                                          facade=hall, pool=pool, on_state=states)
        keypad = KeypadDriver.from_settings({"id": "keypad-1", "link": line.url, "address": 1, "window": 1},
                                            facade=hall, pool=pool, on_state=states, on_rate=rater.arm_current)
        drivers = (strip, rater, keypad)
        for d in drivers:
            hall.bus.subscribe(d.device_id, d.handle)
            d.start()
        try:
            for d in drivers:
                assert states.wait(d.device_id, "online")
            hall.open_window(1, "zhang", "张敏")
            ticket = hall.issue_ticket("A")
            keypad_sim.press(1, "call")
            assert led.wait_text(1, "A001 请到1号窗口")
            assert bx.show_text(1, "\\C1A001\\C2 请到1号窗口", width=64, height=16) in bytes(led.endpoint.received)
            assert keypad_sim.wait_display(1, "A001")
            keypad_sim.press(1, "start")
            assert led.wait_text(1, "A001 正在办理")
            keypad_sim.press(1, "finish")
            assert rater_sim.wait_armed(11, "A001")
            assert led.wait_text(1, "欢迎光临")
            assert rater_sim.press(11, 1)
            assert wait_until(lambda: len(store.ratings()) == 1)
            rating = store.ratings()[0]
            assert (rating["ticket_id"], rating["window"], rating["staff"], rating["level"]) == \
                (ticket.id, 1, "zhang", "very_satisfied")
            assert rater_sim.wait_armed(11, None)
        finally:
            for d in drivers:
                d.stop()
            pool.stop()
