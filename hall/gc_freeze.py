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

What the collector still costs the loop is in the server's log every REPORT_EVERY_S seconds
(`Pauses`): how many collections of each generation, the longest, and how many stopped the loop
for longer than LONG_MS, the screens' whole budget for a call (docs/deploy.md).
"""
from __future__ import annotations

import gc
import logging
import time
from typing import Callable

log = logging.getLogger(__name__)

FREEZE_EVERY_S = 30.0
GROWTH = 0.5          # a full pass once the frozen objects grew by half over the last full pass's
REPORT_EVERY_S = 300.0
LONG_MS = 20.0


def pause_summary(counts: dict[int, int], longest: dict[int, float], long: int, seconds: float) -> str:
    """One log line of the collector's pauses over `seconds`: per generation how many and the
    longest (ms), and how many were longer than LONG_MS."""
    parts = [f"{counts[g]:,} of generation {g} (longest {longest.get(g, 0.0):.1f} ms)"
             for g in sorted(counts) if counts[g]]
    return (f"cycle collector over the last {seconds / 60:.0f} min: "
            + ("collections " + ", ".join(parts) if parts else "no collections")
            + f"; {long} stopped the loop for more than {LONG_MS:.0f} ms")


class Pauses:
    """A `gc.callbacks` hook: the collector's pauses, by generation, since the last `report`."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter):
        self.clock = clock
        self._began = 0.0
        self._since = clock()
        self.counts: dict[int, int] = {0: 0, 1: 0, 2: 0}
        self.longest: dict[int, float] = {}
        self.long = 0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._began = self.clock()
            return
        ms = (self.clock() - self._began) * 1000
        g = info.get("generation", 2)
        self.counts[g] = self.counts.get(g, 0) + 1
        if ms > self.longest.get(g, 0.0):
            self.longest[g] = ms
        if ms > LONG_MS:
            self.long += 1

    def report(self) -> str:
        """The summary since the last report (or since the start), and a fresh count."""
        now = self.clock()
        line = pause_summary(self.counts, self.longest, self.long, now - self._since)
        self.counts, self.longest, self.long, self._since = {0: 0, 1: 0, 2: 0}, {}, 0, now
        return line


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
        self.pauses = Pauses()

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
        """Turn forever, `sleep` between turns (gevent's under the server); the collector's pauses
        in the log every REPORT_EVERY_S."""
        gc.callbacks.append(self.pauses)
        self.collect_all()
        reported = time.monotonic()
        while True:
            sleep(FREEZE_EVERY_S)
            try:
                self.step()
            except Exception:  # the next turn tries again
                log.exception("freezing the collector's long-lived objects failed")
            if time.monotonic() - reported >= REPORT_EVERY_S - 1:
                reported = time.monotonic()
                log.info("%s", self.pauses.report())
