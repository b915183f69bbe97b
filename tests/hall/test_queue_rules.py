"""The queue rules real halls run on, each as a table of cases on a fake clock."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from config import DEFAULT_CONFIG_PATH, parse_config
from hall.clock import FakeClock
from hall.errors import ConfigError, HallError
from hall import estimate
from hall.hall import Hall
from hall.store import Store

TZ = ZoneInfo("Asia/Shanghai")
BASE = DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")
ELDER_ID = "11010519491231002X"      # the standard's example, born 1949
OTHER_ID = "110101199003074477"


def make_hall(tmp_path, extra: str = "", replace: dict | None = None, at=(9, 0)) -> Hall:
    text = BASE
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    config = parse_config(text + extra)
    clock = FakeClock(datetime(2026, 11, 27, *at, tzinfo=TZ))
    h = Hall(config, Store(tmp_path / "hallq.db"), clock=clock, id_key=b"test-key")
    h.clock_ = clock
    return h


def plain(replace: dict | None = None) -> dict:
    """The hall file with the estimate as one future of averages (hall/estimate.py), exact to the minute."""
    return {"[queue]\n": "[queue]\nestimate_futures = 0\n", **(replace or {})}


def code_of(fn) -> str:
    with pytest.raises(HallError) as err:
        fn()
    assert err.value.message and err.value.message_en
    return err.value.code


def calls(h: Hall, window: int, n: int) -> list[str]:
    out = []
    for _ in range(n):
        t = h.call_next(window)
        h.start(window)
        h.finish(window)
        out.append(t.number)
        h.clock_.advance(seconds=30)
    return out


# -- matters and the one-time notice ---------------------------------------------

SOCIAL_CARD_EN = 'materials_en = ["Your valid ID document", "A recent bare-headed colour photo (or have one taken here)"]'


@pytest.mark.parametrize("materials_en, error", [
    (SOCIAL_CARD_EN, None),
    ("", None),                                              # left out: the kiosk shows the Chinese list
    ('materials_en = ["Your valid ID document"]', "the 2 texts of `materials` in English, in the same order"),
    ('materials_en = ["Your valid ID document", ""]', "the 2 texts of `materials` in English, in the same order"),
])
def test_a_matters_materials_in_english_match_the_chinese_one_for_one(tmp_path, materials_en, error):
    replace = {SOCIAL_CARD_EN: materials_en}
    if error is None:
        h = make_hall(tmp_path, replace=replace)
        card = next(m for m in h.config.service("B").matters if m.code == "social-card")
        assert len(card.materials) == 2
        assert card.materials_en == ((("Your valid ID document", "A recent bare-headed colour photo (or have one "
                                       "taken here)")) if materials_en else ())
        services = {s["code"]: s for s in h.services_json()}
        assert services["B"]["matters"][0]["materials_en"] == list(card.materials_en)
        return
    with pytest.raises(ConfigError) as err:
        make_hall(tmp_path, replace=replace)
    assert "materials_en" in str(err.value) and error in str(err.value)


# -- green channel -----------------------------------------------------------

@pytest.mark.parametrize("ratio, arrivals, expected", [
    # o = ordinary, p = priority (elderly); window 2 serves A.
    (2, "ooopppp", ["A004", "A005", "A001", "A006", "A007", "A002", "A003"]),
    (1, "ooopppp", ["A004", "A001", "A005", "A002", "A006", "A003", "A007"]),
    (2, "pppp", ["A001", "A002", "A003", "A004"]),                 # nobody ordinary waits: no limit
    (2, "oooo", ["A001", "A002", "A003", "A004"]),
    (3, "opopop", ["A002", "A004", "A006", "A001", "A003", "A005"]),
])
def test_priority_before_ordinary_within_the_ratio(tmp_path, ratio, arrivals, expected):
    h = make_hall(tmp_path, replace={"priority_ratio = 2": f"priority_ratio = {ratio}"})
    for kind in arrivals:
        h.issue_ticket("A", priority="elderly" if kind == "p" else None)
        h.clock_.advance(seconds=10)
    h.open_window(2, "zhang", "张敏")
    assert calls(h, 2, len(arrivals)) == expected


def test_clerk_marks_a_waiting_ticket_priority(tmp_path):
    h = make_hall(tmp_path)
    for _ in range(3):
        h.issue_ticket("A")
    t = h.mark_priority("A003", "disabled")
    assert t.priority == "disabled"
    assert h.ticket_json(t)["priority_name"] == "残疾人"
    assert code_of(lambda: h.mark_priority("A002", "vip")) == "unknown_priority"
    h.open_window(2, "zhang", "张敏")
    assert calls(h, 2, 1) == ["A003"]


def test_unknown_priority_category_is_refused(tmp_path):
    h = make_hall(tmp_path)
    assert code_of(lambda: h.issue_ticket("A", priority="vip")) == "unknown_priority"


# -- work profiles -------------------------------------------------------------

@pytest.mark.parametrize("arrivals, window, expected", [
    # window 2: own A, helps F. F is older but A is its own: A first, then F when A is empty.
    (["F", "A", "F", "A"], 2, ["A001", "A002", "F001", "F002"]),
    # window 1: own A and F, oldest first across them.
    (["F", "A", "F", "A"], 1, ["F001", "A001", "F002", "A002"]),
    # window 8: own F, helps A and B (oldest first across the helped ones).
    (["B", "A", "F"], 8, ["F001", "B001", "A001"]),
])
def test_work_profile_order(tmp_path, arrivals, window, expected):
    h = make_hall(tmp_path)
    for s in arrivals:
        h.issue_ticket(s)
        h.clock_.advance(seconds=10)
    h.open_window(window, "zhang", "张敏")
    assert calls(h, window, len(expected)) == expected


# -- transfers -----------------------------------------------------------------

@pytest.mark.parametrize("keeps_place, expected", [
    (True, ["B002", "A001", "B003"]),     # keeps its 09:02 place: after B002 (09:01), before B003 (09:03)
    (False, ["A001", "B002", "B003"]),    # the head of the line
])
def test_transfer_keeps_its_number_and_place(tmp_path, keeps_place, expected):
    h = make_hall(tmp_path, replace={"transfer_keeps_place = true": f"transfer_keeps_place = {str(keeps_place).lower()}"})
    h.issue_ticket("B")               # B001 09:00
    h.clock_.advance(minutes=1)
    h.issue_ticket("B")               # B002 09:01
    h.clock_.advance(minutes=1)
    h.issue_ticket("A")               # A001 09:02
    h.clock_.advance(minutes=1)
    h.issue_ticket("B")               # B003 09:03
    h.open_window(2, "zhang", "张敏")
    h.open_window(3, "li", "李强")
    h.call_next(3)                    # B001 at window 3
    h.start(3)
    h.clock_.advance(minutes=1)
    h.call_next(2)                    # A001 at window 2
    h.start(2)
    t = h.transfer(2, "B")            # A001 needs social security too
    assert (t.number, t.service, t.status) == ("A001", "B", "waiting")
    assert [s.service for s in t.steps] == ["A"] and t.steps[0].outcome == "transferred"
    assert [x.number for x in h.state.waiting(("B",))] == expected
    assert h.call_next(3).number == expected[0]


def test_a_transferred_real_name_ticket_still_counts_for_its_first_service(tmp_path):
    h = make_hall(tmp_path)
    h.issue_ticket("E", id_number=ELDER_ID)
    h.open_window(7, "zhang", "张敏")
    h.call_next(7)
    h.transfer(7, "F")
    assert code_of(lambda: h.issue_ticket("E", id_number=ELDER_ID)) == "person_limit"


def test_transfer_to_a_window_is_called_only_there(tmp_path):
    h = make_hall(tmp_path)
    h.issue_ticket("A")
    h.issue_ticket("B")
    for w, who in ((1, "zhang"), (3, "li"), (4, "wang")):
        h.open_window(w, who, who)
    h.call_next(1)
    h.transfer(1, "B", target_window=4)
    assert h.call_next(3).number == "B001"        # window 3 does not get A001
    h.start(3)
    assert code_of(lambda: h.call_next(3)) == "queue_empty"
    assert h.call_next(4).number == "A001"


def test_transfer_to_a_window_that_does_not_serve_it(tmp_path):
    h = make_hall(tmp_path)
    h.issue_ticket("A")
    h.open_window(1, "zhang", "张敏")
    h.call_next(1)
    assert code_of(lambda: h.transfer(1, "B", target_window=5)) == "not_served_here"
    assert code_of(lambda: h.transfer(1, "Z")) == "unknown_service"


# -- recalls and no-shows ----------------------------------------------------------

def test_recalls_beyond_the_limit_make_a_no_show(tmp_path):
    h = make_hall(tmp_path)                     # max_recalls = 2
    h.issue_ticket("A")
    h.open_window(2, "zhang", "张敏")
    h.call_next(2)
    assert len(h.recall(2).calls) == 2
    assert len(h.recall(2).calls) == 3
    t = h.recall(2)                             # a third recall
    assert t.status == "no_show" and h.state.windows[2].current is None


@pytest.mark.parametrize("after, minutes_later, expected", [
    (2, 10, ["A002", "A003", "A001", "A004"]),
    (0, 10, ["A001", "A002", "A003", "A004"]),
    (9, 10, ["A002", "A003", "A004", "A001"]),   # fewer wait than `after`: at the back
    (3, 0, ["A002", "A003", "A004", "A001"]),    # at the back within the second the others were issued in
])
def test_no_show_rejoins_behind_the_configured_number(tmp_path, after, minutes_later, expected):
    h = make_hall(tmp_path, replace={"rejoin_after = 2": f"rejoin_after = {after}"})
    for _ in range(4):
        h.issue_ticket("A")
        h.clock_.advance(seconds=10 if minutes_later else 0)
    h.open_window(2, "zhang", "张敏")
    h.call_next(2)
    h.no_show(2)
    h.clock_.advance(minutes=minutes_later)
    t = h.rejoin("A001")
    assert t.status == "waiting" and t.steps[0].outcome == "no_show"
    assert [x.number for x in h.state.waiting(("A",))] == expected


def test_rejoin_too_late_or_not_a_no_show(tmp_path):
    h = make_hall(tmp_path)
    h.issue_ticket("A")
    h.issue_ticket("A")
    h.open_window(2, "zhang", "张敏")
    h.call_next(2)
    h.no_show(2)
    assert code_of(lambda: h.rejoin("A002")) == "wrong_state"
    h.clock_.advance(minutes=31)
    assert code_of(lambda: h.rejoin("A001")) == "rejoin_expired"


# -- hours, holidays, day end, quotas -------------------------------------------------

HOURS = 'hours = [["08:30", "12:00"], ["13:30", "17:30"]]\naverage_minutes = 8'


@pytest.mark.parametrize("at, code, message", [
    ((8, 0), "service_closed", "行政审批尚未开始取号，08:30开始。"),
    ((8, 30), None, None),
    ((12, 15), "service_closed", "行政审批午休暂停取号，13:30恢复。"),
    ((13, 30), None, None),
    ((17, 45), "service_closed", "行政审批今日已停止取号，请明天再来。"),
])
def test_issuing_hours_with_a_lunch_break(tmp_path, at, code, message):
    h = make_hall(tmp_path, replace={"average_minutes = 8": HOURS}, at=at)
    if code is None:
        assert h.issue_ticket("A").number == "A001"
        return
    with pytest.raises(HallError) as err:
        h.issue_ticket("A")
    assert (err.value.code, err.value.message) == (code, message)
    svc = next(s for s in h.services_json() if s["code"] == "A")
    assert (svc["open"], svc["closed_message"]) == (False, message)


def test_holiday_closes_every_service(tmp_path):
    h = make_hall(tmp_path, replace={"# holidays = [2026-10-01, 2026-10-02]": "holidays = [2026-11-27]"})
    assert code_of(lambda: h.issue_ticket("F")) == "service_closed"


def test_day_end_expires_open_tickets_and_stops_issuing(tmp_path):
    h = make_hall(tmp_path, replace={'# day_end = "18:00"': 'day_end = "18:00"'}, at=(17, 50))
    h.issue_ticket("A")
    h.issue_ticket("A")
    h.open_window(2, "zhang", "张敏")
    h.call_next(2)
    h.clock_.advance(minutes=10)
    h.tick()
    assert [t.status for t in h.state.tickets.values()] == ["expired", "expired"]
    assert h.state.windows[2].current is None
    assert code_of(lambda: h.issue_ticket("A")) == "service_closed"
    assert h.store.conn.execute("SELECT count(*) FROM tickets").fetchone()[0] == 2   # never deleted
    h.clock_.advance(hours=15)                                                        # next morning
    assert h.issue_ticket("A").number == "A001"


def test_daily_quota(tmp_path):
    h = make_hall(tmp_path, replace={"daily_quota = 200": "daily_quota = 2"})
    h.issue_ticket("C")
    h.issue_ticket("C")
    with pytest.raises(HallError) as err:
        h.issue_ticket("C")
    assert (err.value.code, err.value.message) == ("quota_exhausted", "不动产登记今日号已取完，请明天再来或预约。")


# -- real name -------------------------------------------------------------------------

def test_real_name_service_needs_a_valid_id_and_limits_each_person(tmp_path):
    h = make_hall(tmp_path)
    assert code_of(lambda: h.issue_ticket("E")) == "id_required"
    assert code_of(lambda: h.issue_ticket("E", id_number="110105194912310021")) == "invalid_id_number"
    t = h.issue_ticket("E", id_number=ELDER_ID.lower())
    assert (t.id_masked, t.id_hash is not None) == ("1101********002X", True)
    assert code_of(lambda: h.issue_ticket("E", id_number=ELDER_ID)) == "person_limit"
    assert h.issue_ticket("E", id_number=OTHER_ID).number == "E002"
    row = h.store.conn.execute("SELECT id_hash, id_masked FROM tickets WHERE number = 'E001'").fetchone()
    assert ELDER_ID not in repr(row) and row[1] == "1101********002X"   # the number itself is never stored
    assert "id_masked" not in h.ticket_json(t) and "token" not in h.ticket_json(t)


# -- appointments -------------------------------------------------------------------------

def book(h, code="YY0001", slot="10:00-10:30", id_number=ELDER_ID, service="B", day="2026-11-27"):
    h.add_appointments([{"code": code, "service": service, "date": day, "slot": slot, "name": "王大爷",
                         "id_number": id_number}])


@pytest.mark.parametrize("at, late_ok, outcome", [
    ((9, 29), True, "appointment_too_early"),
    ((9, 30), True, "appointment"),           # 30 minutes before the slot
    ((10, 45), True, "appointment"),          # 15 minutes after it ends
    ((10, 46), True, "ordinary"),             # later: an ordinary ticket
    ((10, 46), False, "appointment_too_late"),
])
def test_check_in_window(tmp_path, at, late_ok, outcome):
    h = make_hall(tmp_path, replace={"late_becomes_ordinary = true": f"late_becomes_ordinary = {str(late_ok).lower()}"},
                  at=at)
    book(h)
    if outcome.startswith("appointment_"):
        assert code_of(lambda: h.check_in(code="yy0001")) == outcome
        return
    ticket, kept = h.check_in(code="yy0001")
    assert kept == (outcome == "appointment")
    assert ticket.priority == ("appointment" if kept else None) and ticket.appointment == "YY0001"


def test_appointment_by_id_number_is_called_first(tmp_path):
    h = make_hall(tmp_path, at=(9, 50))
    book(h)
    h.issue_ticket("B", priority="elderly")
    h.issue_ticket("B")
    t, kept = h.check_in(id_number=ELDER_ID)
    assert kept and t.number == "B003"
    assert code_of(lambda: h.check_in(id_number=ELDER_ID)) == "already_checked_in"
    h.open_window(3, "li", "李强")
    assert calls(h, 3, 3) == ["B003", "B001", "B002"]


def test_an_appointment_booked_for_a_matter_gives_a_ticket_with_that_matter(tmp_path):
    h = make_hall(tmp_path, at=(9, 50))
    h.add_appointments([{"code": "YY0001", "service": "B", "date": "2026-11-27", "slot": "10:00-10:30",
                         "name": "王大爷", "matter": "social-card"},
                        {"code": "YY0002", "service": "B", "date": "2026-11-27", "slot": "10:00-10:30",
                         "name": "李阿姨"}])
    h.store.close()
    h = make_hall(tmp_path, at=(9, 50))                        # the matter is stored with the appointment
    with_matter, _ = h.check_in(code="YY0001")
    without, _ = h.check_in(code="YY0002")
    assert (with_matter.matter, without.matter) == ("social-card", None)
    assert h.ticket_json(with_matter)["matter"] == "social-card"


@pytest.mark.parametrize("kwargs", [{"code": "NOPE01"}, {"id_number": OTHER_ID}, {}])
def test_appointment_not_found(tmp_path, kwargs):
    h = make_hall(tmp_path)
    book(h)
    assert code_of(lambda: h.check_in(**kwargs)) == "appointment_not_found"


def test_appointment_of_another_day_is_not_today(tmp_path):
    h = make_hall(tmp_path)
    book(h, day="2026-11-28")
    assert code_of(lambda: h.check_in(code="YY0001")) == "appointment_not_found"


def test_repeated_missed_appointments_block_the_id(tmp_path):
    h = make_hall(tmp_path, at=(9, 0))
    for i, day in enumerate(("2026-11-27", "2026-11-28", "2026-11-29")):
        book(h, code=f"MISS{i:02d}", day=day)
    for _ in range(3):                    # three days go by without a check-in
        h.clock_.advance(days=1)
        h.tick()
    assert [a.status for a in h.store.appointments_of_day(h.state.business_day)] == []
    missed = h.store.conn.execute("SELECT count(*) FROM appointments WHERE status='no_show'").fetchone()[0]
    assert missed == 3
    with pytest.raises(HallError) as err:
        h.issue_ticket("E", id_number=ELDER_ID)
    assert err.value.code == "blocked" and "2026-12-29" in err.value.message  # 30 days after the third miss
    assert h.issue_ticket("E", id_number=OTHER_ID).number == "E001"


@pytest.mark.parametrize("row, fragment", [
    ({"code": "X1", "service": "B", "date": "2026-11-27", "slot": "10:00-10:30", "name": "a"}, "预约码"),
    ({"code": "YY0002", "service": "Q", "date": "2026-11-27", "slot": "10:00-10:30", "name": "a"}, "业务"),
    ({"code": "YY0002", "service": "B", "date": "27/11/2026", "slot": "10:00-10:30", "name": "a"}, "日期"),
    ({"code": "YY0002", "service": "B", "date": "2026-11-27", "slot": "10:30-10:00", "name": "a"}, "时段"),
    ({"code": "YY0002", "service": "B", "date": "2026-11-27", "slot": "10:00-10:30", "name": ""}, "姓名"),
    ({"code": "YY0002", "service": "B", "date": "2026-11-27", "slot": "10:00-10:30", "name": "a",
      "id_number": "123"}, "身份证"),
    ({"code": "YY0002", "service": "B", "date": "2026-11-27", "slot": "10:00-10:30", "name": "a",
      "matter": "passport"}, "没有事项 'passport'，可填：social-card, pension-transfer"),
])
def test_bad_appointment_rows_are_refused_whole(tmp_path, row, fragment):
    h = make_hall(tmp_path)
    good = {"code": "GOOD01", "service": "B", "date": "2026-11-27", "slot": "10:00-10:30", "name": "b"}
    with pytest.raises(HallError) as err:
        h.add_appointments([good, row])
    assert err.value.code == "invalid_appointment" and "第2条" in err.value.message and fragment in err.value.message
    assert h.store.appointments_of_day(h.state.business_day) == []


# -- estimated waiting time -------------------------------------------------------------------

def test_estimate_plays_the_windows_forward(tmp_path):
    h = make_hall(tmp_path, replace=plain())             # A averages 8 minutes until today's figures exist
    for _ in range(5):
        h.issue_ticket("A")
    assert h.wait_minutes(h.state.waiting()[0]) is None      # no window open for A
    h.open_window(2, "zhang", "张敏")                        # A only
    waits = [h.wait_minutes(t) for t in h.state.waiting()]
    assert waits == [0, 8, 16, 24, 32]
    h.open_window(1, "li", "李强")                           # A and F
    assert [h.wait_minutes(t) for t in h.state.waiting()] == [0, 0, 8, 8, 16]
    assert h.service_waits()["A"] == 16 and h.service_waits()["C"] is None


def test_estimate_learns_todays_service_time(tmp_path):
    h = make_hall(tmp_path, replace=plain())
    for _ in range(4):
        h.issue_ticket("A")
    h.open_window(2, "zhang", "张敏")
    for _ in range(2):
        h.call_next(2)
        h.start(2)
        h.clock_.advance(minutes=4)
        h.finish(2)
    # two services of 4 minutes each: the next two wait 0 and 4 minutes
    assert [h.wait_minutes(t) for t in h.state.waiting()] == [0, 4]
    h.call_next(2)
    h.start(2)
    h.clock_.advance(minutes=1)
    assert [h.wait_minutes(t) for t in h.state.waiting()] == [3]   # the current one has 3 minutes left


def test_estimate_counts_a_windows_scheduled_break(tmp_path):
    h = make_hall(tmp_path, replace=plain({'name_en = "Window 2"\nservices = ["A"]':
                                           'name_en = "Window 2"\nservices = ["A"]\nbreaks = [["09:10", "09:40"]]'}))
    for _ in range(3):
        h.issue_ticket("A")
    h.open_window(2, "zhang", "张敏")
    # A averages 8 minutes: A002 at 09:08, then the 09:10-09:40 lunch rotation: the clerk goes once
    # A002 is done (09:16) and takes the break's 30 minutes; A003 once the clerk is back, plus what
    # clerks usually take (3 minutes until the hall's own pauses say otherwise, estimate.LATE_PRIOR)
    late = round(estimate.LATE_PRIOR)
    assert [h.wait_minutes(t) for t in h.state.waiting()] == [0, 8, 16 + 30 + late]
    h.clock_.advance(minutes=12)
    h.pause(2, "break")                       # the clerk goes at 09:12, two minutes into the break
    assert [h.wait_minutes(t) for t in h.state.waiting()] == [30 + late, 38 + late, 46 + late]


def test_a_windows_list_is_its_calling_order(tmp_path):
    h = make_hall(tmp_path)                       # window 2: own A, helps F; ratio 2
    for kind in "oooppp":
        h.issue_ticket("A", priority="elderly" if kind == "p" else None)
        h.clock_.advance(seconds=10)
    h.issue_ticket("F")
    h.open_window(2, "zhang", "张敏")
    listed = [t["number"] for t in h.waiting_for_window(2)]
    assert listed == ["A004", "A005", "A001", "A006", "A002", "A003", "F001"]
    assert calls(h, 2, 7) == listed


def test_a_green_channel_ticket_is_told_it_comes_first_before_any_window_opens(tmp_path):
    h = make_hall(tmp_path)
    h.issue_ticket("A")
    h.issue_ticket("A")
    t = h.issue_ticket("A", priority="pregnant")
    assert h.wait_minutes(t) is None        # no window open for A yet
    assert h.ahead_of(t) == 0
    assert h.ahead_of(h.state.waiting()[1]) == 2


def test_one_instant_ticket_does_not_make_the_line_look_instant(tmp_path):
    h = make_hall(tmp_path, replace=plain())                       # A averages 8 minutes by configuration
    for _ in range(4):
        h.issue_ticket("A")
    h.open_window(2, "zhang", "张敏")
    h.call_next(2)
    h.finish(2)                                   # served in no time at all
    h.call_next(2)                                # A002 now at the window
    # today's average (0 min) is held at 40 % of the configured 8: 3.2 minutes a ticket
    assert [h.wait_minutes(t) for t in h.state.waiting()] == [3, 6]
