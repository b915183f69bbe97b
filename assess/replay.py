"""The figures' records rebuilt from the hall's event log alone.

Every ticket event carries the ticket as it is after it (its steps, calls,
times, windows and clerks), `ticket_rated` the rating of one step, and every
case event the whole case as it is after that step (`record`). Replaying the
log in order into an empty hall file gives the same `steps`, `ratings` and
`cases` rows as the hall's own file, so a city centre that is sent the log
computes the very figures the hall does (assess/figures.py over Reader).
A test holds the two equal.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Union

from hall.serialize import ticket_from_json


def rebuild(events: Iterable[dict], path: Union[str, Path]) -> dict[str, int]:
    """Write the records of `events` (the log's payloads, in seq order) into a new hall file at `path`.

    Returns how many tickets, ratings and cases it holds. The file has the hall's schema, so
    `assess.reader.Reader(path, hall)` reads it like the hall's own.
    """
    from hall.store import Store, _STEP_COLUMNS, _TICKET_COLUMNS, _step_rows, _ticket_row
    tickets: dict[int, dict] = {}
    ratings: dict[tuple[int, int], dict] = {}
    cases: dict[int, dict] = {}
    excluded: dict[tuple[int, int], str] = {}
    for e in events:
        if isinstance(e.get("ticket"), dict):
            tickets[e["ticket"]["id"]] = e["ticket"]
        name = e.get("event")
        if name == "ticket_rated":
            key = (e["ticket"]["id"], e.get("step", 0))
            if key not in ratings or ratings[key].get("level") is None:
                ratings.pop(key, None)     # a rating replaces an "unrated", as a new row (hall/store.py)
                ratings[key] = e
        elif name and name.startswith("case_") and isinstance(e.get("record"), dict):
            record = e["record"]
            cases[record["case_id"]] = record
            if name == "case_appeal_decided" and e.get("upheld"):
                excluded[(record["ticket_id"], record["step"])] = f"申诉成立：{e.get('decision', '')}"
    store = Store(path)
    try:
        with store._transaction():
            c = store.conn
            for d in tickets.values():
                t = ticket_from_json(d)
                row = _ticket_row(t)
                c.execute(f"INSERT INTO tickets ({_TICKET_COLUMNS}) VALUES ({','.join('?' * len(row))})", row)
                c.executemany(f"INSERT INTO steps ({_STEP_COLUMNS}) VALUES ({','.join('?' * 18)})", _step_rows(t))
            ids: dict[tuple[int, int], int] = {}
            for (tid, step), e in ratings.items():
                cur = c.execute(
                    "INSERT INTO ratings (ticket_id, step, business_day, number, service, matter, window, staff, level,"
                    " channel, device, reasons, comment, at, excluded, exclusion_reason)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (tid, step, e["ticket"]["business_day"], e["number"], e.get("service") or e["ticket"]["service"],
                     e.get("matter"), e["window"], e.get("staff"), e.get("level"), e["channel"], e.get("device"),
                     json.dumps(e.get("reasons") or [], ensure_ascii=False), e.get("comment") or "", e["at"],
                     1 if (tid, step) in excluded else 0, excluded.get((tid, step), "")))
                ids[(tid, step)] = cur.lastrowid
            for case_id, record in cases.items():
                record = dict(record, rating_id=ids[(record["ticket_id"], record["step"])])
                c.execute("INSERT INTO cases (id, rating_id, ticket_id, step, business_day, opened_at, status, record,"
                          " updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
                          (case_id, record["rating_id"], record["ticket_id"], record["step"], record["business_day"],
                           record["opened_at"], record["status"], json.dumps(record, ensure_ascii=False),
                           record["opened_at"]))
    finally:
        store.close()
    return {"tickets": len(tickets), "ratings": len(ratings), "cases": len(cases)}
