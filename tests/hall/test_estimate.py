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


@pytest.mark.parametrize("a_minutes, b_minutes, expected_a", [
    (None, None, 8.0),          # nothing finished: the configured average
    (16, None, (16 + 10 * 16) / 11),          # one A ticket at 16: the hall's pace is 2x, so A's prior is 16 too
    (16, 5, (16 + 10 * 8 * (16 + 20 * 5) / (8 + 20 * 5)) / 11),   # B at its configured 5 steadies the pace
])
def test_a_services_average_is_steadied_by_the_halls_pace(tmp_path, a_minutes, b_minutes, expected_a):
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
    look = outlook_of(h)
    assert look.minutes["A"] == pytest.approx(expected_a)


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
