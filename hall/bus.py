"""In-process publish/subscribe for committed events.

Each subscriber has its own queue and thread, so a slow or broken one (a
serial device that hangs, a handler that raises) never delays the others or
the action that published. Publishing only enqueues; it is called while the
hall holds its lock, so every subscriber sees events in `seq` order.
"""
from __future__ import annotations

import logging
import queue
import threading
from typing import Callable

log = logging.getLogger(__name__)

_STOP = object()


class _Subscriber:
    def __init__(self, name: str, handler: Callable[[dict], None]):
        self.name = name
        self.handler = handler
        self.queue: "queue.Queue" = queue.Queue()
        self.thread = threading.Thread(target=self._run, name=f"bus-{name}", daemon=True)
        self.errors = 0

    def _run(self) -> None:
        while True:
            event = self.queue.get()
            if event is _STOP:
                return
            try:
                self.handler(event)
            except Exception:  # a subscriber's fault stays with that subscriber
                self.errors += 1
                if self.errors == 1 or self.errors % 100 == 0:
                    log.exception("bus subscriber %s failed on %s (%d errors so far)",
                                  self.name, event.get("event"), self.errors)


class Bus:
    def __init__(self):
        self._subs: list[_Subscriber] = []
        self._lock = threading.Lock()

    def subscribe(self, name: str, handler: Callable[[dict], None]) -> None:
        """Call `handler(event)` on a thread of its own for every event published from now on."""
        sub = _Subscriber(name, handler)
        with self._lock:
            # A new list, never one changed in place: `publish` walks the list it read without the lock.
            self._subs = self._subs + [sub]
        sub.thread.start()

    def unsubscribe(self, name: str, timeout: float = 2.0) -> bool:
        """Stop handing events to the subscriber `name`: it hears nothing published from now on, its
        thread finishes the events already queued for it and ends. False if there is none."""
        with self._lock:
            gone = [s for s in self._subs if s.name == name]
            self._subs = [s for s in self._subs if s.name != name]
        for s in gone:
            s.queue.put(_STOP)
        for s in gone:
            if s.thread is not threading.current_thread():
                s.thread.join(timeout)
        return bool(gone)

    def names(self) -> list[str]:
        """The subscribers' names, in the order they subscribed."""
        return [s.name for s in self._subs]

    def publish(self, event: dict) -> None:
        for sub in self._subs:
            sub.queue.put(event)

    def pending(self) -> int:
        return sum(s.queue.qsize() for s in self._subs)

    def close(self, timeout: float = 2.0) -> None:
        with self._lock:
            subs, self._subs = self._subs, []
        for s in subs:
            s.queue.put(_STOP)
        for s in subs:
            s.thread.join(timeout)
