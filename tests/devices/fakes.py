"""A recording stand-in for the hall facade (the seam between devices and the hall)."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass


class Refused(Exception):
    """Shaped like hall.errors.HallError: .code and .message."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class FakeTicket:
    id: int
    number: str


class RecordingFacade:
    """Records every call; call_next hands out A001, A002, ... until `waiting` runs out."""

    def __init__(self, waiting=("A001", "A002", "A003")):
        self.calls: list[tuple] = []
        self.waiting = list(waiting)
        self.lock = threading.Condition()

    def _record(self, *call):
        with self.lock:
            self.calls.append(call)
            self.lock.notify_all()

    def wait_calls(self, n, timeout=5.0):
        deadline = time.monotonic() + timeout
        with self.lock:
            while len(self.calls) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.lock.wait(left)
            return True

    def call_next(self, window_id):
        self._record("call_next", window_id)
        if not self.waiting:
            raise Refused("nobody_waiting", "没有等候的号码。")
        number = self.waiting.pop(0)
        return FakeTicket(int(number[1:]), number)

    def recall(self, window_id):
        self._record("recall", window_id)

    def no_show(self, window_id):
        self._record("no_show", window_id)

    def start(self, window_id):
        self._record("start", window_id)

    def finish(self, window_id):
        self._record("finish", window_id)

    def pause(self, window_id, reason):
        self._record("pause", window_id, reason)

    def resume(self, window_id):
        self._record("resume", window_id)

    def transfer(self, window_id, service):
        self._record("transfer", window_id, service)

    def record_rating(self, ticket_id, window_id, staff, level, channel, device):
        self._record("record_rating", ticket_id, window_id, staff, level, channel, device)

    def record_unrated(self, ticket_id, window_id, staff, device):
        self._record("record_unrated", ticket_id, window_id, staff, device)
