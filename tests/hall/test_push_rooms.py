"""The push's audiences over a real Socket.IO test client: who may join, what each hears, floods."""
from __future__ import annotations

import json
import time

import pytest

from hall import push as push_module
from tests.conftest import PASSWORD, login


def received(c, timeout=3.0, until=None):
    got = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got += c.get_received("/hall")
        if until is not None and until(got):
            break
        time.sleep(0.02)
    return got


def connect(app, client=None, **auth):
    return app.extensions["socketio"].test_client(app, namespace="/hall", flask_test_client=client,
                                                 auth=auth or None)


def test_screens_hear_calls_without_the_clerk(app, client):
    screen = connect(app, audience="screens")
    assert received(screen, until=lambda g: g)[0]["name"] == "snapshot"
    client.post("/api/tickets", json={"service": "A"})
    login(client, window=1)
    client.post("/api/windows/1/call-next")
    got = received(screen, until=lambda g: any(e["name"] == "ticket_called" for e in g))
    call = next(e["args"][0] for e in got if e["name"] == "ticket_called")
    assert call["number"] == "A001" and call["window"] == 1 and "staff" not in call
    text = json.dumps([e["args"] for e in got], ensure_ascii=False)
    assert "zhang" not in text and "张敏" not in text
    # seq and prev chain: each event names the one this room was sent before it
    events = [e["args"][0] for e in got if e["name"] != "snapshot"]
    assert [e["prev"] for e in events[1:]] == [e["seq"] for e in events[:-1]]


def test_counter_needs_a_clerk_holding_that_window(app, client):
    anonymous = connect(app, audience="counter", window=1)
    assert not anonymous.is_connected("/hall")
    login(client, window=1)
    other = connect(app, client, audience="counter", window=2)
    assert not other.is_connected("/hall")
    mine = connect(app, client, audience="counter", window=1)
    assert mine.is_connected("/hall")
    snap = received(mine, until=lambda g: g)[0]["args"][0]
    assert any(w["staff"] and w["staff"]["username"] == "zhang" for w in snap["windows"])


def test_board_needs_a_manager(app, client):
    login(client, window=1)
    assert not connect(app, client, audience="board").is_connected("/hall")
    client.post("/api/logout")
    login(client, username="manager", window=None)
    board = connect(app, client, audience="board")
    assert board.is_connected("/hall")


def test_unknown_audience_and_bad_window_are_refused(app):
    assert not connect(app, audience="everything").is_connected("/hall")
    assert not connect(app, audience="rater", window=99).is_connected("/hall")
    assert not connect(app, audience="rater", window="1").is_connected("/hall")
    assert connect(app, audience="rater", window=1).is_connected("/hall")


def test_phone_hears_only_its_own_ticket(app, client):
    mine = client.post("/api/tickets", json={"service": "A"}).get_json()
    other = client.post("/api/tickets", json={"service": "A"}).get_json()
    assert not connect(app, audience="phone", token="not-a-ticket").is_connected("/hall")
    phone = connect(app, audience="phone", token=other["token"])
    snap = received(phone, until=lambda g: g)[0]
    assert snap["name"] == "snapshot" and snap["args"][0]["ticket"]["number"] == "A002"
    assert snap["args"][0]["ahead"] == 1 and snap["args"][0]["waiting"] == 2
    login(client, window=1)
    client.post("/api/windows/1/call-next")   # calls A001: A002 is next
    got = received(phone, until=lambda g: any(e["name"] == "progress" for e in g))
    names = {e["name"] for e in got}
    assert names == {"progress"}, names      # no hall events, nobody else's ticket
    p = [e["args"][0] for e in got][-1]
    assert p["ticket"]["number"] == "A002" and p["ahead"] == 0 and p["waiting"] == 1
    assert "staff" not in p["ticket"] and mine["ticket"]["number"] not in json.dumps(p)


def test_two_phones_on_one_ticket_each_hear_it_and_one_leaving_leaves_the_other_told(app, client):
    """Phones are sent their progress by sid: the second phone of a ticket (the citizen's and a
    relative's) hears every change, and goes on hearing after the first one closes."""
    client.post("/api/tickets", json={"service": "A"})
    mine = client.post("/api/tickets", json={"service": "A"}).get_json()
    client.post("/api/tickets", json={"service": "A"})
    first = connect(app, audience="phone", token=mine["token"])
    second = connect(app, audience="phone", token=mine["token"])
    for phone in (first, second):
        assert received(phone, until=lambda g: g)[0]["args"][0]["ahead"] == 1
    login(client, window=1)
    client.post("/api/windows/1/call-next")            # A001 called: A002 has nobody ahead
    for phone in (first, second):
        got = received(phone, until=lambda g: any(e["name"] == "progress" for e in g))
        assert [e["args"][0]["ahead"] for e in got if e["name"] == "progress"][-1] == 0
    first.disconnect(namespace="/hall")
    client.post("/api/windows/1/start")
    assert client.post("/api/windows/1/call-next").status_code == 200   # A001 done, A002 itself called
    got = received(second, until=lambda g: any(e["name"] == "progress" for e in g))
    last = [e["args"][0] for e in got if e["name"] == "progress"][-1]
    assert last["ticket"]["status"] == "called" and last["window_name"]


def test_a_flood_of_messages_is_dropped_and_the_flooder_disconnected(app):
    screen = connect(app, audience="screens")
    received(screen, until=lambda g: g)
    snapshots = sent = 0
    for _ in range(int(push_module.BURST) + push_module.DROP_AFTER + 10):
        try:
            screen.emit("snapshot_request", namespace="/hall")
            sent += 1
            snapshots += sum(1 for e in screen.get_received("/hall") if e["name"] == "snapshot")
        except RuntimeError:  # the server put it out
            break
    # The burst is answered; the rest is not, and the client is put out before it sent them all.
    assert 1 <= snapshots <= push_module.BURST + 1
    assert sent < int(push_module.BURST) + push_module.DROP_AFTER + 10
    assert not screen.is_connected("/hall")
    # Others are not affected.
    assert connect(app, audience="screens").is_connected("/hall")


def test_signing_out_ends_the_counter_socket(app, client):
    login(client, window=1)
    counter = connect(app, client, audience="counter", window=1)
    assert counter.is_connected("/hall")
    client.post("/api/logout")
    deadline = time.monotonic() + 3
    while counter.is_connected("/hall") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not counter.is_connected("/hall")


# Who may join which audience: every audience x every kind of caller (the socket half of the role
# matrix; tests/hall/test_role_matrix.py has the HTTP half). Window 1 is the clerk's own window.
SOCKET_MATRIX = {
    # audience auth                          anonymous staff_here staff_other manager admin
    ("screens", None):                       (True, True, True, True, True),
    ("rater", 1):                            (True, True, True, True, True),
    ("counter", 1):                          (False, True, False, True, True),
    ("board", None):                         (False, False, False, True, True),
}
CALLERS = ("anonymous", "staff_here", "staff_other", "manager", "admin")


def test_every_audience_has_a_row_in_the_socket_matrix():
    from hall import audiences as aud
    assert {a for a, _ in SOCKET_MATRIX} | {aud.PHONE} == set(aud.AUDIENCES)


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("audience,window", list(SOCKET_MATRIX))
def test_socket_role_matrix(app, client, caller, audience, window):
    store = app.extensions["hallq"].store
    from hall import auth
    store.put_user("root", "管理员", "admin", auth.hash_password(PASSWORD), app.extensions["hallq"].clock())
    if caller == "staff_here":
        login(client, "zhang", window=1)
    elif caller == "staff_other":
        login(client, "li", window=2)
    elif caller == "manager":
        login(client, "manager", window=None)
    elif caller == "admin":
        login(client, "root", window=None)
    data = {"audience": audience} | ({"window": window} if window is not None else {})
    c = connect(app, client, **data)
    assert c.is_connected("/hall") is SOCKET_MATRIX[(audience, window)][CALLERS.index(caller)]


def test_a_windows_change_marks_the_phones_of_its_services_or_of_all_when_it_opens_pauses_or_closes(app):
    """Which lines' phones a `window_changed` sends new progress to (Push._mark): a call or a finish at
    window 2 (serves A, helps F) moves only A's and F's; opening, pausing or closing may move every line."""
    from hall.push import Push
    h = app.extensions["hallq"]
    push = Push(None, h)
    everything = {s.code for s in h.config.services}

    def marked(window_id, status, **extra):
        push._dirty = None
        window = dict(h.window_json(window_id), status=status)
        push._mark({"event": "window_changed", "window": window, **extra})
        return push._dirty

    assert marked(2, "open") == everything                  # first seen: opened
    assert marked(2, "open") == {"A", "F"}                  # its current ticket changed
    assert marked(8, "open") == everything
    assert marked(8, "open") == {"F", "A", "B"}
    assert marked(2, "paused") == everything                # a pause: the helped lines too
    assert marked(2, "paused") == {"A", "F"}
    assert marked(2, "closed") == everything
    assert marked(5, "open", service="C") == everything
    assert marked(5, "open", service="C") == {"C"}
    push._dirty = None
    push._mark({"event": "window_changed", "window": None})
    assert push._dirty == everything                        # a malformed payload: every line, never none
