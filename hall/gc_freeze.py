"""Python's cycle collector in the hall server: what lives long is frozen, the full pass run rarely.

A full house keeps some 400,000 objects alive (2,000 sockets with their queues and greenlets,
the day's tickets), and a full collection walks every one: 40-300 ms with the loop stopped, every
screen's call and kiosk's ticket waiting behind it (measured with bench/bench_full_house.py, a
few a minute). So every FREEZE_EVERY_S seconds the server collects the young generations and
moves the survivors to the permanent generation (`gc.freeze`, made for this): the automatic full
collections then walk only what came since.

Objects frozen are still freed by their reference counts; only garbage in cycles among them
waits, for the full pass `Freezer` runs itself (unfreeze, collect, freeze): once the frozen count
has grown by GROWTH over what the last full pass left, or once a business day after the hall
closes (`should_collect_all`, pure).
"""
from __future__ import annotations

import gc
import logging
import time
from typing import Callable

log = logging.getLogger(__name__)

FREEZE_EVERY_S = 30.0
GROWTH = 0.5          # a full pass once the frozen objects grew by half over the last full pass's


def should_collect_all(frozen: int, after_last_full: int, day_closed: bool, collected_today: bool) -> bool:
    """Whether to run the full pass now: the frozen objects grew by GROWTH over what the last full pass
    left (garbage in cycles piling up), or the hall has closed for the day and none ran since it did."""
    if frozen > after_last_full * (1 + GROWTH):
        return True
    return day_closed and not collected_today


class Freezer:
    """Freeze the long-lived every FREEZE_EVERY_S seconds; the full pass when `should_collect_all`."""

    def __init__(self, day_closed: Callable[[], bool] = lambda: False):
        self.day_closed = day_closed
        self.after_last_full = 0
        self.collected_today = False
        self.full_passes = 0

    def collect_all(self) -> None:
        began = time.perf_counter()
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self.after_last_full = gc.get_freeze_count()
        self.full_passes += 1
        log.info("full collection: %d objects kept, %.0f ms", self.after_last_full,
                 (time.perf_counter() - began) * 1000)

    def step(self) -> None:
        """One turn: the young generations collected and what survives frozen; the full pass if due."""
        closed = self.day_closed()
        if not closed:
            self.collected_today = False
        if should_collect_all(gc.get_freeze_count(), self.after_last_full, closed, self.collected_today):
            self.collect_all()
            self.collected_today = closed
            return
        gc.collect(1)
        gc.freeze()

    def run(self, sleep: Callable[[float], None]) -> None:
        """Turn forever, `sleep` between turns (gevent's under the server)."""
        self.collect_all()
        while True:
            sleep(FREEZE_EVERY_S)
            try:
                self.step()
            except Exception:  # the next turn tries again
                log.exception("freezing the collector's long-lived objects failed")
