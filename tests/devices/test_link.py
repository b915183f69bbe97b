"""devices.link through real ptys and a real TCP socket on 127.0.0.1."""
from __future__ import annotations

import threading
import time

import pytest

from devices.link import Link, LinkDown, LinkSettingsError, parse_link_url
from devices.sim_util import PtyEndpoint, TcpEndpoint


class Recorder:
    """Collects link states and received bytes; wait_for() polls a condition."""

    def __init__(self):
        self.states: list[tuple[str, str]] = []
        self.data = bytearray()
        self.cond = threading.Condition()

    def on_state(self, name, state, detail):
        with self.cond:
            self.states.append((state, detail))
            self.cond.notify_all()

    def on_data(self, data):
        with self.cond:
            self.data += data
            self.cond.notify_all()

    def wait_for(self, predicate, timeout=5.0):
        # Some conditions change on other threads without notifying: poll as well.
        deadline = time.monotonic() + timeout
        with self.cond:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(min(left, 0.01))
            return True

    def count(self, state):
        return sum(1 for s, _ in self.states if s == state)


def test_url_options_come_from_the_query_string():
    url, opts = parse_link_url("/dev/ttyUSB0?baudrate=19200&parity=e&stopbits=2", baudrate=9600)
    assert url == "/dev/ttyUSB0"
    assert opts == {"baudrate": 19200, "parity": "E", "stopbits": 2.0}
    url, opts = parse_link_url("socket://10.0.0.5:4001?logging=debug", baudrate=9600)
    assert url == "socket://10.0.0.5:4001?logging=debug"
    assert opts == {"baudrate": 9600}


@pytest.mark.parametrize("bad", ["", "/dev/ttyS0?baudrate=fast", "/dev/ttyS0?parity=X"])
def test_bad_link_settings_say_what_to_fix(bad):
    with pytest.raises(LinkSettingsError):
        parse_link_url(bad)


@pytest.mark.parametrize("transport", [PtyEndpoint, TcpEndpoint])
def test_bytes_go_both_ways(transport):
    device_got = bytearray()
    rec = Recorder()
    with transport(device_got.extend, name="echo") as ep:
        link = Link(ep.url, name="t", on_state=rec.on_state, on_data=rec.on_data).start()
        try:
            assert link.wait_online(5)
            link.write(b"\xa5\x5a\x00hello")
            deadline = time.monotonic() + 5
            while bytes(device_got) != b"\xa5\x5a\x00hello" and time.monotonic() < deadline:
                time.sleep(0.005)
            assert bytes(device_got) == b"\xa5\x5a\x00hello"
            if transport is TcpEndpoint:
                assert rec.wait_for(lambda: ep.connections == 1)
            ep.send(b"\xff\x68answer")
            assert rec.wait_for(lambda: bytes(rec.data) == b"\xff\x68answer")
            assert rec.states[0] == ("online", "")
        finally:
            link.close()


def test_write_while_offline_raises_link_down():
    rec = Recorder()
    link = Link("socket://127.0.0.1:1", name="nowhere", on_state=rec.on_state).start()
    try:
        assert rec.wait_for(lambda: rec.count("faulted") >= 1)
        with pytest.raises(LinkDown):
            link.write(b"x")
    finally:
        link.close()


def test_repeated_failure_is_reported_and_logged_once(caplog):
    rec = Recorder()
    link = Link("socket://127.0.0.1:1", name="nowhere", on_state=rec.on_state,
                backoff_min=0.001, backoff_max=0.002).start()
    try:
        # Many attempts happen; wait until at least a few have failed.
        time.sleep(0.1)
    finally:
        link.close()
    assert rec.count("faulted") == 1
    assert sum("nowhere" in r.getMessage() for r in caplog.records) == 1


def test_tcp_link_dropped_20_times_reconnects_each_time():
    rec = Recorder()
    with TcpEndpoint(lambda d: None, name="conv") as ep:
        link = Link(ep.url, name="conv", on_state=rec.on_state).start()
        try:
            for i in range(20):
                assert rec.wait_for(lambda: ep.connections == i + 1 and link.is_online), f"round {i}"
                ep.drop()
                assert rec.wait_for(lambda: rec.count("faulted") == i + 1), f"round {i}"
            assert rec.wait_for(lambda: ep.connections == 21 and link.is_online)
            assert link.opened == 21
            assert rec.count("online") == 21
        finally:
            link.close()


def test_pty_unplugged_and_replugged_20_times_reconnects_each_time():
    rec = Recorder()
    got = bytearray()
    with PtyEndpoint(got.extend, name="strip") as ep:
        link = Link(ep.url, name="strip", on_state=rec.on_state).start()
        try:
            for i in range(20):
                assert rec.wait_for(lambda: rec.count("online") == i + 1), f"round {i}"
                ep.unplug()
                assert rec.wait_for(lambda: rec.count("faulted") == i + 1), f"round {i}"
                ep.replug()
            assert rec.wait_for(lambda: rec.count("online") == 21)
            link.write(b"after 20 replugs")
            deadline = time.monotonic() + 5
            while bytes(got) != b"after 20 replugs" and time.monotonic() < deadline:
                time.sleep(0.005)
            assert bytes(got) == b"after 20 replugs"
        finally:
            link.close()


def test_link_closed_and_reopened_20_times():
    got = bytearray()
    with PtyEndpoint(got.extend, name="strip") as ep:
        for i in range(20):
            link = Link(ep.url, name="strip").start()
            try:
                assert link.wait_online(5)
                link.write(bytes([i]))
            finally:
                link.close()
        deadline = time.monotonic() + 5
        while len(got) < 20 and time.monotonic() < deadline:
            time.sleep(0.005)
        assert bytes(got) == bytes(range(20))
