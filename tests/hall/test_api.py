"""Every endpoint of docs/api.md, and every refusal as JSON with a stable code."""
from __future__ import annotations

import time

import pytest

from tests.conftest import PASSWORD, login


def error(r):
    body = r.get_json()
    assert set(body) == {"error"} and body["error"]["message"], body
    return r.status_code, body["error"]["code"]


def test_services_lists_every_service_with_waiting_counts(client):
    client.post("/api/tickets", json={"service": "B"})
    services = client.get("/api/services").get_json()["services"]
    assert [s["code"] for s in services] == ["A", "B", "C", "D", "E", "F"]
    b = services[1]
    assert {k: b[k] for k in ("code", "prefix", "name", "name_en", "waiting", "open", "closed_message")} == {
        "code": "B", "prefix": "B", "name": "社会保障", "name_en": "Social Security", "waiting": 1, "open": True,
        "closed_message": None}
    assert b["wait_minutes"] is None  # no window is open yet


def test_issue_a_ticket(client):
    client.post("/api/tickets", json={"service": "A"})
    r = client.post("/api/tickets", json={"service": "A"})
    assert r.status_code == 201
    body = r.get_json()
    assert body["ahead"] == 1
    assert body["print"] == {"status": "not_configured", "message": None}
    assert body["progress_url"] == "http://localhost/t/" + body["token"] and len(body["token"]) >= 16
    t = body["ticket"]
    assert (t["number"], t["service"], t["service_name"], t["status"]) == ("A002", "A", "行政审批", "waiting")
    assert t["issued_at"] == "2026-11-27T09:00:00+08:00" and t["business_day"] == "2026-11-27"


@pytest.mark.parametrize("kwargs, status, code", [
    ({"json": {"service": "Z"}}, 404, "unknown_service"),
    ({"json": {}}, 400, "unknown_service"),
    ({"json": {"service": 5}}, 400, "unknown_service"),
    ({"data": "{not json", "content_type": "application/json"}, 400, "invalid_json"),
    ({"json": ["A"]}, 400, "invalid_json"),
    ({"data": b"\xff\xfe", "content_type": "application/json"}, 400, "invalid_json"),
])
def test_bad_ticket_requests(client, kwargs, status, code):
    assert error(client.post("/api/tickets", **kwargs)) == (status, code)


def test_state_is_the_snapshot_as_the_public_sees_it(client, app):
    from hall.audiences import public_snapshot
    client.post("/api/tickets", json={"service": "C"})
    state = client.get("/api/state").get_json()
    assert state == public_snapshot(app.extensions["hallq"].snapshot())
    assert state["seq"] == 2 and [t["number"] for t in state["waiting"]] == ["C001"]
    assert {w["id"]: w["status"] for w in state["windows"]} == {i: "closed" for i in range(1, 9)}


def test_login_opens_the_window_and_logout_closes_it(client):
    body = login(client, "zhang", window=3)
    assert len(body.pop("csrf")) >= 32     # the session's CSRF token (tests/hall/test_csrf.py)
    assert body == {"user": {"username": "zhang", "name": "张敏", "role": "staff"}, "window": 3}
    assert client.get("/api/me").get_json()["window"] == 3
    w3 = client.get("/api/state").get_json()["windows"][2]
    assert (w3["status"], w3["staff"]) == ("open", {"username": "zhang", "name": "张敏", "post": None})
    assert client.post("/api/logout").get_json() == {"ok": True}
    assert client.get("/api/state").get_json()["windows"][2]["status"] == "closed"
    assert error(client.get("/api/me")) == (401, "not_signed_in")


@pytest.mark.parametrize("body, status, code", [
    ({"username": "zhang", "password": "wrong"}, 401, "bad_credentials"),
    ({"username": "nobody", "password": PASSWORD}, 401, "bad_credentials"),
    ({"username": "zhang"}, 400, "invalid_field"),
    ({"username": "zhang", "password": PASSWORD, "window": "3"}, 400, "invalid_field"),
    ({"username": "zhang", "password": PASSWORD, "window": 42}, 404, "unknown_window"),
])
def test_bad_logins(client, body, status, code):
    assert error(client.post("/api/login", json=body)) == (status, code)


def test_a_removed_account_can_no_longer_sign_in(app, client):
    """`hallq user remove`: the account is refused like a wrong password, its history is untouched."""
    login(client, "zhang", window=1)
    client.post("/api/tickets", json={"service": "A"})
    client.post("/api/windows/1/call-next")
    client.post("/api/logout")
    assert app.extensions["hallq"].store.remove_user("zhang")
    r = client.post("/api/login", json={"username": "zhang", "password": PASSWORD, "window": 1})
    assert error(r) == (401, "bad_credentials")
    log = app.extensions["hallq"].store.events_since(0)
    assert [e["staff"] for e in log if e["event"] == "ticket_called"] == ["zhang"]
    login(client, "manager", window=None)
    assert [e["staff"] for e in client.get("/api/events?since=0").get_json()["events"]
            if e["event"] == "ticket_called"] == ["zhang"]


def test_a_removed_accounts_open_session_ends_at_once(app, client):
    login(client, "zhang", window=1)
    client.post("/api/tickets", json={"service": "A"})
    assert client.post("/api/windows/1/call-next").status_code == 200
    assert app.extensions["hallq"].store.remove_user("zhang")
    assert error(client.post("/api/windows/1/recall")) == (401, "not_signed_in")
    assert error(client.get("/api/me")) == (401, "not_signed_in")
    # The window it left open (with A001 at it) is free for the next staff member, who gets the ticket.
    other = app.test_client()
    login(other, "li", window=1)
    w = next(w for w in other.get("/api/state").get_json()["windows"] if w["id"] == 1)
    assert (w["staff"]["username"], w["current"]["number"]) == ("li", "A001")


def test_a_window_signed_in_by_someone_else_is_refused(app):
    a, b = app.test_client(), app.test_client()
    login(a, "zhang", window=3)
    assert error(b.post("/api/login", json={"username": "li", "password": PASSWORD, "window": 3})) == (409, "window_taken")


def test_a_full_service_at_a_window(client):
    client.post("/api/tickets", json={"service": "A"})
    client.post("/api/tickets", json={"service": "F"})
    login(client, window=1)
    r = client.post("/api/windows/1/call-next")
    assert r.status_code == 200
    assert r.get_json()["ticket"]["number"] == "A001"
    assert r.get_json()["window"]["current"]["number"] == "A001"
    assert client.post("/api/windows/1/recall").get_json()["ticket"]["calls"][1]["window"] == 1
    assert client.post("/api/windows/1/start").get_json()["ticket"]["status"] == "serving"
    assert client.post("/api/windows/1/finish").get_json()["ticket"]["status"] == "finished"
    assert client.post("/api/windows/1/call", json={"ticket": "F001"}).get_json()["ticket"]["number"] == "F001"
    r = client.post("/api/windows/1/no-show").get_json()
    assert (r["ticket"]["status"], r["window"]["current"]) == ("no_show", None)
    r = client.post("/api/windows/1/pause", json={"reason": "break"}).get_json()
    assert (r["window"]["status"], r["window"]["pause_reason"]) == ("paused", "break")
    assert client.post("/api/windows/1/resume").get_json()["window"]["status"] == "open"
    assert client.get("/api/windows/1/queue").get_json() == {"waiting": []}


@pytest.mark.parametrize("path, body, status, code", [
    ("/api/windows/1/call-next", None, 409, "queue_empty"),
    ("/api/windows/1/finish", None, 409, "no_current_ticket"),
    ("/api/windows/1/recall", None, 409, "no_current_ticket"),
    ("/api/windows/1/call", {"ticket": "A777"}, 404, "unknown_ticket"),
    ("/api/windows/1/call", {}, 400, "invalid_field"),
    ("/api/windows/1/pause", {"reason": "nap"}, 400, "invalid_reason"),
    ("/api/windows/1/resume", None, 409, "wrong_state"),
    ("/api/windows/2/call-next", None, 403, "forbidden"),
])
def test_window_action_errors(client, path, body, status, code):
    login(client, window=1)
    r = client.post(path, json=body) if body is not None else client.post(path)
    assert error(r) == (status, code)


def test_window_actions_need_a_signed_in_staff_member(client):
    client.post("/api/tickets", json={"service": "A"})
    assert error(client.post("/api/windows/1/call-next")) == (401, "not_signed_in")
    assert client.get("/api/state").get_json()["waiting"][0]["status"] == "waiting"


def test_a_paused_window_cannot_call(client):
    client.post("/api/tickets", json={"service": "A"})
    login(client, window=1)
    client.post("/api/windows/1/pause", json={"reason": "meeting"})
    assert error(client.post("/api/windows/1/call-next")) == (409, "window_paused")


def test_unknown_api_path_and_method_are_json(client):
    assert error(client.get("/api/nothing")) == (404, "not_found")
    assert error(client.get("/api/tickets")) == (405, "method_not_allowed")


def test_event_log_is_for_managers(app):
    c = app.test_client()
    c.post("/api/tickets", json={"service": "A"})
    assert error(c.get("/api/events")) == (401, "not_signed_in")
    login(c, "zhang", window=None)
    assert error(c.get("/api/events")) == (403, "forbidden")
    login(c, "manager", window=None)
    events = c.get("/api/events?since=1").get_json()["events"]
    assert [(e["seq"], e["event"]) for e in events] == [(2, "queue_changed")]


def test_index_lists_the_pages(client):
    page = client.get("/").get_data(as_text=True)
    for path in ("/kiosk", "/counter", "/display", "/board"):
        assert f'href="{path}"' in page
    assert client.get("/healthz").get_json()["ok"] is True


def test_appointments_import_from_a_csv_file(client, clock):
    """The booking system's export: UTF-8 with a BOM (as spreadsheets save it), a matter column."""
    login(client, "manager", window=None)
    csv_text = ("\ufeffcode,service,date,slot,name,id_number,matter\r\n"
                "YY0101,B,2026-11-27,09:00-09:30,王大爷,11010519491231002X,social-card\r\n"
                "YY0102,A,2026-11-27,09:30-10:00,李阿姨,,\r\n")
    r = client.post("/api/appointments", data=csv_text.encode("utf-8"), content_type="text/csv")
    assert (r.status_code, r.get_json()) == (201, {"added": 2, "codes": ["YY0101", "YY0102"]})
    booked = {a["code"]: a for a in client.get("/api/appointments").get_json()["appointments"]}
    assert (booked["YY0101"]["matter"], booked["YY0101"]["id_masked"]) == ("social-card", "1101********002X")
    assert (booked["YY0102"]["matter"], booked["YY0102"]["id_masked"]) == (None, None)
    r = client.post("/api/appointments/check-in", json={"code": "YY0101"})
    assert r.status_code == 201 and r.get_json()["ticket"]["matter"] == "social-card"
    # A file without the slot column is refused whole, naming what the header must be.
    r = client.post("/api/appointments", data="code,service,date,name\nYY0103,B,2026-11-27,x\n".encode(),
                    content_type="text/csv")
    assert error(r) == (400, "invalid_appointment") and "slot" in r.get_json()["error"]["message"]
    r = client.post("/api/appointments", data="code,service\n".encode("gbk") + "王".encode("gbk"),
                    content_type="text/csv")
    assert error(r) == (400, "invalid_appointment") and "UTF-8" in r.get_json()["error"]["message"]


def test_the_ticker_closes_a_window_left_open_by_a_removed_account(app, client):
    """Estimates must not count a window nobody can work: the app's ticker closes it."""
    hall = app.extensions["hallq"]
    login(client, "zhang", window=1)
    login(app.test_client(), "li", window=2)
    client.post("/api/tickets", json={"service": "A"})
    client.post("/api/windows/1/call-next")
    assert hall.close_windows_of_removed_accounts() == []          # both accounts exist
    assert hall.store.remove_user("zhang")
    stop = hall.start_ticker(interval=0.05, accounts=True)
    try:
        deadline = time.monotonic() + 5
        while hall.state.windows[1].status != "closed" and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        stop.set()
    assert (hall.state.windows[1].status, hall.state.windows[2].status) == ("closed", "open")
    assert hall.state.windows[1].current is not None                # A001 stays with window 1
