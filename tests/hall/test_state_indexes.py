"""The indexes HallState keeps ticket by ticket (the waiting line, tokens, numbers, last serials),
and the hall's list of finished tickets for the forecast's pace, answer exactly what a scan of the day's tickets answers, whatever the day has done: issues, calls,
recalls, no-shows and rejoins, transfers, cancellations, a restart and a new business day."""
from __future__ import annotations

import random
import pytest

from hall import estimate
from hall.errors import HallError
from hall.hall import Hall
from hall.model import WAITING

SERVICES = "ABCDEF"
WINDOWS = range(1, 9)


def scanned(state):
    """What the indexes must equal, worked out from the tickets alone."""
    tickets = list(state.tickets.values())
    waiting = sorted((t for t in tickets if t.status == WAITING), key=lambda t: (t.place, t.id))
    serials = {}
    for t in tickets:
        serials[t.number[:1]] = max(serials.get(t.number[:1], 0), t.serial)
    return waiting, {t.token: t for t in tickets if t.token}, {t.number: t for t in tickets}, serials


def check(state):
    waiting, tokens, numbers, serials = scanned(state)
    assert [t.id for t in state.waiting()] == [t.id for t in waiting]
    for s in SERVICES:
        assert [t.id for t in state.waiting({s})] == [t.id for t in waiting if t.service == s]
        assert state.last_serial(s) == serials.get(s, 0)
    for token, t in tokens.items():
        assert state.ticket_of_token(token) is t
    for number, t in numbers.items():
        assert state.ticket_of_number(number) is t
    assert state.ticket_of_token("no-such-token") is None
    assert state.ticket_of_number("Z999") is None


def act(hall, rng):
    """One thing a busy hall does, chosen at random; a refusal (an empty line, a wrong state) is fine."""
    w = rng.choice(WINDOWS)
    choice = rng.random()
    try:
        if choice < 0.35:
            hall.issue_ticket(rng.choice(SERVICES))
        elif choice < 0.55:
            try:
                hall.finish(w)
            except HallError:
                pass
            hall.call_next(w)
        elif choice < 0.62:
            hall.recall(w)
        elif choice < 0.70:
            hall.no_show(w)
        elif choice < 0.76:
            gone = [t for t in hall.state.tickets.values() if t.status == "no_show"]
            if gone:
                hall.rejoin(rng.choice(gone).number)
        elif choice < 0.84:
            hall.start(w)
            hall.transfer(w, rng.choice(SERVICES))
        elif choice < 0.90:
            waiting = hall.state.waiting()
            if waiting:
                hall.cancel(rng.choice(waiting).number)
        else:
            hall.start(w)
    except HallError:
        pass


@pytest.mark.parametrize("seed", range(6))
def test_the_indexes_follow_every_change_of_a_random_day(hall, store, clock, config, seed):
    rng = random.Random(seed)
    for w in WINDOWS:
        hall.open_window(w, f"clerk{w}", f"clerk{w}")
    for step in range(400):
        act(hall, rng)
        clock.advance(seconds=rng.randint(1, 40))
        if step % 25 == 0:
            check(hall.state)
            # the finished tickets the forecast's pace reads, kept by the hall as they finish
            assert hall._finished() == estimate.finished(hall.state.tickets.values())
    check(hall.state)
    assert hall._finished() == estimate.finished(hall.state.tickets.values())
    assert len(hall._finished()) > 10
    assert len(hall.state.tickets) > 50 and hall.state.waiting()   # the day did happen
    # A restart rebuilds the state from the store: the same answers.
    again = Hall(config, store, clock=clock)
    check(again.state)
    assert [t.id for t in again.state.waiting()] == [t.id for t in hall.state.waiting()]
    again.bus.close()


def test_a_new_business_day_starts_the_indexes_afresh(hall, clock):
    hall.open_window(1, "clerk1", "clerk1")
    first = hall.issue_ticket("A")
    hall.issue_ticket("A")
    check(hall.state)
    clock.advance(days=3)                         # Friday to Monday
    hall.tick()
    assert hall.state.ticket_of_token(first.token) is None
    assert hall.state.ticket_of_number(first.number) is None
    assert hall.state.last_serial("A") == 0
    fresh = hall.issue_ticket("A")
    assert fresh.number == first.number          # the day's numbers start again at 1
    assert hall.state.ticket_of_number(fresh.number) is fresh
    check(hall.state)
