"""The city's figures of every hall are the hall's own: the same records on both sides, the same code.

Three halls run real visits (tests/assess/test_replay.py's busy day, on two
business days of two months, every kind of step, rating and case); each hall's
rows go into the city's PostgreSQL tables; assess/figures.py and the star
rating's citizens' part are computed from each side's records and compared
exactly, for each hall and for all halls at once.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from assess.figures import FigureSettings, figures
from assess.reader import Reader
from assess.starbook import citizens_of_year
from city.reader import CityReader
from tests.city.cityfixture import hall_file
from tests.city.hallcopy import copy_hall

HALLS = ("town-east", "town-west", "village-3")
START, END = date(2026, 11, 1), date(2026, 12, 31)
TODAY = date(2026, 12, 15)


@pytest.fixture(scope="module")
def hall_files(tmp_path_factory, config_module):
    """Each hall's file after a busy day in November and another in December."""
    return {code: hall_file(tmp_path_factory.mktemp(code) / "hallq.db", config_module, code,
                            [date(2026, 11, 26 + i), date(2026, 12, 8 + i)], seed=7 + 10 * i)
            for i, code in enumerate(HALLS)}


@pytest.fixture(scope="module")
def config_module():
    from config import load_config
    return load_config()


@pytest.fixture
def city(city_conn, hall_files):
    for code, path in hall_files.items():
        counts = copy_hall(path, code, city_conn)
        assert counts["steps"] > 100 and counts["ratings"] > 40 and counts["cases"] >= 10 and counts["alarms"] > 0
    return city_conn


def _months():
    return [(date(2026, 11, 1), date(2026, 11, 30)), (date(2026, 12, 1), date(2026, 12, 31))]


@pytest.mark.parametrize("by", ["month", "window", "staff", "service", "matter", "day", ("staff", "window")])
def test_every_halls_monthly_figures_in_the_city_equal_the_halls_own(city, hall_files, by):
    settings = FigureSettings()
    for code, path in hall_files.items():
        for start, end in _months():
            with Reader(path, code) as own:
                mine = own.records(start, end)
            theirs = CityReader(city, code).records(start, end)
            assert theirs == mine                   # the records, field by field
            a = figures(*mine, by=by, settings=settings, today=TODAY)
            b = figures(*theirs, by=by, settings=settings, today=TODAY)
            assert b == a
            assert a and sum(r.tickets for r in a) > 20


def test_all_halls_at_once_give_each_halls_figures_by_hall(city, hall_files):
    settings = FigureSettings()
    steps, ratings, cases = CityReader(city).records(START, END)
    rows = {r.key: r for r in figures(steps, ratings, cases, by=("hall", "month"), settings=settings, today=TODAY)}
    assert {k[0] for k in rows} == set(HALLS)
    for code, path in hall_files.items():
        with Reader(path, code) as own:
            for r in figures(*own.records(START, END), by="month", settings=settings, today=TODAY):
                assert rows[(code, r.key)] == replace(r, key=(code, r.key))
    total = figures(steps, ratings, cases, by="total", settings=settings, today=TODAY)[0]
    assert total.cases_overdue >= 3 and total.excluded >= 6 and total.transfers > 0 and total.no_shows > 0


def test_the_star_ratings_citizens_part_inputs_names_and_alarms_in_the_city_equal_the_halls(city, hall_files):
    settings = FigureSettings()
    by_hall = CityReader(city).level_counts_by_hall(START, END)
    for code, path in hall_files.items():
        with Reader(path, code) as own:
            mine = citizens_of_year(own, 2026)
            assert own.star_inputs(2026) == CityReader(city, code).star_inputs(2026)
            assert own.staff_names() == CityReader(city, code).staff_names()
            assert own.level_counts(START, END) == by_hall[code]
            assert own.alarms(START, END) == CityReader(city, code).alarms(START, END)
            rows = figures((), (), own.cases(START, END), by="month", settings=settings, today=TODAY)
        counted = CityReader(city).case_counts_by_hall(START, END)[code]
        assert counted == {r.key: (r.cases_opened, r.cases_upheld, r.cases_rectified) for r in rows}
        assert any(o > u + r > 0 and u > 0 for o, u, r in counted.values())     # every kind is counted
        assert citizens_of_year(CityReader(city, code), 2026) == mine
        assert set(mine) == {"2026-11", "2026-12"}


def test_a_hall_reader_sees_only_its_hall(city, hall_files):
    steps, ratings, cases = CityReader(city, "town-west").records(START, END)
    assert steps and ratings and cases
    assert {r.hall for r in (*steps, *ratings, *cases)} == {"town-west"}
    assert CityReader(city, "no-such-hall").records(START, END) == ([], [], [])
    counts = CityReader(city).counts(START, END)
    assert counts["steps"] == sum(CityReader(city, h).counts(START, END)["steps"] for h in HALLS)


@pytest.mark.parametrize("by", ["staff", "window", ("hall", "day")])
def test_the_citys_facts_are_the_halls_facts_to_the_microsecond(city, hall_files, by):
    """The figures' fast read: PostgreSQL works the steps' durations out of its timestamps, the hall's
    file keeps them as integers; both give the same facts, and the same figures as the records."""
    settings = FigureSettings()
    order = lambda facts: sorted(facts, key=lambda f: (f.hall, f.ticket_id, f.step))
    everyone = CityReader(city).facts(START, END)
    for code, path in hall_files.items():
        with Reader(path, code) as own:
            mine, records = own.facts(START, END), own.records(START, END)
        theirs = CityReader(city, code).facts(START, END)
        assert order(theirs[0]) == order(mine[0]) and order(theirs[1]) == order(mine[1]) and theirs[2] == mine[2]
        assert sum(1 for f in mine[0] if f.wait_us and f.service_us) > 50
        assert figures(*theirs, by=by, settings=settings, today=TODAY) == figures(*records, by=by, settings=settings,
                                                                                   today=TODAY)
        assert order(f for f in everyone[0] if f.hall == code) == order(mine[0])


@pytest.mark.parametrize("start, end", [
    ("2026-11-27T09:00:00.999999+08:00", "2026-11-27T09:07:41.000001+08:00"),
    ("2026-11-27T09:59:59.999500+08:00", "2026-11-27T02:00:00.000500+01:00"),
    ("2026-11-27T09:00:00+08:00", "2026-11-28T09:00:00.5+08:00"),
])
def test_the_citys_durations_are_exact_microseconds(city_conn, start, end):
    from datetime import datetime
    from assess.records import micros_between
    from city.reader import _micros
    got = city_conn.execute(f"SELECT {_micros('%(start)s::timestamptz', '%(end)s::timestamptz')}",
                            {"start": start, "end": end}).fetchone()[0]
    assert got == micros_between(datetime.fromisoformat(start), datetime.fromisoformat(end))
