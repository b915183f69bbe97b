"""Python's cycle collector paused while the figures' records are built and counted.

A month is a few hundred thousand new objects with no cycles among them (tuples,
frozen records, ints), and the collector walks every live object each time the
young ones pile up: a third of a read's time, and as much again when the
figures then count the records it has just made.
"""
from __future__ import annotations

import gc
import threading
from contextlib import contextmanager

_pauses = 0
_pauses_lock = threading.Lock()
_collector_was_enabled = False


@contextmanager
def paused():
    """The cycle collector off inside the block, back as it was after; blocks in several threads
    at once (or nested) share one pause."""
    global _pauses, _collector_was_enabled
    with _pauses_lock:
        if _pauses == 0:
            _collector_was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pauses_lock:
            _pauses -= 1
            if _pauses == 0 and _collector_was_enabled:
                gc.enable()
