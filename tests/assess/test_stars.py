"""The monthly star rating of a centre and the year rule (assess/stars.py), worked out by hand."""
from __future__ import annotations

from datetime import date

import pytest

from assess.stars import (ASPECTS, Citizens, Inspection, StarInputs, StarMonth, StarSettings, month_score,
                          year_view)

FULL = {"dedication": 95, "conduct": 90, "quality": 92, "integrity": 100, "satisfaction": 88}


def test_a_star_month_by_hand():
    got = month_score(StarInputs("2026-11", FULL, Inspection(85, ("窗口3 工作时间玩手机",))),
                      Citizens(satisfaction=0.96, rectification=0.8), StarSettings())
    # self: (95 + 90 + 92 + 100 + 88) / 5 = 465 / 5 = 93.0
    # citizens: 100 * (0.75 * 0.96 + 0.25 * 0.8) = 100 * (0.72 + 0.20) = 92.0
    # points: 0.3 * 93 + 0.3 * 85 + 0.4 * 92 = 27.9 + 25.5 + 36.8 = 90.2 >= 90: five stars
    assert got == StarMonth("2026-11", assessed=True, points=90.2, stars=5, self_points=93.0,
                            inspection_points=85.0, citizen_points=92.0,
                            weights=(("self", 0.3), ("inspection", 0.3), ("citizens", 0.4)),
                            missing_aspects=(), findings=("窗口3 工作时间玩手机",))
    assert got.status == "five_star"


@pytest.mark.parametrize("why, inputs, citizens, points, stars", [
    # no inspection: its weight is shared, (0.3 * 93 + 0.4 * 96) / 0.7 = (27.9 + 38.4) / 0.7 = 94.71...
    ("no inspection this month", StarInputs("2026-11", FULL), Citizens(0.96), 94.7, 5),
    # nothing rated: (0.3 * 93 + 0.3 * 85) / 0.6 = 53.4 / 0.6 = 89.0
    ("nothing rated", StarInputs("2026-11", FULL, Inspection(85)), Citizens(None), 89.0, 4),
    ("no citizens' figures at all", StarInputs("2026-11", FULL, Inspection(85)), None, 89.0, 4),
    # no self-assessment though inspected: 0.3 * 0 + 0.3 * 90 + 0.4 * 95 = 27 + 38 = 65.0
    ("self-assessment not submitted scores 0", StarInputs("2026-11", None, Inspection(90)), Citizens(0.95),
     65.0, 2),
    # integrity left out: (95 + 90 + 92 + 0 + 88) / 5 = 73; 0.3 * 73 + 0.3 * 85 + 0.4 * 96 = 21.9 + 25.5 + 38.4
    ("an aspect left out scores 0",
     StarInputs("2026-11", {a: v for a, v in FULL.items() if a != "integrity"}, Inspection(85)), Citizens(0.96),
     85.8, 4),
    # all 90: exactly the threshold
    ("exactly 90 points", StarInputs("2026-11", dict.fromkeys(ASPECTS, 90), Inspection(90)), Citizens(0.9),
     90.0, 5),
    # 0.3 * 89.9 + 0.3 * 90 + 0.4 * 90 = 26.97 + 27 + 36 = 89.97 -> 90.0 half up: what is shown is judged
    ("89.97 shows and counts as 90.0", StarInputs("2026-11", dict.fromkeys(ASPECTS, 89.9), Inspection(90)),
     Citizens(0.9), 90.0, 5),
    # 0.3 * 89.8 + 0.3 * 90 + 0.4 * 90 = 26.94 + 27 + 36 = 89.94 -> 89.9
    ("89.94 is four stars", StarInputs("2026-11", dict.fromkeys(ASPECTS, 89.8), Inspection(90)),
     Citizens(0.9), 89.9, 4),
    ("below 60 is one star", StarInputs("2026-11", dict.fromkeys(ASPECTS, 50), Inspection(50)), Citizens(0.5),
     50.0, 1),
])
def test_points_and_stars(why, inputs, citizens, points, stars):
    got = month_score(inputs, citizens, StarSettings())
    assert (got.points, got.stars) == (points, stars)
    assert sum(w for _, w in got.weights) == pytest.approx(1)


def test_the_missing_aspects_are_named():
    got = month_score(StarInputs("2026-11", {"dedication": 100}, None), None)
    assert got.missing_aspects == ("conduct", "quality", "integrity", "satisfaction")
    assert (got.points, got.stars, got.weights) == (20.0, 1, (("self", 1.0),))


def test_a_month_with_nothing_entered_is_not_assessed():
    got = month_score(StarInputs("2026-11"), Citizens(0.99))
    assert got == StarMonth("2026-11", assessed=False)
    assert (got.points, got.stars, got.status) == (None, None, "not_assessed")


def test_weights_and_thresholds_come_from_settings():
    settings = StarSettings(self_weight=0.2, inspection_weight=0.2, citizens_weight=0.6,
                            thresholds=((5, 95.0), (4, 85.0), (3, 75.0), (2, 65.0)))
    got = month_score(StarInputs("2026-11", FULL, Inspection(85)), Citizens(0.96), settings)
    # 0.2 * 93 + 0.2 * 85 + 0.6 * 96 = 18.6 + 17 + 57.6 = 93.2: four stars under a 95 threshold
    assert (got.points, got.stars) == (93.2, 4)


@pytest.mark.parametrize("inputs, citizens, message", [
    (StarInputs("2026-11", {"honesty": 90}), None, "not an aspect"),
    (StarInputs("2026-11", {"dedication": 101}), None, "0 to 100"),
    (StarInputs("2026-11", None, Inspection(-1)), None, "0 to 100"),
    (StarInputs("2026-11", FULL), Citizens(96), "0 to 1"),
    (StarInputs("2026/11", FULL), None, "YYYY-MM"),
])
def test_wrong_inputs_are_refused_with_a_sentence(inputs, citizens, message):
    with pytest.raises(ValueError, match=message):
        month_score(inputs, citizens)


# -- the year rule -------------------------------------------------------------

def month(m: int, stars: int | None) -> StarMonth:
    key = f"2026-{m:02d}"
    return StarMonth(key, assessed=False) if stars is None else StarMonth(key, assessed=True, points=0.0, stars=stars)


def year(*stars) -> list[StarMonth]:
    return [month(i + 1, s) for i, s in enumerate(stars)]


@pytest.mark.parametrize("why, months, five, below, reward, warning", [
    ("5 five-star months: no reward", year(5, 5, 5, 5, 5, 4, 4, 4, 4, 4, None, None), 5, 5, False, False),
    ("6 five-star months: a reward", year(5, 5, 5, 5, 5, 5, 4, 4, 4, 4, 4, None), 6, 5, True, False),
    ("5 below five: no warning", year(4, 3, 4, 3, 4, 5, 5, 5, 5, 5, None, None), 5, 5, False, False),
    ("6 below five: a warning", year(4, 3, 4, 3, 4, 2, 5, 5, 5, 5, 5, None), 5, 6, False, True),
    ("a 6-6 year meets both rules", year(5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4), 6, 6, True, True),
    ("unassessed months are neither", year(4, 4, 4, 4, 4, None, None, None, None, None, None, None),
     0, 5, False, False),
    ("a whole year of five stars", year(*[5] * 12), 12, 0, True, False),
    ("nothing assessed", year(*[None] * 12), 0, 0, False, False),
])
def test_the_year_rule(why, months, five, below, reward, warning):
    got = year_view(months)
    assert (got.five_star, got.below_five, got.reward, got.warning) == (five, below, reward, warning)
    assert got.not_assessed == tuple(m.month for m in months if not m.assessed)
    assert (got.deadline is not None) == warning


def test_the_warning_deadline_counts_working_days_from_the_sixth_month_below():
    months = year(4, 4, 5, 4, 4, 5, 3, 4, 5, 5, 5, 5)       # the sixth below five is August
    got = year_view(months, StarSettings(warning_workdays=20))
    # August 31, 2026 is a Monday: 20 working days on (Mon-Fri) is Monday, September 28
    assert (got.warning_month, got.deadline) == ("2026-08", date(2026, 9, 28))
    assert year_view(months, decided_on=date(2026, 9, 4), workdays=Offset()).deadline == date(2026, 9, 24)
    assert year_view(months, StarSettings(warning_deadline=date(2026, 12, 31))).deadline == date(2026, 12, 31)


class Offset:
    """A calendar where every day works, to show the deadline uses the workdays given."""
    def add(self, start, n):
        return date.fromordinal(start.toordinal() + n)

    def is_workday(self, d):
        return True


def test_the_months_may_come_in_any_order_but_once_and_of_one_year():
    got = year_view(list(reversed(year(5, 5, 4))))
    assert [m.month for m in got.months] == ["2026-01", "2026-02", "2026-03"] and got.year == 2026
    with pytest.raises(ValueError, match="more than once"):
        year_view(year(5, 5) + [month(1, 4)])
    with pytest.raises(ValueError, match="of one year"):
        year_view(year(5) + [StarMonth("2027-01", assessed=False)])
    assert year_view([]).year is None


def test_a_year_scored_from_inputs_end_to_end():
    months = [month_score(StarInputs(f"2026-{m:02d}", FULL, Inspection(85)), Citizens(0.96, 0.8))
              for m in range(1, 7)]
    months += [month_score(StarInputs(f"2026-{m:02d}", FULL, Inspection(60)), Citizens(0.9))
               for m in range(7, 13)]
    # July on: 0.3 * 93 + 0.3 * 60 + 0.4 * 90 = 27.9 + 18 + 36 = 81.9, four stars
    assert {m.stars for m in months[6:]} == {4}
    got = year_view(months)
    assert (got.reward, got.warning, got.warning_month) == (True, True, "2026-12")
