"""What each city page shows, worked out where it does not hold up the city's loop.

A year of 71 centres' stars takes a couple of seconds of Python, a big hall's
month about one: in the city's own process under gevent that would stall the
halls' ingest for as long. So the pages ask these functions through
hall/offloop.py's helper process "city" (a plain call without gevent). They
are module-level, take the database's connection string and plain values,
open their own connection, and answer picklable values (city/book.py's).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from city import book
from city.reader import connect


def _with(dsn: str, fn):
    conn = connect(dsn)
    try:
        return fn(conn)
    finally:
        conn.close()


def overview(dsn: str, now: datetime) -> dict:
    def work(conn):
        halls = book.halls(conn, now)
        return {"halls": halls, "rows": book.overview(conn, halls, now.date())}
    return _with(dsn, work)


def hall(dsn: str, code: str, start: date, end: date, now: datetime) -> Optional[dict]:
    """The hall and its figures of start..end; None when the city knows no such hall."""
    def work(conn):
        found = next((h for h in book.halls(conn, now) if h.code == code), None)
        return None if found is None else {"hall": found,
                                           "data": book.hall_figures(conn, found, start, end, now.date())}
    return _with(dsn, work)


def rankings(dsn: str, start: date, end: date, by: str, figure: str, now: datetime) -> list[dict]:
    return _with(dsn, lambda conn: book.rankings(conn, book.halls(conn, now), start, end, by, figure, now.date()))


def cases(dsn: str, status: str, now: datetime) -> list[dict]:
    return _with(dsn, lambda conn: book.cases(conn, book.halls(conn, now), now.date(), status))


def stars(dsn: str, year: int, now: datetime) -> list[dict]:
    return _with(dsn, lambda conn: book.stars(conn, book.halls(conn, now), year, now.date()))
