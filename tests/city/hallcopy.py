"""A hall's stored rows copied into the city's tables, column for column, with the hall's code in front.

The tests of the city's read side use it to put the very records a hall
holds into PostgreSQL, so the figures of both sides can be compared.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg

_STEPS = ("ticket_id, step, business_day, number, service, matter, priority, issued_at, queued_at, first_called_at,"
          " called_at, calls, started_at, ended_at, outcome, window, staff, post")
_RATINGS = ("id, ticket_id, step, business_day, number, service, matter, window, staff, level, channel, device,"
            " reasons, comment, at, excluded, exclusion_reason")
_CASES = "id, rating_id, ticket_id, step, business_day, opened_at, status, record, updated_at"


def _quoted(columns: str) -> str:
    return ", ".join('"window"' if c.strip() == "window" else c.strip() for c in columns.split(","))


def copy_hall(db: Path, hall_code: str, conn: psycopg.Connection) -> dict[str, int]:
    """Copy the hall file `db`'s steps, ratings, cases, alarms, star inputs, staff names and latest
    configuration into the city's tables as hall `hall_code`; how many rows of each."""
    src = sqlite3.connect(f"{Path(db).resolve().as_uri()}?mode=ro", uri=True)
    counts = {}
    with conn.transaction():
        for table, columns, fix in (
                ("steps", _STEPS, None),
                ("ratings", _RATINGS, lambda r: r[:12] + (r[12],) + r[13:15] + (bool(r[15]),) + r[16:]),
                ("cases", _CASES, None)):
            rows = src.execute(f"SELECT {columns} FROM {table}").fetchall()
            if fix:
                rows = [fix(r) for r in rows]
            n = len(columns.split(","))
            with conn.cursor() as cur:
                cur.executemany(f"INSERT INTO {table} (hall_code, {_quoted(columns)}) VALUES (%s{', %s' * n})",
                                [(hall_code, *r) for r in rows])
            counts[table] = len(rows)
        rows = src.execute("SELECT month, inputs, entered_by, entered_at FROM star_months").fetchall()
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO star_months (hall_code, month, inputs, entered_by, entered_at)"
                            " VALUES (%s, %s, %s, %s, %s)", [(hall_code, *r) for r in rows])
            cur.executemany("INSERT INTO staff (hall_code, username, name) VALUES (%s, %s, %s)",
                            [(hall_code, *r) for r in src.execute("SELECT username, name FROM users")])
            row = src.execute("SELECT version, at, config FROM config_versions ORDER BY version DESC LIMIT 1").fetchone()
            if row:
                cur.execute("INSERT INTO config_versions (hall_code, version, at, config) VALUES (%s, %s, %s, %s)",
                            (hall_code, *row))
        counts["star_months"] = len(rows)
        alarms = src.execute("SELECT id, kind, subject, business_day, raised_at, acknowledged_by, acknowledged_at,"
                             " cleared_at FROM alarms").fetchall()
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO alarms (hall_code, id, kind, subject, business_day, raised_at,"
                            " acknowledged_by, acknowledged_at, cleared_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                            [(hall_code, *r) for r in alarms])
        counts["alarms"] = len(alarms)
    src.close()
    return counts
