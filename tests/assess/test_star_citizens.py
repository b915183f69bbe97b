"""The star rating's citizens' part counted by the database equals the figures' own."""
from __future__ import annotations

from datetime import date

from assess.figures import FigureSettings, figures, level_figures
from assess.reader import Reader
from assess.starbook import citizens_of_year
from assess.stars import Citizens
from tests.assess.test_replay import busy_day


def test_level_counts_give_the_figures_satisfaction_rectification_rated_and_bad(hall, store, clock):
    busy_day(hall, clock)
    settings, today = FigureSettings(), clock().date()
    with Reader(store.path, "demo-city") as reader:
        fast = citizens_of_year(reader, 2026, settings, today, None)
        steps, ratings, cases = reader.records(date(2026, 1, 1), date(2026, 12, 31))
    rows = {r.key: r for r in figures(steps, ratings, cases, by="month", settings=settings, today=today)}
    assert set(fast) == {"2026-11"} and set(rows) == {"2026-11"}
    row = rows["2026-11"]
    assert row.rated > 20 and row.excluded == 1 and row.bad > 0    # the day has every kind of rating
    assert fast["2026-11"] == (Citizens.from_row(row), row.rated, row.bad)


def test_level_figures_count_unrated_and_excluded_as_figures_do():
    counts = {("very_satisfied", False): 3, ("satisfied", False): 1, ("dissatisfied", False): 2,
              ("very_dissatisfied", True): 4, (None, False): 5}
    lv = level_figures(counts)
    assert (lv.rated, lv.bad, lv.excluded) == (6, 2, 4)
    assert lv.satisfaction == 4 / 6
    assert level_figures({}).satisfaction is None and level_figures({(None, False): 2}).satisfaction is None
