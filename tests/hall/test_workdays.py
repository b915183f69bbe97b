"""Working days on China's official calendar: real 2025/2026 dates, checked against chinese-calendar itself.

The facts the tables rely on (State Council notices, as chinese-calendar 1.11 has them):
2025 National Day: 10-01..10-08 off, Sun 09-28 and Sat 10-11 make-up working days.
2026 New Year: 01-01..01-03 off, Sun 01-04 a make-up working day.
2026 Spring Festival: 02-15..02-23 off, Sat 02-14 and Sat 02-28 make-up working days.
A year the library does not know is 2099 here (it will not be published for decades).
"""
from datetime import date, datetime, timezone

import chinese_calendar
import pytest

from hall.errors import ConfigError
from hall.workdays import Workdays

D = date.fromisoformat
UNKNOWN = 2099


@pytest.mark.parametrize("day, official", [
    ("2025-09-28", True),    # Sunday, make-up working day
    ("2025-10-01", False),   # National Day
    ("2025-10-08", False),   # last day of the National Day break, a Wednesday
    ("2025-10-11", True),    # Saturday, make-up working day
    ("2026-01-04", True),    # Sunday, make-up working day
    ("2026-02-14", True),    # Saturday, make-up working day
    ("2026-02-23", False),   # Monday, still Spring Festival
    ("2026-02-28", True),    # Saturday, make-up working day
])
def test_the_facts_these_tables_rely_on_are_the_librarys(day, official):
    assert chinese_calendar.is_workday(D(day)) is official
    assert Workdays().is_workday(D(day)) is official


ADD = [
    # why,                                       start,        n, kwargs,                                         due
    ("next working day over a weekend",          "2025-03-07", 1, {},                                             "2025-03-10"),
    ("five working days is a calendar week",     "2025-03-07", 5, {},                                             "2025-03-14"),
    ("n = 0 is the start day itself",            "2025-03-08", 0, {},                                             "2025-03-08"),
    ("over the National Day break",              "2025-09-30", 1, {},                                             "2025-10-09"),
    ("five days over National Day, Sat 10-11 on", "2025-09-30", 5, {},                                            "2025-10-14"),
    ("Friday to the make-up Sunday",             "2025-09-26", 1, {},                                             "2025-09-28"),
    ("from a Saturday to the make-up Sunday",    "2025-09-27", 1, {},                                             "2025-09-28"),
    ("five from Friday 09-26, over the break",   "2025-09-26", 5, {},                                             "2025-10-10"),
    ("Friday to the make-up Saturday",           "2025-10-10", 1, {},                                             "2025-10-11"),
    ("over the make-up Saturday",                "2025-10-09", 3, {},                                             "2025-10-13"),
    ("across New Year to a make-up Sunday",      "2025-12-31", 1, {},                                             "2026-01-04"),
    ("Spring Festival: make-up Sat, then break", "2026-02-14", 1, {},                                             "2026-02-24"),
    ("five over Spring Festival",                "2026-02-13", 5, {},                                             "2026-02-27"),
    ("hall closed on a Monday",                  "2025-03-07", 1, {"closed": [D("2025-03-10")]},                  "2025-03-11"),
    ("hall closed on the make-up Sunday",        "2025-09-26", 1, {"closed": [D("2025-09-28")]},                  "2025-09-29"),
    ("extra holiday corrects a known year",      "2025-03-07", 1, {"extra_holidays": [D("2025-03-10")]},          "2025-03-11"),
    ("unknown year: Monday to Friday",           f"{UNKNOWN}-01-01", 1, {},                                       f"{UNKNOWN}-01-02"),
    ("unknown year, holiday given by config",    f"{UNKNOWN}-01-01", 1,
     {"extra_holidays": [D(f"{UNKNOWN}-01-02")]},                                                                 f"{UNKNOWN}-01-05"),
    ("unknown year, make-up Saturday by config", f"{UNKNOWN}-01-02", 1,
     {"extra_workdays": [D(f"{UNKNOWN}-01-03")]},                                                                 f"{UNKNOWN}-01-03"),
]


@pytest.mark.parametrize("why, start, n, kwargs, due", ADD, ids=[row[0] for row in ADD])
def test_add(why, start, n, kwargs, due):
    w = Workdays(**kwargs)
    assert w.add(D(start), n) == D(due)
    assert w.between(D(start), D(due)) == n


BETWEEN = [
    ("Friday to Saturday: no working day",       "2025-03-07", "2025-03-08", 0),
    ("Friday to Monday",                         "2025-03-07", "2025-03-10", 1),
    ("the whole National Day break",             "2025-09-30", "2025-10-08", 0),
    ("break plus the make-up Saturday",          "2025-09-30", "2025-10-11", 3),
    ("same day",                                 "2025-10-09", "2025-10-09", 0),
    ("backwards is negative",                    "2025-03-10", "2025-03-07", -1),
]


@pytest.mark.parametrize("why, a, b, k", BETWEEN, ids=[row[0] for row in BETWEEN])
def test_between(why, a, b, k):
    assert Workdays().between(D(a), D(b)) == k


def test_a_closed_day_beats_a_make_up_working_day():
    assert not Workdays(closed=[D("2025-10-11")]).is_workday(D("2025-10-11"))


def test_a_year_the_library_does_not_know_is_guessed_and_says_so():
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(UNKNOWN, 1, 1))
    w = Workdays()
    assert w.unknown_years([2025, 2026, UNKNOWN]) == (UNKNOWN,)
    assert w.fallback_years == ()
    w.add(date(UNKNOWN, 1, 1), 3)
    assert w.fallback_years == (UNKNOWN,)
    warning = w.warning([2026, UNKNOWN])
    assert warning["code"] == "calendar_unknown" and warning["years"] == [UNKNOWN]
    assert str(UNKNOWN) in warning["message"] and "[calendar]" in warning["message"]
    assert f"The official calendar for {UNKNOWN} is not installed" in warning["message_en"]
    assert "upgrade chinese-calendar" in warning["message_en"]
    assert w.warning([2025, 2026]) is None


def test_a_year_the_hall_gave_days_for_is_not_guessed():
    w = Workdays(extra_holidays=[date(UNKNOWN, 1, 2)])
    assert w.unknown_years([UNKNOWN]) == ()
    w.add(date(UNKNOWN, 1, 1), 10)
    assert w.fallback_years == ()
    assert w.warning([UNKNOWN]) is None


def test_the_hall_closing_days_alone_does_not_make_a_year_known():
    assert Workdays(closed=[date(UNKNOWN, 1, 2)]).unknown_years([UNKNOWN]) == (UNKNOWN,)


def test_a_day_both_extra_working_and_extra_holiday_is_a_config_mistake():
    with pytest.raises(ConfigError, match="2099-01-02"):
        Workdays(extra_workdays=[date(UNKNOWN, 1, 2)], extra_holidays=[date(UNKNOWN, 1, 2)])


def test_negative_n_is_refused():
    with pytest.raises(ValueError):
        Workdays().add(D("2025-03-07"), -1)


@pytest.mark.parametrize("at, tz, day", [
    (datetime(2025, 9, 30, 17, 0, tzinfo=timezone.utc), None, "2025-10-01"),          # 01:00 in Beijing
    (datetime(2025, 9, 30, 15, 59, tzinfo=timezone.utc), None, "2025-09-30"),         # 23:59 in Beijing
    (datetime(2025, 9, 30, 17, 0, tzinfo=timezone.utc), "Asia/Urumqi", "2025-09-30"), # 23:00 there
    (datetime(2025, 9, 30, 23, 30), None, "2025-09-30"),                              # naive: already local
])
def test_day_of_is_the_halls_local_date(at, tz, day):
    assert Workdays(tz=tz).day_of(at) == D(day)
    assert Workdays(tz=tz).is_workday(at) is Workdays().is_workday(D(day))
