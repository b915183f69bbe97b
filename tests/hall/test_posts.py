"""AB posts (AB岗): the post a clerk holds at a window is recorded at sign-in, shown, and carried by
every step they call, so the figures' served_as_a / served_as_b count real steps."""
from __future__ import annotations

import pytest

from assess.figures import FigureSettings, figures
from assess.reader import Reader
from assess.replay import rebuild
from config import DEFAULT_CONFIG_PATH, parse_config
from hall.audiences import public_event, public_snapshot
from hall.errors import ConfigError
from hall.hall import Hall
from hall.store import Store
from tests.conftest import login

# The embedded hall: window 1 A zhang / B li, window 2 A li / B zhang, window 3 A wang / B li, 4: no holders.
SIGN_INS = [
    # window, clerk, the post they hold there
    (1, "zhang", "A"),
    (1, "li", "B"),
    (1, "wang", None),
    (2, "li", "A"),
    (2, "zhang", "B"),
    (3, "wang", "A"),
    (4, "zhang", None),
]


@pytest.mark.parametrize("window, clerk, post", SIGN_INS)
def test_signing_in_records_the_post_held_at_that_window(hall, window, clerk, post):
    w = hall.open_window(window, clerk, clerk)
    assert w.post == post
    assert hall.window_json(window)["staff"] == {"username": clerk, "name": clerk, "post": post}
    row = hall.store.conn.execute("SELECT staff, post FROM windows WHERE id = ?", (window,)).fetchone()
    assert tuple(row) == (clerk, post)


def test_the_post_survives_a_restart_and_is_gone_when_the_clerk_signs_out(hall, config, tmp_path, clock):
    hall.open_window(1, "li", "李强")
    hall.store.close()
    again = Hall(config, Store(tmp_path / "hallq.db"), clock=clock)
    assert again.state.windows[1].post == "B"
    again.close_window(1)
    assert again.state.windows[1].post is None
    assert again.window_json(1)["staff"] is None
    again.store.close()


def steps_rows(hall):
    return [tuple(r) for r in hall.store.conn.execute(
        "SELECT number, step, service, outcome, window, staff, post FROM steps ORDER BY ticket_id, step")]


def test_each_step_records_the_post_it_was_called_under(hall, clock):
    hall.open_window(1, "zhang", "张敏")     # A at window 1
    hall.open_window(3, "li", "李强")        # B at window 3
    hall.open_window(4, "wang", "王芳")      # no post at window 4
    a = hall.issue_ticket("A")
    b = hall.issue_ticket("B")
    clock.advance(minutes=2)
    hall.call_next(1)
    hall.start(1)
    clock.advance(minutes=3)
    hall.transfer(1, "B", 3)                 # on to window 3's B holder
    assert hall.state.tickets[a.id].post is None          # waiting again: nobody's post yet
    hall.call_next(3)
    assert hall.state.tickets[a.id].post == "B"
    hall.start(3)
    hall.finish(3)
    hall.call_next(4)                        # b, called by a clerk holding no post there
    hall.no_show(4)
    clock.advance(minutes=1)
    hall.rejoin(b.number)
    hall.call_next(4)
    hall.start(4)
    hall.finish(4)
    assert steps_rows(hall) == [
        ("A001", 0, "A", "transferred", 1, "zhang", "A"),
        ("A001", 1, "B", "finished", 3, "li", "B"),
        ("B001", 0, "B", "no_show", 4, "wang", None),
        ("B001", 1, "B", "finished", 4, "wang", None),
    ]
    # The ticket's JSON (the counter's, the board's, the event log's) carries it with the clerk.
    t = hall.ticket_json(hall.state.tickets[a.id])
    assert (t["staff"], t["post"]) == ("li", "B")
    assert [(s["staff"], s["post"]) for s in t["steps"]] == [("zhang", "A")]


def test_a_recall_keeps_the_post_of_the_call(hall, clock):
    hall.open_window(2, "zhang", "张敏")     # B at window 2
    hall.issue_ticket("A")
    hall.call_next(2)
    clock.advance(seconds=30)
    t = hall.recall(2)
    assert t.post == "B"
    called = [e for e in hall.store.events_since(0) if e["event"] == "ticket_called"]
    assert [(e["staff"], e["post"], e["ticket"]["post"]) for e in called] == [("zhang", "B", "B")] * 2


def day_of_posts(hall, clock):
    """zhang serves two at window 1 as A, li one at window 1 as B after zhang left, wang one with no post."""
    for _ in range(4):
        hall.issue_ticket("A")
    hall.open_window(1, "zhang", "张敏")
    hall.open_window(8, "wang", "王芳")       # window 8 helps with A; it has no holders
    for w in (1, 1, 8):
        clock.advance(minutes=1)
        hall.call_next(w)
        hall.start(w)
        clock.advance(minutes=4)
        hall.finish(w)
    hall.close_window(1)
    hall.open_window(1, "li", "李强")
    hall.call_next(1)
    hall.start(1)
    clock.advance(minutes=4)
    hall.finish(1)


def test_the_figures_count_the_steps_served_at_each_post(hall, clock, store):
    day_of_posts(hall, clock)
    day = hall.state.business_day
    with Reader(store.path, hall.config.code) as reader:
        steps, ratings, cases = reader.records(day, day)
    rows = {r.key: r for r in figures(steps, ratings, cases, by="staff", settings=FigureSettings(), today=day)}
    assert {k: (r.served, r.served_as_a, r.served_as_b) for k, r in rows.items()} == {
        "zhang": (2, 2, 0), "li": (1, 0, 1), "wang": (1, 0, 0)}


def test_the_event_log_rebuilds_every_steps_post(hall, clock, store, tmp_path):
    day_of_posts(hall, clock)
    rebuild(store.events_since(0, 100_000), tmp_path / "replayed.db")
    replayed = Store(tmp_path / "replayed.db")
    try:
        query = "SELECT ticket_id, step, staff, post FROM steps ORDER BY ticket_id, step"
        assert [tuple(r) for r in replayed.conn.execute(query)] == [tuple(r) for r in store.conn.execute(query)]
    finally:
        replayed.close()


def test_the_public_screens_are_not_told_who_holds_which_post(hall):
    hall.open_window(1, "zhang", "张敏")
    hall.issue_ticket("A")
    hall.call_next(1)
    snap = public_snapshot(hall.snapshot())
    assert "post" not in repr(snap) and "zhang" not in repr(snap)
    for e in hall.store.events_since(0):
        assert "post" not in public_event(e) and "post" not in (public_event(e).get("ticket") or {})


def test_signing_in_through_the_api_shows_the_post_to_the_signed_in(app, client):
    login(client, "li", window=1)
    w = next(w for w in client.get("/api/state").get_json()["windows"] if w["id"] == 1)
    assert w["staff"] == {"username": "li", "name": "李强", "post": "B"}
    anonymous = app.test_client().get("/api/state").get_json()
    assert next(w for w in anonymous["windows"] if w["id"] == 1)["staffed"] is True
    assert "post" not in repr(anonymous)


def _with_window(extra: str) -> str:
    base = DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")
    return base + f'\n[[windows]]\nid = 99\nservices = ["A"]\n{extra}\n'


@pytest.mark.parametrize("extra, holders", [
    ('a_holder = "qian"\nb_holder = "sun"', ("qian", "sun")),
    ('a_holder = "qian"', ("qian", None)),
    ('b_holder = "王.芳-2"', (None, "王.芳-2")),
    ("", (None, None)),
])
def test_a_window_names_its_holders(extra, holders):
    w = parse_config(_with_window(extra), "hall.toml").window(99)
    assert (w.a_holder, w.b_holder) == holders


@pytest.mark.parametrize("extra, sentence", [
    ('a_holder = "qian"\nb_holder = "qian"',
     "hall.toml: 99号窗口 (window 99): b_holder = 'qian' is not allowed; expected another clerk than a_holder: "
     "the B holder covers the window when its A holder is away (AB岗)."),
    ('a_holder = "qian sun"',
     "hall.toml: 99号窗口 (window 99): a_holder = 'qian sun' is not allowed; expected the username of a staff "
     "account, such as \"zhang\" (letters, digits, '.', '-', '_')."),
    ("b_holder = 7",
     "hall.toml: 99号窗口 (window 99): b_holder = 7 is not allowed; expected the username of a staff account, "
     "such as \"zhang\" (letters, digits, '.', '-', '_')."),
])
def test_a_wrong_holder_is_one_sentence(extra, sentence):
    with pytest.raises(ConfigError) as err:
        parse_config(_with_window(extra), "hall.toml")
    assert str(err.value) == sentence
