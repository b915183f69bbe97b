"""Keypad and rater drivers against simulated devices on real ptys, sharing one RS-485 line."""
from __future__ import annotations

import time

import pytest

from devices.bus485 import BusPool
from devices.ff68_driver import DeviceSettingsError
from devices.keypad.driver import KeypadDriver
from devices.keypad.sim import KeypadSim
from devices.rater.driver import RaterDriver
from devices.rater.sim import RaterSim
from devices.sim_util import SharedLine
from tests.devices.fakes import RecordingFacade
from tests.devices.test_led_driver import States


@pytest.fixture
def pool():
    p = BusPool()
    yield p
    p.stop()


def finished(number, ticket_id, window=3, staff="zhang"):
    return {"event": "ticket_finished", "number": number, "service": "A", "window": window,
            "ticket": {"id": ticket_id, "number": number, "window": window, "staff": staff}}


def wait_until(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return False


# -- keypads ----------------------------------------------------------------------


@pytest.fixture
def keypad(pool):
    facade = RecordingFacade()
    states = States()
    with KeypadSim(addresses=(3, 4)) as sim:
        driver = KeypadDriver.from_settings({"id": "kp3", "link": sim.url, "address": 3, "window": 3,
                                             "services": ["A"], "transfer_service": "B"},
                                            facade=facade, pool=pool, on_state=states)
        driver.start()
        assert states.wait("kp3", "online")
        yield sim, driver, facade, states
        driver.stop()


def test_keypad_press_calls_the_next_ticket_and_shows_it(keypad):
    sim, driver, facade, _ = keypad
    assert sim.press(3, "call")
    assert facade.wait_calls(1)
    assert facade.calls == [("call_next", 3)]
    assert sim.wait_display(3, "A001")
    assert sim.acks[3] == [0x01]


@pytest.mark.parametrize("key, argument, expected", [
    ("recall", "", ("recall", 3)),
    ("give_up", "", ("no_show", 3)),
    ("finish", "", ("finish", 3)),
    ("start", "", ("start", 3)),
    ("pause", "", ("pause", 3, "break")),
    ("transfer", "", ("transfer", 3, "B")),
    ("transfer", "C", ("transfer", 3, "C")),
])
def test_each_key_is_the_same_window_action(keypad, key, argument, expected):
    sim, driver, facade, _ = keypad
    sim.press(3, key, argument)
    assert facade.wait_calls(1)
    assert facade.calls == [expected]


def test_pause_key_resumes_a_paused_window(keypad):
    sim, driver, facade, _ = keypad
    driver.handle({"event": "window_changed", "window": {"id": 3, "name": "3号窗口", "status": "paused",
                                                         "services": ["A"], "current": None}})
    assert sim.wait_display(3, "P")
    sim.press(3, "pause")
    assert facade.wait_calls(1)
    assert facade.calls == [("resume", 3)]


def test_keypad_shows_the_waiting_count_when_idle(keypad):
    sim, driver, facade, _ = keypad
    driver.handle({"event": "queue_changed", "service": "A", "waiting": 7})
    driver.handle({"event": "queue_changed", "service": "B", "waiting": 4})   # not this window's service
    assert sim.wait_display(3, "7")


def test_refused_call_shows_an_error_and_does_not_crash(keypad):
    sim, driver, facade, _ = keypad
    facade.waiting = []
    sim.press(3, "call")
    assert sim.wait_display(3, "E")
    sim.press(3, "recall")
    assert facade.wait_calls(2)
    assert facade.calls == [("call_next", 3), ("recall", 3)]


def test_another_address_on_the_line_is_not_this_keypad(keypad):
    sim, driver, facade, _ = keypad
    sim.press(4, "call")             # keypad 4 is not configured: no action, no ack
    sim.press(3, "recall")
    assert facade.wait_calls(1)
    time.sleep(0.05)
    assert facade.calls == [("recall", 3)]
    assert sim.acks[4] == []


def test_silent_keypad_goes_faulted_and_recovers(pool):
    states = States()
    with KeypadSim(addresses=(3,)) as sim:
        driver = KeypadDriver.from_settings({"id": "kp", "link": sim.url, "address": 3, "window": 3,
                                             "timeout": 0.05, "retries": 0, "fault_after": 2,
                                             "poll_interval": 0.05, "fault_poll_interval": 0.05},
                                            facade=RecordingFacade(), pool=pool, on_state=states)
        driver.start()
        try:
            assert states.wait("kp", "online")
            sim.endpoint.silent = True
            assert states.wait("kp", "faulted")
            sim.endpoint.silent = False
            assert states.wait("kp", "online", count=2)
        finally:
            driver.stop()


def test_keypad_settings_need_a_window():
    with pytest.raises(DeviceSettingsError, match="window"):
        KeypadDriver.from_settings({"link": "/dev/null", "address": 1}, facade=RecordingFacade())


# -- raters -----------------------------------------------------------------------


def rater_on(pool, sim, facade, **extra):
    """A rater driver on the simulator's line, started and online (a press sent before the port is
    open would be lost on the way, as on a real line, and prove nothing)."""
    settings = {"id": "r3", "link": sim.url, "address": 13, "window": 3, **extra}
    states = States()
    driver = RaterDriver.from_settings(settings, facade=facade, pool=pool, on_state=states)
    driver.start()
    assert states.wait("r3", "online")
    return driver


def test_rater_press_records_the_rating_of_the_right_ticket(pool):
    facade = RecordingFacade()
    with RaterSim(addresses=(13,)) as sim:
        rater = rater_on(pool, sim, facade)
        try:
            rater.handle(finished("A001", 41, window=4))        # another window: not armed
            rater.handle(finished("A002", 42))
            assert sim.wait_armed(13, "A002")
            assert sim.press(13, 2)
            assert facade.wait_calls(1)
            assert facade.calls == [("record_rating", 42, 3, "zhang", "satisfied", "rater", "r3")]
            assert sim.wait_armed(13, None)                     # thanked and disarmed
            assert sim.acks[13] == [2]
        finally:
            rater.stop()


def test_second_press_for_the_same_ticket_is_ignored(pool):
    facade = RecordingFacade()
    with RaterSim(addresses=(13,), strict=False) as sim:
        rater = rater_on(pool, sim, facade)
        try:
            rater.handle(finished("A002", 42))
            assert sim.wait_armed(13, "A002")
            sim.press(13, 1)
            assert facade.wait_calls(1)
            time.sleep(0.35)                 # a fresh press, not the device repeating a frame
            sim.press(13, 5)
            assert wait_until(lambda: rater.ignored_presses == 1)
            rater.arm({"id": 42, "number": "A002"})             # re-arming a rated ticket does nothing
            rater.drain()
            assert facade.calls == [("record_rating", 42, 3, "zhang", "very_satisfied", "rater", "r3")]
        finally:
            rater.stop()


def test_press_while_nothing_is_armed_is_not_counted(pool):
    facade = RecordingFacade()
    with RaterSim(addresses=(13,), strict=False) as sim:
        rater = rater_on(pool, sim, facade)
        try:
            sim.press(13, 1)
            assert wait_until(lambda: rater.ignored_presses == 1)
            assert facade.calls == []
            assert sim.wait(lambda: sim.acks[13] == [1])        # acked all the same
        finally:
            rater.stop()


def test_four_key_rater_maps_keys_to_levels(pool):
    facade = RecordingFacade()
    levels = {"1": "very_satisfied", "2": "satisfied", "3": "basic", "4": "dissatisfied"}
    with RaterSim(addresses=(13,)) as sim:
        rater = rater_on(pool, sim, facade, levels=levels)
        try:
            rater.handle(finished("A003", 43, staff="li"))
            assert sim.wait_armed(13, "A003")
            sim.press(13, 4)
            assert facade.wait_calls(1)
            assert facade.calls == [("record_rating", 43, 3, "li", "dissatisfied", "rater", "r3")]
        finally:
            rater.stop()


def test_no_press_in_time_records_unrated(pool):
    facade = RecordingFacade()
    with RaterSim(addresses=(13,)) as sim:
        rater = rater_on(pool, sim, facade, rating_timeout=0.1)
        try:
            rater.handle(finished("A004", 44))
            assert facade.wait_calls(1)
            assert facade.calls == [("record_unrated", 44, 3, "zhang", "r3")]
            assert sim.wait_armed(13, None)
            assert sim.press(13, 1) is False          # a strict rater sends nothing once disarmed
        finally:
            rater.stop()


def test_bad_level_in_settings_is_refused():
    with pytest.raises(DeviceSettingsError, match="very_satisfied"):
        RaterDriver.from_settings({"link": "/dev/null", "address": 1, "window": 3, "levels": {"1": "great"}},
                                  facade=RecordingFacade())


def test_rate_key_arms_the_rater_with_the_ticket_at_the_window(pool):
    facade = RecordingFacade()
    with KeypadSim(addresses=(3,)) as kp_sim, RaterSim(addresses=(13,)) as r_sim:
        rater = rater_on(pool, r_sim, facade)
        states = States()
        keypad = KeypadDriver.from_settings({"id": "kp", "link": kp_sim.url, "address": 3, "window": 3},
                                            facade=facade, pool=pool, on_rate=rater.arm_current, on_state=states)
        keypad.start()
        assert states.wait("kp", "online")
        try:
            rater.handle({"event": "ticket_started", "number": "A005", "service": "A", "window": 3,
                          "ticket": {"id": 45, "number": "A005", "staff": "zhang"}})
            kp_sim.press(3, "rate")
            assert r_sim.wait_armed(13, "A005")
            r_sim.press(13, 3)
            assert facade.wait_calls(1)
            assert facade.calls == [("record_rating", 45, 3, "zhang", "basic", "rater", "r3")]
        finally:
            keypad.stop()
            rater.stop()


def test_keypads_and_raters_share_one_line(pool):
    facade = RecordingFacade()
    with SharedLine() as line:
        kp_sim = KeypadSim(addresses=(3,), line=line)
        r_sim = RaterSim(addresses=(13,), line=line)
        keypad = KeypadDriver.from_settings({"link": line.url, "address": 3, "window": 3}, facade=facade,
                                            pool=pool)
        rater = RaterDriver.from_settings({"id": "r3", "link": line.url, "address": 13, "window": 3},
                                          facade=facade, pool=pool)
        assert keypad.bus is rater.bus
        keypad.start()
        rater.start()
        try:
            rater.handle(finished("A001", 1))
            assert r_sim.wait_armed(13, "A001")
            kp_sim.press(3, "call")
            r_sim.press(13, 1)
            assert facade.wait_calls(2)
            assert sorted(facade.calls) == [("call_next", 3),
                                            ("record_rating", 1, 3, "zhang", "very_satisfied", "rater", "r3")]
            assert kp_sim.wait_display(3, "A001")
        finally:
            keypad.stop()
            rater.stop()
