"""The bad-rating case rules, as tables: every transition, every refusal, deadlines, appeals, overdue."""
from dataclasses import replace
from datetime import date, datetime, timezone

import pytest

from assess.records import RatingRecord
from hall import cases
from hall.errors import HallError
from hall.workdays import Workdays

D = date.fromisoformat
UTC = timezone.utc
# 2025-03-04 10:00 in Beijing, a Tuesday.
OPENED = datetime(2025, 3, 4, 2, 0, tzinfo=UTC)
NOW = datetime(2025, 3, 5, 2, 0, tzinfo=UTC)
W = Workdays()
CLERK, MANAGER, OTHER = "li", "wang", "zhao"


def rating(level="dissatisfied", **kw) -> RatingRecord:
    fields = dict(hall="h1", rating_id=7, ticket_id=3, step=0, business_day=D("2025-03-04"), number="A003",
                  service="social", matter=None, window=2, staff=CLERK, level=level, channel="rater",
                  device="r2", reasons=("slow",), comment="等了很久", at=OPENED)
    fields.update(kw)
    return RatingRecord(**fields)


def case(status="verifying", opened_at=OPENED, **kw):
    c = cases.open_case(rating(), 11, opened_at).case
    return replace(c, status=status, **kw)


LEDGER = dict(rectify_mode="ledger", deadline=D("2025-03-11"))
ON_SPOT = dict(rectify_mode="on_spot", rectified_at=NOW)


def test_a_bad_rating_opens_a_case_to_verify():
    step = cases.open_case(rating("very_dissatisfied"), 11, OPENED)
    c = step.case
    assert (c.status, c.level, c.rating_id, c.staff, c.window, c.opened_at) == \
           ("verifying", "very_dissatisfied", 7, CLERK, 2, OPENED)
    assert step.event["name"] == "case_opened" and step.event["to"] == "verifying"
    assert step.event["comment"] == "等了很久" and step.exclude is None


@pytest.mark.parametrize("level", ["very_satisfied", "satisfied", "basic", None])
def test_only_a_bad_rating_opens_a_case(level):
    with pytest.raises(ValueError):
        cases.open_case(rating(level), 11, OPENED)


TRANSITIONS = [
    # why, start, action, expected fields of the new case, event name, expected event words
    ("verified valid: on to rectifying", case(),
     lambda c: cases.verify(c, MANAGER, NOW, "查实：等候超时"),
     dict(status="rectifying", verified_at=NOW, note="查实：等候超时"),
     "case_verified", dict(valid=True, by=MANAGER, at=NOW)),
    ("verified without basis: stays verifying for an appeal", case(),
     lambda c: cases.verify(c, MANAGER, NOW, "监控显示按时办理", valid=False),
     dict(status="verifying", verified_at=NOW, note="监控显示按时办理"),
     "case_verified", dict(valid=False)),
    ("rectified on the spot: on to callback", case("rectifying"),
     lambda c: cases.rectify(c, MANAGER, NOW, "on_spot", "当场道歉并补办", W, 5),
     dict(status="callback", rectify_mode="on_spot", rectified_at=NOW, deadline=None),
     "case_rectified", dict(mode="on_spot", note="当场道歉并补办")),
    ("put on the ledger: stays rectifying with a deadline", case("rectifying"),
     lambda c: cases.rectify(c, MANAGER, NOW, "ledger", "需调整窗口排班", W, 5),
     dict(status="rectifying", rectify_mode="ledger", deadline=D("2025-03-11"), rectified_at=None),
     "case_put_on_ledger", dict(deadline=D("2025-03-11"), calendar_warning=None)),
    ("ledger rectified: on to callback", case("rectifying", **LEDGER),
     lambda c: cases.rectify_done(c, MANAGER, NOW, "已增开窗口"),
     dict(status="callback", rectified_at=NOW, deadline=D("2025-03-11")),
     "case_rectified", dict(mode="ledger", note="已增开窗口")),
    ("callback satisfied: closed", case("callback", **ON_SPOT),
     lambda c: cases.callback(c, MANAGER, NOW, "satisfied", "群众表示满意"),
     dict(status="closed", callback_view="satisfied", callback_at=NOW, closed_at=NOW),
     "case_called_back", dict(view="satisfied")),
    ("callback basic: closed", case("callback", **ON_SPOT),
     lambda c: cases.callback(c, MANAGER, NOW, "basic"),
     dict(status="closed", callback_view="basic"),
     "case_called_back", dict(view="basic")),
    ("callback dissatisfied still closes; the figures count the view", case("callback", **ON_SPOT),
     lambda c: cases.callback(c, MANAGER, NOW, "dissatisfied", "仍不满意"),
     dict(status="closed", callback_view="dissatisfied", closed_at=NOW),
     "case_called_back", dict(view="dissatisfied")),
    ("appeal while verifying", case(),
     lambda c: cases.appeal(c, CLERK, NOW, " 群众误按 "),
     dict(status="verifying", appeal="pending", appeal_reason="群众误按"),
     "case_appealed", dict(reason="群众误按", by=CLERK)),
    ("appeal while on the ledger", case("rectifying", **LEDGER),
     lambda c: cases.appeal(c, CLERK, NOW, "非本人经办"),
     dict(status="rectifying", appeal="pending"),
     "case_appealed", dict()),
    ("appeal while waiting for the callback", case("callback", **ON_SPOT),
     lambda c: cases.appeal(c, CLERK, NOW, "恶意差评"),
     dict(status="callback", appeal="pending"),
     "case_appealed", dict()),
]


@pytest.mark.parametrize("why, start, action, fields, name, words", TRANSITIONS, ids=[t[0] for t in TRANSITIONS])
def test_transitions(why, start, action, fields, name, words):
    step = action(start)
    for key, value in fields.items():
        assert getattr(step.case, key) == value, key
    assert step.exclude is None
    e = step.event
    assert e["name"] == name
    assert (e["from"], e["to"]) == (start.status, step.case.status)
    assert (e["hall"], e["case_id"], e["rating_id"]) == ("h1", 11, 7)
    for key, value in words.items():
        assert e[key] == value, key
    assert step.case != start


APPEALED = dict(appeal="pending", appeal_reason="群众误按")

REFUSALS = [
    # why, start, action, code, status
    ("verify twice", case("rectifying"), lambda c: cases.verify(c, MANAGER, NOW), "case_wrong_status", 409),
    ("verify a closed case", case("closed"), lambda c: cases.verify(c, MANAGER, NOW), "case_wrong_status", 409),
    ("no basis without saying why", case(), lambda c: cases.verify(c, MANAGER, NOW, " ", valid=False),
     "invalid_field", 400),
    ("rectify before verifying", case(), lambda c: cases.rectify(c, MANAGER, NOW, "on_spot", "", W, 5),
     "case_wrong_status", 409),
    ("rectify a ledger case again", case("rectifying", **LEDGER),
     lambda c: cases.rectify(c, MANAGER, NOW, "on_spot", "", W, 5), "case_wrong_status", 409),
    ("rectify after rectified", case("callback", **ON_SPOT),
     lambda c: cases.rectify(c, MANAGER, NOW, "ledger", "", W, 5), "case_wrong_status", 409),
    ("an unknown rectify mode", case("rectifying"), lambda c: cases.rectify(c, MANAGER, NOW, "later", "", W, 5),
     "invalid_field", 400),
    ("ledger done without a ledger", case("rectifying"), lambda c: cases.rectify_done(c, MANAGER, NOW, ""),
     "case_wrong_status", 409),
    ("ledger done before verifying", case(), lambda c: cases.rectify_done(c, MANAGER, NOW, ""),
     "case_wrong_status", 409),
    ("callback before rectified", case("rectifying", **LEDGER),
     lambda c: cases.callback(c, MANAGER, NOW, "satisfied"), "case_wrong_status", 409),
    ("callback twice", case("closed"), lambda c: cases.callback(c, MANAGER, NOW, "satisfied"),
     "case_wrong_status", 409),
    ("an unknown callback view", case("callback", **ON_SPOT), lambda c: cases.callback(c, MANAGER, NOW, "ok"),
     "invalid_field", 400),
    ("appeal a closed case", case("closed"), lambda c: cases.appeal(c, CLERK, NOW, "误按"), "case_wrong_status", 409),
    ("appeal by someone else", case(), lambda c: cases.appeal(c, OTHER, NOW, "误按"), "case_not_clerk_concerned", 403),
    ("appeal with no clerk on record", case(staff=None), lambda c: cases.appeal(c, CLERK, NOW, "误按"),
     "case_not_clerk_concerned", 403),
    ("appeal without a reason", case(), lambda c: cases.appeal(c, CLERK, NOW, "  "), "invalid_field", 400),
    ("appeal twice", case(**APPEALED), lambda c: cases.appeal(c, CLERK, NOW, "再申诉"), "case_appeal_pending", 409),
    ("appeal after a rejected appeal", case("rectifying", appeal="rejected"),
     lambda c: cases.appeal(c, CLERK, NOW, "再申诉"), "case_appeal_decided", 409),
    ("verify while an appeal is pending", case(**APPEALED), lambda c: cases.verify(c, MANAGER, NOW),
     "case_appeal_pending", 409),
    ("rectify while an appeal is pending", case("rectifying", **APPEALED),
     lambda c: cases.rectify(c, MANAGER, NOW, "on_spot", "", W, 5), "case_appeal_pending", 409),
    ("ledger done while an appeal is pending", case("rectifying", **LEDGER, **APPEALED),
     lambda c: cases.rectify_done(c, MANAGER, NOW, ""), "case_appeal_pending", 409),
    ("callback while an appeal is pending", case("callback", **ON_SPOT, **APPEALED),
     lambda c: cases.callback(c, MANAGER, NOW, "satisfied"), "case_appeal_pending", 409),
    ("decide with no appeal", case(), lambda c: cases.decide_appeal(c, MANAGER, NOW, True, "成立"),
     "case_no_appeal", 409),
    ("decide an appeal already decided", case("closed", appeal="upheld"),
     lambda c: cases.decide_appeal(c, MANAGER, NOW, True, "成立"), "case_no_appeal", 409),
    ("decide one's own appeal", case(**APPEALED), lambda c: cases.decide_appeal(c, CLERK, NOW, True, "成立"),
     "case_own_appeal", 403),
    ("decide without saying why", case(**APPEALED), lambda c: cases.decide_appeal(c, MANAGER, NOW, False, ""),
     "invalid_field", 400),
]


@pytest.mark.parametrize("why, start, action, code, status", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refusals(why, start, action, code, status):
    with pytest.raises(HallError) as e:
        action(start)
    assert (e.value.code, e.value.status) == (code, status)
    assert e.value.message and e.value.message_en and e.value.message != e.value.message_en


@pytest.mark.parametrize("start, zh, en", [
    (case(), "请先核实", "Verify the bad rating first"),
    (case("rectifying"), "当场整改，或列入台账", "on the spot, or on the ledger"),
    (case("rectifying", **LEDGER), "2025-03-11 前整改", "deadline 2025-03-11, then mark it rectified"),
    (case("callback", **ON_SPOT), "请先回访群众", "Call the citizen back first"),
    (case("closed"), "已办结", "This case is closed"),
])
def test_a_wrong_status_says_what_to_do_next(start, zh, en):
    wrong = cases.verify if start.status != "verifying" else \
        (lambda c, by, now: cases.callback(c, by, now, "satisfied"))
    with pytest.raises(HallError) as e:
        wrong(start, MANAGER, NOW)
    assert zh in e.value.message and en in e.value.message_en


DEADLINES = [
    # why, opened at (UTC), working days, deadline
    ("Tuesday + 5: the next Tuesday over a weekend", OPENED, 5, "2025-03-11"),
    ("Friday + 1: Monday", datetime(2025, 3, 7, 2, tzinfo=UTC), 1, "2025-03-10"),
    ("Tuesday 09-30 + 5 over National Day, Sat 10-11 working", datetime(2025, 9, 30, 2, tzinfo=UTC), 5, "2025-10-14"),
    ("Friday 09-26 + 1: the make-up Sunday 09-28", datetime(2025, 9, 26, 2, tzinfo=UTC), 1, "2025-09-28"),
    ("Thursday 10-09 + 3: over the make-up Saturday 10-11", datetime(2025, 10, 9, 2, tzinfo=UTC), 3, "2025-10-13"),
    ("Friday 2026-02-13 + 15 over Spring Festival, Sats 02-14 and 02-28 working",
     datetime(2026, 2, 13, 2, tzinfo=UTC), 15, "2026-03-12"),
    ("opened 01:00 Beijing on 10-01 counts from 10-01, not the UTC 09-30",
     datetime(2025, 9, 30, 17, tzinfo=UTC), 1, "2025-10-09"),
]


@pytest.mark.parametrize("why, opened_at, days, deadline", DEADLINES, ids=[d[0] for d in DEADLINES])
def test_ledger_deadline_in_working_days(why, opened_at, days, deadline):
    c = case("rectifying", opened_at=opened_at)
    step = cases.rectify(c, MANAGER, NOW, "ledger", "列入台账", W, days)
    assert step.case.deadline == step.event["deadline"] == D(deadline)
    assert cases.due(step.case, W, 99) == D(deadline)      # the ledger's own deadline, whatever the default


def test_a_deadline_on_a_guessed_calendar_carries_a_warning():
    c = case("rectifying", opened_at=datetime(2099, 3, 3, 2, tzinfo=UTC))
    step = cases.rectify(c, MANAGER, NOW, "ledger", "", Workdays(), 5)
    assert step.case.deadline == D("2099-03-10")
    assert step.event["calendar_warning"]["years"] == [2099]


def test_an_upheld_appeal_closes_the_case_and_excludes_the_rating():
    start = case("rectifying", **LEDGER, **APPEALED)
    step = cases.decide_appeal(start, MANAGER, NOW, True, "录像证实群众误按")
    assert (step.case.status, step.case.appeal, step.case.closed_at) == ("closed", "upheld", NOW)
    assert step.case.appeal_decision == "录像证实群众误按"
    assert step.exclude == cases.Exclusion(7, "申诉成立：录像证实群众误按")
    e = step.event
    assert (e["name"], e["upheld"], e["by"], e["from"], e["to"]) == \
           ("case_appeal_decided", True, MANAGER, "rectifying", "closed")


@pytest.mark.parametrize("status, extra", [("verifying", {}), ("rectifying", LEDGER), ("callback", ON_SPOT)])
def test_a_rejected_appeal_goes_on_where_it_was(status, extra):
    start = case(status, **extra, **APPEALED)
    step = cases.decide_appeal(start, MANAGER, NOW, False, "差评属实")
    assert step.case == replace(start, appeal="rejected", appeal_decision="差评属实")
    assert step.exclude is None
    assert (step.event["upheld"], step.event["from"], step.event["to"]) == (False, status, status)


def test_the_whole_path_on_the_ledger_after_a_rejected_appeal():
    c = cases.open_case(rating(), 11, OPENED).case
    names = []
    for act in (lambda c: cases.verify(c, MANAGER, NOW, "监控未见异常", valid=False),
                lambda c: cases.appeal(c, CLERK, NOW, "群众误按"),
                lambda c: cases.decide_appeal(c, MANAGER, NOW, False, "群众确认不满意"),
                lambda c: cases.verify(c, MANAGER, NOW, "复核属实"),
                lambda c: cases.rectify(c, MANAGER, NOW, "ledger", "调整排班", W, 5),
                lambda c: cases.rectify_done(c, MANAGER, NOW, "已调整"),
                lambda c: cases.callback(c, MANAGER, NOW, "satisfied")):
        c, event, exclude = act(c)
        names.append(event["name"])
        assert exclude is None
    assert names == ["case_verified", "case_appealed", "case_appeal_decided", "case_verified",
                     "case_put_on_ledger", "case_rectified", "case_called_back"]
    assert (c.status, c.appeal, c.deadline, c.callback_view) == ("closed", "rejected", D("2025-03-11"), "satisfied")


OVERDUE = [
    # why, case, today, deadline_days (the default for cases with no ledger deadline), overdue?
    ("ledger on its deadline day", case("rectifying", **LEDGER), "2025-03-11", 5, False),
    ("ledger the day after", case("rectifying", **LEDGER), "2025-03-12", 5, True),
    ("ledger rectified late is no longer overdue", case("callback", rectified_at=NOW, **LEDGER), "2025-03-20", 5, False),
    ("closed is never overdue", case("closed", **LEDGER), "2025-04-01", 5, False),
    ("verifying within the days", case(), "2025-03-11", 5, False),
    ("verifying after the days", case(), "2025-03-12", 5, True),
    ("verified, not yet rectified, after the days", case("rectifying"), "2025-03-12", 5, True),
    ("verifying during an appeal: the clock runs", case(**APPEALED), "2025-03-12", 5, True),
    ("due Friday, overdue on Saturday",
     case(opened_at=datetime(2025, 3, 7, 2, tzinfo=UTC)), "2025-03-15", 5, True),
    ("due Friday, not on Friday",
     case(opened_at=datetime(2025, 3, 7, 2, tzinfo=UTC)), "2025-03-14", 5, False),
    ("over National Day: due 10-14, not overdue on 10-10",
     case(opened_at=datetime(2025, 9, 30, 2, tzinfo=UTC)), "2025-10-10", 5, False),
    ("over National Day: overdue on 10-15",
     case(opened_at=datetime(2025, 9, 30, 2, tzinfo=UTC)), "2025-10-15", 5, True),
]


@pytest.mark.parametrize("why, c, today, days, expected", OVERDUE, ids=[o[0] for o in OVERDUE])
def test_overdue(why, c, today, days, expected):
    assert cases.overdue(c, D(today), W, days) is expected


def test_overdue_by_working_days_is_between_due_and_today():
    c = case(opened_at=datetime(2025, 3, 7, 2, tzinfo=UTC))
    due = cases.due(c, W, 5)
    assert due == D("2025-03-14")
    assert [W.between(due, D(t)) for t in ("2025-03-15", "2025-03-17", "2025-03-21")] == [0, 1, 5]


def test_every_action_has_a_role_and_a_function():
    assert set(cases.ACTION_ROLES) == {"verify", "rectify", "rectify_done", "callback", "appeal", "decide_appeal"}
    assert set(cases.ACTION_ROLES.values()) <= {"staff", "manager", "admin"}
    assert cases.ACTION_ROLES["appeal"] == "staff" and cases.ACTION_ROLES["decide_appeal"] == "manager"
    assert all(callable(getattr(cases, action)) for action in cases.ACTION_ROLES)
