"""hall/gc_freeze.py: when the server runs the cycle collector's full pass, and what a turn leaves frozen."""
from __future__ import annotations

import gc

import pytest

from hall.gc_freeze import Freezer, should_collect_all


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
