"""Every township centre's star rating and the year rule in the city, on a fixture year worked out by hand
(tests/city/cityfixture.py: each kind of month's points and stars, each centre's verdict)."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from city import book
from tests.city.cityfixture import MONTHS, STAR_YEAR, VERDICTS, add_hall, star_year
from tests.conftest import TZ

TODAY = date(2026, 1, 20)


@pytest.fixture
def rated(city_conn):
    add_hall(city_conn, "demo-city", "市行政服务中心", "city")
    star_year(city_conn)
    add_hall(city_conn, "village-9", "九村便民服务中心", "village", parent="town-reward")
    halls = book.halls(city_conn, datetime(2026, 1, 20, 9, 0, tzinfo=TZ))
    return {r["hall"].code: r["year"] for r in book.stars(city_conn, halls, 2025, TODAY)}


def test_only_the_township_centres_are_rated(rated):
    assert sorted(rated) == sorted(STAR_YEAR)


@pytest.mark.parametrize("code", sorted(STAR_YEAR))
def test_each_months_points_and_stars_are_the_ones_worked_out_by_hand(rated, code):
    months = rated[code]["months"]
    assert [m["month"] for m in months] == [f"2025-{m:02d}" for m in range(1, 13)]
    for m, kind in zip(months, STAR_YEAR[code]):
        *_, points, stars = MONTHS[kind]
        assert (m["score"]["points"], m["score"]["stars"]) == (points, stars), (m["month"], kind)
        assert m["score"]["status"] == ("not_assessed" if stars is None else "five_star" if stars == 5
                                        else "below_five")


@pytest.mark.parametrize("code", sorted(STAR_YEAR))
def test_the_year_rule_gives_each_centre_its_verdict(rated, code):
    v, want = rated[code]["verdict"], VERDICTS[code]
    assert {k: v[k] for k in want} == want
    assert len(v["not_assessed"]) == STAR_YEAR[code].count("none")


def test_a_month_with_cases_counts_their_rectification_in_the_citizens_part(rated):
    february = rated["town-neither"]["months"][1]          # the "cases" month
    assert february["citizens"] == {"satisfaction": 0.8, "rectification": 0.5, "rated": 10, "bad": 2}
    assert february["score"]["citizen_points"] == 72.5
