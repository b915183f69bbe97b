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
        fast = citizens_of_year(reader, 2026)
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


# (status, appeal, rectified at) of a November case -> (counted upheld, counted rectified), figures.py's rule
CASES = [
    ("verifying", None, None, False, False),
    ("rectifying", None, None, False, False),            # on the ledger, not yet fixed
    ("rectifying", None, "2026-11-03T10:00:00+08:00", False, True),
    ("callback", None, None, False, True),               # past rectifying: rectified, whatever the time says
    ("closed", None, "2026-11-03T10:00:00+08:00", False, True),
    ("closed", "upheld", "2026-11-03T10:00:00+08:00", True, False),   # an upheld appeal is not counted
    ("closed", "rejected", "2026-11-04T10:00:00+08:00", False, True),
    ("verifying", "pending", None, False, False),
]


def test_the_database_counts_cases_as_the_figures_do(store):
    import sqlite3
    from datetime import datetime

    from assess.records import CaseRecord
    from hall.store import _put_case
    conn = sqlite3.connect(store.path)            # cases without their ratings: no foreign keys on this connection
    opened = datetime.fromisoformat("2026-11-02T09:00:00+08:00")
    for i, (status, appeal, rectified, _, _) in enumerate(CASES + [("closed", None, None, False, True)], start=1):
        day = date(2026, 11, 2) if i <= len(CASES) else date(2026, 12, 1)
        _put_case(conn, CaseRecord(hall="demo-city", case_id=i, rating_id=i, ticket_id=i, step=0, business_day=day,
                                   number=f"A{i:03d}", service="A", matter=None, window=1, staff="clerk",
                                   level="dissatisfied", opened_at=opened, status=status, appeal=appeal,
                                   rectified_at=datetime.fromisoformat(rectified) if rectified else None))
    conn.commit()
    conn.close()
    with Reader(store.path, "demo-city") as reader:
        counts = reader.case_counts(date(2026, 1, 1), date(2026, 12, 31))
        rows = {r.key: r for r in figures((), (), reader.cases(date(2026, 1, 1), date(2026, 12, 31)), by="month",
                                          settings=FigureSettings(), today=date(2026, 12, 15))}
        assert reader.case_counts(date(2026, 12, 2), date(2026, 12, 31)) == {}
    expected = (len(CASES), sum(c[3] for c in CASES), sum(c[4] for c in CASES))
    assert counts == {"2026-11": expected, "2026-12": (1, 0, 1)}
    assert {m: (r.cases_opened, r.cases_upheld, r.cases_rectified) for m, r in rows.items()} == counts
