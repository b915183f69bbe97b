"""What the city's page and star tests put into the city's tables: halls, busy days, a year of star inputs.

`STAR_YEAR` is a fixture year (2025) of three township centres whose every
month's points are worked out by hand below, with the year rule's verdict.
"""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta

from assess.records import CaseRecord, case_to_json
from hall.clock import FakeClock
from hall.hall import Hall
from hall.store import Store
from tests.assess.test_replay import busy_day
from tests.city.hallcopy import copy_hall
from tests.conftest import TZ

ASPECTS = ("dedication", "conduct", "quality", "integrity", "satisfaction")


def add_hall(conn, code: str, name: str, tier: str, parent=None, link: str = "online", lag: float = 5.0,
             name_en: str = "") -> None:
    now = datetime.now(TZ)
    conn.execute("INSERT INTO halls (code, name, name_en, tier, parent, link, last_seen_at, last_record_at)"
                 " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                 (code, name, name_en or code, tier, parent, link, now if link == "online" else now - timedelta(hours=5),
                  now - timedelta(seconds=lag)))


def busy_hall(conn, tmp_path, config, code: str, days: list[date], seed: int) -> None:
    """A real hall `code` through tests/assess/test_replay.py's busy day on each of `days` (09:00), its rows
    then copied into the city's tables."""
    copy_hall(hall_file(tmp_path / code / "hallq.db", config, code, days, seed), code, conn)


def hall_file(path, config, code: str, days: list[date], seed: int):
    """A real hall's file at `path` after the busy day on each of `days` (09:00); its path."""
    clock = FakeClock(datetime(days[0].year, days[0].month, days[0].day, 9, 0, tzinfo=TZ))
    store = Store(path)
    hall = Hall(replace(config, code=code), store, clock=clock)
    try:
        for i, d in enumerate(days):
            start = datetime(d.year, d.month, d.day, 9, 0, tzinfo=TZ)
            if clock() < start:
                clock.advance(seconds=(start - clock()).total_seconds())
            busy_day(hall, clock, seed=seed + i)
    finally:
        hall.bus.close()
        store.close()
    return store.path


SUPERVISOR = ("supervisor", "王督查", "city-pass-1")     # the pages' tests' city account: username, name, password


def three_tiers(conn, tmp_path, config) -> None:
    """What the pages' tests show: a city centre and a township centre (offline two hours) with today's busy
    day (the township also a month ago, whose ledger case is overdue now), a village never connected, the
    fixture year of star ratings, and the city account SUPERVISOR."""
    from city import accounts
    today = datetime.now(TZ).date()
    add_hall(conn, "demo-city", "市行政服务中心", "city", lag=3)
    add_hall(conn, "town-east", "东镇便民服务中心", "township", parent="demo-city", link="offline", lag=7200)
    add_hall(conn, "village-3", "三村便民服务中心", "village", parent="town-east", link="never")
    busy_hall(conn, tmp_path, config, "demo-city", [today], seed=3)
    busy_hall(conn, tmp_path, config, "town-east", [today - timedelta(days=30), today], seed=5)
    star_year(conn)
    accounts.add_account(conn, *SUPERVISOR)


# -- the fixture year of star ratings, by hand ---------------------------------------------

# Each kind of month: (self-assessment of every aspect, inspection score or None, ratings by level,
# bad-rating cases as (rectified?) and the points worked out by hand, and the stars they give).
MONTHS = {
    # 0.3 * 100 + 0.3 * 90 + 0.4 * 90 (9 satisfied of 10) = 93.0 -> five stars
    "five": (100, 90, {"satisfied": 9, "very_dissatisfied": 1}, (), 93.0, 5),
    # 0.3 * 80 + 0.3 * 80 + 0.4 * 80 (8 of 10) = 80.0 -> four stars (the threshold itself)
    "four": (80, 80, {"very_satisfied": 8, "dissatisfied": 2}, (), 80.0, 4),
    # no inspection: its weight shared, (0.3 * 70 + 0.4 * 70) / 0.7 = 70.0 -> three stars
    "three": (70, None, {"basic": 7, "dissatisfied": 3}, (), 70.0, 3),
    # cases: 2 bad of 10 -> 80 %, one of the two cases rectified -> 50 %; citizens 0.75 * 80 + 0.25 * 50
    # = 72.5; 0.3 * 90 + 0.3 * 85 + 0.4 * 72.5 = 81.5 -> four stars
    "cases": (90, 85, {"very_satisfied": 8, "dissatisfied": 1, "very_dissatisfied": 1}, (True, False), 81.5, 4),
    # nothing entered: not assessed, whatever the citizens said
    "none": (None, None, {"satisfied": 5}, (), None, None),
}
# Three centres' years, January to December.
STAR_YEAR = {
    # 7 five-star months: reward; 5 below five: no warning
    "town-reward": ["five"] * 7 + ["four"] * 5,
    # 6 below five (the 6th in June) with 4 five-star and 2 not assessed: a warning, improve within 20
    # working days of 30 June 2025: July 2025 has no holiday, so 28 July 2025
    "town-warning": ["three", "four", "three", "cases", "four", "three", "none", "five", "five", "five", "five",
                     "none"],
    # 5 five-star, 5 below, 2 not assessed: neither
    "town-neither": ["five", "cases", "five", "cases", "five", "none", "three", "five", "four", "five", "four",
                     "none"],
}
VERDICTS = {"town-reward": dict(five_star=7, below_five=5, reward=True, warning=False, deadline=None),
            "town-warning": dict(five_star=4, below_five=6, reward=False, warning=True, deadline="2025-07-28",
                                 warning_month="2025-06"),
            "town-neither": dict(five_star=5, below_five=5, reward=False, warning=False, deadline=None)}


def star_year(conn) -> None:
    """The three centres of STAR_YEAR with their inputs, ratings and cases of 2025."""
    rid = cid = 0
    for code, kinds in STAR_YEAR.items():
        add_hall(conn, code, {"town-reward": "北镇便民服务中心", "town-warning": "西镇便民服务中心",
                              "town-neither": "南街道便民服务中心"}[code], "township", parent="demo-city")
        for m, kind in enumerate(kinds, start=1):
            own, inspection, levels, cases, _, _ = MONTHS[kind]
            day = date(2025, m, 10)
            at = datetime(2025, m, 10, 10, 0, tzinfo=TZ)
            if own is not None:
                inputs = {"self_assessment": dict.fromkeys(ASPECTS, own),
                          "inspection": None if inspection is None else {"score": inspection, "findings": ["窗口离岗"]}}
                conn.execute("INSERT INTO star_months (hall_code, month, inputs, entered_by, entered_at)"
                             " VALUES (%s, %s, %s, %s, %s)", (code, f"2025-{m:02d}", json.dumps(inputs), "assessor",
                                                              datetime(2025, m, 28, 16, 0, tzinfo=TZ)))
            bad_ids = []
            for level, n in levels.items():
                for _ in range(n):
                    rid += 1
                    conn.execute("INSERT INTO ratings (hall_code, id, ticket_id, step, business_day, number, service,"
                                 " matter, \"window\", staff, level, channel, device, reasons, comment, at, excluded,"
                                 " exclusion_reason) VALUES (%s, %s, %s, 0, %s, 'A001', 'A', NULL, 1, 'zhang', %s,"
                                 " 'rater', 'rater-1', %s, '', %s, false, '')",
                                 (code, rid, rid, day, level, json.dumps(["slow"] if "dis" in level else []), at))
                    if "dis" in level:
                        bad_ids.append(rid)
            for rectified, rating_id in zip(cases, bad_ids):
                cid += 1
                case = CaseRecord(hall=code, case_id=cid, rating_id=rating_id, ticket_id=rating_id, step=0,
                                  business_day=day, number="A001", service="A", matter=None, window=1, staff="zhang",
                                  level="dissatisfied", opened_at=at, status="closed" if rectified else "rectifying",
                                  rectify_mode="on_spot" if rectified else "ledger",
                                  rectified_at=at + timedelta(hours=2) if rectified else None,
                                  deadline=None if rectified else day + timedelta(days=7))
                conn.execute("INSERT INTO cases (hall_code, id, rating_id, ticket_id, step, business_day, opened_at,"
                             " status, record, updated_at) VALUES (%s, %s, %s, %s, 0, %s, %s, %s, %s, %s)",
                             (code, cid, rating_id, rating_id, day, at, case.status, json.dumps(case_to_json(case)),
                              at))
