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
    h.open_window(1, "zhang", "张敏")
    h.call_next(1)
    assert [c["number"] for c in h.snapshot()["recent_calls"]] == ["A001"]
    clock.advance(days=1)
    h = reopened(h, tmp_path, config, clock)   # a restart on the next morning
    assert h.state.business_day.isoformat() == "2026-11-28"
    assert h.snapshot()["recent_calls"] == []   # the hall TV starts the day without yesterday's calls
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


def recall_scene(h: Hall, clock) -> None:
    """A001 called at window 1, A002 at window 2, A001 recalled, then A003 at window 2."""
    for _ in range(3):
        h.issue_ticket("A")
    h.open_window(1, "zhang", "张敏")
    h.open_window(2, "li", "李强")
    for step in (lambda: h.call(1, "A001"), lambda: h.call(2, "A002"), lambda: h.recall(1),
                 lambda: h.start(2), lambda: h.call(2, "A003")):
        clock.advance(minutes=1)
        step()


def test_recent_calls_list_a_recalled_ticket_once_at_its_latest_call(hall, clock):
    recall_scene(hall, clock)
    calls = hall.store.recent_calls(10)
    assert [(c["number"], c["window"], c["recall"]) for c in calls] == [
        ("A003", 2, False), ("A001", 1, True), ("A002", 2, False)]
    assert [c["seq"] for c in calls] == sorted((c["seq"] for c in calls), reverse=True)
    assert [c["number"] for c in hall.store.recent_calls(2)] == ["A003", "A001"]
    # The log itself keeps every call: the recall is its own event.
    called = [e for e in hall.store.events_since(0) if e["event"] == "ticket_called"]
    assert [c["ticket"]["number"] if "ticket" in c else c["number"] for c in called] == ["A001", "A002", "A001", "A003"]


def test_the_snapshot_lists_a_recalled_ticket_once(hall, clock):
    recall_scene(hall, clock)
    assert [(c["number"], c["window"]) for c in hall.snapshot()["recent_calls"]] == [
        ("A003", 2), ("A001", 1), ("A002", 2)]


def test_a_removed_account_cannot_sign_in_and_its_history_stays(hall, clock):
    hall.store.put_user("zhang", "张敏", "staff", "hash", clock())
    recall_scene(hall, clock)
    before = hall.store.events_since(0)
    assert hall.store.remove_user("zhang") is True
    assert hall.store.get_user("zhang") is None
    assert hall.store.remove_user("zhang") is False     # already removed
    assert hall.store.remove_user("nobody") is False
    assert hall.store.events_since(0) == before
    assert hall.store.conn.execute("SELECT staff FROM tickets WHERE number = 'A001'").fetchone() == ("zhang",)
    assert hall.store.list_users() == []                # no longer listed, but its row stays:
    assert [(u["username"], u["name"], u["active"]) for u in hall.store.list_users(removed=True)] == [("zhang", "张敏", 0)]
    hall.store.put_user("zhang", "张敏", "staff", "hash2", clock())   # `user add` brings it back
    assert hall.store.get_user("zhang")["password_hash"] == "hash2"
