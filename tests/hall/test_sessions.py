"""Sessions the hall keeps (hall/auth.py): an old cookie is refused once its session ended."""
from __future__ import annotations

from datetime import timedelta

import pytest

from hall import auth
from tests.conftest import PASSWORD, login


def error(r) -> tuple[int, str]:
    return r.status_code, r.get_json()["error"]["code"]


def replay(app, client):
    """A second browser holding `client`'s cookie and CSRF header as they are now."""
    cookie = client.get_cookie("session")
    old = app.test_client()
    old.set_cookie("session", cookie.value)
    old.environ_base["HTTP_X_HALLQ_CSRF"] = client.environ_base["HTTP_X_HALLQ_CSRF"]
    return old


def sessions(app, username):
    rows = app.extensions["hallq"].store.conn.execute(
        "SELECT window, ended_at IS NOT NULL, end_reason FROM sessions WHERE username = ? ORDER BY created, rowid",
        (username,)).fetchall()
    return [tuple(r) for r in rows]


def test_the_cookie_holds_only_the_session_token(app, client):
    login(client, "zhang", window=3)
    data = app.session_interface.get_signing_serializer(app).loads(client.get_cookie("session").value)
    assert sorted(data) == ["_permanent", "sid"] and len(data["sid"]) >= 40   # no name, role or window


def test_the_old_cookie_is_refused_after_sign_out(app, client):
    login(client, "zhang", window=3)
    client.post("/api/tickets", json={"service": "B"})
    old = replay(app, client)
    assert client.post("/api/logout").get_json() == {"ok": True}
    assert error(old.post("/api/windows/3/call-next")) == (401, "not_signed_in")
    assert error(old.get("/api/me")) == (401, "not_signed_in")
    assert sessions(app, "zhang") == [(3, 1, "signed_out")]


def test_the_old_cookie_is_refused_at_window_3_after_another_clerk_signs_in_there(app, client):
    hall = app.extensions["hallq"]
    login(client, "zhang", window=3)
    client.post("/api/tickets", json={"service": "B"})
    old = replay(app, client)
    hall.close_window(3)          # the window closed under zhang's session (not by signing out)
    # The session lives on but no longer holds the window in the hall: refused.
    assert error(old.post("/api/windows/3/call-next")) == (403, "forbidden")
    li = app.test_client()
    login(li, "li", window=3)
    assert error(old.post("/api/windows/3/call-next")) == (401, "not_signed_in")
    assert error(old.post("/api/windows/3/pause", json={"reason": "rest"})) == (401, "not_signed_in")
    assert sessions(app, "zhang") == [(3, 1, "window_taken")]
    assert li.post("/api/windows/3/call-next").status_code == 200
    assert hall.state.windows[3].staff == "li"


def test_the_clerk_holding_a_window_acts_there_and_not_at_another(app, client):
    login(client, "zhang", window=1)
    li = app.test_client()
    login(li, "li", window=2)
    client.post("/api/tickets", json={"service": "A"})
    assert error(client.post("/api/windows/2/call-next")) == (403, "forbidden")
    assert client.post("/api/windows/1/call-next").status_code == 200


def test_a_manager_may_act_on_any_window(app, client):
    login(client, "zhang", window=1)
    client.post("/api/tickets", json={"service": "A"})
    boss = app.test_client()
    login(boss, "manager", window=None)
    assert boss.post("/api/windows/1/call-next").status_code == 200


def test_a_removed_accounts_sessions_end_with_it(app, client):
    login(client, "zhang", window=1)
    other = app.test_client()
    login(other, "zhang", window=None)
    assert app.extensions["hallq"].store.remove_user("zhang")
    assert sessions(app, "zhang") == [(1, 1, "account_removed"), (None, 1, "account_removed")]
    assert error(client.post("/api/windows/1/recall")) == (401, "not_signed_in")
    assert error(other.get("/api/me")) == (401, "not_signed_in")


def test_a_changed_role_or_password_ends_the_accounts_sessions(app, client, clock):
    store = app.extensions["hallq"].store
    login(client, "zhang", window=1)
    store.put_user("zhang", "张敏", "manager", store.get_user("zhang")["password_hash"], clock())
    assert error(client.get("/api/me")) == (401, "not_signed_in")
    assert sessions(app, "zhang") == [(1, 1, "account_changed")]
    login(client, "zhang", window=None)
    store.put_user("zhang", "张敏", "manager", auth.hash_password("a-new-password"), clock())
    assert error(client.get("/api/me")) == (401, "not_signed_in")


def test_signing_in_again_at_another_window_ends_the_first_session_and_closes_its_window(app, client):
    hall = app.extensions["hallq"]
    login(client, "zhang", window=1)
    old = replay(app, client)
    login(client, "zhang", window=2)
    assert hall.state.windows[1].status == "closed" and hall.state.windows[2].staff == "zhang"
    assert sessions(app, "zhang") == [(1, 1, "signed_in_again"), (2, 0, None)]
    assert error(old.get("/api/me")) == (401, "not_signed_in")


def test_a_session_older_than_its_lifetime_ends(app, client, clock):
    login(client, "zhang", window=1)
    clock.advance(hours=13, minutes=59)
    assert client.get("/api/me").status_code == 200
    clock.advance(minutes=2)
    assert error(client.get("/api/me")) == (401, "not_signed_in")
    assert sessions(app, "zhang") == [(1, 1, "expired")]


def test_session_of_and_the_end_hook_tell_the_push_what_ended(app, client, monkeypatch):
    told = []
    monkeypatch.setattr(auth, "on_session_end", [told.append])
    login(client, "zhang", window=3)
    with app.test_request_context():
        (sid,) = [r[0] for r in app.extensions["hallq"].store.conn.execute("SELECT id FROM sessions")]
        assert auth.session_of(sid) == {"user": {"username": "zhang", "name": "张敏", "role": "staff"},
                                        "role": "staff", "window": 3, "alive": True}
        assert auth.session_of("no-such-session") is None
    client.post("/api/logout")
    assert told == [sid]
    with app.test_request_context():
        assert auth.session_of(sid)["alive"] is False


def test_last_seen_is_written_at_most_once_a_minute(app, client, clock):
    login(client, "zhang", window=1)
    store = app.extensions["hallq"].store

    def last_seen():
        return store.conn.execute("SELECT last_seen FROM sessions").fetchone()[0]

    first = last_seen()
    clock.advance(seconds=30)
    client.get("/api/me")
    assert last_seen() == first
    clock.advance(seconds=31)
    client.get("/api/me")
    assert last_seen() == clock().isoformat()


@pytest.mark.parametrize("reason", ["signed_out"])
def test_an_ended_cookie_is_anonymous_not_a_csrf_failure(app, client, reason):
    """An ended session's cookie carries no authority, so a kiosk browser with one still issues tickets."""
    login(client, "zhang", window=None)
    old = replay(app, client)
    client.post("/api/logout")
    del old.environ_base["HTTP_X_HALLQ_CSRF"]
    assert old.post("/api/tickets", json={"service": "A"}).status_code == 201
    assert sessions(app, "zhang")[0][2] == reason


def test_the_window_lifetime_matches_the_cookies(app):
    assert app.permanent_session_lifetime == timedelta(hours=14)
