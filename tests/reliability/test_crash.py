"""kill -9 the real server at random moments of a busy day; after every restart nothing a client
was told is lost (tests/reliability/crash_day.py says what is checked).

CI runs a handful of kills. The long version, as docs/reliability.md records it:

    HALLQ_CRASH_KILLS=50 .venv/bin/python -m pytest tests/reliability/test_crash.py -s

HALLQ_CRASH_SEED replays a run: the seed is printed at the start and with the figures.
"""
from __future__ import annotations

import os
import random

from tests.reliability.crash_day import run_day


def test_a_busy_day_killed_at_random_loses_nothing(tmp_path):
    kills = int(os.environ.get("HALLQ_CRASH_KILLS", "4"))
    seed = int(os.environ.get("HALLQ_CRASH_SEED") or random.SystemRandom().randrange(2**32))
    print(f"\ncrash test: seed {seed} (HALLQ_CRASH_SEED={seed} replays it), {kills} kills")
    figures = run_day(tmp_path, kills, seed)
    print("crash test figures:", figures)
    assert figures["kills"] == kills and figures["lost"] == 0
    assert figures["tickets"] > 0 and figures["operations"] > kills
