"""A change made with a session needs its CSRF token, and a change from another page's origin is refused."""
from __future__ import annotations

import pytest

from tests.conftest import login


def error(r) -> tuple[int, str]:
    body = r.get_json()
    assert body["error"]["message"] and body["error"]["message_en"], body
    return r.status_code, body["error"]["code"]


@pytest.fixture
def clerk(app, client):
    """zhang signed in at window 1, with an A ticket waiting; the client sends no CSRF header yet."""
    token = login(client, "zhang", window=1)["csrf"]
    del client.environ_base["HTTP_X_HALLQ_CSRF"]
    client.post("/api/tickets", json={"service": "A"}, headers={"X-HallQ-CSRF": token})
    return client, token


def test_a_change_without_the_token_is_refused(clerk):
    client, _ = clerk
    assert error(client.post("/api/windows/1/call-next")) == (403, "csrf")
    assert error(client.post("/api/logout")) == (403, "csrf")


def test_a_change_with_a_wrong_token_is_refused(clerk):
    client, token = clerk
    assert error(client.post("/api/windows/1/call-next", headers={"X-HallQ-CSRF": token[:-1] + "x"})) == (403, "csrf")


def test_a_change_with_the_right_token_is_done(app, clerk):
    client, token = clerk
    r = client.post("/api/windows/1/call-next", headers={"X-HallQ-CSRF": token})
    assert r.status_code == 200 and r.get_json()["ticket"]["number"] == "A001"


def test_me_gives_the_same_token_and_a_new_sign_in_a_new_one(clerk):
    client, token = clerk
    assert client.get("/api/me").get_json()["csrf"] == token
    new = client.post("/api/login", json={"username": "zhang", "password": "secret-pw-1", "window": 1}).get_json()["csrf"]
    assert new != token
    assert error(client.post("/api/windows/1/call-next", headers={"X-HallQ-CSRF": token})) == (403, "csrf")
    assert client.post("/api/windows/1/call-next", headers={"X-HallQ-CSRF": new}).status_code == 200


def test_the_pages_carry_the_token(clerk):
    client, token = clerk
    for page in ("/counter", "/board", "/kiosk", "/display"):
        assert f'data-csrf="{token}"'.encode() in client.get(page).data, page


@pytest.mark.parametrize("origin", ["http://evil.example", "http://localhost:9000", "https://localhost", "null"])
def test_a_change_from_another_origin_is_refused_even_with_the_token(clerk, origin):
    client, token = clerk
    r = client.post("/api/windows/1/pause", json={"reason": "rest"}, headers={"X-HallQ-CSRF": token, "Origin": origin})
    assert error(r) == (403, "csrf")


def test_the_halls_own_origin_is_accepted(clerk):
    client, token = clerk
    r = client.post("/api/windows/1/call-next", headers={"X-HallQ-CSRF": token, "Origin": "http://localhost"})
    assert r.status_code == 200


@pytest.mark.parametrize("path, body", [
    ("/api/tickets", {"service": "A"}),
    ("/api/appointments/check-in", {"code": "X"}),
    ("/api/progress/nope/rejoin", None),
    ("/api/login", {"username": "zhang", "password": "secret-pw-1"}),
])
def test_anonymous_changes_check_the_origin_too(client, path, body):
    kwargs = {"json": body} if body is not None else {}
    assert error(client.post(path, headers={"Origin": "http://localhost:9000"}, **kwargs)) == (403, "csrf")


def test_the_kiosk_issues_without_a_session_or_token(client):
    assert client.post("/api/tickets", json={"service": "A"}, headers={"Origin": "http://localhost"}).status_code == 201


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
def test_a_bodyless_change_of_a_form_type_is_refused(clerk, content_type):
    client, token = clerk
    r = client.post("/api/windows/1/call-next", headers={"X-HallQ-CSRF": token, "Content-Type": content_type})
    assert error(r) == (415, "unsupported_media_type")
    assert error(client.post("/api/tickets", data="", content_type=content_type,
                             headers={"X-HallQ-CSRF": token})) == (415, "unsupported_media_type")
