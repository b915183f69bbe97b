"""The thread every device driver owns, so `handle(event)` never blocks.

`handle(event)` only puts the event in the driver's queue; the driver's
thread takes it out and does the slow part (serial I/O with timeouts). The
same thread calls `tick()` at least every `tick_interval` seconds for polls
and deadlines. A driver's exception is logged and the thread carries on: a
device fault is a state, never an exception that escapes.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Callable, Optional

log = logging.getLogger(__name__)

_STOP = object()


class DeviceWorker:
    """Base for drivers: override `on_event(event)` and `tick(now)`; call `submit()` for other work."""

    tick_interval = 0.5

    def __init__(self, device_id: str):
        self.device_id = device_id
        self._queue: "queue.Queue" = queue.Queue()
        self._thread: Optional[threading.Thread] = None
        self.errors = 0

    # -- what the hall calls -------------------------------------------------------

    def handle(self, event: dict) -> None:
        """Take a hall event; returns at once, the work happens on the driver's thread."""
        self._queue.put(("event", event))

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=f"dev-{self.device_id}", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 3.0) -> None:
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(timeout)
            self._thread = None

    def submit(self, fn: Callable, *args) -> None:
        """Run `fn(*args)` on the driver's thread."""
        self._queue.put(("call", (fn, args)))

    def drain(self, timeout: float = 5.0) -> bool:
        """Wait until everything queued so far is done (for tests and shutdown)."""
        done = threading.Event()
        self._queue.put(("call", (done.set, ())))
        return done.wait(timeout)

    # -- overridden by drivers ---------------------------------------------------

    def on_event(self, event: dict) -> None:
        pass

    def tick(self, now: float) -> None:
        pass

    def on_start(self) -> None:
        pass

    def on_stop(self) -> None:
        pass

    # -- the thread ----------------------------------------------------------------

    def _run(self) -> None:
        self._guard(self.on_start)
        next_tick = time.monotonic()
        while True:
            wait = max(0.0, next_tick - time.monotonic())
            try:
                item = self._queue.get(timeout=wait)
            except queue.Empty:
                item = None
            if item is _STOP:
                self._guard(self.on_stop)
                return
            if item is not None:
                kind, payload = item
                if kind == "event":
                    self._guard(self.on_event, payload)
                else:
                    fn, args = payload
                    self._guard(fn, *args)
            now = time.monotonic()
            if now >= next_tick:
                self._guard(self.tick, now)
                next_tick = now + self.tick_interval

    def _guard(self, fn: Callable, *args) -> None:
        try:
            fn(*args)
        except Exception:
            self.errors += 1
            if self.errors == 1 or self.errors % 100 == 0:
                log.exception("device %s: %s failed (%d errors so far)", self.device_id,
                              getattr(fn, "__name__", fn), self.errors)
