"""The queue rules, driven with a fake clock and tables of cases."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from config import load_config
from hall.engine import Engine
from hall.state import HallState, apply
from hall.errors import HallError

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 27, 9, 0, tzinfo=TZ)


class Floor:
    """An engine and its state, with actions applied the way the hall applies them."""

    def __init__(self):
        self.engine = Engine(load_config())
        self.state = HallState(business_day=T0.date())
        self.now = T0
        self.events = []

    def do(self, action, *args, minutes=1):
        self.now += timedelta(minutes=minutes)
        roll = self.engine.roll_day(self.state, self.now)
        apply(self.state, roll)
        change = getattr(self.engine, action)(self.state, *args, self.now)
        apply(self.state, change)
        self.events += [e.name for e in roll.events + change.events]
        return change.result

    def ticket(self, number):
        return next(t for t in self.state.tickets.values() if t.number == number)


@pytest.fixture
def floor():
    f = Floor()
    f.do("open_window", 1, "zhang", "张敏")   # serves A, F
    f.do("open_window", 3, "li", "李强")      # serves B
    return f


def test_numbers_are_prefix_and_padded_daily_serial(floor):
    numbers = [floor.do("issue_ticket", s).number for s in ["A", "A", "B", "A", "F"]]
    assert numbers == ["A001", "A002", "B001", "A003", "F001"]


def test_call_next_takes_oldest_across_the_windows_services(floor):
    for s in ["F", "B", "A", "F"]:
        floor.do("issue_ticket", s)
    assert floor.do("call_next", 1).number == "F001"   # oldest of A and F
    floor.do("start", 1)
    assert floor.do("call_next", 1).number == "A001"   # serving F001 is finished by the next call
    assert floor.ticket("F001").status == "finished"
    assert floor.do("call_next", 3).number == "B001"


def test_ticket_keeps_every_time(floor):
    floor.do("issue_ticket", "A")
    floor.do("call_next", 1, minutes=5)
    floor.do("recall", 1, minutes=2)
    floor.do("start", 1, minutes=1)
    floor.do("finish", 1, minutes=10)
    t = floor.ticket("A001")
    assert t.issued_at == T0 + timedelta(minutes=3)
    assert [c.at for c in t.calls] == [T0 + timedelta(minutes=8), T0 + timedelta(minutes=10)]
    assert [c.window for c in t.calls] == [1, 1]
    assert t.started_at == T0 + timedelta(minutes=11)
    assert t.finished_at == T0 + timedelta(minutes=21)
    assert (t.window, t.staff, t.status) == (1, "zhang", "finished")


@pytest.mark.parametrize("steps, expected", [
    (["call_next"], "called"),
    (["call_next", "recall"], "called"),
    (["call_next", "no_show"], "no_show"),
    (["call_next", "start"], "serving"),
    (["call_next", "start", "finish"], "finished"),
    (["call_next", "finish"], "finished"),
])
def test_ticket_status_after_actions(floor, steps, expected):
    floor.do("issue_ticket", "A")
    for step in steps:
        floor.do(step, 1)
    assert floor.ticket("A001").status == expected


# Wrong-state actions: (setup steps on window 1, the refused action and its args, the error code)
WRONG_STATE = [
    ([], ("finish", 1), "no_current_ticket"),                      # finish a ticket never called
    ([], ("start", 1), "no_current_ticket"),
    ([], ("recall", 1), "no_current_ticket"),                      # recall with nothing called
    ([], ("no_show", 1), "no_current_ticket"),
    ([("pause", 1, "break")], ("call_next", 1), "window_paused"),  # call next on a paused window
    ([("pause", 1, "break")], ("pause", 1, "break"), "wrong_state"),
    ([], ("resume", 1), "wrong_state"),
    ([], ("call_next", 2), "window_closed"),                       # nobody signed in at window 2
    ([], ("call_next", 99), "unknown_window"),
    ([("call_next", 1)], ("call_next", 1), "ticket_pending"),      # called, not yet settled
    ([("call_next", 1), ("start", 1)], ("recall", 1), "wrong_state"),
    ([("call_next", 1), ("start", 1)], ("no_show", 1), "wrong_state"),
    ([("call_next", 1)], ("pause", 1, "break"), "wrong_state"),
    ([], ("pause", 1, "nap"), "invalid_reason"),
    ([], ("call", 1, "A999"), "unknown_ticket"),
    ([], ("call", 1, "B001"), "not_served_here"),
    ([("call_next", 1)], ("cancel", "A001"), "wrong_state"),
    ([], ("issue_ticket", "Z"), "unknown_service"),
    ([], ("open_window", 3, "zhang", "张敏"), "window_taken"),
]


@pytest.mark.parametrize("setup, action, code", WRONG_STATE)
def test_wrong_state_actions_are_refused_and_change_nothing(floor, setup, action, code):
    floor.do("issue_ticket", "A")
    floor.do("issue_ticket", "B")
    for step in setup:
        floor.do(*step)
    before = (dict(floor.state.tickets), dict(floor.state.windows))
    with pytest.raises(HallError) as err:
        floor.do(*action)
    assert err.value.code == code
    assert err.value.message  # a sentence for the person
    assert (floor.state.tickets, floor.state.windows) == before


def test_call_next_on_empty_queue(floor):
    with pytest.raises(HallError) as err:
        floor.do("call_next", 1)
    assert err.value.code == "queue_empty"


def test_call_a_chosen_ticket_out_of_order(floor):
    for _ in range(3):
        floor.do("issue_ticket", "A")
    assert floor.do("call", 1, "A003").number == "A003"
    floor.do("finish", 1)
    assert floor.do("call_next", 1).number == "A001"


def test_cancel_leaves_the_queue_and_history(floor):
    floor.do("issue_ticket", "A")
    floor.do("issue_ticket", "A")
    floor.do("cancel", "A001")
    assert floor.ticket("A001").status == "cancelled"
    assert floor.do("call_next", 1).number == "A002"


def test_pause_and_resume(floor):
    w = floor.do("pause", 1, "meeting")
    assert (w.status, w.pause_reason) == ("paused", "meeting")
    w = floor.do("resume", 1)
    assert (w.status, w.pause_reason) == ("open", None)


def test_closing_a_window_keeps_its_current_ticket(floor):
    floor.do("issue_ticket", "A")
    floor.do("call_next", 1)
    floor.do("close_window", 1)
    floor.do("open_window", 1, "wang", "王芳")
    assert floor.state.windows[1].current == floor.ticket("A001").id
    floor.do("start", 1)
    assert floor.ticket("A001").status == "serving"


def test_events_of_a_call(floor):
    floor.do("issue_ticket", "A")
    floor.events.clear()
    floor.do("call_next", 1)
    assert floor.events == ["ticket_called", "window_changed", "queue_changed"]


def test_business_day_rollover_restarts_numbers_and_expires_open_tickets(floor):
    floor.do("issue_ticket", "A")
    floor.do("issue_ticket", "A")
    floor.do("call_next", 1)
    floor.events.clear()
    t = floor.do("issue_ticket", "A", minutes=24 * 60)
    assert t.number == "A001" and t.business_day == date(2026, 11, 28)
    assert floor.events[:4] == ["ticket_expired", "ticket_expired", "window_changed", "business_day_started"]
    assert floor.state.windows[1].current is None
    assert [x.number for x in floor.state.tickets.values()] == ["A001"]
    assert t.id == 3  # ids keep counting across days; history stays


def test_rating_once_per_finished_ticket(floor):
    floor.do("issue_ticket", "A")
    t = floor.do("call_next", 1)
    with pytest.raises(HallError) as err:
        floor.do("rate", t.id, 1, "satisfied", "rater", None)
    assert err.value.code == "not_served"
    floor.do("finish", 1)
    r = floor.do("rate", t.id, 1, "very_satisfied", "rater", "rater-1")
    assert (r.level, r.window, r.staff, r.step) == ("very_satisfied", 1, "zhang", 0)
    with pytest.raises(HallError) as err:
        floor.do("rate", t.id, 1, "dissatisfied", "rater", "rater-1")
    assert err.value.code == "already_rated"
