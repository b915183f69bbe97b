"""The halls' records as the city keeps them on PostgreSQL, read as assess/records.py's records.

`CityReader` answers what assess/reader.py's `Reader` answers over one hall's
SQLite file (records, steps, ratings, cases, alarms, level_counts,
star_inputs, staff_names, snapshot), for one hall (`hall="code"`) or for all
halls at once (`hall=None`: every record carries its own hall's code). So
assess/figures.py, assess/stars.py and assess/starbook.py run on the city's
records unchanged, and the city's figures of a hall are the hall's own.

The city's tables (city/schema.sql) are the hall's tables with `hall_code`
in front, partitioned by month on `business_day`: a range of days reads only
its months' partitions. A read inside `snapshot()` sees one committed state
(REPEATABLE READ, read only), however long it takes, while the halls' records
keep arriving. The connection's time zone is the halls' (Asia/Shanghai), so
the times come back as the halls wrote them.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import date, datetime
from typing import Iterator, Optional

import psycopg

from assess.reader import Progress, ReaderError, _check_range, _collector_paused, _maker
from assess.records import AlarmRecord, CaseRecord, RatingFacts, RatingRecord, StepFacts, StepRecord, case_from_json

_BATCH = 20_000
TIMEZONE = "Asia/Shanghai"

_STEP_COLUMNS = ("hall_code, ticket_id, step, business_day, number, service, matter, priority, issued_at, queued_at,"
                 " first_called_at, called_at, calls, started_at, ended_at, outcome, \"window\", staff, post")
_RATING_COLUMNS = ("hall_code, id, ticket_id, step, business_day, number, service, matter, \"window\", staff, level,"
                   " channel, device, reasons, comment, at, excluded, exclusion_reason")
_step = _maker(StepRecord)
_rating = _maker(RatingRecord)


def _micros(start: str, end: str) -> str:
    """SQL for end - start in whole microseconds (NULL when either is): PostgreSQL's timestamps hold
    microseconds, and the interval's epoch is exact, so these equal the hall's integers."""
    return f"(extract(epoch from {end} - {start}) * 1000000)::bigint"


# What the figures count (assess/records.py StepFacts, RatingFacts), in the facts' field order.
_STEP_FACTS = ("hall_code, ticket_id, step, business_day, service, matter, \"window\", staff, post, outcome,"
               f" started_at IS NOT NULL, {_micros('queued_at', 'first_called_at')},"
               f" {_micros('queued_at', 'called_at')}, {_micros('started_at', 'ended_at')}")
_RATING_FACTS = "hall_code, ticket_id, step, business_day, service, matter, \"window\", staff, level, excluded"


def connect(dsn: str, **kwargs) -> psycopg.Connection:
    """A connection to the city's database in the halls' time zone, autocommit (reads open their own snapshot)."""
    try:
        conn = psycopg.connect(dsn, autocommit=True, **kwargs)
    except psycopg.OperationalError as exc:
        # The message names the server, never the password (libpq leaves it out).
        raise ReaderError(f"无法连接市中心数据库（{str(exc).strip()[:200]}）。",
                          f"The city's database cannot be reached ({str(exc).strip()[:200]}).") from None
    conn.execute(f"SET TimeZone = '{TIMEZONE}'")
    return conn


def _text_date(v):
    return v if isinstance(v, date) else date.fromisoformat(v)


class CityReader:
    """Records of one hall (`hall`: its code) or of all halls (None) from the city's database.

    `conn` is a psycopg connection (city.reader.connect) that the caller owns; the reader
    never closes it. Dates are business days, both ends included.
    """

    def __init__(self, conn: psycopg.Connection, hall: Optional[str] = None):
        self.conn = conn
        self.hall = hall
        self._depth = 0

    def close(self) -> None:
        """Nothing to close: the connection is the caller's (kept for Reader's interface)."""

    def __enter__(self) -> "CityReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def snapshot(self) -> Iterator["CityReader"]:
        """Reads inside this block see one committed state of the city (blocks may nest)."""
        if self._depth == 0:
            self.conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        self._depth += 1
        try:
            yield self
        finally:
            self._depth -= 1
            if self._depth == 0:
                self.conn.execute("COMMIT")

    # -- the hall filter ---------------------------------------------------------

    def _where(self, start: Optional[date], end: Optional[date]) -> tuple[str, list]:
        where, args = [], []
        if self.hall is not None:
            where.append("hall_code = %s")
            args.append(self.hall)
        if start is not None:
            where.append("business_day >= %s")
            args.append(start)
        if end is not None:
            where.append("business_day <= %s")
            args.append(end)
        return (" WHERE " + " AND ".join(where)) if where else "", args

    def _rows(self, sql: str, args: list) -> Iterator[list]:
        """The query's rows in batches through a server-side cursor (a year is never held twice)."""
        with self.snapshot():
            with self.conn.cursor(name="city_reader") as cur:
                cur.itersize = _BATCH
                cur.execute(sql, args)
                while True:
                    batch = cur.fetchmany(_BATCH)
                    if not batch:
                        break
                    yield batch

    # -- what Reader answers -------------------------------------------------------

    def records(self, start: date, end: date, progress: Optional[Progress] = None
                ) -> tuple[list[StepRecord], list[RatingRecord], list[CaseRecord]]:
        """The steps, ratings and cases of the business days start..end, read from one snapshot."""
        with self.snapshot(), _collector_paused():
            counts = self.counts(start, end) if progress else None
            total = sum(counts.values()) if counts else 0

            def part(offset):
                return None if progress is None else (lambda n, _t: progress(offset + n, total))
            steps = self.steps(start, end, part(0))
            ratings = self.ratings(start, end, part(len(steps)))
            cases = self.cases(start, end, part(len(steps) + len(ratings)))
        return steps, ratings, cases

    def facts(self, start: date, end: date, progress: Optional[Progress] = None
              ) -> tuple[list[StepFacts], list[RatingFacts], list[CaseRecord]]:
        """What the figures of start..end count (as Reader.facts): the steps' and ratings' facts, the
        steps' durations worked out by PostgreSQL, and the cases, from one snapshot."""
        _check_range(start, end)
        where, args = self._where(start, end)
        new = tuple.__new__
        with self.snapshot(), _collector_paused():
            total = sum(self.counts(start, end).values()) if progress else 0
            steps: list[StepFacts] = []
            for batch in self._rows(f"SELECT {_STEP_FACTS} FROM steps{where}", args):
                steps.extend([new(StepFacts, row) for row in batch])
                if progress:
                    progress(len(steps), total)
            ratings: list[RatingFacts] = []
            for batch in self._rows(f"SELECT {_RATING_FACTS} FROM ratings{where}", args):
                ratings.extend([new(RatingFacts, row) for row in batch])
                if progress:
                    progress(len(steps) + len(ratings), total)
            cases = self.cases(start, end, None if progress is None
                               else lambda n, _t: progress(len(steps) + len(ratings) + n, total))
        return steps, ratings, cases

    def counts(self, start: date, end: date) -> dict[str, int]:
        """How many steps, ratings and cases the business days start..end hold."""
        where, args = self._where(start, end)
        with self.snapshot():
            return {t: self.conn.execute(f"SELECT count(*) FROM {t}{where}", args).fetchone()[0]
                    for t in ("steps", "ratings", "cases")}

    def steps(self, start: date, end: date, progress: Optional[Progress] = None) -> list[StepRecord]:
        """Every step of the business days start..end, by hall, day, ticket and step."""
        _check_range(start, end)
        where, args = self._where(start, end)
        out: list[StepRecord] = []
        add = out.append
        with _collector_paused():
            for batch in self._rows(f"SELECT {_STEP_COLUMNS} FROM steps{where}"
                                    " ORDER BY hall_code, business_day, ticket_id, step", args):
                for row in batch:
                    add(_step(row))
                if progress:
                    progress(len(out), 0)
        return out

    def ratings(self, start: date, end: date, progress: Optional[Progress] = None) -> list[RatingRecord]:
        """Every rating of a step of the business days start..end (unrated and excluded ones too)."""
        _check_range(start, end)
        where, args = self._where(start, end)
        out: list[RatingRecord] = []
        add = out.append
        with _collector_paused():
            for batch in self._rows(f"SELECT {_RATING_COLUMNS} FROM ratings{where}"
                                    " ORDER BY hall_code, business_day, id", args):
                for (hall, rid, tid, step, day, number, service, matter, window, staff, level, channel, device,
                     reasons, comment, at, excluded, exclusion_reason) in batch:
                    add(_rating((hall, rid, tid, step, day, number, service, matter, window, staff, level, channel,
                                 device, tuple(reasons) if reasons else (), comment, at, bool(excluded),
                                 exclusion_reason)))
                if progress:
                    progress(len(out), 0)
        return out

    def cases(self, start: Optional[date] = None, end: Optional[date] = None,
              progress: Optional[Progress] = None) -> list[CaseRecord]:
        """The bad-rating cases of the ratings of the business days start..end (None: no bound)."""
        if start is not None and end is not None:
            _check_range(start, end)
        where, args = self._where(start, end)
        loads = json.loads
        with self.snapshot():      # a year's cases are few (tens of thousands): one fetch, the JSON as text
            rows = self.conn.execute(f"SELECT hall_code, record::text FROM cases{where} ORDER BY hall_code, id",
                                     args).fetchall()
        out = []
        for hall, record in rows:
            d = loads(record)
            d["hall"] = hall
            out.append(case_from_json(d))
        if progress:
            progress(len(out), len(out))
        return out

    def alarms(self, start: date, end: date) -> list[AlarmRecord]:
        """The alarms (电子监察) raised on the business days start..end, by hall and id."""
        _check_range(start, end)
        where, args = self._where(start, end)
        with self.snapshot():
            rows = self.conn.execute("SELECT hall_code, id, kind, subject, business_day, raised_at, acknowledged_by,"
                                     f" acknowledged_at, cleared_at FROM alarms{where} ORDER BY hall_code, id",
                                     args).fetchall()
        return [AlarmRecord(*row) for row in rows]

    def level_counts(self, start: date, end: date) -> dict[str, dict[tuple, int]]:
        """The ratings of start..end counted per month, level and exclusion, as Reader.level_counts
        (all halls' together when the reader is for all halls; level_counts_by_hall keeps them apart)."""
        out: dict[str, dict[tuple, int]] = {}
        for months in self.level_counts_by_hall(start, end).values():
            for month, counts in months.items():
                mine = out.setdefault(month, {})
                for key, n in counts.items():
                    mine[key] = mine.get(key, 0) + n
        return out

    def level_counts_by_hall(self, start: date, end: date) -> dict[str, dict[str, dict[tuple, int]]]:
        """hall -> "YYYY-MM" -> {(level, excluded): n}: one query for every hall of the reader."""
        _check_range(start, end)
        where, args = self._where(start, end)
        out: dict[str, dict[str, dict[tuple, int]]] = {}
        with self.snapshot():
            # By day, in the order of an index on (hall_code, business_day, level, excluded): no row is read
            # and nothing sorted (a month key per row costs PostgreSQL five times as much); months summed here.
            rows = self.conn.execute(
                "SELECT hall_code, business_day, level, excluded, count(*) FROM ratings"
                f"{where} GROUP BY hall_code, business_day, level, excluded", args).fetchall()
        months: dict[date, str] = {}
        for hall, day, level, excluded, n in rows:
            month = months.get(day)
            if month is None:
                month = months[day] = f"{day.year:04d}-{day.month:02d}"
            counts = out.setdefault(hall, {}).setdefault(month, {})
            key = (level, bool(excluded))
            counts[key] = counts.get(key, 0) + n
        return out

    def case_counts(self, start: date, end: date) -> dict[str, tuple[int, int, int]]:
        """"YYYY-MM" -> (cases opened, upheld on appeal, rectified of the others), as Reader.case_counts
        (all halls' together when the reader is for all halls; case_counts_by_hall keeps them apart)."""
        out: dict[str, tuple[int, int, int]] = {}
        for months in self.case_counts_by_hall(start, end).values():
            for month, (opened, upheld, rectified) in months.items():
                o, u, r = out.get(month, (0, 0, 0))
                out[month] = (o + opened, u + upheld, r + rectified)
        return out

    def case_counts_by_hall(self, start: date, end: date) -> dict[str, dict[str, tuple[int, int, int]]]:
        """hall -> "YYYY-MM" -> (cases opened, upheld on appeal, rectified of the others): the counts behind
        the month's rectification rate (assess.figures.rectification_rate), in one query for every hall.
        Rectified is figures.py's rule: a rectification time, or past it (called back, closed)."""
        _check_range(start, end)
        where, args = self._where(start, end)
        with self.snapshot():
            rows = self.conn.execute(
                "SELECT hall_code, business_day, count(*),"
                " count(*) FILTER (WHERE record->>'appeal' = 'upheld'),"
                " count(*) FILTER (WHERE record->>'appeal' IS DISTINCT FROM 'upheld' AND"
                "  (record->>'rectified_at' IS NOT NULL OR record->>'status' IN ('callback', 'closed')))"
                f" FROM cases{where} GROUP BY hall_code, business_day", args).fetchall()
        out: dict[str, dict[str, tuple[int, int, int]]] = {}
        for hall, day, opened, upheld, rectified in rows:
            months = out.setdefault(hall, {})
            month = f"{day.year:04d}-{day.month:02d}"
            o, u, r = months.get(month, (0, 0, 0))
            months[month] = (o + opened, u + upheld, r + rectified)
        return out

    def star_inputs(self, year: int) -> dict[str, dict]:
        """What was entered for the star rating of each month of `year`, as Reader.star_inputs (one hall)."""
        return self.star_inputs_by_hall(year).get(self.hall, {}) if self.hall else {}

    def star_inputs_by_hall(self, year: int) -> dict[str, dict[str, dict]]:
        """hall -> "YYYY-MM" -> the stored inputs with `entered_by` and `entered_at`."""
        where, args = ["month >= %s", "month <= %s"], [f"{year:04d}-01", f"{year:04d}-12"]
        if self.hall is not None:
            where.append("hall_code = %s")
            args.append(self.hall)
        with self.snapshot():
            rows = self.conn.execute("SELECT hall_code, month, inputs, entered_by, entered_at FROM star_months"
                                     f" WHERE {' AND '.join(where)} ORDER BY hall_code, month", args).fetchall()
        out: dict[str, dict[str, dict]] = {}
        for hall, month, inputs, by, at in rows:
            at = at.isoformat() if isinstance(at, datetime) else at
            out.setdefault(hall, {})[month] = {**inputs, "entered_by": by, "entered_at": at}
        return out

    def staff_names(self) -> dict[str, str]:
        """Username -> the name shown on screens, of the reader's hall (all halls': the last one wins)."""
        where, args = ("WHERE hall_code = %s", [self.hall]) if self.hall else ("", [])
        with self.snapshot():
            return dict(self.conn.execute(f"SELECT username, name FROM staff {where} ORDER BY hall_code",
                                          args).fetchall())
