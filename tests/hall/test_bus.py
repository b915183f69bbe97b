"""The bus: each subscriber on its own thread; an unsubscribed one hears nothing more and its thread ends."""
from __future__ import annotations

import threading
import time

from hall.bus import Bus


def _wait(cond, timeout=2.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.01)
    return cond()


def test_an_unsubscribed_handler_hears_nothing_more_and_its_thread_ends():
    bus = Bus()
    old, other = [], []
    bus.subscribe("old", old.append)
    bus.subscribe("other", other.append)
    bus.publish({"event": "one"})
    assert _wait(lambda: len(old) == 1 and len(other) == 1)
    assert "bus-old" in {t.name for t in threading.enumerate()}

    assert bus.unsubscribe("old") is True
    bus.publish({"event": "two"})
    assert _wait(lambda: len(other) == 2)
    assert old == [{"event": "one"}]
    assert "bus-old" not in {t.name for t in threading.enumerate()}
    assert bus.names() == ["other"]
    assert bus.unsubscribe("old") is False
    bus.close()


def test_events_queued_before_unsubscribing_are_still_handled():
    bus = Bus()
    got = []
    gate = threading.Event()

    def slow(e):
        gate.wait(2)
        got.append(e["n"])
    bus.subscribe("slow", slow)
    for n in range(3):
        bus.publish({"event": "x", "n": n})
    threading.Timer(0.05, gate.set).start()
    bus.unsubscribe("slow")
    assert got == [0, 1, 2]
    bus.close()


def test_a_handler_may_unsubscribe_itself():
    bus = Bus()
    got = []

    def once(e):
        got.append(e)
        bus.unsubscribe("once")
    bus.subscribe("once", once)
    bus.publish({"event": "a"})
    assert _wait(lambda: "bus-once" not in {t.name for t in threading.enumerate()})
    bus.publish({"event": "b"})
    time.sleep(0.05)
    assert got == [{"event": "a"}]
    bus.close()
