"""kill -9 the real server at random moments of a busy day; after every restart nothing a client
was told is lost (tests/reliability/crash_day.py says what is checked).

CI runs a handful of kills. The long version, as docs/reliability.md records it:

    HALLQ_CRASH_KILLS=50 .venv/bin/python -m pytest tests/reliability/test_crash.py -s

HALLQ_CRASH_SEED replays a run: the seed is printed at the start and with the figures.
"""
from __future__ import annotations

import os

from tests.reliability.crash_day import run_day
from tests.reliability.harness import seed_from_env


def test_a_busy_day_killed_at_random_loses_nothing(tmp_path):
    kills = int(os.environ.get("HALLQ_CRASH_KILLS", "4"))
    seed = seed_from_env("HALLQ_CRASH_SEED")
    print(f"\ncrash test: seed {seed} (HALLQ_CRASH_SEED={seed} replays it), {kills} kills")
    figures = run_day(tmp_path, kills, seed)
    print("crash test figures:", figures)
    assert figures["kills"] == kills and figures["lost"] == 0
    assert figures["tickets"] > 0 and figures["operations"] > kills


def test_the_checks_catch_a_lost_ticket_rating_and_a_changed_order(tmp_path):
    """The crash test can fail: what it holds against the hall, made untrue, is named."""
    import pytest

    from tests.reliability.crash_day import Day, Lost
    day = Day(tmp_path, seed=1)
    try:
        for _ in range(4):
            day.issue()
        day.read_state()
        before = day.state
        day.hall.kill()
        day.check_file()                                   # the truth passes
        some_day = next(iter(day.tickets))[0]
        day.tickets[(some_day, "Z999")] = {"id": 99999, "token": "", "number": "Z999"}
        with pytest.raises(Lost, match="missing after the kill"):
            day.check_file()
        del day.tickets[(some_day, "Z999")]
        day.ratings[(99999, 0)] = ("satisfied", "phone")
        with pytest.raises(Lost, match="acknowledged ratings missing"):
            day.check_file()
        del day.ratings[(99999, 0)]
        day.hall.start()
        swapped = dict(before, waiting=before["waiting"][1::-1] + before["waiting"][2:])
        with pytest.raises(Lost, match="waiting order changed"):
            day.check_state(swapped, in_flight=[])
        day.check_state(before, in_flight=[])
    finally:
        day.close()
