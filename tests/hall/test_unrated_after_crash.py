"""Every finished ticket at a window with a rater ends with exactly one rating or one "unrated",
decided by the hall from its stored tickets and ratings — also across a kill and a restart."""
from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from hall.errors import HallError
from hall.hall import UNRATED_GRACE_SECONDS, Hall
from hall.store import Store

TIMEOUT = 30


@pytest.fixture
def rated_config(config):
    """The embedded hall with raters at windows 1 and 2 (window 3 has none)."""
    raters = [{"id": f"rater-{w}", "link": "/dev/null", "address": 10 + w, "window": w, "rating_timeout": TIMEOUT}
              for w in (1, 2)]
    return dataclasses.replace(config, devices={"rater": raters})


def serve_one(hall: Hall, window: int, service: str = "A") -> int:
    hall.issue_ticket(service)
    t = hall.call_next(window)
    hall.start(window)
    hall.finish(window)
    return t.id


def records(store: Store) -> Counter:
    return Counter(r["ticket_id"] for r in store.ratings())


def finished_ids(store: Store) -> set[int]:
    return {r[0] for r in store.conn.execute("SELECT id FROM tickets WHERE status = 'finished'")}


def test_tickets_finished_before_a_kill_are_recorded_unrated_after_the_restart(rated_config, tmp_path, clock):
    path = tmp_path / "hallq.db"
    store = Store(path)
    hall = Hall(rated_config, store, clock=clock)
    for w in (1, 2):
        hall.open_window(w, "zhang" if w == 1 else "li", "张敏" if w == 1 else "李强")
    early = serve_one(hall, 1)                 # finished long before the kill: its time passes while down
    clock.advance(seconds=5)
    rated = serve_one(hall, 2)
    hall.record_rating(rated, 2, "li", "satisfied", "rater", "rater-2")
    clock.advance(seconds=TIMEOUT - 10)
    pending = [serve_one(hall, w) for w in (1, 2, 1)]   # finished just before the kill
    assert set(records(store)) == {rated}      # nobody recorded "unrated" yet: the raters were still armed
    # kill -9: the hall and its raters vanish with whatever they held in memory
    hall.bus.close()
    store.close()

    clock.advance(seconds=30)       # the server is down for a while
    store = Store(path)
    hall = Hall(rated_config, store, clock=clock)
    # At start-up: the early ticket's rating time had passed; the others' not yet.
    assert records(store) == Counter({rated: 1, early: 1})
    clock.advance(seconds=TIMEOUT + UNRATED_GRACE_SECONDS)
    hall.tick()
    hall.tick()                                # a second tick writes nothing more
    assert finished_ids(store) == {early, rated, *pending}
    assert records(store) == Counter({t: 1 for t in (early, rated, *pending)})
    by_ticket = {r["ticket_id"]: r for r in store.ratings()}
    assert by_ticket[rated]["level"] == "satisfied"
    for t in (early, *pending):
        row = by_ticket[t]
        assert (row["level"], row["channel"]) == (None, "rater")
        assert row["device"] == f"rater-{row['window']}"
        assert row["staff"] == ("zhang" if row["window"] == 1 else "li")
    # A press that comes after the hall recorded "unrated" adds no second record.
    with pytest.raises(HallError) as err:
        hall.record_rating(pending[0], 1, "zhang", "very_satisfied", "rater", "rater-1")
    assert err.value.code == "already_rated"
    assert records(store)[pending[0]] == 1
    hall.bus.close()
    store.close()


def test_the_hall_waits_for_the_rater_before_recording_unrated(rated_config, store, clock):
    hall = Hall(rated_config, store, clock=clock)
    hall.open_window(1, "zhang", "张敏")
    t = serve_one(hall, 1)
    clock.advance(seconds=TIMEOUT)  # the rater's own timeout: it records, not the hall
    hall.tick()
    assert store.ratings() == []
    hall.record_unrated(t, 1, "zhang", "rater-1")   # the rater's record
    clock.advance(seconds=UNRATED_GRACE_SECONDS + 60)
    hall.tick()
    assert records(store) == Counter({t: 1})
    hall.bus.close()


def test_a_window_without_a_rater_gets_no_unrated_records(rated_config, store, clock):
    hall = Hall(rated_config, store, clock=clock)
    hall.open_window(3, "zhang", "张敏")
    serve_one(hall, 3, "B")
    clock.advance(hours=1)
    hall.tick()
    assert store.ratings() == []
    hall.bus.close()


def test_the_day_end_records_unrated_for_what_is_left(rated_config, store, clock):
    hall = Hall(rated_config, store, clock=clock)
    hall.open_window(1, "zhang", "张敏")
    t = serve_one(hall, 1)
    clock.advance(days=1)           # the next business day starts before the next tick
    hall.tick()
    assert records(store) == Counter({t: 1})
    hall.bus.close()


def test_a_rater_attached_by_the_device_manager_is_watched_too(config, store, clock):
    hall = Hall(config, store, clock=clock)    # no rater in the hall file (the demo's simulators)
    hall.open_window(1, "zhang", "张敏")
    t = serve_one(hall, 1)
    hall.watch_rater(1, 10, "rater-1")
    clock.advance(seconds=10 + UNRATED_GRACE_SECONDS)
    hall.tick()
    assert [(r["ticket_id"], r["level"], r["device"]) for r in store.ratings()] == [(t, None, "rater-1")]
    hall.bus.close()
