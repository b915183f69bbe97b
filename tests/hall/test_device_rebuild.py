"""A configuration that changes a device's settings rebuilds that device and no other, leaking nothing.

The devices are real drivers on simulated hardware over ptys (devices/*/sim.py):
an LED strip and a keypad on their own lines. The strip's address changes:
its old driver's threads end, its bus subscription goes, it hears no more
events; the keypad, unchanged, keeps its very driver and thread.
"""
from __future__ import annotations

import dataclasses
import threading
import time

import pytest

from devices.keypad.sim import KeypadSim
from devices.led.sim import LedSim
from devices.sim_util import SharedLine
from hall.devices import build_devices


def wait_until(predicate, timeout=8.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def _state(hall, device):
    return next((d["state"] for d in hall.devices.snapshot() if d["device"] == device), None)


def _thread(name):
    return next((t for t in threading.enumerate() if t.name == name), None)


@pytest.fixture
def rig(hall, tmp_path):
    """The hall with its device manager on an LED strip (address 1 of two) and a keypad, started."""
    with LedSim(addresses=(1, 2)) as led, SharedLine() as line:
        keypad_sim = KeypadSim(addresses=(1,), line=line)
        strip = {"id": "strip-1", "link": led.url, "address": 1, "windows": [1]}
        keypad = {"id": "keypad-1", "link": line.url, "address": 1, "window": 1}
        hall.apply_config(dataclasses.replace(hall.config, devices={"led": [strip], "keypad": [keypad]}), by="admin")
        manager = build_devices(hall, hall.config.devices, tmp_path)
        hall.devices = manager
        manager.start()
        assert wait_until(lambda: _state(hall, "strip-1") == "online" and _state(hall, "keypad-1") == "online")
        yield hall, led, keypad_sim, strip, keypad
        manager.stop()


def test_a_device_whose_settings_change_is_rebuilt_and_its_old_threads_are_gone(rig):
    hall, led, keypad_sim, strip, keypad = rig
    manager = hall.devices
    old, kept = manager.drivers["strip-1"], manager.drivers["keypad-1"]
    old_worker, kept_worker = old._thread, kept._thread
    old_subscriber = _thread("bus-device-strip-1")
    assert old_worker.is_alive() and old_subscriber is not None

    result = hall.apply_config(dataclasses.replace(hall.config, devices={"led": [dict(strip, address=2)],
                                                                        "keypad": [keypad]}), by="admin")
    assert result["changed"] == ["devices"]

    # The old strip's threads are gone, its subscription too; a new driver runs in its place.
    alive = threading.enumerate()
    assert old_worker not in alive and old_subscriber not in alive
    assert not old_worker.is_alive() and not old_subscriber.is_alive()
    new = manager.drivers["strip-1"]
    assert new is not old and new._thread.is_alive() and new.address == 2
    assert hall.bus.names().count("device-strip-1") == 1
    # The keypad, unchanged, is the same driver on the same thread.
    assert manager.drivers["keypad-1"] is kept and kept._thread is kept_worker and kept_worker.is_alive()
    assert wait_until(lambda: _state(hall, "strip-1") == "online")

    # The old driver hears nothing more: a call reaches address 2 only.
    shown_at_1 = led.text(1)
    hall.open_window(1, "zhang", "张敏")
    hall.issue_ticket("A")
    keypad_sim.press(1, "call")                          # the unchanged keypad still calls
    assert led.wait_text(2, "A001 请到1号窗口")
    assert old._queue.qsize() == 0 and led.text(1) == shown_at_1
    assert hall.state.tickets[1].status == "called"


def test_a_device_removed_closes_its_link_and_the_board_hears_it(rig, store):
    hall, led, keypad_sim, strip, keypad = rig
    link_threads = [t for t in threading.enumerate() if t.name.endswith(f"@{led.url}")]
    assert link_threads                                   # the strip's line: its link and its dispatcher
    hall.apply_config(dataclasses.replace(hall.config, devices={"keypad": [keypad]}), by="admin")
    assert "strip-1" not in hall.devices.drivers and "device-strip-1" not in hall.bus.names()
    assert wait_until(lambda: not any(t.is_alive() for t in link_threads))
    assert [d["device"] for d in hall.devices.snapshot()] == ["keypad-1"]
    removed = [e for e in store.events_since(0) if e["event"] == "device_changed" and e["device"] == "strip-1"]
    assert removed[-1]["state"] == "removed"


def test_a_device_added_starts_and_is_shown_the_windows_at_once(rig):
    hall, led, keypad_sim, strip, keypad = rig
    hall.open_window(1, "zhang", "张敏")
    second = {"id": "strip-2", "link": led.url, "address": 2, "windows": [1]}
    hall.apply_config(dataclasses.replace(hall.config, devices={"led": [strip, second], "keypad": [keypad]}),
                      by="admin")
    assert wait_until(lambda: _state(hall, "strip-2") == "online")
    assert led.wait_text(2, "欢迎光临")                     # window 1 is open and idle, as the old strip shows
    assert hall.devices.drivers["strip-1"]._thread.is_alive()


def test_bad_device_settings_are_refused_before_anything_is_stored_or_stopped(rig, store):
    hall, led, keypad_sim, strip, keypad = rig
    from hall.errors import ConfigError
    versions, before = len(store.config_versions()), hall.devices.drivers["strip-1"]
    with pytest.raises(ConfigError) as refused:
        hall.apply_config(dataclasses.replace(hall.config, devices={"led": [dict(strip, address="one")],
                                                                    "keypad": [keypad]}), by="admin")
    assert refused.value.field == "devices.led[0]" and "devices.led[0]" in str(refused.value)
    assert len(store.config_versions()) == versions and hall.devices.drivers["strip-1"] is before


def test_a_rater_changed_takes_its_windows_keypad_along_and_the_hall_watches_the_new_one(hall, tmp_path):
    with SharedLine() as line:
        rater = {"id": "rater-1", "link": line.url, "address": 11, "window": 1, "rating_timeout": 30}
        keypad = {"id": "keypad-1", "link": line.url, "address": 1, "window": 1}
        other = {"id": "keypad-2", "link": line.url, "address": 2, "window": 2}
        hall.apply_config(dataclasses.replace(hall.config, devices={"rater": [rater], "keypad": [keypad, other]}),
                          by="admin")
        manager = build_devices(hall, hall.config.devices, tmp_path)
        hall.devices = manager
        manager.start()
        try:
            old_keypad, old_other = manager.drivers["keypad-1"], manager.drivers["keypad-2"]
            assert hall.raters[1] == (30.0, "rater-1")
            hall.apply_config(dataclasses.replace(hall.config, devices={
                "rater": [dict(rater, rating_timeout=45)], "keypad": [keypad, other]}), by="admin")
            assert hall.raters[1] == (45.0, "rater-1")
            new_keypad = manager.drivers["keypad-1"]
            assert new_keypad is not old_keypad and not old_keypad._thread        # stopped with its rater
            assert manager.drivers["keypad-2"] is old_other                        # window 2's keypad untouched
            assert new_keypad.on_rate is not None
            hall.apply_config(dataclasses.replace(hall.config, devices={"keypad": [keypad, other]}), by="admin")
            assert 1 not in hall.raters and manager.drivers["keypad-1"].on_rate is None
        finally:
            manager.stop()
