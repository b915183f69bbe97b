"""The store: what was committed is exactly what a reopened hall sees."""
from __future__ import annotations

import sqlite3
import threading

import pytest

from hall.hall import Hall
from hall.store import MIGRATIONS, Store


def reopened(hall, tmp_path, config, clock):
    hall.store.close()
    return Hall(config, Store(tmp_path / "hallq.db"), clock=clock)


def picture(h: Hall):
    """Everything about the queue that must survive a restart."""
    s = h.state
    return (s.business_day, s.tickets, s.windows, s.next_ticket_id, s.last_seq, s.rated,
            [t.number for t in s.waiting()])


STEPS = [
    ("issue", lambda h: h.issue_ticket("A")),
    ("open", lambda h: h.open_window(1, "zhang", "张敏")),
    ("call", lambda h: h.call_next(1)),
    ("recall", lambda h: h.recall(1)),
    ("start", lambda h: h.start(1)),
    ("finish", lambda h: h.finish(1)),
    ("rate", lambda h: h.record_rating(1, 1, "zhang", "satisfied")),
    ("call-chosen", lambda h: h.call(1, "A003")),
    ("no-show", lambda h: h.no_show(1)),
    ("cancel", lambda h: h.cancel("A004")),
    ("pause", lambda h: h.pause(1, "break")),
    ("resume", lambda h: h.resume(1)),
    ("close", lambda h: h.close_window(1)),
]


def test_reopen_after_each_kind_of_change_gives_the_same_hall(tmp_path, config, clock):
    h = Hall(config, Store(tmp_path / "hallq.db"), clock=clock)
    for _ in range(4):
        h.issue_ticket("A")
    for name, step in STEPS:
        clock.advance(minutes=1)
        step(h)
        before = picture(h)
        h = reopened(h, tmp_path, config, clock)
        assert picture(h) == before, f"after {name}"
    assert [t.number for t in h.state.waiting()] == ["A002", "A005"]


def test_eight_kiosks_issuing_at_once_get_distinct_numbers(hall):
    numbers, errors = [], []

    def kiosk():
        try:
            for _ in range(25):
                numbers.append(hall.issue_ticket("B").number)
        except Exception as exc:  # pragma: no cover - would fail the test below
            errors.append(exc)

    threads = [threading.Thread(target=kiosk) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(numbers) == [f"B{i:03d}" for i in range(1, 201)]
    rows = hall.store.conn.execute("SELECT count(DISTINCT number) FROM tickets WHERE service='B'").fetchone()[0]
    assert rows == 200


def test_the_database_refuses_a_duplicate_number(store, hall):
    hall.issue_ticket("A")
    with pytest.raises(sqlite3.IntegrityError):
        store.conn.execute("INSERT INTO tickets (id, business_day, service, number, serial, status, issued_at)"
                           " VALUES (99, ?, 'A', 'A001', 1, 'waiting', 'x')", (hall.state.business_day.isoformat(),))


def test_rollover_restarts_numbering_and_keeps_history(tmp_path, config, clock):
    h = Hall(config, Store(tmp_path / "hallq.db"), clock=clock)
    first = [h.issue_ticket("A").number for _ in range(3)]
    clock.advance(days=1)
    h = reopened(h, tmp_path, config, clock)   # a restart on the next morning
    assert h.state.business_day.isoformat() == "2026-11-28"
    assert h.issue_ticket("A").number == "A001"
    days = h.store.conn.execute("SELECT business_day, number, status FROM tickets ORDER BY id").fetchall()
    assert days == [("2026-11-27", n, "expired") for n in first] + [("2026-11-28", "A001", "waiting")]


def test_every_event_is_logged_in_seq_order(hall):
    got = []
    hall.bus.subscribe("test", got.append)
    hall.issue_ticket("A")
    hall.open_window(1, "zhang", "张敏")
    hall.call_next(1)
    log = hall.store.events_since(0)
    assert [e["seq"] for e in log] == list(range(1, len(log) + 1))
    assert [e["event"] for e in log] == ["ticket_issued", "queue_changed", "window_changed",
                                         "ticket_called", "window_changed", "queue_changed"]
    hall.bus.close()
    assert got == log  # subscribers see exactly what was stored, in order


def test_migrations_are_recorded(store):
    assert store.schema_version == len(MIGRATIONS)
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
