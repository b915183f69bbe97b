"""Wireless keypad receiver lines, and the driver through a real pty."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from devices.ff68_driver import DeviceSettingsError
from devices.wireless import protocol as wl
from devices.wireless.driver import WirelessDriver
from devices.wireless.sim import WirelessSim
from tests.devices.fakes import RecordingFacade
from tests.devices.test_led_driver import States


@pytest.mark.parametrize("line, code", [
    ("A1B2C,1", ("A1B2C", 1)),
    ("a1b2c3:4", ("A1B2C3", 4)),
    ("RX:A1B2C,F", ("A1B2C", 15)),
    ("A1B2C 2", ("A1B2C", 2)),
    ("hello", None),
    ("A1B2,1", None),
])
def test_receiver_lines(line, code):
    assert wl.parse_line(line) == code


def test_encode_line_golden():
    assert wl.encode_line("a1b2c", 10) == b"A1B2C,A\r\n"


def test_parser_splits_lines_and_counts_garbage():
    p = wl.LineParser()
    assert p.feed(b"noise\r\nA1B2C,1\r") == [("A1B2C", 1)]
    assert p.feed(b"\nA1B2") == []
    assert p.feed(b"C,2\n" + b"x" * 100) == [("A1B2C", 2)]
    assert p.dropped == 2


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_raise(noise):
    wl.LineParser().feed(noise)


def test_remote_key_calls_at_its_window_once_per_press():
    facade = RecordingFacade()
    states = States()
    with WirelessSim() as sim:
        driver = WirelessDriver.from_settings(
            {"id": "w", "link": sim.url, "remotes": {"A1B2C": {"window": 3},
                                                      "0F0F0": {"window": 5, "keys": {"1": "finish"}}}},
            facade=facade, on_state=states)
        driver.start()
        try:
            assert states.wait("w", "online")
            sim.press("A1B2C", 1, repeats=4)     # held: four lines, one press
            sim.press("FFFFF", 1)                # not configured
            sim.press("0F0F0", 1)
            assert facade.wait_calls(2)
            driver.drain()
            assert facade.calls == [("call_next", 3), ("finish", 5)]
            assert driver.unknown_remotes == 1
        finally:
            driver.stop()


def test_bad_wireless_settings_say_what_to_fix():
    with pytest.raises(DeviceSettingsError, match="window"):
        WirelessDriver.from_settings({"link": "/dev/null", "remotes": {"A1B2C": {}}}, facade=RecordingFacade())
    with pytest.raises(DeviceSettingsError, match="call"):
        WirelessDriver.from_settings({"link": "/dev/null", "keys": {"1": "dance"}}, facade=RecordingFacade())
