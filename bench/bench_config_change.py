"""A configuration version put in effect mid-day, and what reading the version in force costs.

A full house in one process (SQLite on disk, synchronous=FULL): 600 tickets waiting,
eight windows open. Each change adds or takes back a window through
Hall.apply_config: the loader's checks, the devices' dry build, the mid-day rules,
the version, its event and audit row in one transaction. Prints the median and
p90 of a change, then what every ticket's JSON pays for reading the configuration
through the hall (hall.config at each use) instead of a copy kept in the serializer.
Run: .venv/bin/python bench/bench_config_change.py
"""
from __future__ import annotations

import dataclasses
import time
import timeit

from _common import percentile, scratch_dir

from config import load_config
from hall.hall import Hall
from hall.model import Window
from hall.serialize import Serializer
from hall.store import Store

WAITING = 600
CHANGES = 40


class _Copy(Serializer):
    """The serializer as it was: its own copy of the configuration and time zone, plain attributes."""
    config = None
    tz = None

    def __init__(self, config, tz):
        self.config, self.tz, self.audio = config, tz, False


def main() -> None:
    store = Store(scratch_dir("hallq-bench-config-") / "hallq.db")
    hall = Hall(load_config(), store)
    try:
        for w in hall.config.windows:
            hall.open_window(w.id, f"clerk{w.id}", f"Clerk {w.id}")
        codes = ["A", "B", "D", "F"]
        for i in range(WAITING):
            hall.issue_ticket(codes[i % len(codes)])
        base = hall.config
        with_9 = dataclasses.replace(base, windows=base.windows + (Window(9, "9号窗口", "Window 9", ("A",), ("C",)),))
        took = []
        for i in range(CHANGES):
            t0 = time.perf_counter()
            done = hall.apply_config(with_9 if i % 2 == 0 else base, by="bench", note=str(i))
            took.append((time.perf_counter() - t0) * 1000)
            assert done["changed"] == ["windows"], done
        assert len(hall.state.waiting()) == WAITING and hall.config_version == CHANGES + 1
        print(f"{CHANGES} configuration changes with {WAITING} tickets waiting and 8 windows open, "
              f"every ticket kept")
        print(f"apply_config_ms median={percentile(took, 50):.1f} p90={percentile(took, 90):.1f} "
              f"max={max(took):.1f}")

        tickets = list(hall.state.tickets.values())
        kept = _Copy(hall.config, hall.engine.tz)               # the old way: a copy of the config
        live = hall.ser                                          # the hall's: hall.config at each use
        n = 5
        per_kept = timeit.timeit(lambda: [kept.ticket(t) for t in tickets], number=n) / (n * len(tickets)) * 1e6
        per_live = timeit.timeit(lambda: [live.ticket(t) for t in tickets], number=n) / (n * len(tickets)) * 1e6
        print(f"ticket_json_us copy={per_kept:.1f} in_force={per_live:.1f} "
              f"(+{(per_live / per_kept - 1) * 100:.0f}%)")
    finally:
        hall.bus.close()
        store.close()


if __name__ == "__main__":
    main()
