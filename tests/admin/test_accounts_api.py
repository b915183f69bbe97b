"""Accounts in the browser's API (admin/api.py): each action, each refusal in its sentence, the
sessions a change ends (over HTTP and on the socket), and the audit rows each change leaves."""
from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest

from hall import auth
from tests.conftest import PASSWORD, login

NEW_PASSWORD = "a-new-password-1"


@pytest.fixture
def admin(app, clock):
    app.extensions["hallq"].store.put_user("boss", "系统管理员", "admin", auth.hash_password(PASSWORD), clock())
    c = app.test_client()
    login(c, "boss", window=None)
    return c


def error(r) -> tuple[int, str]:
    return r.status_code, r.get_json()["error"]["code"]


def audit_rows(app, since: int = 0) -> list[tuple]:
    """(who, action, target, before, after) of the audit rows after id `since`, oldest first."""
    rows = app.extensions["hallq"].store.conn.execute(
        "SELECT username, action, target, before, after FROM audit WHERE id > ? ORDER BY id", (since,)).fetchall()
    return [(w, a, t, json.loads(b) if b else None, json.loads(x) if x else None) for w, a, t, b, x in rows]


def last_audit_id(app) -> int:
    return app.extensions["hallq"].store.conn.execute("SELECT coalesce(max(id), 0) FROM audit").fetchone()[0]


def account(admin, username):
    found = [a for a in admin.get("/api/admin/accounts").get_json()["accounts"] if a["username"] == username]
    return found[0] if found else None


def sessions(app, username):
    return [tuple(r) for r in app.extensions["hallq"].store.conn.execute(
        "SELECT window, ended_at IS NOT NULL, end_reason FROM sessions WHERE username = ? ORDER BY created, rowid",
        (username,))]


def test_the_list_says_who_is_signed_in_now_and_where(app, admin, client):
    login(client, "zhang", window=1)
    body = admin.get("/api/admin/accounts").get_json()
    assert body["roles"] == ["staff", "manager", "admin", "assessor"]
    assert body["accounts"] == [
        {"username": "boss", "name": "系统管理员", "role": "admin", "active": True, "signed_in": True, "sessions": 1,
         "windows": []},
        {"username": "li", "name": "李强", "role": "staff", "active": True, "signed_in": False, "sessions": 0,
         "windows": []},
        {"username": "manager", "name": "陈主任", "role": "manager", "active": True, "signed_in": False,
         "sessions": 0, "windows": []},
        {"username": "zhang", "name": "张敏", "role": "staff", "active": True, "signed_in": True, "sessions": 1,
         "windows": [1]},
    ]


def test_an_expired_session_is_not_signed_in_now(app, admin, client, clock):
    login(client, "zhang", window=1)
    clock.advance(hours=14, minutes=1)
    login(admin, "boss", window=None)      # the admin's own session is new
    assert account(admin, "zhang")["signed_in"] is False


def test_an_admin_adds_an_account_that_signs_in_and_the_audit_says_so(app, admin):
    since = last_audit_id(app)
    r = admin.post("/api/admin/accounts", json={"username": "qian", "name": " 钱多多 ", "role": "staff",
                                                "password": "first-password"})
    assert r.status_code == 201
    assert r.get_json() == {"account": {"username": "qian", "name": "钱多多", "role": "staff", "active": True,
                                        "signed_in": False, "sessions": 0, "windows": []}}
    login(app.test_client(), "qian", window=3, password="first-password")
    assert audit_rows(app, since) == [
        ("boss", "account_added", "qian", None, {"name": "钱多多", "role": "staff", "active": True})]


ADD_REFUSALS = [
    # body, status, code, a part of the sentence
    ({"username": "bad name", "name": "x", "role": "staff", "password": "long-enough"}, 400, "invalid_username",
     "letters, digits"),
    ({"username": "qian", "name": "x", "role": "boss", "password": "long-enough"}, 400, "invalid_role",
     "choose staff, manager, admin or assessor"),
    ({"username": "qian", "name": "x", "role": "staff", "password": "short"}, 400, "weak_password",
     "at least 8 characters"),
    ({"username": "qian", "name": "x", "role": "staff", "password": "p" * 257}, 400, "weak_password",
     "at most 256 characters"),
    ({"username": "qian", "name": "   ", "role": "staff", "password": "long-enough"}, 400, "invalid_name",
     "1 to 40 characters"),
    ({"username": "qian", "name": "钱" * 41, "role": "staff", "password": "long-enough"}, 400, "invalid_name",
     "1 to 40 characters"),
    ({"username": "zhang", "name": "另一个张", "role": "staff", "password": "long-enough"}, 409, "account_exists",
     "The username zhang is taken"),
    ({"name": "x", "role": "staff", "password": "long-enough"}, 400, "invalid_field", "'username'"),
    ({"username": "qian", "name": "x", "role": 3, "password": "long-enough"}, 400, "invalid_field", "'role'"),
]


@pytest.mark.parametrize("body, status, code, sentence", ADD_REFUSALS)
def test_an_account_that_may_not_be_is_refused_with_its_sentence(app, admin, body, status, code, sentence):
    since = last_audit_id(app)
    r = admin.post("/api/admin/accounts", json=body)
    assert error(r) == (status, code)
    assert sentence in r.get_json()["error"]["message_en"] and r.get_json()["error"]["message"]
    assert audit_rows(app, since) == []


def test_a_removed_accounts_username_is_not_given_again(app, admin):
    assert admin.post("/api/admin/accounts/li/remove").status_code == 200
    r = admin.post("/api/admin/accounts", json={"username": "li", "name": "新李", "role": "staff",
                                                "password": "long-enough"})
    assert error(r) == (409, "account_exists")


def test_a_new_role_ends_the_accounts_sessions_and_closes_its_window(app, admin, client):
    hall = app.extensions["hallq"]
    login(client, "zhang", window=1)
    since = last_audit_id(app)
    r = admin.post("/api/admin/accounts/zhang/role", json={"role": "manager"})
    assert r.status_code == 200 and r.get_json()["account"]["role"] == "manager"
    assert error(client.get("/api/me")) == (401, "not_signed_in")
    assert sessions(app, "zhang") == [(1, 1, "role_changed")]
    assert hall.state.windows[1].status == "closed"
    assert audit_rows(app, since) == [
        ("boss", "role_changed", "zhang", {"name": "张敏", "role": "staff", "active": True},
         {"name": "张敏", "role": "manager", "active": True})]
    assert login(client, "zhang", window=None)["user"]["role"] == "manager"


def test_a_password_reset_ends_the_accounts_sessions_and_the_audit_keeps_no_password(app, admin, client):
    login(client, "zhang", window=2)
    since = last_audit_id(app)
    assert admin.post("/api/admin/accounts/zhang/password", json={"password": NEW_PASSWORD}).status_code == 200
    assert error(client.get("/api/me")) == (401, "not_signed_in")
    assert sessions(app, "zhang") == [(2, 1, "password_reset")]
    assert app.extensions["hallq"].state.windows[2].status == "closed"
    rows = audit_rows(app, since)
    assert rows == [("boss", "password_reset", "zhang", {"name": "张敏", "role": "staff", "active": True},
                     {"name": "张敏", "role": "staff", "active": True, "password": "changed"})]
    stored = app.extensions["hallq"].store.conn.execute("SELECT * FROM audit").fetchall()
    assert NEW_PASSWORD not in repr(stored) and "$argon2" not in repr(stored)
    assert error(app.test_client().post("/api/login", json={"username": "zhang", "password": PASSWORD})) == (
        401, "bad_credentials")
    login(app.test_client(), "zhang", window=None, password=NEW_PASSWORD)


def test_a_disabled_account_cannot_sign_in_until_enabled(app, admin, client):
    login(client, "li", window=3)
    since = last_audit_id(app)
    r = admin.post("/api/admin/accounts/li/disable")
    assert r.status_code == 200 and r.get_json()["account"]["active"] is False
    assert error(client.get("/api/me")) == (401, "not_signed_in")
    assert sessions(app, "li") == [(3, 1, "account_disabled")]
    assert app.extensions["hallq"].state.windows[3].status == "closed"
    assert error(app.test_client().post("/api/login", json={"username": "li", "password": PASSWORD})) == (
        401, "bad_credentials")
    assert account(admin, "li")["active"] is False          # still listed, as disabled
    assert admin.post("/api/admin/accounts/li/enable").status_code == 200
    login(app.test_client(), "li", window=3)
    assert [(a, t) for _, a, t, _, _ in audit_rows(app, since)] == [("account_disabled", "li"),
                                                                  ("account_enabled", "li")]


def test_a_removed_account_is_no_longer_listed_and_its_records_keep_its_name(app, admin, client):
    hall = app.extensions["hallq"]
    login(client, "zhang", window=1)
    client.post("/api/tickets", json={"service": "A"})
    client.post("/api/windows/1/call-next")
    since = last_audit_id(app)
    assert admin.post("/api/admin/accounts/zhang/remove").get_json() == {"removed": "zhang"}
    assert account(admin, "zhang") is None
    assert sessions(app, "zhang") == [(1, 1, "account_removed")]
    assert hall.store.conn.execute("SELECT staff FROM tickets").fetchone() == ("zhang",)
    assert audit_rows(app, since) == [
        ("boss", "account_removed", "zhang", {"name": "张敏", "role": "staff", "active": True}, {})]


ROW_REFUSALS = [
    # action, body, status, code
    ("role", {"role": "staff"}, 409, "unchanged"),
    ("role", {"role": "king"}, 400, "invalid_role"),
    ("role", {}, 400, "invalid_field"),
    ("password", {"password": "short"}, 400, "weak_password"),
    ("password", {}, 400, "invalid_field"),
    ("enable", {}, 409, "unchanged"),
]


@pytest.mark.parametrize("action, body, status, code", ROW_REFUSALS)
def test_a_change_that_may_not_be_is_refused_and_ends_nothing(app, admin, client, action, body, status, code):
    login(client, "zhang", window=1)
    since = last_audit_id(app)
    assert error(admin.post(f"/api/admin/accounts/zhang/{action}", json=body)) == (status, code)
    assert client.get("/api/me").status_code == 200
    assert audit_rows(app, since) == []


@pytest.mark.parametrize("action, body", [("role", {"role": "staff"}), ("password", {"password": NEW_PASSWORD}),
                                          ("disable", {}), ("enable", {}), ("remove", {})])
def test_an_unknown_account_is_a_404(admin, action, body):
    r = admin.post(f"/api/admin/accounts/nobody/{action}", json=body)
    assert error(r) == (404, "unknown_account")
    assert "There is no account named nobody" in r.get_json()["error"]["message_en"]


@pytest.mark.parametrize("action, body", [("role", {"role": "staff"}), ("password", {"password": NEW_PASSWORD}),
                                          ("disable", {}), ("remove", {})])
def test_an_admin_does_not_change_their_own_account_here(app, admin, action, body):
    r = admin.post(f"/api/admin/accounts/boss/{action}", json=body)
    assert error(r) == (409, "own_account")
    assert "/account/password" in r.get_json()["error"]["message_en"]
    assert admin.get("/api/me").status_code == 200


@pytest.mark.parametrize("who", ["zhang", "manager"])
def test_only_an_admin_changes_accounts(app, client, who):
    login(client, who, window=1 if who == "zhang" else None)
    assert error(client.post("/api/admin/accounts/li/disable")) == (403, "forbidden")
    assert error(client.get("/api/admin/audit")) == (403, "forbidden")


@pytest.mark.parametrize("path, says, said_en", [
    ("/admin/accounts", "不能管理账号或查看审计日志", "may not manage accounts or read the audit log"),
    ("/admin/audit", "不能管理账号或查看审计日志", "may not manage accounts or read the audit log"),
    ("/admin/config", "不能查看或修改大厅配置", "may not read or change the hall&#39;s configuration"),
    ("/admin/config/devices", "不能查看或修改大厅配置", "may not read or change the hall&#39;s configuration"),
])
def test_the_refusal_page_names_the_page_that_was_asked_for(app, client, path, says, said_en):
    login(client, "manager", window=None)
    r = client.get(path)
    page = r.get_data(as_text=True)
    assert r.status_code == 403 and says in page and said_en in page, page[-1500:]


# -- the socket of a changed account ---------------------------------------------------------

def connected_after(c, seconds=3.0) -> bool:
    deadline = time.monotonic() + seconds
    while c.is_connected("/hall") and time.monotonic() < deadline:
        time.sleep(0.02)
    return c.is_connected("/hall")


@pytest.mark.parametrize("action, body", [("role", {"role": "assessor"}), ("password", {"password": NEW_PASSWORD}),
                                          ("disable", {}), ("remove", {})])
def test_a_changed_accounts_counter_socket_is_closed(app, admin, client, action, body):
    login(client, "zhang", window=1)
    counter = app.extensions["socketio"].test_client(app, namespace="/hall", flask_test_client=client,
                                                     auth={"audience": "counter", "window": 1})
    assert counter.is_connected("/hall")
    assert admin.post(f"/api/admin/accounts/zhang/{action}", json=body).status_code == 200
    assert connected_after(counter) is False


def test_a_managers_board_socket_is_closed_when_an_admin_changes_the_account(app, admin, client):
    login(client, "manager", window=None)
    board = app.extensions["socketio"].test_client(app, namespace="/hall", flask_test_client=client,
                                                   auth={"audience": "board"})
    other = app.test_client()
    login(other, "li", window=2)
    counter = app.extensions["socketio"].test_client(app, namespace="/hall", flask_test_client=other,
                                                     auth={"audience": "counter", "window": 2})
    assert board.is_connected("/hall") and counter.is_connected("/hall")
    assert admin.post("/api/admin/accounts/manager/role", json={"role": "staff"}).status_code == 200
    assert connected_after(board) is False
    assert counter.is_connected("/hall")          # another account's socket stays


def test_put_user_from_anywhere_in_the_server_closes_the_sockets_too(app, client, clock):
    """`store.put_user` (the CLI's path) ends the sessions of a new role, and the store tells the push."""
    store = app.extensions["hallq"].store
    login(client, "zhang", window=1)
    counter = app.extensions["socketio"].test_client(app, namespace="/hall", flask_test_client=client,
                                                     auth={"audience": "counter", "window": 1})
    store.put_user("zhang", "张敏", "manager", store.get_user("zhang")["password_hash"], clock())
    assert connected_after(counter) is False


# -- everyone's own password -------------------------------------------------------------------

@pytest.mark.parametrize("who, window", [("zhang", 1), ("manager", None), ("boss", None), ("judge", None)])
def test_every_account_changes_its_own_password_and_keeps_this_session(app, clock, who, window):
    app.extensions["hallq"].store.put_user("boss", "系统管理员", "admin", auth.hash_password(PASSWORD), clock())
    app.extensions["hallq"].store.put_user("judge", "刘考评", "assessor", auth.hash_password(PASSWORD), clock())
    here, elsewhere = app.test_client(), app.test_client()
    login(elsewhere, who, window=None)
    login(here, who, window=window)
    since = last_audit_id(app)
    r = here.post("/api/account/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert r.get_json() == {"ok": True, "sessions_ended": 1}
    assert here.get("/api/cases").status_code == 200               # any account's read
    assert error(elsewhere.get("/api/cases")) == (401, "not_signed_in")
    ended = [s for s in sessions(app, who) if s[1]]
    assert ended == [(None, 1, "password_changed")]
    (row,) = audit_rows(app, since)
    assert row[:3] == (who, "password_changed", who) and row[4]["password"] == "changed"
    login(app.test_client(), who, window=None, password=NEW_PASSWORD)
    if window is not None:
        assert app.extensions["hallq"].state.windows[window].staff == who    # this session's window stays


def test_changing_ones_password_elsewhere_closes_the_window_held_there(app, client):
    hall = app.extensions["hallq"]
    login(client, "zhang", window=1)
    desk = app.test_client()
    login(desk, "zhang", window=None)
    assert desk.post("/api/account/password", json={"current_password": PASSWORD,
                                                    "new_password": NEW_PASSWORD}).status_code == 200
    assert hall.state.windows[1].status == "closed"
    assert error(client.post("/api/windows/1/call-next")) == (401, "not_signed_in")


OWN_REFUSALS = [
    ({"current_password": "wrong-password", "new_password": NEW_PASSWORD}, 403, "wrong_password"),
    ({"current_password": PASSWORD, "new_password": "short"}, 400, "weak_password"),
    ({"current_password": PASSWORD, "new_password": PASSWORD}, 409, "unchanged"),
    ({"current_password": PASSWORD}, 400, "invalid_field"),
    ({"new_password": NEW_PASSWORD}, 400, "invalid_field"),
]


@pytest.mark.parametrize("body, status, code", OWN_REFUSALS)
def test_an_own_password_change_that_may_not_be_is_refused(app, client, body, status, code):
    login(client, "zhang", window=None)
    since = last_audit_id(app)
    assert error(client.post("/api/account/password", json=body)) == (status, code)
    assert client.get("/api/me").status_code == 200
    assert audit_rows(app, since) == []


def test_an_own_password_change_needs_a_session(client):
    assert error(client.post("/api/account/password", json={"current_password": PASSWORD,
                                                             "new_password": NEW_PASSWORD})) == (401, "not_signed_in")


def test_guessing_the_current_password_is_throttled_like_a_sign_in(app, client, clock):
    login(client, "zhang", window=None)
    for _ in range(auth.ACCOUNT_LIMIT):
        r = client.post("/api/account/password", json={"current_password": "guess-guess", "new_password": NEW_PASSWORD})
        assert error(r) == (403, "wrong_password")
    r = client.post("/api/account/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert error(r) == (429, "too_many_attempts") and int(r.headers["Retry-After"]) == 60
    # The same count as the sign-in's: the account is refused there too, and both open again in time.
    r = app.test_client().post("/api/login", json={"username": "zhang", "password": PASSWORD})
    assert error(r) == (429, "too_many_attempts")
    clock.advance(seconds=61)
    assert client.post("/api/account/password", json={"current_password": PASSWORD,
                                                      "new_password": NEW_PASSWORD}).status_code == 200


# -- the audit log ---------------------------------------------------------------------------

def test_the_audit_log_is_newest_first_and_filtered_by_who_action_and_days(app, admin, clock):
    admin.post("/api/admin/accounts", json={"username": "qian", "name": "钱", "role": "staff",
                                            "password": "first-password"})
    clock.advance(days=1)
    login(admin, "boss", window=None)       # a session lives 14 hours
    admin.post("/api/admin/accounts/qian/role", json={"role": "manager"})
    qian = app.test_client()
    login(qian, "qian", window=None, password="first-password")
    qian.post("/api/account/password", json={"current_password": "first-password", "new_password": NEW_PASSWORD})

    def entries(query=""):
        return [(e["username"], e["action"], e["target"])
                for e in admin.get("/api/admin/audit" + query).get_json()["entries"]
                if e["username"] != "system"]     # the fixtures' own accounts

    assert entries() == [("qian", "password_changed", "qian"), ("boss", "role_changed", "qian"),
                         ("boss", "account_added", "qian")]
    assert entries("?who=boss") == [("boss", "role_changed", "qian"), ("boss", "account_added", "qian")]
    assert entries("?action=account_added") == [("boss", "account_added", "qian")]
    assert entries("?from=2026-11-28&to=2026-11-28") == [("qian", "password_changed", "qian"),
                                                         ("boss", "role_changed", "qian")]
    assert entries("?to=2026-11-27") == [("boss", "account_added", "qian")]
    body = admin.get("/api/admin/audit?limit=1").get_json()
    assert [e["action"] for e in body["entries"]] == ["password_changed"] and body["older"] == body["entries"][0]["id"]
    older = admin.get(f"/api/admin/audit?limit=1&before={body['older']}").get_json()["entries"]
    assert [e["action"] for e in older] == ["role_changed"]
    assert older[0]["at"] == "2026-11-28T09:00:00+08:00"
    assert {"boss", "qian"} <= set(body["who"]) and {"account_added", "role_changed"} <= set(body["actions"])


@pytest.mark.parametrize("query, code", [("?from=27-11-2026", "invalid_field"), ("?limit=0", "invalid_field"),
                                         ("?limit=501", "invalid_field"), ("?before=x", "invalid_field"),
                                         ("?from=2026-11-28&to=2026-11-27", "invalid_field")])
def test_a_wrong_audit_filter_is_one_sentence(admin, query, code):
    r = admin.get("/api/admin/audit" + query)
    assert error(r) == (400, code) and r.get_json()["error"]["message"]


def test_hallq_user_writes_the_same_audit_log(tmp_path):
    from tests.test_cli import hallq
    from hall.store import Store
    assert hallq("user", "add", "zhang", "--role", "staff", "--name", "张敏", stdin="a-good-password\n",
                 data_dir=tmp_path).returncode == 0
    assert hallq("user", "add", "zhang", "--role", "manager", "--name", "张敏", stdin="another-password\n",
                 data_dir=tmp_path).returncode == 0
    assert hallq("user", "remove", "zhang", data_dir=tmp_path).returncode == 0
    store = Store(tmp_path / "hallq.db")
    try:
        rows = [(w.split(":")[0], a, t, json.loads(b) if b else None, json.loads(x) if x else None)
                for w, a, t, b, x in store.conn.execute("SELECT username, action, target, before, after FROM audit")]
    finally:
        store.close()
    staff = {"name": "张敏", "role": "staff", "active": True}
    manager = {"name": "张敏", "role": "manager", "active": True}
    assert rows == [("cli", "account_added", "zhang", None, staff),
                    ("cli", "account_updated", "zhang", staff, {**manager, "password": "changed"}),
                    ("cli", "account_removed", "zhang", manager, {})]
