"""Personal data is cleared after `[privacy] keep_days` (hall/privacy.py) while every figure stays equal."""
from __future__ import annotations

import json
from dataclasses import asdict, replace
from datetime import date, timedelta

import pytest

from assess.figures import FigureSettings, figures
from assess.reader import Reader
from config import DEFAULT_CONFIG_PATH, parse_config
from hall.errors import ConfigError
from hall.hall import Hall
from hall.idnumber import check_digit
from hall.model import AppointmentRules, PrivacyRules

MANAGER = {"username": "manager", "role": "manager"}
BAD_WORDS, OPEN_WORDS = "等太久了", "窗口没人"


def id_number(n: int) -> str:
    first = f"11010519800101{n:03d}"
    return first + check_digit(first)


@pytest.fixture
def config(config):
    """Missed appointments block an ID (so blocks are written); personal data is kept 30 days."""
    return replace(config, privacy=PrivacyRules(keep_days=30),
                   appointments=AppointmentRules(block_after_no_shows=1, block_window_days=30, block_days=5))


def a_day(hall, clock, day_no: int, open_case: bool = False) -> dict:
    """A day of real-name tickets, appointments kept and missed, and bad ratings with words."""
    day = hall.state.business_day
    hall.add_appointments([
        {"code": f"K{day_no}01", "service": "B", "date": day.isoformat(), "slot": "09:00-09:30", "name": "王大爷",
         "id_number": id_number(day_no * 10 + 1)},
        {"code": f"K{day_no}02", "service": "B", "date": day.isoformat(), "slot": "09:00-09:30", "name": "李阿姨",
         "id_number": id_number(day_no * 10 + 2)},      # never comes: missed, and its ID blocked
    ])
    hall.open_window(5, "zhang", "张敏")
    hall.open_window(7, "li", "李强")
    hall.open_window(3, "wang", "王芳")
    hall.check_in(code=f"K{day_no}01")
    e1 = hall.issue_ticket("E", id_number=id_number(day_no * 10 + 3))
    e2 = hall.issue_ticket("E", id_number=id_number(day_no * 10 + 4))
    c1 = hall.issue_ticket("C")
    served = []
    for window in (7, 7, 5, 3):
        clock.advance(minutes=2)
        hall.call_next(window)
        hall.start(window)
        clock.advance(minutes=5)
        served.append(hall.finish(window))
    clock.advance(minutes=1)
    hall.rate_by_token(served[0].token, "dissatisfied", reasons=["slow"], comment=BAD_WORDS)
    hall.rate_by_token(served[1].token, "very_dissatisfied", reasons=["attitude"],
                       comment=OPEN_WORDS if open_case else BAD_WORDS)
    hall.rate_by_token(served[2].token, "satisfied")
    cases = sorted(c for c in range(1, hall.state.next_case_id) if hall.store.case(c).business_day == day)
    # The first case is settled; the second stays open (a case still worked on keeps its rating's words).
    hall.case_action(cases[0], "verify", MANAGER, note="属实")
    hall.case_action(cases[0], "rectify", MANAGER, mode="on_spot", note="当场道歉")
    hall.case_action(cases[0], "callback", MANAGER, view="satisfied", note="满意")
    if not open_case:
        hall.case_action(cases[1], "verify", MANAGER, note="属实")
        hall.case_action(cases[1], "rectify", MANAGER, mode="on_spot", note="道歉")
        hall.case_action(cases[1], "callback", MANAGER, view="basic", note="基本满意")
    return {"e": (e1, e2), "c": c1}


def all_figures(store, hall, start: date, end: date) -> dict:
    settings = FigureSettings(service_level_minutes=15, case_deadline_days=5)
    with Reader(store.path, hall.config.code) as reader:
        steps, ratings, cases = reader.records(start, end)
    today = hall.state.business_day
    out = {by: [asdict(r) for r in figures(steps, ratings, cases, by=by, settings=settings, today=today)]
           for by in ("total", "staff", "window", "service", "matter", "day", "month")}
    out["records"] = (steps, [replace(r, comment="") for r in ratings], cases)
    return out


def test_a_purge_clears_what_is_personal_and_keeps_every_figure(hall, store, clock):
    first_day = hall.state.business_day
    a_day(hall, clock, 1, open_case=True)
    clock.advance(days=40)
    hall.tick()
    today = hall.state.business_day
    kept = a_day(hall, clock, 2)                  # today's: kept whole
    before = all_figures(store, hall, first_day, today)

    counts = hall.purge_personal_data()

    assert all_figures(store, hall, first_day, today) == before
    old, new = first_day.isoformat(), today.isoformat()
    q = lambda sql, *args: [tuple(r) for r in store.conn.execute(sql, args)]   # noqa: E731
    # Tickets: the old day's ID hashes and masks are gone, today's are there.
    assert q("SELECT count(*) FROM tickets WHERE business_day = ? AND (id_hash IS NOT NULL OR id_masked IS NOT NULL)",
             old) == [(0,)]
    assert q("SELECT count(*) FROM tickets WHERE business_day = ? AND id_hash IS NOT NULL", new) == [(3,)]
    assert hall.store.conn.execute("SELECT id_masked FROM tickets WHERE id = ?", (kept["e"][0].id,)).fetchone()[0]
    # Appointments: the old names and IDs are gone; the codes, slots and what became of them stay.
    assert q("SELECT code, name, id_hash, id_masked, status FROM appointments WHERE day = ? ORDER BY code", old) == [
        ("K101", "", None, None, "checked_in"), ("K102", "", None, None, "no_show")]
    assert [r[0] for r in q("SELECT name FROM appointments WHERE day = ? ORDER BY code", new)] == ["王大爷", "李阿姨"]
    # Ratings: the old words are gone but where a case is still open; levels and reasons stay.
    assert q("SELECT comment, level, reasons FROM ratings WHERE business_day = ? AND level IN"
             " ('dissatisfied', 'very_dissatisfied') ORDER BY id", old) == [
        ("", "dissatisfied", '["slow"]'), (OPEN_WORDS, "very_dissatisfied", '["attitude"]')]
    assert q("SELECT count(*) FROM ratings WHERE business_day = ? AND comment = ?", new, BAD_WORDS) == [(2,)]
    # The event log: the same words and masks are gone from the old day's payloads.
    old_log = " ".join(p for (p,) in q("SELECT payload FROM events WHERE business_day = ?", old))
    assert BAD_WORDS not in old_log and OPEN_WORDS in old_log
    assert "*" not in old_log                    # no ID mask (110105********0012) in any payload
    missed = [json.loads(p) for (p,) in q("SELECT payload FROM events WHERE business_day = ? AND name IN"
                                          " ('appointment_missed', 'id_blocked')", old)]
    assert [e["id_masked"] for e in missed] == [None, None]
    new_log = " ".join(p for (p,) in q("SELECT payload FROM events WHERE business_day = ?", new))
    assert BAD_WORDS in new_log
    # The old day's block ended (block_days) long before the cutoff: its ID hash goes with it.
    assert q("SELECT count(*) FROM blocks") == [(0,)]
    assert counts == {"tickets": 3, "appointments": 2, "ratings": 1, "events": 4, "blocks": 1}
    (audit,) = q("SELECT username, action, after FROM audit WHERE action = 'personal_data_purged'")
    assert audit[:2] == ("system", "personal_data_purged")
    assert json.loads(audit[2]) == {"keep_days": 30, **counts}


def test_a_purge_runs_once_for_each_day_and_then_clears_only_the_next(hall, store, clock):
    a_day(hall, clock, 1)
    clock.advance(days=31)
    hall.tick()
    assert hall.purge_personal_data()["tickets"] == 3
    assert hall.purge_personal_data() == dict.fromkeys(("tickets", "appointments", "ratings", "events", "blocks"), 0)
    assert store.purged_before() == hall.state.business_day - timedelta(days=30)
    assert store.conn.execute("SELECT count(*) FROM audit WHERE action = 'personal_data_purged'").fetchone() == (1,)


def test_nothing_younger_than_keep_days_is_touched(hall, store, clock):
    a_day(hall, clock, 1)
    clock.advance(days=29)
    hall.tick()
    assert sum(hall.purge_personal_data().values()) == 0
    assert store.conn.execute("SELECT count(*) FROM tickets WHERE id_hash IS NOT NULL").fetchone() == (3,)


def test_a_big_gap_is_cleared_a_week_at_a_time(hall, store, clock, monkeypatch):
    a_day(hall, clock, 1)
    clock.advance(days=100)
    hall.tick()
    ranges = []
    real = store.purge_personal_data
    monkeypatch.setattr(store, "purge_personal_data", lambda a, b: ranges.append((a, b)) or real(a, b))
    hall.purge_personal_data()
    assert len(ranges) == 10 and all((b - a).days == 7 for a, b in ranges)
    assert ranges[-1][1] == hall.state.business_day - timedelta(days=30)


def test_the_replayed_log_of_a_purged_hall_gives_the_purged_halls_records(hall, store, clock, tmp_path):
    from assess.replay import rebuild
    first_day = hall.state.business_day
    a_day(hall, clock, 1)
    clock.advance(days=31)
    hall.tick()
    hall.purge_personal_data()
    rebuild(store.events_since(0, 100_000), tmp_path / "replayed.db")
    with Reader(store.path, "hall") as ours, Reader(tmp_path / "replayed.db", "hall") as theirs:
        assert ours.records(first_day, first_day) == theirs.records(first_day, first_day)


def test_hallq_purge_clears_as_the_server_does(tmp_path, clock):
    from hall.store import Store
    from tests.test_cli import hallq
    store = Store(tmp_path / "hallq.db")
    # A hall that keeps a day (its configuration in its database), with a ticket of a day before yesterday.
    config = replace(parse_config(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")), privacy=PrivacyRules(keep_days=1),
                     appointments=AppointmentRules())
    clock.now = clock.now.replace(year=date.today().year, month=date.today().month, day=date.today().day) - timedelta(days=3)
    hall = Hall(config, store, clock=clock)
    hall.issue_ticket("E", id_number=id_number(5))
    hall.bus.close()
    store.close()
    r = hallq("purge", data_dir=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "1 tickets" in r.stdout and "every figure stays" in r.stdout
    store = Store(tmp_path / "hallq.db")
    try:
        assert store.conn.execute("SELECT id_hash, id_masked FROM tickets").fetchall() == [(None, None)]
        (who,) = store.conn.execute("SELECT username FROM audit WHERE action = 'personal_data_purged'").fetchone()
        assert who.startswith("cli")
    finally:
        store.close()


def _privacy(extra: str) -> str:
    return DEFAULT_CONFIG_PATH.read_text(encoding="utf-8") + "\n" + extra


# The embedded hall blocks an ID after missed appointments counted over 90 days: it keeps 90 days at least.
@pytest.mark.parametrize("extra, keep", [("", 180), ("[privacy]\nkeep_days = 90", 90),
                                         ("[privacy]\nkeep_days = 3650", 3650)])
def test_keep_days_is_read(extra, keep):
    assert parse_config(_privacy(extra)).privacy.keep_days == keep


@pytest.mark.parametrize("extra, sentence", [
    ("[privacy]\nkeep_days = 0", "hall.toml: privacy.keep_days = 0 is not allowed; expected a whole number from 1 to 3650."),
    ("[privacy]\nkeep = 30", "hall.toml: privacy.keep is not a known key; expected one of ['keep_days']."),
    ("[privacy]\nkeep_days = 30",
     "hall.toml: privacy.keep_days = 30 is not allowed; expected at least 90, as [appointments] block_window_days "
     "needs (missed appointments are counted by their ID over that many days)."),
])
def test_a_wrong_keep_days_is_one_sentence(extra, sentence):
    with pytest.raises(ConfigError) as err:
        parse_config(_privacy(extra), "hall.toml")
    assert str(err.value) == sentence
