"""A hall's stored records (assess/records.py) for a date range, read beside the running hall.

`Reader` opens the hall's SQLite file through its own read-only connection. The
file is in WAL mode, so a read of a month or a year never blocks the hall's one
writer (hall/store.py) and never waits for it: it reads the last committed state
as of its first statement. It never touches the Store's connection or lock.

Two reads: `records()` gives the full records (the drill-down, the monthly
report's bad ratings), rows straight from SQLite's tuples with the ISO times
parsed by `datetime.fromisoformat`; `facts()` gives only what the figures count
(StepFacts, RatingFacts), the steps' times as the integer microseconds the store
keeps beside them (migration 13), so nothing is parsed. The busiest month of a
big hall (125,000 steps, 102,000 ratings) reads as records in about 1.1-1.3 s,
as facts in about 0.5 s (bench/bench_figures.py), most of it making the rows'
Python values: APSW makes them faster than the sqlite3 module, so a reader in a
process that has nothing else of the file open uses APSW (`open_here` says why
not otherwise). Run a long read in another process than the hall's: in a thread
of the hall's own process it holds the GIL and a kiosk's ticket waits for it
(p99 ~180 ms against ~10 ms).
"""
from __future__ import annotations

import json
import os
import sqlite3
from contextlib import contextmanager
from dataclasses import fields
from datetime import date, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Callable, Iterator, Optional, Union

import apsw

from assess.collector import paused as _collector_paused
from assess.records import (AlarmRecord, CaseRecord, RatingFacts, RatingRecord, StepFacts, StepRecord, case_from_json,
                            new_record, rating_facts, step_facts)

Progress = Callable[[int, int], None]      # progress(done, total), called as rows are converted
_BATCH = 20_000

# The columns in the records' field order (the hall's code is not stored: a file is one hall's).
_STEP_SQL = ("SELECT ticket_id, step, business_day, number, service, matter, priority, issued_at, queued_at,"
             " first_called_at, called_at, calls, started_at, ended_at, outcome, window, staff, post"
             " FROM steps WHERE business_day >= ? AND business_day <= ? ORDER BY business_day, ticket_id, step")
_RATING_SQL = ("SELECT id, ticket_id, step, business_day, number, service, matter, window, staff, level, channel,"
               " device, reasons, comment, at, excluded, exclusion_reason"
               " FROM ratings WHERE business_day >= ? AND business_day <= ? ORDER BY business_day, id")

# What the figures count (assess/records.py StepFacts, RatingFacts), in the facts' field order after `hall`.
_STEP_FACTS_SQL = ("SELECT ticket_id, step, business_day, service, matter, window, staff, post, outcome,"
                   " started_at IS NOT NULL, first_wait_us, wait_us, service_us"
                   " FROM steps WHERE business_day >= ? AND business_day <= ?")
_RATING_FACTS_SQL = ("SELECT ticket_id, step, business_day, service, matter, window, staff, level, excluded"
                     " FROM ratings WHERE business_day >= ? AND business_day <= ?")
FACTS_VERSION = 13         # the schema (hall/store.py) from which steps keep their durations


class ReaderError(Exception):
    """The hall's file cannot be read: a sentence in Chinese and in English."""

    def __init__(self, message: str, message_en: str):
        super().__init__(f"{message} ({message_en})")
        self.message, self.message_en = message, message_en


def _maker(cls):
    """A fast constructor of a frozen dataclass from its field values in order (records.new_record)."""
    names = tuple(f.name for f in fields(cls))

    def make(values):
        return new_record(cls, zip(names, values))
    return make


_step = _maker(StepRecord)
_rating = _maker(RatingRecord)


def open_here(path: Path) -> bool:
    """Whether this process has the database file (or its -wal or -shm) open already: through the
    hall's Store, a backup, another reader. Then only the sqlite3 module may open it again here.

    APSW carries its own copy of SQLite, and two copies of SQLite in one process must never have
    the same file open (sqlite.org, "How To Corrupt An SQLite Database File", 2.2.1): closing it in
    one releases the POSIX locks the other holds on it, and the -shm it maps can be cut from under
    it (tried: a Store writing and an APSW reader reading in two threads of one process died of
    SIGBUS). So APSW reads only in a process where nothing else has the file: the "assess" helper
    process (assess/offline.py), `hallq report`, a benchmark before it opens a Store. Where that
    cannot be seen (no /proc), the sqlite3 module is used.
    """
    files = set()
    for suffix in ("", "-wal", "-shm", "-journal"):     # by device and inode: a symlink or a hard link is the same file
        try:
            st = os.stat(f"{path}{suffix}")
        except OSError:
            continue
        files.add((st.st_dev, st.st_ino))
    try:
        fds = os.listdir("/proc/self/fd")
    except OSError:
        return True
    for fd in fds:
        try:
            st = os.stat(f"/proc/self/fd/{fd}")
        except OSError:                  # closed meanwhile (the listing's own descriptor)
            continue
        if (st.st_dev, st.st_ino) in files:
            return True
    return False


def _connect(path: Path, library: str):
    """A read-only connection to the hall's file, autocommit but inside `Reader.snapshot`, usable from any
    thread: APSW's (its rows are made faster: a month of facts in about 0.27 s against the sqlite3
    module's 0.37-0.49 s) where `open_here` allows it, else the standard library's."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    if library == "apsw":
        conn = apsw.Connection(uri, flags=apsw.SQLITE_OPEN_READONLY | apsw.SQLITE_OPEN_URI)
        conn.set_busy_timeout(10_000)
    else:
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=10, check_same_thread=False)
    conn.execute("PRAGMA query_only = 1")
    return conn


class Reader:
    """Records of one hall's SQLite file, read through a read-only connection of its own.

    `Reader(path, hall_code)`: `path` is the hall's database (data dir / hallq.db),
    `hall_code` the hall's code (config `[hall] code`), which every record carries.
    Dates are business days, both ends included. Close it when done (or use `with`).
    """

    def __init__(self, path: Union[str, Path], hall_code: str):
        self.path = Path(path)
        self.hall = hall_code
        if not self.path.is_file():
            raise ReaderError(f"找不到大厅数据库 {self.path}：请用 --data-dir 指定大厅的数据目录。",
                              f"There is no hall database at {self.path}; give the hall's data directory "
                              f"with --data-dir.")
        self.library = "sqlite3" if open_here(self.path) else "apsw"
        try:
            self.conn = _connect(self.path, self.library)
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        except (apsw.Error, sqlite3.Error) as exc:
            raise ReaderError(f"无法读取大厅数据库 {self.path}（{exc}）。",
                              f"The hall database {self.path} cannot be read ({exc}).") from None
        if version < 7:
            self.conn.close()
            raise ReaderError(f"{self.path} 还没有统计所需的数据表：请先用新版本的 HallQ 启动一次大厅。",
                              f"{self.path} has no tables for the figures yet: start the hall once with this "
                              f"version of HallQ, which adds them.")
        self._days: dict[str, date] = {}

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Reader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def snapshot(self) -> Iterator["Reader"]:
        """Reads inside this block see one committed state of the hall, however long they take:
        the steps, ratings and cases of one report agree with each other."""
        self.conn.execute("BEGIN")
        try:
            yield self
        finally:
            self.conn.execute("COMMIT")

    def records(self, start: date, end: date, progress: Optional[Progress] = None
                ) -> tuple[list[StepRecord], list[RatingRecord], list[CaseRecord]]:
        """The steps, ratings and cases of the business days start..end, read from one snapshot.

        `progress(done, total)` counts the rows of all three as they are converted.
        """
        with self.snapshot(), _collector_paused():
            counts = self.counts(start, end) if progress else None
            total = sum(counts.values()) if counts else 0

            def part(offset):
                if progress is None:
                    return None
                return lambda n, _total: progress(offset + n, total)
            steps = self.steps(start, end, part(0))
            ratings = self.ratings(start, end, part(len(steps)))
            cases = self.cases(start, end, part(len(steps) + len(ratings)))
        return steps, ratings, cases

    def facts(self, start: date, end: date, progress: Optional[Progress] = None
              ) -> tuple[list[StepFacts], list[RatingFacts], list[CaseRecord]]:
        """What the figures of the business days start..end count, from one snapshot: the steps' and
        ratings' facts (in no particular order: the figures do not depend on it) and the cases.

        A file from before migration 13 (a hall not yet restarted on this HallQ) has no durations:
        its records are read and turned into the same facts, only slower.
        """
        _check_range(start, end)
        if self.conn.execute("PRAGMA user_version").fetchone()[0] < FACTS_VERSION:
            steps, ratings, cases = self.records(start, end, progress)
            return [step_facts(s) for s in steps], [rating_facts(r) for r in ratings], cases
        hall, new = self.hall, tuple.__new__
        days = {(start + timedelta(days=i)).isoformat(): start + timedelta(days=i)
                for i in range((end - start).days + 1)}
        with self.snapshot(), _collector_paused():
            counts = self.counts(start, end) if progress else None
            total = sum(counts.values()) if counts else 0
            args = (start.isoformat(), end.isoformat())
            steps: list[StepFacts] = []
            for batch in self._fact_batches(_STEP_FACTS_SQL, args):
                steps.extend([new(StepFacts, (hall, tid, step, days[day], service, matter, window, staff, post,
                                              outcome, bool(started), first, wait, served))
                              for (tid, step, day, service, matter, window, staff, post, outcome, started, first,
                                   wait, served) in batch])
                if progress:
                    progress(len(steps), total)
            ratings: list[RatingFacts] = []
            for batch in self._fact_batches(_RATING_FACTS_SQL, args):
                ratings.extend([new(RatingFacts, (hall, tid, step, days[day], service, matter, window, staff, level,
                                                  bool(excluded)))
                                for tid, step, day, service, matter, window, staff, level, excluded in batch])
                if progress:
                    progress(len(steps) + len(ratings), total)
            cases = self.cases(start, end, None if progress is None
                               else lambda n, _t: progress(len(steps) + len(ratings) + n, total))
        return steps, ratings, cases

    def counts(self, start: date, end: date) -> dict[str, int]:
        """How many steps, ratings and cases the business days start..end hold."""
        args = (start.isoformat(), end.isoformat())
        return {table: self.conn.execute(f"SELECT count(*) FROM {table} WHERE business_day >= ? AND business_day <= ?",
                                         args).fetchone()[0]
                for table in ("steps", "ratings", "cases")}

    def steps(self, start: date, end: date, progress: Optional[Progress] = None) -> list[StepRecord]:
        """Every step of the visits of the business days start..end, by day, ticket and step."""
        _check_range(start, end)
        hall, day_of, iso = self.hall, self._day, datetime.fromisoformat
        out: list[StepRecord] = []
        add = out.append
        with _collector_paused():
            for batch in self._batches(_STEP_SQL, start, end, "steps", progress, out):
                for (tid, step, day, number, service, matter, priority, issued, queued, first, called, calls,
                     started, ended, outcome, window, staff, post) in batch:
                    add(_step((hall, tid, step, day_of(day), number, service, matter, priority, iso(issued),
                               iso(queued), iso(first) if first else None, iso(called) if called else None, calls,
                               iso(started) if started else None, iso(ended) if ended else None, outcome, window,
                               staff, post)))
        return out

    def ratings(self, start: date, end: date, progress: Optional[Progress] = None) -> list[RatingRecord]:
        """Every rating of a step of the business days start..end (unrated and excluded ones too), by day and id."""
        _check_range(start, end)
        hall, day_of, iso, loads = self.hall, self._day, datetime.fromisoformat, json.loads
        out: list[RatingRecord] = []
        add = out.append
        with _collector_paused():
            for batch in self._batches(_RATING_SQL, start, end, "ratings", progress, out):
                for (rid, tid, step, day, number, service, matter, window, staff, level, channel, device, reasons,
                     comment, at, excluded, exclusion_reason) in batch:
                    add(_rating((hall, rid, tid, step, day_of(day), number, service, matter, window, staff, level,
                                 channel, device, () if reasons == "[]" else tuple(loads(reasons)), comment,
                                 iso(at), bool(excluded), exclusion_reason)))
        return out

    def cases(self, start: Optional[date] = None, end: Optional[date] = None,
              progress: Optional[Progress] = None) -> list[CaseRecord]:
        """The bad-rating cases of the ratings of the business days start..end (None: no bound), by id."""
        if start is not None and end is not None:
            _check_range(start, end)
        where, args = [], []
        if start is not None:
            where.append("business_day >= ?")
            args.append(start.isoformat())
        if end is not None:
            where.append("business_day <= ?")
            args.append(end.isoformat())
        sql = "SELECT record FROM cases" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id"
        out = []
        with _collector_paused():            # a year's cases for the star ratings: many dicts, no cycles
            hall, loads = self.hall, json.loads
            for (record,) in self.conn.execute(sql, args).fetchall():
                d = loads(record)
                d["hall"] = hall
                out.append(case_from_json(d))
        if progress:
            progress(len(out), len(out))
        return out

    def alarms(self, start: date, end: date) -> list[AlarmRecord]:
        """The alarms (电子监察) raised on the business days start..end, by id; none in a file from
        before the alarms (migration 10)."""
        _check_range(start, end)
        if self.conn.execute("PRAGMA user_version").fetchone()[0] < 10:
            return []
        iso = datetime.fromisoformat
        rows = self.conn.execute("SELECT id, kind, subject, business_day, raised_at, acknowledged_by, acknowledged_at,"
                                 " cleared_at FROM alarms WHERE business_day >= ? AND business_day <= ? ORDER BY id",
                                 (start.isoformat(), end.isoformat())).fetchall()
        return [AlarmRecord(self.hall, aid, kind, subject, self._day(day), iso(raised), by, iso(at) if at else None,
                            iso(cleared) if cleared else None)
                for aid, kind, subject, day, raised, by, at, cleared in rows]

    def level_counts(self, start: date, end: date) -> dict[str, dict[tuple, int]]:
        """The ratings of the business days start..end counted per month, level and exclusion:
        "YYYY-MM" -> {(level, excluded): n}, level None for unrated (assess.figures.level_figures)."""
        _check_range(start, end)
        out: dict[str, dict[tuple, int]] = {}
        # By day, in the order of the index ratings_day_level (no sort, no row read); months are summed here.
        for day, level, excluded, n in self.conn.execute(
                "SELECT business_day, level, excluded, count(*) FROM ratings"
                " WHERE business_day >= ? AND business_day <= ? GROUP BY business_day, level, excluded",
                (start.isoformat(), end.isoformat())):
            month = out.setdefault(day[:7], {})
            key = (level, bool(excluded))
            month[key] = month.get(key, 0) + n
        return out

    def case_counts(self, start: date, end: date) -> dict[str, tuple[int, int, int]]:
        """The bad-rating cases of the business days start..end counted per month: "YYYY-MM" -> (cases
        opened, upheld on appeal, rectified of the others), what the month's rectification rate
        (assess.figures.rectification_rate) needs. Rectified is figures.py's rule: a rectification
        time, or past it (called back, closed); the city's reader counts the same way."""
        _check_range(start, end)
        out: dict[str, tuple[int, int, int]] = {}
        for month, opened, upheld, rectified in self.conn.execute(
                "SELECT substr(business_day, 1, 7) AS month, count(*),"
                " coalesce(sum(json_extract(record, '$.appeal') IS 'upheld'), 0),"
                " coalesce(sum(json_extract(record, '$.appeal') IS NOT 'upheld' AND"
                "  (json_extract(record, '$.rectified_at') IS NOT NULL"
                "   OR json_extract(record, '$.status') IN ('callback', 'closed'))), 0)"
                " FROM cases WHERE business_day >= ? AND business_day <= ? GROUP BY month",
                (start.isoformat(), end.isoformat())):
            out[month] = (opened, upheld, rectified)
        return out

    def star_inputs(self, year: int) -> dict[str, dict]:
        """What was entered for the star rating of each month of `year`: "YYYY-MM" -> the stored inputs
        (as entered, JSON) with `entered_by` and `entered_at` beside them. Months with nothing entered are absent."""
        rows = self.conn.execute("SELECT month, inputs, entered_by, entered_at FROM star_months"
                                 " WHERE hall = ? AND month >= ? AND month <= ? ORDER BY month",
                                 (self.hall, f"{year:04d}-01", f"{year:04d}-12")).fetchall()
        return {month: {**json.loads(inputs), "entered_by": by, "entered_at": at} for month, inputs, by, at in rows}

    def staff_names(self) -> dict[str, str]:
        """Username -> the name shown on screens, removed accounts included (their records keep the username)."""
        return dict(self.conn.execute("SELECT username, name FROM users"))

    # -- helpers ---------------------------------------------------------------

    def _day(self, text: str) -> date:
        d = self._days.get(text)
        if d is None:
            d = self._days[text] = date.fromisoformat(text)
        return d

    def _fact_batches(self, sql: str, args: tuple) -> Iterator[list]:
        """The facts query's rows in batches, so a progress bar moves through a long read."""
        cur = self.conn.execute(sql, args)
        try:
            while batch := list(islice(cur, _BATCH)):
                yield batch
        finally:
            cur.close()

    def _batches(self, sql: str, start: date, end: date, table: str, progress: Optional[Progress], out: list):
        """The query's rows in batches, so a year is never held twice (as tuples and as records)."""
        args = (start.isoformat(), end.isoformat())
        total = 0
        if progress:
            total = self.conn.execute(f"SELECT count(*) FROM {table} WHERE business_day >= ? AND business_day <= ?",
                                      args).fetchone()[0]
        cur = self.conn.execute(sql, args)
        try:
            while True:
                batch = list(islice(cur, _BATCH))
                if not batch:
                    break
                yield batch
                if progress:
                    progress(len(out), total)
        finally:
            cur.close()
        if progress and not total:
            progress(0, 0)


def _check_range(start: date, end: date) -> None:
    if not isinstance(start, date) or not isinstance(end, date):
        raise TypeError("start and end are dates (datetime.date)")
    if end < start:
        raise ValueError(f"the range ends ({end.isoformat()}) before it starts ({start.isoformat()})")
