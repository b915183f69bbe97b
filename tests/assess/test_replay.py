"""The event log alone rebuilds every figure: records and figures of a replayed log equal the hall's."""
from __future__ import annotations

import random
from dataclasses import asdict
from datetime import timedelta

from assess.figures import FigureSettings, figures
from assess.reader import Reader
from assess.replay import rebuild
from hall.errors import HallError

MANAGER = {"username": "manager", "role": "manager"}
LEVELS = ("very_satisfied", "satisfied", "basic", "dissatisfied", "very_dissatisfied")


def busy_day(hall, clock, seed: int = 7) -> None:
    """A day with every kind of step and rating: transfers, no-shows and rejoins, cancellations,
    ratings on each channel, "unrated", bad ratings with reasons, cases in every state, appeals."""
    rnd = random.Random(seed)
    first_case = hall.state.next_case_id        # the cases worked below are this day's
    clerks = {1: "zhang", 2: "li", 4: "wang", 6: "zhao"}
    for w, who in clerks.items():
        hall.open_window(w, who, who)
    for _ in range(60):
        hall.issue_ticket(rnd.choice("AABD"))
        clock.advance(seconds=rnd.randint(5, 50))
    for _ in range(160):
        w = rnd.choice(list(clerks))
        clock.advance(seconds=rnd.randint(10, 90))
        try:
            t = hall.call_next(w)
        except HallError:
            continue
        roll = rnd.random()
        if roll < 0.08:
            hall.no_show(w)
            if rnd.random() < 0.5:
                clock.advance(minutes=2)
                hall.rejoin(t.number)
            continue
        hall.start(w)
        clock.advance(seconds=rnd.randint(60, 600))
        if roll < 0.16:
            hall.transfer(w, rnd.choice("BD"))
            continue
        done = hall.finish(w)
        clock.advance(seconds=5)
        channel = rnd.choice(("rater", "tablet", "phone", None))
        if channel is None:
            hall.record_unrated(done.id, w, None, "rater-x")
            if rnd.random() < 0.5:     # the phone may still rate it
                hall.rate_by_token(done.token, rnd.choice(LEVELS[:3]))
            continue
        level = rnd.choices(LEVELS, weights=(40, 20, 10, 15, 15))[0]
        bad = level in LEVELS[3:]
        if channel == "phone":
            hall.rate_by_token(done.token, level, reasons=["slow"] if bad else (), comment="等太久" if bad else "")
        else:
            hall.record_rating(done.id, w, None, level, channel, None, reasons=["attitude"] if bad else ())
    hall.cancel(hall.issue_ticket("A").number)
    hall.issue_ticket("B")          # still waiting at the day's end
    case_ids = sorted(c for c in range(first_case, hall.state.next_case_id))
    assert len(case_ids) >= 5, "the seed gives bad ratings enough for every case state"
    first, second, third, fourth, *rest = case_ids
    hall.case_action(first, "verify", MANAGER, note="属实")
    hall.case_action(first, "rectify", MANAGER, mode="on_spot", note="当场道歉")
    hall.case_action(first, "callback", MANAGER, view="satisfied", note="满意")
    hall.case_action(second, "verify", MANAGER, note="属实")
    hall.case_action(second, "rectify", MANAGER, mode="ledger", note="培训")
    clerk_of = {c: hall.store.case(c).staff for c in (third, fourth)}
    hall.case_action(third, "appeal", {"username": clerk_of[third], "role": "staff"}, reason="群众误按")
    hall.case_action(third, "decide_appeal", MANAGER, upheld=True, decision="监控显示误按")
    hall.case_action(fourth, "appeal", {"username": clerk_of[fourth], "role": "staff"}, reason="不认可")
    hall.case_action(fourth, "decide_appeal", MANAGER, upheld=False, decision="证据不足")
    clock.advance(days=9)       # the ledger case runs past its deadline: overdue on both sides
    hall.tick()


def test_the_replayed_log_gives_the_same_records_and_figures(hall, store, clock, tmp_path):
    busy_day(hall, clock)
    day = clock().date() - timedelta(days=9)
    copy = tmp_path / "replayed.db"
    counts = rebuild(store.events_since(0, limit=10**6), copy)
    assert counts["ratings"] > 20 and counts["cases"] >= 5
    with Reader(store.path, "demo-city") as own, Reader(copy, "demo-city") as replayed:
        a, b = own.records(day, day), replayed.records(day, day)
    assert a[0] == b[0]                                               # the steps, field by field
    strip = [lambda r: {k: v for k, v in asdict(r).items() if k != "rating_id"}] * 2
    assert [strip[0](r) for r in a[1]] == [strip[1](r) for r in b[1]]  # the ratings (ids are the file's own)
    assert [strip[0](c) for c in a[2]] == [strip[1](c) for c in b[2]]  # the cases, in every state
    assert any(r.excluded for r in b[1]) and any(r.level is None for r in b[1])
    settings = FigureSettings()
    for by in ("staff", "window", "service", "matter", "total"):
        assert figures(*a, by=by, settings=settings, today=clock().date()) == \
            figures(*b, by=by, settings=settings, today=clock().date())
    total = figures(*a, by="total", settings=settings, today=clock().date())[0]
    assert total.transfers > 0 and total.no_shows > 0 and total.excluded == 1 and total.cases_overdue >= 1
