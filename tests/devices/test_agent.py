"""`hallq device-agent`: a serial device on another PC reached over RFC 2217."""
from __future__ import annotations

import os
import select
import socket
import time

import pytest

from devices import agent_auth
from devices.agent import Agent, Share, parse_share
from devices.link import Link, LinkSettingsError
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
            pool = BusPool()
            strip = LedDriver.from_settings({"id": "strip-3", "link": f"rfc2217://127.0.0.1:{port}",
                                             "address": 3, "windows": [3]}, pool=pool, on_state=states)
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
                pool.stop()
        finally:
            agent.stop()


@pytest.mark.parametrize("text", ["/dev/ttyUSB0", "=7000", "/dev/ttyUSB0=seven", "/dev/ttyUSB0=70000"])
def test_a_bad_share_is_refused_with_the_form_to_use(text):
    with pytest.raises(ValueError) as err:
        parse_share(text)
    assert "/dev/ttyUSB0=7000" in str(err.value)


def test_parse_share():
    assert parse_share("/dev/ttyUSB0=7000") == Share("/dev/ttyUSB0", 7000)


# -- the shared key -------------------------------------------------------------

KEY = b"0123456789abcdef0123456789abcdef"


@pytest.fixture
def pty_device():
    """A bare pty: the test reads the master end to see every byte that reached the 'device'."""
    master, slave = os.openpty()
    os.set_blocking(master, False)
    yield master, os.ttyname(slave)
    os.close(master)
    os.close(slave)


def _device_bytes(master: int, wait: float = 0.3) -> bytes:
    got = b""
    end = time.monotonic() + wait
    while time.monotonic() < end:
        if select.select([master], [], [], 0.05)[0]:
            try:
                got += os.read(master, 4096)
            except OSError:
                break
    return got


def _closed_by_peer(sock: socket.socket, timeout: float = 2.0) -> bool:
    sock.settimeout(timeout)
    try:
        while True:
            if not sock.recv(4096):
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


@pytest.fixture
def keyed_agent(pty_device):
    master, path = pty_device
    agent = Agent([Share(path, 0)], host="127.0.0.1", key=KEY, auth_timeout=0.5).start()
    yield agent, agent.ports[path], master
    agent.stop()


def test_a_client_without_the_key_is_closed_and_no_byte_reaches_the_device(keyed_agent):
    agent, port, master = keyed_agent
    with socket.create_connection(("127.0.0.1", port)) as s:
        hello = s.recv(64)
        assert hello.startswith(agent_auth.MAGIC)
        s.sendall(b"\x00" * agent_auth.ANSWER_BYTES + b"A001 to the device")  # a wrong answer, then payload
        assert _closed_by_peer(s)
    assert _device_bytes(master) == b""
    assert agent.refused == 1


def test_a_client_that_sends_plain_bytes_without_answering_is_closed_when_late(keyed_agent):
    agent, port, master = keyed_agent
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"hello")  # fewer bytes than an answer: the agent waits, then gives up
        assert _closed_by_peer(s, timeout=2.0)
    assert _device_bytes(master) == b""
    assert agent.refused == 1


def test_a_right_answer_given_too_late_is_refused(keyed_agent):
    agent, port, master = keyed_agent
    with socket.create_connection(("127.0.0.1", port)) as s:
        nonce = s.recv(64)[len(agent_auth.MAGIC):]
        time.sleep(0.8)  # auth_timeout is 0.5 s
        try:
            s.sendall(agent_auth.answer(KEY, nonce) + b"late")
        except OSError:
            pass
        assert _closed_by_peer(s)
    assert _device_bytes(master) == b""


def test_an_answer_recorded_from_one_connection_fails_on_the_next(keyed_agent):
    agent, port, master = keyed_agent
    with socket.create_connection(("127.0.0.1", port)) as s:
        nonce = s.recv(64)[len(agent_auth.MAGIC):]
        recorded = agent_auth.answer(KEY, nonce)
        s.sendall(recorded)
        assert s.recv(2) == agent_auth.OK
        s.sendall(b"first")
        assert _device_bytes(master) == b"first"
    time.sleep(0.3)  # the first session ends and frees the port
    with socket.create_connection(("127.0.0.1", port)) as s:
        assert s.recv(64)[len(agent_auth.MAGIC):] != nonce
        s.sendall(recorded + b"replayed")
        assert _closed_by_peer(s)
    assert _device_bytes(master) == b""
    assert agent.refused == 1


def test_a_handshake_never_answered_does_not_keep_the_hall_server_out(keyed_agent):
    agent, port, master = keyed_agent
    idle = socket.create_connection(("127.0.0.1", port))  # connects, then says nothing
    try:
        with socket.create_connection(("127.0.0.1", port)) as s:
            nonce = s.recv(64)[len(agent_auth.MAGIC):]
            s.sendall(agent_auth.answer(KEY, nonce))
            s.settimeout(0.3)  # well before the idle client's handshake times out
            assert s.recv(2) == agent_auth.OK
    finally:
        idle.close()


def test_an_led_strip_behind_a_keyed_agent_shows_the_call(hall, tmp_path):
    key_file = tmp_path / "agent.key"
    key_file.write_text(KEY.decode() + "\n")
    with LedSim(addresses=(3,)) as led:
        agent = Agent([Share(led.url, 0)], host="127.0.0.1", key=KEY).start()
        try:
            port = agent.ports[led.url]
            states = States()
            pool = BusPool()
            strip = LedDriver.from_settings({"id": "strip-3",
                                             "link": f"rfc2217://127.0.0.1:{port}?key_file={key_file}",
                                             "address": 3, "windows": [3]}, pool=pool, on_state=states)
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
                pool.stop()
        finally:
            agent.stop()


def test_a_link_with_the_wrong_key_stays_faulted_and_says_so(keyed_agent, tmp_path):
    agent, port, master = keyed_agent
    key_file = tmp_path / "agent.key"
    key_file.write_text("not-the-key-not-the-key-not-the-key")
    states = []
    link = Link(f"rfc2217://127.0.0.1:{port}?key_file={key_file}", name="strip",
                on_state=lambda name, state, detail: states.append((state, detail)))
    link.start()
    try:
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and not any("refused the key" in d for _, d in states):
            time.sleep(0.05)
        assert any(s == "faulted" and "refused the key" in d for s, d in states)
        assert not link.is_online
    finally:
        link.close()
    assert _device_bytes(master) == b""


@pytest.mark.parametrize("url, words", [
    ("socket://10.0.0.5:4001?key_file=/tmp/x", "only for rfc2217://"),
    ("rfc2217://10.0.0.5:7000?key_file=/nonexistent/agent.key", "Cannot read"),
])
def test_a_key_file_the_link_cannot_use_is_one_sentence(url, words):
    with pytest.raises(LinkSettingsError) as err:
        Link(url, name="x")
    assert words in str(err.value)


def test_without_a_key_the_agent_refuses_a_non_loopback_address():
    with pytest.raises(ValueError) as err:
        Agent([Share("/dev/null", 0)], host="0.0.0.0")
    assert "--key-file" in str(err.value)
    Agent([Share("/dev/null", 0)], host="0.0.0.0", key=KEY)  # with a key it may


def test_the_agent_listens_on_loopback_by_default():
    agent = Agent([Share("/dev/null", 0)], key=KEY).start()
    try:
        assert agent._servers[0].getsockname()[0] == "127.0.0.1"
    finally:
        agent.stop()


def test_hallq_device_agent_refuses_all_addresses_without_a_key(capsys, monkeypatch):
    from hall.cli import main
    monkeypatch.delenv("HALLQ_AGENT_KEY", raising=False)
    assert main(["device-agent", "--share", "/dev/ttyUSB0=7000", "--host", "0.0.0.0"]) == 2
    err = capsys.readouterr().err
    assert "--key-file" in err and "loopback" in err


def test_hallq_device_agent_refuses_a_short_key(capsys, tmp_path):
    from hall.cli import main
    short = tmp_path / "k"
    short.write_text("abc")
    assert main(["device-agent", "--share", "/dev/ttyUSB0=7000", "--key-file", str(short)]) == 2
    assert "openssl rand -hex 32" in capsys.readouterr().err
