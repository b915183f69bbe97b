"""hall/gc_freeze.py: when the server runs the cycle collector's full pass, and what a turn leaves frozen."""
from __future__ import annotations

import gc

import pytest

from hall.gc_freeze import Freezer, Pauses, pause_summary, should_collect_all


@pytest.mark.parametrize("frozen, after_last_full, day_closed, collected_today, expected", [
    (100_000, 100_000, False, False, False),    # nothing grew, the hall open: freeze only
    (149_999, 100_000, False, False, False),    # grown by less than half
    (150_001, 100_000, False, False, True),     # grown by more than half: garbage in cycles may pile up
    (100_000, 100_000, True, False, True),      # the hall closed for the day: the night's full pass
    (100_000, 100_000, True, True, False),      # ... once
    (150_001, 100_000, True, True, True),       # growth wins even after the night's pass
    (1, 0, False, False, True),                 # never a full pass yet
])
def test_when_the_full_pass_runs(frozen, after_last_full, day_closed, collected_today, expected):
    assert should_collect_all(frozen, after_last_full, day_closed, collected_today) is expected


@pytest.fixture
def restore_gc():
    yield
    gc.unfreeze()


class Cycle:
    def __init__(self):
        self.me = self


def test_a_turn_freezes_what_survives_and_the_full_pass_frees_frozen_cycles(restore_gc):
    closed = [False]
    freezer = Freezer(day_closed=lambda: closed[0])
    freezer.collect_all()
    base = gc.get_freeze_count()
    keep = [Cycle() for _ in range(1000)]
    freezer.step()
    assert gc.get_freeze_count() >= base + 1000 and freezer.full_passes == 1   # frozen, not a full pass
    del keep                                     # 1,000 garbage cycles, frozen: only a full pass frees them
    assert gc.get_freeze_count() >= base + 1000
    closed[0] = True                             # the hall closes: the night's full pass
    freezer.step()
    assert freezer.full_passes == 2 and gc.get_freeze_count() < base + 1000
    freezer.step()
    assert freezer.full_passes == 2              # once a night
    closed[0] = False
    freezer.step()
    closed[0] = True
    freezer.step()
    assert freezer.full_passes == 3              # the next night again


@pytest.mark.parametrize("counts, longest, long, seconds, expected", [
    ({0: 1146, 1: 103, 2: 1}, {0: 7.26, 1: 35.7, 2: 221.3}, 7, 300,
     "cycle collector over the last 5 min: collections 1,146 of generation 0 (longest 7.3 ms), 103 of generation 1 "
     "(longest 35.7 ms), 1 of generation 2 (longest 221.3 ms); 7 stopped the loop for more than 20 ms"),
    ({0: 12, 1: 0, 2: 0}, {0: 0.4}, 0, 60,
     "cycle collector over the last 1 min: collections 12 of generation 0 (longest 0.4 ms); "
     "0 stopped the loop for more than 20 ms"),
    ({0: 0, 1: 0, 2: 0}, {}, 0, 300,
     "cycle collector over the last 5 min: no collections; 0 stopped the loop for more than 20 ms"),
])
def test_the_collectors_pauses_in_one_line(counts, longest, long, seconds, expected):
    assert pause_summary(counts, longest, long, seconds) == expected


def test_pauses_count_each_generation_its_longest_and_the_long_ones_then_start_again():
    t = [0.0]
    pauses = Pauses(clock=lambda: t[0])
    for generation, ms in ((0, 0.5), (0, 3.0), (1, 25.0), (2, 220.0), (0, 1.0)):
        pauses("start", {"generation": generation})
        t[0] += ms / 1000
        pauses("stop", {"generation": generation, "collected": 0})
        t[0] += 1.0
    assert pauses.counts == {0: 3, 1: 1, 2: 1}
    assert pauses.longest == pytest.approx({0: 3.0, 1: 25.0, 2: 220.0})
    assert pauses.long == 2
    assert "2 stopped the loop for more than 20 ms" in pauses.report()
    assert (pauses.counts, pauses.longest, pauses.long) == ({0: 0, 1: 0, 2: 0}, {}, 0)
    assert pauses.report().endswith("no collections; 0 stopped the loop for more than 20 ms")


def test_pauses_hear_the_real_collector():
    pauses = Pauses()
    gc.callbacks.append(pauses)
    try:
        gc.collect(0)
        gc.collect(1)
    finally:
        gc.callbacks.remove(pauses)
    assert pauses.counts[0] >= 1 and pauses.counts[1] >= 1
    assert set(pauses.longest) >= {0, 1}
