"""A hall file from before per-step ratings (schema 6) keeps every rating and gains its steps."""
from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta

from hall import store as store_module
from hall.model import Call, Step, Ticket
from hall.store import MIGRATIONS, Store, _ticket_row

from tests.conftest import TZ

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=TZ)


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _old_file(path, monkeypatch) -> None:
    """Schema 6 with a transferred-then-finished ticket, a no-show, and their old-style ratings."""
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS[:6])
    old = Store(path)
    assert old.schema_version == 6
    day = date(2026, 11, 2)
    transferred = Ticket(
        id=1, business_day=day, service="B", number="A001", serial=1, status="finished", issued_at=_at(0),
        calls=(Call(_at(30), 4),), started_at=_at(31), finished_at=_at(40), window=4, staff="li",
        queued_at=_at(12), matter=None,
        steps=(Step(service="A", queued_at=_at(0), calls=(Call(_at(5), 1), Call(_at(6), 1)), started_at=_at(7),
                    ended_at=_at(12), outcome="transferred", window=1, staff="zhang"),))
    no_show = Ticket(id=2, business_day=day, service="A", number="A002", serial=2, status="no_show",
                     issued_at=_at(1), calls=(Call(_at(8), 1),), finished_at=_at(10), window=1, staff="zhang")
    with old._transaction():
        for t in (transferred, no_show):
            columns = store_module._TICKET_COLUMNS.split(", joined_at")[0]   # schema 6 had no joined_at, no post
            old.conn.execute(f"INSERT INTO tickets ({columns}) VALUES ({','.join('?' * 22)})", _ticket_row(t)[:22])
        old.conn.execute("INSERT INTO ratings (ticket_id, business_day, window, staff, level, channel, device, at)"
                         " VALUES (1, '2026-11-02', 4, 'li', 'satisfied', 'rater', 'rater-4', ?)", (_at(41).isoformat(),))
    old.close()
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS)


def test_an_old_file_keeps_its_ratings_and_gains_one_row_per_step(tmp_path, monkeypatch):
    path = tmp_path / "hallq.db"
    _old_file(path, monkeypatch)
    s = Store(path)
    try:
        assert s.schema_version == len(MIGRATIONS)
        s.conn.row_factory = sqlite3.Row
        steps = [dict(r) for r in s.conn.execute("SELECT * FROM steps ORDER BY ticket_id, step")]
        ratings = [dict(r) for r in s.conn.execute("SELECT * FROM ratings")]
    finally:
        s.close()
    assert [(r["ticket_id"], r["step"], r["service"], r["outcome"], r["window"], r["staff"], r["calls"])
            for r in steps] == [(1, 0, "A", "transferred", 1, "zhang", 2),
                                (1, 1, "B", "finished", 4, "li", 1),
                                (2, 0, "A", "no_show", 1, "zhang", 1)]
    first = steps[0]
    assert (first["queued_at"], first["first_called_at"], first["called_at"], first["started_at"], first["ended_at"]) == (
        _at(0).isoformat(), _at(5).isoformat(), _at(6).isoformat(), _at(7).isoformat(), _at(12).isoformat())
    # Schema 6 did not know when a step joined its line: the step before it ended then (the transfer).
    assert steps[1]["queued_at"] == _at(12).isoformat() and steps[1]["issued_at"] == _at(0).isoformat()
    assert steps[2]["ended_at"] == _at(10).isoformat() and steps[2]["started_at"] is None
    # The old rating was of the ticket's finish: the step it was in, step 1, with its service and number.
    assert [(r["ticket_id"], r["step"], r["number"], r["service"], r["level"], r["window"], r["reasons"],
             r["excluded"]) for r in ratings] == [(1, 1, "A001", "B", "satisfied", 4, "[]", 0)]


def test_every_action_keeps_the_steps_table_equal_to_the_tickets(hall, clock, store):
    hall.open_window(1, "zhang", "张敏")
    hall.open_window(4, "li", "李强")
    a = hall.issue_ticket("A")
    hall.issue_ticket("A")
    clock.advance(minutes=3)
    hall.call_next(1)
    hall.start(1)
    clock.advance(minutes=2)
    hall.transfer(1, "B")
    hall.call_next(1)
    hall.no_show(1)
    rows = store.conn.execute("SELECT ticket_id, step, service, outcome, window, queued_at FROM steps"
                              " ORDER BY 1, 2").fetchall()
    # The transferred step keeps its place in B's line (transfer_keeps_place) but waits from the transfer.
    transferred_at = clock().isoformat()
    assert rows == [(a.id, 0, "A", "transferred", 1, a.issued_at.isoformat()),
                    (a.id, 1, "B", "waiting", None, transferred_at),
                    (a.id + 1, 0, "A", "no_show", 1, a.issued_at.isoformat())]
    assert hall.state.tickets[a.id].place == a.issued_at
    clock.advance(minutes=4)
    hall.rejoin("A002")       # back from the no-show: waits again from now, behind the next ones
    rejoined = store.conn.execute("SELECT step, outcome, queued_at FROM steps WHERE ticket_id = ? AND step = 1",
                                  (a.id + 1,)).fetchone()
    assert rejoined == (1, "waiting", clock().isoformat())
