"""`hallq device-agent`: a serial device on another PC reached over RFC 2217."""
from __future__ import annotations


import pytest

from devices.agent import Agent, Share, parse_share
from devices.bus485 import BusPool
from devices.led.driver import LedDriver
from devices.led.sim import LedSim
from tests.devices.test_led_driver import States


def test_an_led_strip_on_another_pc_shows_the_call(hall):
    with LedSim(addresses=(3,)) as led:
        agent = Agent([Share(led.url, 0)], host="127.0.0.1").start()
        try:
            port = agent.ports[led.url]
            states = States()
            strip = LedDriver.from_settings({"id": "strip-3", "link": f"rfc2217://127.0.0.1:{port}",
                                             "address": 3, "windows": [3]}, pool=BusPool(), on_state=states)
            hall.bus.subscribe("strip", strip.handle)
            strip.start()
            try:
                assert states.wait("strip-3", "online")
                hall.open_window(3, "li", "李强")
                hall.issue_ticket("B")
                hall.call_next(3)
                assert led.wait_text(3, "B001 请到3号窗口")
            finally:
                strip.stop()
        finally:
            agent.stop()


@pytest.mark.parametrize("text", ["/dev/ttyUSB0", "=7000", "/dev/ttyUSB0=seven", "/dev/ttyUSB0=70000"])
def test_a_bad_share_is_refused_with_the_form_to_use(text):
    with pytest.raises(ValueError) as err:
        parse_share(text)
    assert "/dev/ttyUSB0=7000" in str(err.value)


def test_parse_share():
    assert parse_share("/dev/ttyUSB0=7000") == Share("/dev/ttyUSB0", 7000)
