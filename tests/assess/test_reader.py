"""Records read back through assess/reader.py from a real hall's file, field by field, beside its writer."""
from __future__ import annotations

import dataclasses
import json
import sqlite3
from datetime import date, datetime, timedelta

import apsw
import pytest

from assess.reader import Reader, ReaderError
from assess.records import CaseRecord, RatingRecord, StepRecord
from tests.conftest import TZ

DAY = date(2026, 11, 27)          # the conftest clock's Friday
HALL = "demo-city"                # config/hall.toml's [hall] code


def at(hhmm_ss: str, day: date = DAY) -> datetime:
    h, m, *s = (int(x) for x in hhmm_ss.split(":"))
    return datetime(day.year, day.month, day.day, h, m, s[0] if s else 0, tzinfo=TZ)


@pytest.fixture
def visits(hall, clock):
    """A ticket served at window 1, transferred to B and served at window 3, rated on both steps (the
    second badly, with reasons and words, which opens a case); a ticket with a matter, finished;
    a cancelled ticket; and next day's ticket, still waiting."""
    hall.open_window(1, "zhang", "张敏")
    hall.open_window(3, "li", "李强")
    a = hall.issue_ticket("A")                                     # 09:00:00
    clock.advance(minutes=2)
    hall.call_next(1)                                              # 09:02
    clock.advance(minutes=1)
    hall.start(1)                                                  # 09:03
    clock.advance(minutes=5)
    hall.transfer(1, "B")                                          # 09:08
    clock.advance(minutes=1)
    hall.call_next(3)                                              # 09:09
    clock.advance(seconds=30)
    hall.start(3)                                                  # 09:09:30
    clock.advance(minutes=4)
    hall.finish(3)                                                 # 09:13:30
    clock.advance(seconds=10)
    hall.record_rating(a.id, 3, "li", "dissatisfied", reasons=["slow", "attitude"], comment="等了很久")  # 09:13:40
    hall.record_rating(a.id, 1, "zhang", "very_satisfied", channel="tablet", device="tab-1", step=0)
    clock.advance(minutes=1)
    m = hall.issue_ticket("A", matter="business-licence")         # 09:14:40
    clock.advance(minutes=1)
    hall.call_next(1)                                              # 09:15:40
    hall.recall(1)
    clock.advance(minutes=1)
    hall.start(1)                                                  # 09:16:40
    clock.advance(minutes=3)
    hall.finish(1)                                                 # 09:19:40
    f = hall.issue_ticket("F")
    clock.advance(minutes=1)
    hall.cancel(f.number)                                          # 09:20:40
    clock.advance(days=1)
    n = hall.issue_ticket("C")                                     # the next day, 09:20:40
    return a, m, f, n


def step(**kw) -> StepRecord:
    fields = dict(hall=HALL, step=0, business_day=DAY, matter=None, priority=None, first_called_at=None,
                  called_at=None, calls=0, started_at=None, ended_at=None, window=None, staff=None, post=None)
    fields.update(kw)
    fields.setdefault("queued_at", fields["issued_at"])
    return StepRecord(**fields)


def test_steps_are_read_field_by_field_a_transfer_as_two_steps(hall, store, visits):
    a, m, f, n = visits
    with Reader(store.path, HALL) as reader:
        got = reader.steps(DAY, DAY)
        both = reader.steps(DAY, DAY + timedelta(days=1))
    assert got == [
        step(ticket_id=a.id, number="A001", service="A", issued_at=at("9:00"), first_called_at=at("9:02"),
             called_at=at("9:02"), calls=1, started_at=at("9:03"), ended_at=at("9:08"), outcome="transferred",
             window=1, staff="zhang", post="A"),
        step(ticket_id=a.id, step=1, number="A001", service="B", issued_at=at("9:00"), queued_at=at("9:08"),
             first_called_at=at("9:09"), called_at=at("9:09"), calls=1, started_at=at("9:09:30"),
             ended_at=at("9:13:30"), outcome="finished", window=3, staff="li", post="B"),
        step(ticket_id=m.id, number="A002", service="A", matter="business-licence", issued_at=at("9:14:40"),
             first_called_at=at("9:15:40"), called_at=at("9:15:40"), calls=2, started_at=at("9:16:40"),
             ended_at=at("9:19:40"), outcome="finished", window=1, staff="zhang", post="A"),
        step(ticket_id=f.id, number="F001", service="F", issued_at=at("9:19:40"), ended_at=at("9:20:40"),
             outcome="cancelled"),
    ]
    assert both == got + [step(ticket_id=n.id, business_day=DAY + timedelta(days=1), number="C001", service="C",
                               issued_at=at("9:20:40", DAY + timedelta(days=1)), outcome="waiting")]


def test_ratings_are_read_field_by_field_a_bad_one_with_its_reasons(store, visits):
    a, *_ = visits
    with Reader(store.path, HALL) as reader:
        got = reader.ratings(DAY, DAY)
    common = dict(hall=HALL, ticket_id=a.id, business_day=DAY, number="A001", matter=None, at=at("9:13:40"))
    assert got == [
        RatingRecord(rating_id=1, step=1, service="B", window=3, staff="li", level="dissatisfied", channel="rater",
                     device=None, reasons=("slow", "attitude"), comment="等了很久", **common),
        RatingRecord(rating_id=2, step=0, service="A", window=1, staff="zhang", level="very_satisfied",
                     channel="tablet", device="tab-1", reasons=(), comment="", **common),
    ]
    assert got[0].bad and not got[1].bad


def test_the_bad_ratings_case_is_read_and_an_upheld_appeal_excludes_its_rating(hall, store, clock, visits):
    a, *_ = visits
    with Reader(store.path, HALL) as reader:
        assert reader.cases() == [CaseRecord(
            hall=HALL, case_id=1, rating_id=1, ticket_id=a.id, step=1, business_day=DAY, number="A001", service="B",
            matter=None, window=3, staff="li", level="dissatisfied", opened_at=at("9:13:40"), status="verifying")]
        hall.case_action(1, "appeal", {"username": "li", "role": "staff"}, reason="高峰期排队，非本人原因")
        hall.case_action(1, "decide_appeal", {"username": "manager", "role": "manager"}, upheld=True,
                         decision="系统故障导致等候，申诉成立")
        (case,) = reader.cases(DAY, DAY)
        rating = reader.ratings(DAY, DAY)[0]
        assert reader.cases(DAY + timedelta(days=1), DAY + timedelta(days=1)) == []
    assert (case.appeal, case.status, case.appeal_reason) == ("upheld", "closed", "高峰期排队，非本人原因")
    assert (rating.rating_id, rating.excluded) == (1, True) and rating.exclusion_reason


def test_a_transferred_ticket_keeps_its_matter_on_the_step_it_was_chosen_for(hall, store, clock):
    hall.open_window(1, "zhang", "张敏")
    hall.open_window(3, "li", "李强")
    t = hall.issue_ticket("A", matter="business-licence")
    hall.call_next(1)
    hall.start(1)
    hall.transfer(1, "B")
    hall.call_next(3)
    hall.start(3)
    hall.finish(3)
    hall.record_rating(t.id, 1, "zhang", "satisfied", step=0)
    with Reader(store.path, HALL) as reader:
        steps, ratings = reader.steps(DAY, DAY), reader.ratings(DAY, DAY)
    assert [s.matter for s in steps] == ["business-licence", None]
    assert ratings[0].matter == "business-licence"


def test_records_built_fast_are_the_same_frozen_records(store, visits):
    with Reader(store.path, HALL) as reader:
        s, r = reader.steps(DAY, DAY)[0], reader.ratings(DAY, DAY)[0]
    for record in (s, r):
        again = type(record)(**{f.name: getattr(record, f.name) for f in dataclasses.fields(record)})
        assert record == again and hash(record) == hash(again)
        with pytest.raises(dataclasses.FrozenInstanceError):
            record.staff = "someone"


def test_a_reader_reads_one_snapshot_while_the_hall_goes_on_writing(hall, store, visits):
    reader = Reader(store.path, HALL)
    try:
        next_day = DAY + timedelta(days=1)
        with reader.snapshot():
            before = reader.steps(next_day, next_day)
            hall.issue_ticket("C")            # the writer commits while the read is held open
            assert reader.steps(next_day, next_day) == before
        assert len(reader.steps(next_day, next_day)) == len(before) + 1
        with pytest.raises((apsw.ReadOnlyError, sqlite3.OperationalError), match="readonly"):
            reader.conn.execute("DELETE FROM steps")
    finally:
        reader.close()


def test_records_reads_all_three_and_counts_its_progress(store, visits):
    seen = []
    with Reader(store.path, HALL) as reader:
        steps, ratings, cases = reader.records(DAY, DAY, progress=lambda done, total: seen.append((done, total)))
    assert (len(steps), len(ratings), len(cases)) == (4, 2, 1)
    assert seen[-1] == (7, 7) and all(total == 7 for _, total in seen)


def test_star_inputs_are_the_months_entered_for_this_hall(store):
    rows = [(HALL, "2026-10", {"self_assessment": {"dedication": 95}}, "manager"),
            (HALL, "2026-11", {"inspection": {"score": 88, "findings": ["窗口无人"]}}, "assessor"),
            ("other-hall", "2026-11", {"inspection": {"score": 10}}, "assessor"),
            (HALL, "2025-12", {"inspection": {"score": 70}}, "assessor")]
    for hall_code, month, inputs, by in rows:   # no writer enters them yet: straight into the table
        store.conn.execute("INSERT INTO star_months (hall, month, inputs, entered_by, entered_at) VALUES (?,?,?,?,?)",
                           (hall_code, month, json.dumps(inputs, ensure_ascii=False), by, "2026-11-30T10:00:00+08:00"))
    with Reader(store.path, HALL) as reader:
        assert reader.star_inputs(2026) == {
            "2026-10": {"self_assessment": {"dedication": 95}, "entered_by": "manager",
                        "entered_at": "2026-11-30T10:00:00+08:00"},
            "2026-11": {"inspection": {"score": 88, "findings": ["窗口无人"]}, "entered_by": "assessor",
                        "entered_at": "2026-11-30T10:00:00+08:00"}}


def test_a_missing_file_and_a_backwards_range_are_refused(tmp_path, store):
    with pytest.raises(ReaderError, match="--data-dir"):
        Reader(tmp_path / "nowhere" / "hallq.db", HALL)
    with Reader(store.path, HALL) as reader, pytest.raises(ValueError, match="before it starts"):
        reader.steps(DAY, DAY - timedelta(days=1))


def test_a_read_leaves_the_cycle_collector_as_it_found_it(store, visits):
    import gc
    with Reader(store.path, HALL) as reader:
        assert gc.isenabled()
        reader.records(DAY, DAY)
        assert gc.isenabled()
        gc.disable()
        try:
            reader.records(DAY, DAY)
            assert not gc.isenabled()
        finally:
            gc.enable()


def test_a_ranges_steps_come_in_order_from_the_index_not_a_sort(store):
    from assess.reader import _STEP_SQL
    plan = " ".join(row[3] for row in store.conn.execute("EXPLAIN QUERY PLAN " + _STEP_SQL, ("2026-11-01", "2026-11-30")))
    assert plan == "SEARCH steps USING INDEX steps_day_ticket (business_day>? AND business_day<?)"


# -- the figures' facts --------------------------------------------------------

def _facts_sorted(facts):
    return sorted(facts, key=lambda f: (f.ticket_id, f.step))


def test_facts_are_the_records_facts_with_every_duration_to_the_microsecond(store, visits):
    from assess.records import StepFacts, rating_facts, step_facts
    with Reader(store.path, HALL) as reader:
        steps, ratings, cases = reader.records(DAY, DAY)
        f_steps, f_ratings, f_cases = reader.facts(DAY, DAY)
    assert _facts_sorted(f_steps) == [step_facts(s) for s in steps]
    assert _facts_sorted(f_ratings) == sorted((rating_facts(r) for r in ratings), key=lambda f: (f.ticket_id, f.step))
    assert f_cases == cases
    transferred = next(f for f in f_steps if f.outcome == "transferred")
    assert type(transferred) is StepFacts
    assert (transferred.first_wait_us, transferred.wait_us, transferred.service_us) == (120_000_000, 120_000_000,
                                                                                       300_000_000)
    assert next(f for f in f_steps if f.outcome == "cancelled")[-3:] == (None, None, None)


@pytest.mark.parametrize("queued, called, ended", [
    # (queued_at, called_at = started_at, ended_at) as ISO text: a fraction, none, one carried over a
    # second (SQLite alone would round .9999995 to the next second), other offsets, and no offset.
    ("2026-11-27T09:00:00.999999+08:00", "2026-11-27T09:00:01+08:00", "2026-11-27T09:07:41.000001+08:00"),
    ("2026-11-27T09:00:00+08:00", "2026-11-27T09:12:34.567891+08:00", "2026-11-27T09:12:34.567892+08:00"),
    ("2026-11-27T09:59:59.999500+08:00", "2026-11-27T02:00:00.000500+01:00", "2026-11-27T10:00:00.999999+08:00"),
    ("2026-11-27T01:00:00.250000", "2026-11-27T01:00:00.750000", "2026-11-28T01:00:00"),
])
def test_the_stores_durations_equal_pythons_for_every_kind_of_time_text(store, queued, called, ended):
    from assess.records import micros_between
    store.conn.execute("INSERT INTO tickets (id, business_day, service, number, serial, status, issued_at)"
                       " VALUES (1, '2026-11-27', 'A', 'A001', 1, 'finished', ?)", (queued,))
    store.conn.execute("INSERT INTO steps (ticket_id, step, business_day, number, service, issued_at, queued_at,"
                       " first_called_at, called_at, calls, started_at, ended_at, outcome)"
                       " VALUES (1, 0, '2026-11-27', 'A001', 'A', ?, ?, ?, ?, 1, ?, ?, 'finished')",
                       (queued, queued, called, called, called, ended))
    q, c, e = (datetime.fromisoformat(t) for t in (queued, called, ended))
    want = (micros_between(q, c), micros_between(q, c), micros_between(c, e))
    stored = store.conn.execute("SELECT first_wait_us, wait_us, service_us FROM steps").fetchone()
    assert stored == want
    store.conn.execute("UPDATE steps SET ended_at = ?, called_at = NULL", (called,))    # kept on every write
    assert store.conn.execute("SELECT first_wait_us, wait_us, service_us FROM steps").fetchone() == (want[0], None, 0)


def test_migration_13_fills_in_an_older_files_durations_as_a_new_file_writes_them(tmp_path, store, visits,
                                                                                  monkeypatch):
    import hall.store as store_module
    from hall.store import MIGRATIONS, Store
    rows = store.conn.execute("SELECT * FROM steps ORDER BY ticket_id, step").fetchall()
    path = tmp_path / "old" / "hallq.db"
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS[:12])
    old = Store(path)
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS)
    columns = [r[1] for r in old.conn.execute("PRAGMA table_info(steps)")]
    assert "wait_us" not in columns
    for r in rows:
        old.conn.execute("INSERT INTO tickets (id, business_day, service, number, serial, status, issued_at)"
                         " VALUES (?, ?, ?, ?, ?, 'finished', ?) ON CONFLICT DO NOTHING",
                         (r[0], r[2], r[4], r[3], r[0], r[7]))
        old.conn.execute(f"INSERT INTO steps VALUES ({','.join('?' * len(columns))})", r[:len(columns)])
    with Reader(path, HALL) as reader:          # a file the hall has not migrated yet: read from its records
        before = reader.facts(DAY, DAY + timedelta(days=1))
        assert reader.conn.execute("PRAGMA user_version").fetchone()[0] == 12
    old.migrate()
    assert old.conn.execute("SELECT * FROM steps ORDER BY ticket_id, step").fetchall() == rows
    old.close()
    days = (DAY, DAY + timedelta(days=1))
    with Reader(path, HALL) as reader, Reader(store.path, HALL) as new:
        after, written = reader.facts(*days), new.facts(*days)
    assert _facts_sorted(after[0]) == _facts_sorted(before[0]) == _facts_sorted(written[0])
    assert len(after[0]) == 5          # the transfer two steps, the matter, the cancelled, the next day's


def test_facts_count_their_progress(store, visits):
    seen = []
    with Reader(store.path, HALL) as reader:
        steps, ratings, cases = reader.facts(DAY, DAY, progress=lambda done, total: seen.append((done, total)))
    n = len(steps) + len(ratings) + len(cases)
    assert seen[-1] == (n, n) and n > 0


def test_a_reader_uses_apsw_only_where_nothing_else_in_the_process_has_the_file_open(tmp_path, store, visits):
    """Two copies of SQLite in one process must never share a file (assess/reader.py `open_here`): beside the
    hall's own Store the reader takes the sqlite3 module; on a file nothing else here has open, APSW; and
    both read the very same records and facts."""
    copy = tmp_path / "copy" / "hallq.db"
    copy.parent.mkdir()
    target = sqlite3.connect(copy)
    store.conn.backup(target)
    target.close()
    with Reader(store.path, HALL) as beside, Reader(copy, HALL) as alone:
        assert beside.library == "sqlite3" and alone.library == "apsw"
        assert alone.records(DAY, DAY) == beside.records(DAY, DAY)
        a, b = alone.facts(DAY, DAY), beside.facts(DAY, DAY)
        assert [_facts_sorted(a[0]), _facts_sorted(a[1]), a[2]] == [_facts_sorted(b[0]), _facts_sorted(b[1]), b[2]]
        assert alone.case_counts(DAY, DAY) == beside.case_counts(DAY, DAY)
        assert alone.level_counts(DAY, DAY) == beside.level_counts(DAY, DAY) != {}
        with pytest.raises(apsw.ReadOnlyError):
            alone.conn.execute("DELETE FROM steps")
    with sqlite3.connect(copy), Reader(copy, HALL) as late:
        assert late.library == "sqlite3"     # a connection of this process has it open
