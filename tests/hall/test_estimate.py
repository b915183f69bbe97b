"""The estimated wait as the hall runs it: the median of sampled futures (hall/estimate.py).

The exact play of averages is tabled in test_queue_rules.py (`estimate_futures = 0`);
these cases check what the sampled futures add: the likely wait rather than the
average one, green-channel tickets still to come, the hall's pace steadying a
service's own average, today's measured spread, and the same answer for the
same state.
"""
from __future__ import annotations

import math
import random
import statistics

import pytest

from hall import estimate
from hall.errors import HallError
from tests.hall.test_queue_rules import make_hall, plain


def serve(h, window: int, minutes: float, n: int = 1) -> None:
    """Call, start and finish `n` tickets at `window`, each taking `minutes` from its call."""
    for _ in range(n):
        h.call_next(window)
        h.start(window)
        h.clock_.advance(minutes=minutes)
        h.finish(window)


def line_at(tmp_path, service: str, n: int, window: int):
    """A hall (sampled futures, as it runs) with `n` tickets of `service` and `window` open."""
    h = make_hall(tmp_path)
    for _ in range(n):
        h.issue_ticket(service)
    h.open_window(window, "zhang", "张敏")
    return h


def outlook_of(h) -> estimate.Outlook:
    return estimate.outlook(h.config, h.state.tickets.values(), h.clock_(), h.config.queue.estimate_sample)


def test_the_same_state_and_minute_give_the_same_estimate(tmp_path):
    h = line_at(tmp_path, "A", 6, 2)
    look = outlook_of(h)
    first = estimate.forecast(h.config, h.state, h.clock_(), look, futures=40)
    again = estimate.forecast(h.config, h.state, h.clock_(), look, futures=40)
    assert first.calls == again.calls and first.probes == again.probes
    assert len(first.calls) == 6


def test_a_long_line_is_told_its_likely_wait(tmp_path):
    """With one window and A averaging 8 minutes, the k-th ticket waits the sum of k-1 services.

    That sum is skewed (a long service now and then), so the wait most nearly right is its
    median, below k-1 times 8: checked against the median of 20,000 independent draws.
    """
    h = line_at(tmp_path, "A", 6, 2)                          # window 2: A only
    got = [h.wait_minutes(t) for t in h.state.waiting()]
    sigma = estimate.SIGMA
    mu = math.log(8) - sigma * sigma / 2
    rng = random.Random(7)
    expected = [round(statistics.median(sum(rng.lognormvariate(mu, sigma) for _ in range(k)) for _ in range(20000)))
                for k in range(6)]
    assert expected[1:] == sorted(expected[1:]) and expected[5] < 40     # the median sum is below 5 x 8
    assert got[0] == 0
    assert all(abs(g - e) <= 1 for g, e in zip(got, expected)), (got, expected)


def issue_hour(h, green_share: float, n: int = 20) -> None:
    """An hour of A tickets from 09:00, a share of them green channel."""
    greens = round(n * green_share)
    for i in range(n):
        h.issue_ticket("A", priority="elderly" if i < greens else None)
        h.clock_.advance(minutes=60 / n)


def history(h, green_share: float) -> None:
    """An hour of A tickets, then served at 6 minutes each."""
    issue_hour(h, green_share)
    h.open_window(2, "zhang", "张敏")
    serve(h, 2, 6, 20)


@pytest.mark.parametrize("share", [0.3, 0.5])
def test_green_channel_tickets_still_to_come_lengthen_an_ordinary_wait(tmp_path, share):
    """An ordinary ticket at the back waits also for the green-channel tickets that arrive meanwhile."""
    waits = {}
    for label, s in (("none", 0.0), ("some", share)):
        h = make_hall(tmp_path / label)
        history(h, s)
        for _ in range(5):
            last = h.issue_ticket("A")
            h.clock_.advance(minutes=1)
        waits[label] = h.wait_minutes(last)
    assert waits["some"] > waits["none"] > 0, waits


def test_a_hall_that_saw_no_green_channel_today_expects_none(tmp_path):
    h = make_hall(tmp_path)
    issue_hour(h, 0.0)
    assert outlook_of(h).green_per_minute == {}
    h2 = make_hall(tmp_path / "green")
    issue_hour(h2, 0.25)
    look2 = outlook_of(h2)
    # 5 of 20 tickets were green; 20 A tickets in the last hour: 20/60 x 5/20 a minute
    assert look2.green_per_minute["A"] == pytest.approx(20 / 60 * 5 / 20)


def _a_mean(tmp_path, a_minutes, b_minutes) -> float:
    h = make_hall(tmp_path)
    if b_minutes is not None:
        for _ in range(20):
            h.issue_ticket("B")
        h.open_window(3, "li", "李强")                            # B only
        serve(h, 3, b_minutes, 20)
    if a_minutes is not None:
        h.issue_ticket("A")
        h.open_window(2, "zhang", "张敏")
        serve(h, 2, a_minutes)
    return outlook_of(h).minutes["A"]


def test_a_services_average_is_steadied_by_the_halls_pace(tmp_path):
    """The configured 8 minutes is only the prior: one slow A ticket, the only one today, says the hall
    runs slow; B's twenty tickets at their configured pace say it does not, so A moves less."""
    assert _a_mean(tmp_path / "none", None, None) == pytest.approx(8.0)
    alone = _a_mean(tmp_path / "alone", 16, None)
    steadied = _a_mean(tmp_path / "steadied", 16, 5)
    assert 8.0 < steadied < alone <= 16.0, (steadied, alone)


def test_todays_spread_is_measured_once_enough_tickets_finished(tmp_path):
    h = line_at(tmp_path, "B", 30, 3)
    assert outlook_of(h).sigma == estimate.SIGMA              # nothing finished yet
    for i in range(30):
        serve(h, 3, 5 if i % 2 else 20)                       # half 5, half 20 minutes: a wide spread
    look = outlook_of(h)
    assert look.sigma == pytest.approx(math.log(20 / 5) / 2, abs=0.01)


@pytest.mark.parametrize("green", ["", "elderly"])
def test_a_service_wait_is_the_wait_of_a_ticket_taken_now(tmp_path, green):
    """The kiosk's button promises what the ticket then says, green-channel citizens expected or not."""
    h = make_hall(tmp_path)                                   # sampled futures, as the hall runs
    for code in "AAAAFFB":
        h.issue_ticket(code, priority=green if code == "F" and green else None)
        h.clock_.advance(minutes=2)
    h.open_window(1, "zhang", "张敏")                         # A and F, oldest first
    h.open_window(2, "li", "李强")                            # A, helps F
    h.call_next(1)
    h.start(1)
    h.clock_.advance(minutes=3)
    assert bool(outlook_of(h).green_per_minute) == bool(green)
    for code in "AFAF":
        told = h.service_waits()[code]
        t = h.issue_ticket(code)
        assert h.wait_minutes(t) == told and told > 0
        h.clock_.advance(seconds=15)


def test_the_plain_estimate_is_kept_for_the_rules_examples(tmp_path):
    h = make_hall(tmp_path, replace=plain())
    assert h.config.queue.estimate_futures == 0
    assert make_hall(tmp_path / "b").config.queue.estimate_futures == 40


def test_a_call_never_waits_for_a_forecast(tmp_path, monkeypatch):
    """The futures are played outside the hall's lock: while one is being worked out, windows call on."""
    import threading
    h = line_at(tmp_path, "A", 6, 2)
    started, release = threading.Event(), threading.Event()
    real = estimate.work_out

    def slow(*args):
        started.set()
        assert release.wait(5)
        return real(*args)

    monkeypatch.setattr(estimate, "work_out", slow)
    asked = {}
    reader = threading.Thread(target=lambda: asked.update(wait=h.wait_minutes(h.state.waiting()[-1])))
    reader.start()
    assert started.wait(5)
    called = []
    caller = threading.Thread(target=lambda: called.append(h.call_next(2).number))
    caller.start()
    caller.join(2)
    finished_first = called == ["A001"]
    release.set()
    reader.join(5)
    assert finished_first, "call_next waited for the forecast"
    assert asked["wait"] is not None and asked["wait"] > 0


# -- issue 15: days nobody tuned the estimate for ------------------------------------------------------

LUNCH = {'name_en = "Window 2"\nservices = ["A"]':
         'name_en = "Window 2"\nservices = ["A"]\nbreaks = [["10:00", "10:15"], ["12:00", "12:30"]]'}


def lunch_hall(tmp_path, back_late: float):
    """Window 2 (A only) takes its 10:00-10:15 break and comes back `back_late` minutes after its end;
    at 12:00 the clerk goes to lunch (scheduled until 12:30) with five A tickets waiting."""
    h = make_hall(tmp_path, replace=LUNCH)
    h.open_window(2, "zhang", "张敏")
    h.clock_.now = h.clock_.now.replace(hour=10, minute=0)
    h.pause(2, "break")
    h.clock_.advance(minutes=15 + back_late)
    h.resume(2)
    h.clock_.now = h.clock_.now.replace(hour=12, minute=0)
    h.pause(2, "break")
    for _ in range(5):
        h.issue_ticket("A")
    return h


def test_a_clerk_late_from_lunch_still_counts_and_the_halls_lateness_is_learned(tmp_path):
    on_time = lunch_hall(tmp_path / "on-time", 0)
    late = lunch_hall(tmp_path / "late", 12)
    first = lambda h: h.wait_minutes(h.state.waiting()[0])
    # Before the break's end: the first ticket is told the break's end and more where clerks come back late.
    assert 30 <= first(on_time) < first(late) <= 30 + 12 + 5, (first(on_time), first(late))
    # Past the scheduled end, the clerk not back: the window still counts, every ticket keeps an estimate,
    # and the first in line is told soon (not the day's end, not nothing).
    for h in (on_time, late):
        h.clock_.now = h.clock_.now.replace(hour=12, minute=34)
        waits = [h.wait_minutes(t) for t in h.state.waiting()]
        assert None not in waits, waits
        assert waits == sorted(waits) and waits[0] <= 10, waits


@pytest.mark.parametrize("kind", ["other", "meeting"])
def test_an_unannounced_pause_is_expected_back_after_what_such_pauses_last_here(tmp_path, kind):
    waits = {}
    for label, earlier in (("short", 3), ("long", 30)):
        h = make_hall(tmp_path / label)
        h.open_window(2, "zhang", "张敏")          # A only, no scheduled break
        for _ in range(2):                         # this hall's earlier pauses today
            h.pause(2, kind)
            h.clock_.advance(minutes=earlier)
            h.resume(2)
            h.clock_.advance(minutes=20)
        for _ in range(4):
            h.issue_ticket("A")
        h.pause(2, kind)
        h.clock_.advance(minutes=2)
        waits[label] = [h.wait_minutes(t) for t in h.state.waiting()]
    assert None not in waits["short"] + waits["long"], waits   # never gone for the day while signed in
    assert waits["short"][0] < waits["long"][0], waits
    assert waits["long"][0] <= 30 and waits["short"][0] <= 15, waits
    assert waits["long"] == sorted(waits["long"])


def test_a_single_window_service_has_an_estimate_and_a_range_that_widens_down_the_line(tmp_path):
    h = line_at(tmp_path, "C", 6, 5)                          # window 5: C only, 12 minutes configured
    h.call_next(5)
    h.start(5)
    waits = [h.wait_minutes(t) for t in h.state.waiting()]
    ranges = [h.wait_range(t) for t in h.state.waiting()]
    assert waits == sorted(waits) and None not in waits
    for k, (w, (low, high)) in enumerate(zip(waits, ranges), start=1):
        assert low <= w <= high, (k, w, low, high)
        assert 0.5 * 12 * k <= w <= 1.2 * 12 * k, (k, w)     # the median sum of k services of mean 12
    widths = [high - low for low, high in ranges]
    assert widths[-1] > widths[0], widths


def test_a_transfer_that_keeps_its_place_lengthens_the_wait_of_those_it_overtakes(tmp_path):
    """Today B's clerk has sent every B ticket on to A so far, and six more B tickets wait for window 3:
    each, once served, is likely to go on to A too, keeping its first place, in front of an A ticket
    taken now. Beside it, a hall with the same A line whose B tickets went on to C (no window open):
    nothing will come in front of A's."""
    waits, left_in_b = {}, 6
    for label, to in (("none", "C"), ("some", "A")):
        h = make_hall(tmp_path / label)
        for _ in range(6 + left_in_b):
            h.issue_ticket("B")
            h.clock_.advance(minutes=1)
        h.open_window(3, "li", "李强")                        # B only
        for _ in range(6):
            h.call_next(3)
            h.start(3)
            h.clock_.advance(minutes=6)
            h.transfer(3, to)
            if to == "C":
                h.issue_ticket("A")                          # the same A line, without the transfers
        h.open_window(1, "zhang", "张敏")                     # A and F
        h.open_window(2, "wang", "王芳")                      # A
        h.clock_.advance(minutes=1)
        last = h.issue_ticket("A")
        waits[label] = h.wait_minutes(last)
        assert estimate.outlook(h.config, h.state.tickets.values(), h.clock_(), 30).onward["B"] == (
            (to, pytest.approx(6 / (6 + estimate.TRANSFER_PRIOR))),)
    a_minutes, a_windows = 8, 2
    # in front of it: at most every B ticket still waiting, each one A service shared by A's windows
    assert waits["none"] < waits["some"] <= waits["none"] + left_in_b * a_minutes / a_windows + 1, waits


def test_a_helping_window_is_kept_on_its_own_line_by_its_own_new_tickets(tmp_path):
    """Window 2 serves A and helps F when A's line is empty. In one hall A's citizens have kept it
    busy all hour (one every 8 minutes, each served in 8); in another nobody has come for A. Ten F
    tickets wait for window 4 (B and F): where A's citizens keep coming, window 2 helps less, so the
    last F ticket waits longer -- yet not longer than with window 4 alone."""
    waits = {}
    for label in ("quiet", "busy", "alone"):
        h = make_hall(tmp_path / label)
        if label != "alone":
            h.open_window(2, "zhang", "张敏")
        for _ in range(8 if label == "busy" else 0):
            h.issue_ticket("A")
            serve(h, 2, 8)
        if label == "quiet":
            h.clock_.advance(minutes=64)
        h.open_window(4, "wang", "王芳")
        for _ in range(10):
            h.issue_ticket("F")
        waits[label] = [h.wait_minutes(t) for t in h.state.waiting()]
        assert None not in waits[label]
    f_minutes, ahead = 3, 9
    assert waits["alone"][-1] == pytest.approx(ahead * f_minutes, rel=0.25)   # window 4 alone: nine F services
    assert waits["quiet"][-1] < waits["busy"][-1] <= waits["alone"][-1], waits


def test_a_clerk_gone_late_to_a_break_is_back_after_its_full_length(tmp_path):
    """Window 2's lunch is scheduled 12:00-12:30. A clerk who went at 12:00 and one who went at 12:10
    (a citizen at the window came first): the later one is expected back later, by about the delay."""
    waits, delay = {}, 10
    for went in (0, delay):
        h = make_hall(tmp_path / str(went), replace=LUNCH)
        h.open_window(2, "zhang", "张敏")
        h.clock_.now = h.clock_.now.replace(hour=12, minute=went)
        h.pause(2, "break")
        for _ in range(3):
            h.issue_ticket("A")
        h.clock_.now = h.clock_.now.replace(hour=12, minute=15)
        waits[went] = h.wait_minutes(h.state.waiting()[0])
    on_time, late = waits[0], waits[delay]
    to_the_end = 15                                                # 12:15 -> 12:30, the break's scheduled end
    assert to_the_end <= on_time < late <= on_time + delay + 2, waits   # (2: the futures' rounding)


def test_no_shows_who_come_back_lengthen_the_wait_of_those_behind_the_first_rejoin_after(tmp_path):
    """Today a quarter of window 2's calls ended as no-shows; in one hall every one of them came back
    a few minutes later (behind the first `rejoin_after` waiting), in the other none did. A line of
    A tickets waits now: where no-shows come back, its back is told longer, by at most the share of
    its line that may miss its call and come back, one A service each."""
    waits = {}
    for label in ("gone", "back"):
        h = make_hall(tmp_path / label)
        h.open_window(2, "zhang", "张敏")
        for n in range(24):
            h.issue_ticket("A")
            if n % 4 == 3:                                   # a quarter of the calls: nobody comes
                t = h.call_next(2)
                for _ in range(h.config.queue.max_recalls + 1):
                    h.clock_.advance(minutes=1)
                    h.recall(2)
                if label == "back":
                    h.clock_.advance(minutes=4)
                    h.rejoin(t.number)
                    serve(h, 2, 8)                           # it is served this time
            else:
                serve(h, 2, 8)
        for _ in range(8):
            h.issue_ticket("A")
        look = outlook_of(h)
        assert look.no_show[0] > 0 and (look.rejoin[0] > 0) == (label == "back")
        waits[label] = h.wait_minutes(h.state.waiting()[-1])
    a_minutes, ahead = 8, 7
    assert waits["gone"] < waits["back"] <= waits["gone"] + ahead * look.no_show[0] * a_minutes + 2, waits


def test_a_service_slower_than_configured_is_followed_within_a_few_tickets(tmp_path):
    """A is configured at 8 minutes but takes 16 today, while B runs at its configured 5: the hall is not
    slow, A is, and its own few tickets must say so."""
    h = make_hall(tmp_path)
    for _ in range(20):
        h.issue_ticket("B")
    h.open_window(3, "li", "李强")
    serve(h, 3, 5, 20)
    for _ in range(12):
        h.issue_ticket("A")
    h.open_window(2, "zhang", "张敏")
    before = [h.wait_minutes(t) for t in h.state.waiting()]
    serve(h, 2, 16, 4)
    after = [h.wait_minutes(t) for t in h.state.waiting()]
    assert outlook_of(h).minutes["A"] > 12
    # the fifth ticket in line now (8 ahead of it were served or are ahead): longer than configured said
    assert after[4] > before[4] * 1.4, (before, after)
    assert after[4] <= 16 * 5 * 1.2, after


def test_no_ticket_is_without_an_estimate_while_a_window_that_serves_it_is_signed_in(tmp_path):
    """A day of pauses, breaks, late returns, transfers and no-shows: after every action, every waiting
    ticket of a service with a signed-in window (open or paused) has an estimate and a range."""
    rng = random.Random(15)
    h = make_hall(tmp_path, replace=LUNCH)
    for wid in (2, 3, 5):                                      # A, B, C
        h.open_window(wid, f"clerk{wid}", f"{wid}号窗口工作人员")
    served = {"A", "B", "C", "F"}                              # window 2 helps F
    for step in range(160):
        h.clock_.advance(minutes=rng.uniform(0.5, 3))
        roll = rng.random()
        wid = rng.choice((2, 3, 5))
        ws = h.state.windows[wid]
        try:
            if roll < 0.45:
                h.issue_ticket(rng.choice("ABCF"))
            elif ws.status == "paused":
                if roll < 0.6:
                    h.resume(wid)
            elif ws.current is not None:
                t = h.state.tickets[ws.current]
                if t.status == "called":
                    h.start(wid) if roll < 0.85 else h.no_show(wid)
                elif roll < 0.9:
                    h.finish(wid)
                elif wid == 3:
                    h.transfer(3, "A")
                else:
                    h.finish(wid)
            elif roll < 0.9:
                h.call_next(wid)
            else:
                h.pause(wid, rng.choice(["break", "other"]))
        except HallError:
            pass
        for t in h.state.waiting():
            if t.service in served:
                assert h.wait_minutes(t) is not None, (step, t.number)
                low, high = h.wait_range(t)
                assert low is not None and low <= h.wait_minutes(t) <= (high if high is not None else 10 ** 6)


def test_the_phones_progress_carries_the_likely_range_around_the_figure(tmp_path):
    """What the phone room is sent (Hall.progress_many, as push.py sends it) holds the range too."""
    h = line_at(tmp_path, "C", 5, 5)
    last = h.state.waiting()[-1]
    p = h.progress(last.token)
    assert p["wait_minutes"] is not None
    assert p["wait_low_minutes"] < p["wait_minutes"] < p["wait_high_minutes"], p
    (_, pushed), = h.progress_many([last.token]).values()
    assert (pushed["wait_low_minutes"], pushed["wait_high_minutes"]) == (p["wait_low_minutes"], p["wait_high_minutes"])
    h.close_window(5)                      # nobody serves C: no figure, no range
    p = h.progress(last.token)
    assert p["wait_minutes"] is None and p["wait_low_minutes"] is None and p["wait_high_minutes"] is None


def test_the_same_weekday_of_recent_weeks_is_the_prior_of_today(tmp_path):
    """Last Friday A took 16 minutes and the lunch break ran 15 minutes late: this Friday, before
    anything has finished, A is expected slower than configured and the clerk back later."""
    from datetime import datetime
    from hall.clock import FakeClock
    from hall.hall import Hall
    from hall.store import Store
    from tests.hall.test_queue_rules import TZ
    config = make_hall(tmp_path / "fresh", replace=LUNCH).config
    last_week = Hall(config, Store(tmp_path / "hallq.db"), clock=FakeClock(datetime(2026, 11, 20, 9, 0, tzinfo=TZ)),
                     id_key=b"test-key")
    last_week.clock_ = last_week.clock
    for _ in range(10):
        last_week.issue_ticket("A")
    last_week.open_window(2, "zhang", "张敏")
    serve(last_week, 2, 16, 10)
    last_week.clock_.now = datetime(2026, 11, 20, 12, 0, tzinfo=TZ)
    last_week.pause(2, "break")
    last_week.clock_.advance(minutes=45)                     # scheduled until 12:30
    last_week.resume(2)
    last_week.store.close()
    fresh = make_hall(tmp_path / "fresh2", replace=LUNCH)
    h = Hall(config, Store(tmp_path / "hallq.db"), clock=FakeClock(datetime(2026, 11, 27, 9, 0, tzinfo=TZ)),
             id_key=b"test-key")
    assert h.state.business_day.isoformat() == "2026-11-27"
    h.issue_ticket("A")
    h.open_window(2, "zhang", "张敏")
    h._work_out_forecast()
    history = h._history[1]
    assert 8 < history.minutes["A"][0] <= 16 and history.late[1] == 1
    look = estimate.outlook(config, h.state.tickets.values(), h.clock(), config.queue.estimate_sample,
                            (), history)
    fresh_look = outlook_of(fresh)
    assert fresh_look.minutes["A"] == pytest.approx(8.0) and 8.0 < look.minutes["A"] < 16
    assert fresh_look.late == pytest.approx(estimate.LATE_PRIOR) and estimate.LATE_PRIOR < look.late < 15


def test_the_pace_is_learned_by_the_minute_and_the_hall_keeps_it_for_the_minute(tmp_path):
    """A ticket finished in the middle of a minute moves the pace from the next minute on (the outlook
    is of the tickets finished by the minute's start); within the minute every forecast plays on the
    same pace, and the hall's kept outlook is the one worked out afresh."""
    h = line_at(tmp_path, "A", 8, 2)
    serve(h, 2, 8, 3)                              # A at its configured 8 minutes
    h.clock_.advance(seconds=-h.clock_().second + 10)   # 10 s into a minute
    minute = h.clock_().replace(second=0, microsecond=0)
    kept = h._outlook(minute, estimate.History())
    h.call_next(2)
    h.start(2)
    h.clock_.advance(seconds=30)
    h.finish(2)                                    # 30 s in: a ticket of half a minute, very quick
    assert h.clock_().replace(second=0, microsecond=0) == minute
    again = h._outlook(minute, estimate.History())
    assert again is kept                           # the same minute: the same outlook, not worked out again
    fresh = estimate.outlook(h.config, h.state.tickets.values(), minute, h.config.queue.estimate_sample)
    assert fresh.minutes == kept.minutes           # the quick ticket finished after the minute's start
    h.clock_.advance(minutes=1)
    later = h.clock_().replace(second=0, microsecond=0)
    moved = h._outlook(later, estimate.History())
    assert moved.minutes["A"] < kept.minutes["A"]  # from the next minute, the quick ticket counts
    assert moved.minutes == estimate.outlook(h.config, h.state.tickets.values(), later,
                                             h.config.queue.estimate_sample).minutes
