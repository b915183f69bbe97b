"""The figures (assess/figures.py) over tables of records, each figure worked out by hand.

A fixture month of eleven tickets has every figure computed in the comments; then the
edges (nothing rated, upheld and rejected appeals, a ticket transferred twice, overdue
cases), and generated months whose count figures must add up however they are sliced
and equal the records drill() gives behind them.
"""
from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from assess.figures import (COUNT_FIGURES, TOTAL, FigureSettings, MondayToFriday, Row, drill, figures, rank)
from assess.records import LEVELS, CaseRecord, RatingRecord, StepRecord

TZ = ZoneInfo("Asia/Shanghai")
D1, D2 = date(2026, 11, 2), date(2026, 11, 3)           # a Monday and a Tuesday
TODAY = date(2026, 11, 30)
SETTINGS = FigureSettings(service_level_minutes=15, service_limits={"A": 15, "B": 8},
                          matter_limits={"passport": 40})


def at(day: date, hhmm: str | None) -> datetime | None:
    if hhmm is None:
        return None
    h, m = hhmm.split(":")
    return datetime(day.year, day.month, day.day, int(h), int(m), tzinfo=TZ)


def step(ticket, n, day, service, queued, first, called, calls, started, ended, outcome, window, staff, post,
         matter=None, hall="H1", issued=None) -> StepRecord:
    return StepRecord(hall=hall, ticket_id=ticket, step=n, business_day=day, number=f"{service}{ticket:03d}",
                      service=service, matter=matter, priority=None, issued_at=at(day, issued or queued),
                      queued_at=at(day, queued), first_called_at=at(day, first), called_at=at(day, called),
                      calls=calls, started_at=at(day, started), ended_at=at(day, ended), outcome=outcome,
                      window=window, staff=staff, post=post)


def rating(rid, s: StepRecord, level, excluded=False) -> RatingRecord:
    return RatingRecord(hall=s.hall, rating_id=rid, ticket_id=s.ticket_id, step=s.step, business_day=s.business_day,
                        number=s.number, service=s.service, matter=s.matter, window=s.window, staff=s.staff,
                        level=level, channel="rater", device=None, reasons=(), comment="",
                        at=s.ended_at or s.queued_at, excluded=excluded,
                        exclusion_reason="申诉成立" if excluded else "")


def case(cid, r: RatingRecord, status, opened_at, **kw) -> CaseRecord:
    return CaseRecord(hall=r.hall, case_id=cid, rating_id=r.rating_id, ticket_id=r.ticket_id, step=r.step,
                      business_day=r.business_day, number=r.number, service=r.service, matter=r.matter,
                      window=r.window, staff=r.staff, level=r.level, opened_at=opened_at, status=status, **kw)


# The fixture month. Waits are called - queued, service times ended - started, in seconds;
# "within" is first call - queued <= 15 min.
#   ticket step day svc  queued first  called calls started ended  outcome     win staff  post
STEPS = [
    step(1, 0, D1, "A", "09:00", "09:10", "09:10", 1, "09:11", "09:21", "finished", 1, "zhang", "A"),
    #    wait 600, service 600, within (10 min)
    step(2, 0, D1, "A", "09:02", "09:20", "09:24", 2, "09:25", "09:45", "finished", 1, "zhang", "A"),
    #    recalled: wait to the answered call 09:24 = 1320; first call after 18 min: not within;
    #    service 1200 > A's 15 min: a breach
    step(3, 0, D1, "A", "09:05", "09:30", "09:35", 3, None, "09:38", "no_show", 1, "zhang", "A"),
    #    called (25 min: not within), never answered: no wait
    step(3, 1, D1, "A", "10:00", "10:05", "10:05", 1, "10:06", "10:16", "finished", 2, "li", "B"),
    #    rejoined: wait 300, service 600, within
    step(4, 0, D1, "B", "09:00", "09:05", "09:05", 1, "09:06", "09:14", "transferred", 2, "li", "B"),
    #    served, then transferred: wait 300, service 480 = B's 8 min exactly: not a breach
    step(4, 1, D1, "A", "09:14", "09:20", "09:20", 1, "09:21", "09:51", "finished", 1, "zhang", "A",
         matter="passport", issued="09:00"),
    #    wait 360, service 1800: over A's 15 min but the matter's own 40 min wins: no breach
    step(5, 0, D1, "B", "09:10", None, None, 0, None, "09:30", "cancelled", None, None, None),
    step(6, 0, D1, "B", "16:00", None, None, 0, None, "17:00", "expired", None, None, None),
    step(7, 0, D2, "A", "09:00", "09:03", "09:03", 1, None, "09:04", "transferred", 2, "li", "B"),
    #    answered then transferred without service: wait 180, not served; within
    step(7, 1, D2, "B", "09:04", "09:08", "09:08", 1, "09:08", None, "serving", 2, "li", "B", issued="09:00"),
    #    open; wait 240; within
    step(8, 0, D2, "A", "09:30", None, None, 0, None, None, "waiting", None, None, None),
    step(9, 0, D2, "A", "10:00", "10:01", "10:01", 1, "10:02", "10:12", "finished", 1, "li", "B"),
    #    li covering window 1 as its B post: wait 60, service 600, within
    step(10, 0, D2, "A", "11:00", "11:05", "11:05", 1, "11:05", "11:15", "finished", 2, "li", "B"),
    #    wait 300, service 600, within
    step(11, 0, D2, "A", "11:00", "11:20", "11:20", 1, "11:20", "11:32", "finished", 1, "zhang", "A"),
    #    wait 1200, not within (20 min), service 720
]
S = {(s.ticket_id, s.step): s for s in STEPS}
RATINGS = [
    rating(1, S[1, 0], "very_satisfied"),
    rating(2, S[2, 0], "dissatisfied"),
    rating(3, S[3, 1], "satisfied"),
    rating(4, S[4, 0], None),                               # the time to rate passed: unrated
    rating(5, S[4, 1], "very_dissatisfied", excluded=True),  # appeal upheld
    rating(6, S[10, 0], "basic"),
    rating(7, S[11, 0], "very_dissatisfied"),               # appeal rejected: still counts
]                                                           # step (9, 0): never rated
R = {r.rating_id: r for r in RATINGS}
CASES = [
    case(1, R[2], "closed", at(D1, "10:00"), rectify_mode="on_spot", rectified_at=at(D1, "10:30"),
         callback_at=at(D2, "09:00"), callback_view="satisfied", closed_at=at(D2, "09:00")),
    case(2, R[5], "closed", at(D1, "10:00"), appeal="upheld", closed_at=at(D2, "10:00")),
    case(3, R[7], "rectifying", at(D2, "11:40"), rectify_mode="ledger", deadline=date(2026, 11, 10),
         appeal="rejected"),                                # due 11-10, today 11-30: overdue
]


def total(steps=STEPS, ratings=RATINGS, cases=CASES, settings=SETTINGS, today=TODAY) -> Row:
    [row] = figures(steps, ratings, cases, by="total", settings=settings, today=today)
    return row


def test_the_fixture_month_figure_by_figure():
    row = total()
    assert row.key == TOTAL
    expected = dict(
        tickets=11,              # tickets 1..11 each have a step 0
        steps=14,
        called=11,               # every step with a first call: all but 5, 6, 8
        called_within=8,         # all called but (2,0) 18 min, (3,0) 25 min, (11,0) 20 min
        answered=10,             # called and served, serving or transferred: not (3,0), the no-show
        served=8,                # (1,0) (2,0) (3,1) (4,0) (4,1) (9,0) (10,0) (11,0)
        no_shows=1, transfers=2, cancellations=1, expired=1,
        open=2,                  # (7,1) serving, (8,0) waiting
        breaches=1,              # (2,0)
        served_as_a=4,           # zhang's (1,0) (2,0) (4,1) (11,0)
        served_as_b=4,           # li's (3,1) (4,0) (9,0) (10,0)
        # waits 600+1320+300+300+360+180+240+60+300+1200 = 4860 over 10
        avg_wait=486.0,
        # sorted 60 180 240 300 300 300 360 600 1200 1320; nearest rank ceil(0.9*10) = 9th
        p90_wait=1200.0,
        # services 600+1200+600+480+1800+600+600+720 = 6600 over 8
        avg_service=825.0,
        # sorted 480 600 600 600 600 720 1200 1800; ceil(0.9*8) = 8th
        p90_service=1800.0,
        service_level=8 / 11,
        no_show_rate=1 / 11,
        very_satisfied=1, satisfied=1, basic=1, dissatisfied=1,
        very_dissatisfied=1,     # rating 7; rating 5 is excluded
        rated=5,                 # 1, 2, 3, 6, 7 (4 has no level, 5 is excluded)
        bad=2,                   # 2, 7
        excluded=1,              # 5
        unrated=2,               # (4,0) rated None, (9,0) never rated; (4,1) was rated, then excluded
        satisfaction=3 / 5,      # (1 + 1 + 1) / 5
        unrated_share=2 / 8,
        cases_opened=3, cases_upheld=1,
        cases_closed=1, cases_rectified=1, cases_called_back=1,   # case 1; case 2 is the upheld appeal
        cases_overdue=1,         # case 3
        rectification_rate=1 / 2, callback_rate=1 / 2,            # over cases 1 and 3
    )
    assert {k: getattr(row, k) for k in expected} == expected
    assert set(expected) == {f for f in Row.__dataclass_fields__ if f != "key"}


def test_the_fixture_month_by_staff():
    rows = {r.key: r for r in figures(STEPS, RATINGS, CASES, by="staff", settings=SETTINGS, today=TODAY)}
    assert list(rows) == ["li", "zhang", None]              # None: steps nobody called, last
    li, zhang, nobody = rows["li"], rows["zhang"], rows[None]
    # li: (3,1) (4,0) (7,0) (7,1) (9,0) (10,0); zhang: (1,0) (2,0) (3,0) (4,1) (11,0); nobody: 5, 6, 8
    assert (li.steps, zhang.steps, nobody.steps) == (6, 5, 3)
    assert (li.tickets, zhang.tickets, nobody.tickets) == (4, 4, 3)   # step-0s: li 4 7 9 10, zhang 1 2 3 11
    assert (li.transfers, zhang.transfers) == (2, 0)       # (4,0) and (7,0), each in the step it ended
    # li's waits 300 300 180 240 60 300 = 1380 over 6; zhang's 600 1320 360 1200 = 3480 over 4
    assert (li.avg_wait, zhang.avg_wait) == (230.0, 870.0)
    # li rated 3 (satisfied), 6 (basic), rating 4 no level: 2/2; zhang 1 (very satisfied), 2, 7 bad: 1/3
    assert (li.rated, li.satisfaction, li.unrated) == (2, 1.0, 2)
    assert (zhang.rated, zhang.satisfaction, zhang.excluded, zhang.bad) == (3, 1 / 3, 1, 2)
    assert (nobody.satisfaction, nobody.unrated_share, nobody.service_level) == (None, None, None)
    assert (zhang.cases_opened, zhang.cases_overdue, li.cases_opened) == (3, 1, 0)


def test_each_clerk_at_each_window_as_a_or_b_post():
    rows = {r.key: (r.served, r.served_as_a, r.served_as_b)
            for r in figures(STEPS, RATINGS, CASES, by=("staff", "window"), settings=SETTINGS, today=TODAY)}
    assert rows == {("li", 1): (1, 0, 1), ("li", 2): (3, 0, 3), ("zhang", 1): (4, 4, 0), (None, None): (0, 0, 0)}


def test_by_day_month_service_matter_and_hall_keys():
    def keys(by):
        return [r.key for r in figures(STEPS, RATINGS, CASES, by=by, settings=SETTINGS, today=TODAY)]
    assert keys("day") == [D1, D2]
    assert keys("month") == ["2026-11"]
    assert keys("service") == ["A", "B"]
    assert keys("matter") == ["passport", None]
    assert keys("hall") == ["H1"]
    assert keys("window") == [1, 2, None]


def test_nothing_rated_gives_no_satisfaction_and_all_unrated():
    row = total(ratings=[], cases=[])
    assert (row.rated, row.satisfaction, row.unrated, row.unrated_share) == (0, None, 8, 1.0)
    assert (row.rectification_rate, row.callback_rate) == (None, None)


def test_no_records_at_all_still_give_the_total():
    row = total(steps=[], ratings=[], cases=[])
    assert (row.key, row.tickets, row.served, row.avg_wait, row.p90_wait, row.satisfaction, row.unrated_share) == (
        TOTAL, 0, 0, None, None, None, None)
    assert figures([], [], [], by="staff", settings=SETTINGS, today=TODAY) == []


def test_ratings_without_a_level_are_unrated_not_satisfied():
    levelless = [replace(r, level=None, excluded=False) for r in RATINGS]
    row = total(ratings=levelless, cases=[])
    assert (row.rated, row.satisfaction, row.unrated_share, row.excluded) == (0, None, 1.0, 0)


def test_an_upheld_appeal_is_excluded_and_a_rejected_one_counts():
    s1, s2 = S[10, 0], S[11, 0]
    upheld = rating(21, s1, "very_dissatisfied", excluded=True)
    rejected = rating(22, s2, "dissatisfied")
    cases = [case(1, upheld, "closed", at(D2, "12:00"), appeal="upheld"),
             case(2, rejected, "callback", at(D2, "12:00"), appeal="rejected", rectify_mode="on_spot",
                  rectified_at=at(D2, "12:30"))]
    row = total(steps=[s1, s2], ratings=[upheld, rejected], cases=cases)
    assert (row.rated, row.bad, row.dissatisfied, row.very_dissatisfied, row.excluded) == (1, 1, 1, 0, 1)
    assert (row.satisfaction, row.unrated, row.unrated_share) == (0.0, 0, 0.0)
    assert (row.cases_opened, row.cases_upheld, row.cases_rectified, row.cases_called_back) == (2, 1, 1, 0)
    assert (row.rectification_rate, row.callback_rate) == (1.0, 0.0)
    assert drill([s1, s2], [upheld, rejected], key_by="total", key=TOTAL, figure="excluded") == [upheld]


def test_a_transfer_counts_once_in_the_step_it_ended():
    # One ticket A -> B -> C: zhang serves A and transfers, li serves B and transfers, wang finishes C.
    chain = [step(1, 0, D1, "A", "09:00", "09:05", "09:05", 1, "09:05", "09:10", "transferred", 1, "zhang", "A"),
             step(1, 1, D1, "B", "09:10", "09:15", "09:15", 1, "09:15", "09:20", "transferred", 2, "li", "A",
                  issued="09:00"),
             step(1, 2, D1, "C", "09:20", "09:25", "09:25", 1, "09:25", "09:30", "finished", 3, "wang", "A",
                  issued="09:00")]
    def by(b):
        return {r.key: (r.tickets, r.steps, r.transfers, r.served)
                for r in figures(chain, [], [], by=b, settings=SETTINGS, today=TODAY)}
    assert by("total") == {TOTAL: (1, 3, 2, 3)}
    assert by("staff") == {"li": (0, 1, 1, 1), "wang": (0, 1, 0, 1), "zhang": (1, 1, 1, 1)}
    assert by("service") == {"A": (1, 1, 1, 1), "B": (0, 1, 1, 1), "C": (0, 1, 0, 1)}


@pytest.mark.parametrize("why, kw, today, overdue", [
    ("ledger deadline is the last day", dict(deadline=date(2026, 11, 10)), date(2026, 11, 10), 0),
    ("the day after the ledger deadline", dict(deadline=date(2026, 11, 10)), date(2026, 11, 11), 1),
    # opened Friday 11-06: 5 working days on Mon-Fri is Friday 11-13
    ("no ledger yet: due 5 working days on", {}, date(2026, 11, 13), 0),
    ("no ledger yet: Saturday after the due Friday", {}, date(2026, 11, 14), 1),
    ("rectified: never overdue", dict(deadline=date(2026, 11, 10), rectified_at=at(D1, "12:00")),
     date(2026, 12, 31), 0),
])
def test_overdue_cases(why, kw, today, overdue):
    r = RATINGS[1]
    c = case(1, r, "rectifying", datetime(2026, 11, 6, 15, 0, tzinfo=TZ), **kw)
    assert total(steps=[], ratings=[], cases=[c], today=today).cases_overdue == overdue


def test_overdue_counts_working_days_from_the_workdays_given():
    class NationalDay(MondayToFriday):               # a week off from Monday 11-09
        def is_workday(self, d):
            return super().is_workday(d) and not date(2026, 11, 9) <= d <= date(2026, 11, 13)

        def add(self, start, n):
            d = start
            while n:
                d += timedelta(days=1)
                n -= self.is_workday(d)
            return d
    c = case(1, RATINGS[1], "verifying", datetime(2026, 11, 6, 15, 0, tzinfo=TZ))
    [row] = figures([], [], [c], by="total", settings=SETTINGS, today=date(2026, 11, 16), workdays=NationalDay())
    assert row.cases_overdue == 0                     # due Friday 11-20 on this calendar
    assert total(steps=[], ratings=[], cases=[c], today=date(2026, 11, 16)).cases_overdue == 1


def test_overdue_is_the_case_rules_own():
    from hall import cases as case_rules
    from hall.workdays import Workdays
    rng, workdays = random.Random(7), Workdays()
    _, _, cases = random_month(rng, steps=3000)
    for today in (date(2026, 11, 5), date(2026, 11, 20), date(2026, 12, 10)):
        [row] = figures([], [], cases, by="total", settings=SETTINGS, today=today, workdays=workdays)
        assert row.cases_overdue == sum(case_rules.overdue(c, today, workdays, SETTINGS.case_deadline_days)
                                        for c in cases if c.appeal != "upheld")


@pytest.mark.parametrize("values, expected", [
    ([0.9, 0.95, 0.8], [(1, 0.95), (2, 0.9), (3, 0.8)]),
    ([0.9, 0.95, 0.9, 0.8], [(1, 0.95), (2, 0.9), (2, 0.9), (4, 0.8)]),   # ties share; the next skips
    ([None, 0.7, 0.7], [(1, 0.7), (1, 0.7), (None, None)]),               # nothing rated: last, unranked
    ([], []),
])
def test_window_ranking(values, expected):
    rows = [replace(total(), key=i, satisfaction=v) for i, v in enumerate(values)]
    assert [(n, r.satisfaction) for n, r in rank(rows)] == expected


def test_ranking_by_a_figure_where_less_is_better():
    rows = [replace(total(), key=i, avg_wait=v) for i, v in enumerate([300.0, 120.0, None, 600.0])]
    assert [(n, r.key) for n, r in rank(rows, "avg_wait")] == [(1, 1), (2, 0), (3, 3), (None, 2)]


def test_drill_gives_the_records_behind_a_figure():
    def d(figure, by="staff", key="zhang"):
        return drill(STEPS, RATINGS, CASES, key_by=by, key=key, figure=figure, settings=SETTINGS, today=TODAY)
    assert d("bad") == [R[2], R[7]]
    assert d("unrated", key="li") == [S[4, 0], S[9, 0]]
    assert d("breaches") == [S[2, 0]]
    assert d("p90_wait") == [S[2, 0], S[11, 0], S[1, 0], S[4, 1]]          # the longest waits first
    assert d("cases_overdue") == [CASES[2]]
    assert d("tickets", by="total", key=TOTAL) == [s for s in STEPS if s.step == 0]
    assert d("satisfaction", by="day", key=D2) == [R[6], R[7]]
    with pytest.raises(ValueError):
        d("happiness")


def test_an_unknown_grouping_or_level_is_refused():
    with pytest.raises(ValueError, match="group by one of"):
        figures(STEPS, RATINGS, CASES, by="clerk", settings=SETTINGS, today=TODAY)
    with pytest.raises(ValueError, match="level 'ok'"):
        total(ratings=[replace(RATINGS[0], level="ok")])
    with pytest.raises(ValueError, match="outcome 'done'"):
        total(steps=[replace(STEPS[0], outcome="done")])


# -- generated months ----------------------------------------------------------

SERVICES = tuple("ABCDEFGHJKLM")


def random_month(rng: random.Random, steps: int = 5000, halls=("H1",), days: int = 22, windows: int = 40,
                 staff: int = 60, rate_share: float = 0.8):
    """A month of a hall: about `steps` steps with their ratings and bad-rating cases, reproducibly random."""
    first = date(2026, 11, 2)
    business_days = [d for d in (first + timedelta(days=i) for i in range(days * 2)) if d.weekday() < 5][:days]
    out_steps, out_ratings, out_cases = [], [], []
    ticket = 0
    while len(out_steps) < steps:
        ticket += 1
        hall, day = rng.choice(halls), rng.choice(business_days)
        service = rng.choice(SERVICES)
        matter = rng.choice((None, f"{service}-1", f"{service}-2"))
        issued = datetime(day.year, day.month, day.day, 9, tzinfo=TZ) + timedelta(seconds=rng.randrange(7 * 3600))
        queued, n = issued, 0
        while True:
            outcome = rng.choices(("finished", "transferred", "no_show", "cancelled", "expired", "waiting",
                                   "called", "serving"), (78, 7, 5, 3, 2, 2, 1, 2))[0]
            window = rng.randrange(1, windows + 1)
            clerk = f"s{(window * 7 + day.day) % staff}" if rng.random() > 0.01 else None
            wait = timedelta(seconds=int(rng.expovariate(1 / 720)))
            first_call = queued + wait if outcome not in ("cancelled", "expired", "waiting") else None
            calls = rng.choice((1, 1, 1, 2, 3)) if first_call else 0
            called = first_call + timedelta(seconds=30 * (calls - 1)) if first_call else None
            started = (called + timedelta(seconds=40) if outcome in ("finished", "serving")
                       or (outcome == "transferred" and rng.random() < 0.8) else None)
            ended = (None if outcome in ("waiting", "called", "serving") else
                     (started or called or queued + wait) + timedelta(seconds=int(rng.expovariate(1 / 480)) + 1))
            s = StepRecord(hall=hall, ticket_id=ticket, step=n, business_day=day, number=f"{service}{ticket:04d}",
                           service=service, matter=matter, priority=None, issued_at=issued, queued_at=queued,
                           first_called_at=first_call, called_at=called, calls=calls, started_at=started,
                           ended_at=ended, outcome=outcome,
                           window=window if first_call else None, staff=clerk if first_call else None,
                           post=rng.choice(("A", "A", "A", "B", None)) if first_call else None)
            out_steps.append(s)
            if s.served and rng.random() < rate_share:
                rid = len(out_ratings) + 1
                level = rng.choices(LEVELS + (None,), (60, 25, 6, 3, 2, 4))[0]
                excluded = level in ("dissatisfied", "very_dissatisfied") and rng.random() < 0.2
                r = rating(rid, s, level, excluded=excluded)
                out_ratings.append(r)
                if r.bad:
                    out_cases.append(random_case(rng, len(out_cases) + 1, r, excluded))
            if outcome not in ("transferred", "no_show") or (outcome == "no_show" and rng.random() < 0.5):
                break
            n, queued = n + 1, ended + timedelta(seconds=rng.randrange(600))
            service = rng.choice(SERVICES) if outcome == "transferred" else service
    return out_steps, out_ratings, out_cases


def random_case(rng, cid, r: RatingRecord, excluded: bool) -> CaseRecord:
    opened = r.at + timedelta(minutes=5)
    status = rng.choice(("verifying", "rectifying", "callback", "closed"))
    kw = {}
    if status != "verifying" and rng.random() < 0.5:
        kw["rectify_mode"], kw["deadline"] = "ledger", opened.date() + timedelta(days=rng.randrange(5, 20))
    if status in ("callback", "closed"):
        kw["rectified_at"] = opened + timedelta(hours=2)
    if status == "closed":
        kw["callback_at"] = kw["closed_at"] = opened + timedelta(days=1)
    appeal = "upheld" if excluded else rng.choice((None, None, None, "pending", "rejected"))
    return case(cid, r, "closed" if excluded else status, opened, appeal=appeal, **kw)


SLICES = ["staff", "window", "service", "matter", "hall", "day", "month", ("staff", "window"), ("hall", "day")]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_count_figures_add_up_however_sliced(seed):
    steps, ratings, cases = random_month(random.Random(seed), steps=4000, halls=("H1", "H2"))
    whole = total(steps, ratings, cases, today=date(2026, 11, 25))
    assert whole.served > 3000 and whole.rated > 2000 and whole.cases_opened > 50 and whole.excluded > 0
    for by in SLICES:
        rows = figures(steps, ratings, cases, by=by, settings=SETTINGS, today=date(2026, 11, 25))
        assert len({r.key for r in rows}) == len(rows)
        for name in COUNT_FIGURES:
            assert sum(getattr(r, name) for r in rows) == getattr(whole, name), (by, name)
        # the averages are the totals' once weighted by what they are over
        assert sum(r.avg_wait * r.answered for r in rows if r.answered) == pytest.approx(
            whole.avg_wait * whole.answered)
        assert sum(r.avg_service * r.served for r in rows if r.served) == pytest.approx(
            whole.avg_service * whole.served)


def test_each_count_is_the_number_of_records_drill_gives():
    steps, ratings, cases = random_month(random.Random(4), steps=1500)
    today = date(2026, 11, 25)
    rows = figures(steps, ratings, cases, by="staff", settings=SETTINGS, today=today)
    for row in rows[:3] + rows[-1:]:                        # rows[-1]: staff None
        for name in COUNT_FIGURES:
            got = drill(steps, ratings, cases, key_by="staff", key=row.key, figure=name, settings=SETTINGS,
                        today=today)
            assert len(got) == getattr(row, name), (row.key, name)


def test_generators_and_lists_give_the_same_figures():
    steps, ratings, cases = random_month(random.Random(5), steps=800)
    listed = figures(steps, ratings, cases, by="window", settings=SETTINGS, today=TODAY)
    assert figures(iter(steps), iter(ratings), iter(cases), by="window", settings=SETTINGS, today=TODAY) == listed


@pytest.mark.parametrize("by", ["total", "staff", "window", ("hall", "day")])
def test_facts_give_the_records_figures_in_any_order(by):
    """What a reader's facts() hands over (the steps' times as microseconds) gives the records' own figures,
    exactly, and shuffled records give the same averages to the last bit (the sums are of integers)."""
    from assess.records import rating_facts, step_facts
    steps, ratings, cases = random_month(random.Random(6), steps=1500, halls=("H1", "H2"))
    steps = [replace(s, queued_at=s.queued_at + timedelta(microseconds=137 * i)) for i, s in enumerate(steps)]
    kw = dict(by=by, settings=SETTINGS, today=date(2026, 11, 25))
    from_records = figures(steps, ratings, cases, **kw)
    facts = [step_facts(s) for s in steps], [rating_facts(r) for r in ratings]
    assert figures(*facts, cases, **kw) == from_records
    mixed = facts[0][::2] + steps[1::2], ratings[::2] + facts[1][1::2]     # both kinds in one list
    rng = random.Random(7)
    for part in mixed:
        rng.shuffle(part)
    assert figures(*mixed, cases, **kw) == from_records
    assert any(r.breaches and r.called_within < r.called for r in from_records)



def test_drill_wants_the_records_not_their_facts():
    from assess.records import rating_facts, step_facts
    with pytest.raises(TypeError, match="not facts"):
        drill([step_facts(s) for s in STEPS], RATINGS, CASES, key_by="total", key=TOTAL, figure="served")
    with pytest.raises(TypeError, match="not facts"):
        drill(STEPS, [rating_facts(r) for r in RATINGS], CASES, key_by="total", key=TOTAL, figure="rated")


def test_the_wait_charts_waits_are_the_ones_avg_wait_is_over():
    from assess.figures import answered_waits
    from assess.records import step_facts
    row = total()
    waits = answered_waits(STEPS)
    assert len(waits) == row.answered and sum(waits) / len(waits) == row.avg_wait == 486.0
    assert answered_waits(step_facts(s) for s in STEPS) == waits
    assert sorted(waits)[-(-9 * len(waits) // 10) - 1] == row.p90_wait      # nearest rank
