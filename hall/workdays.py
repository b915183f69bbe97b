"""Working days on China's official calendar, for deadlines counted in working days.

Bad-rating cases are put on a ledger with a deadline of N working days (5 to
15 depending on the city), and "overdue by k working days" is counted the
same way. A working day is what the State Council's yearly notice says it is
(public holidays off, make-up working days 调休 on, even on a Saturday or
Sunday), minus the days this hall itself is closed (config `queue.holidays`).

The official calendar comes from the `chinese-calendar` package, which only
knows the years up to its release. For a year it does not know, the hall can
give that year's official rest days and make-up working days itself
(`extra_holidays`, `extra_workdays`); when it gave none, the year is counted
Monday to Friday, which is wrong around every public holiday, so the
guess is made visible: `unknown_years()` and `warning()` say which years are
guessed, and `fallback_years` lists the years a computation actually guessed.

Pure: no clock, no config reading; the caller passes dates in.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from typing import Iterable, Optional, Union
from zoneinfo import ZoneInfo

import chinese_calendar

from hall.errors import ConfigError

# The official calendar is on Beijing time; a hall passes its own zone if it differs.
CHINA = ZoneInfo("Asia/Shanghai")
_DAY = timedelta(days=1)


class Workdays:
    """Which days a hall works, and counting in working days.

    The hall's word wins: a `closed` day is never a working day (even a make-up
    working day), and `extra_holidays` / `extra_workdays` override the library
    for the days they name, so they can also correct a known year.
    """

    def __init__(self, closed: Iterable[date] = (), extra_workdays: Iterable[date] = (),
                 extra_holidays: Iterable[date] = (), tz: Union[tzinfo, str, None] = None):
        self.closed = frozenset(closed)
        self.extra_workdays = frozenset(extra_workdays)
        self.extra_holidays = frozenset(extra_holidays)
        both = sorted(self.extra_workdays & self.extra_holidays)
        if both:
            raise ConfigError(f"calendar: {both[0].isoformat()} is given both as an extra working day and "
                              f"as an extra holiday; keep it in one list only")
        self.tz = ZoneInfo(tz) if isinstance(tz, str) else (tz or CHINA)
        self._given_years = frozenset(d.year for d in self.extra_workdays | self.extra_holidays)
        self._fallback: set[int] = set()

    def day_of(self, at: datetime) -> date:
        """The hall's local date of a moment (an aware datetime; a naive one is taken as local already)."""
        return at.date() if at.tzinfo is None else at.astimezone(self.tz).date()

    def is_workday(self, d: date) -> bool:
        if isinstance(d, datetime):
            d = self.day_of(d)
        if d in self.closed or d in self.extra_holidays:
            return False
        if d in self.extra_workdays:
            return True
        try:
            return chinese_calendar.is_workday(d)
        except NotImplementedError:
            if d.year not in self._given_years:
                self._fallback.add(d.year)
            return d.weekday() < 5

    def add(self, start: date, n: int) -> date:
        """The n-th working day after `start` (`start` itself not counted; n == 0 gives `start`).

        A deadline of N working days from a bad rating on day D is `add(D, N)`:
        a rating on Friday with N = 1 is due on Monday.
        """
        if n < 0:
            raise ValueError(f"n must be 0 or more, not {n}")
        d = start
        while n:
            d += _DAY
            if self.is_workday(d):
                n -= 1
        return d

    def between(self, a: date, b: date) -> int:
        """Working days after `a` up to and including `b`; negative when b is before a.

        `between(D, add(D, n)) == n`, and `between(deadline, today)` is how many
        working days a case is overdue by (0 on the weekend right after a Friday deadline).
        """
        if b < a:
            return -self.between(b, a)
        count, d = 0, a
        while d < b:
            d += _DAY
            count += self.is_workday(d)
        return count

    def unknown_years(self, years: Iterable[int]) -> tuple[int, ...]:
        """Of `years`, those counted Monday to Friday: the library does not know them and the hall gave no days."""
        out = []
        for y in sorted(set(years)):
            if y in self._given_years:
                continue
            try:
                chinese_calendar.is_workday(date(y, 1, 1))
            except NotImplementedError:
                out.append(y)
        return tuple(out)

    @property
    def fallback_years(self) -> tuple[int, ...]:
        """The years this object has so far counted Monday to Friday, for a warning beside a computed deadline."""
        return tuple(sorted(self._fallback))

    def warning(self, years: Iterable[int]) -> Optional[dict]:
        """A warning for people when any of `years` is guessed, shaped like an error body; None when all are known."""
        unknown = self.unknown_years(years)
        if not unknown:
            return None
        ys = "、".join(str(y) for y in unknown)
        ys_en = ", ".join(str(y) for y in unknown)
        return {"code": "calendar_unknown", "years": list(unknown),
                "message": f"未安装 {ys} 年的国家法定节假日安排，暂按周一至周五计算工作日；"
                           f"请在配置 [calendar] 中补充当年的节假日和调休上班日，或升级 chinese-calendar。",
                "message_en": f"The official calendar for {ys_en} is not installed, so working days are counted "
                              f"Monday to Friday: add that year's holidays and make-up working days under "
                              f"[calendar], or upgrade chinese-calendar."}
