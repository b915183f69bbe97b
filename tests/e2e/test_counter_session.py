"""The counter page works with the CSRF token, and its cookie is dead once the clerk signs out."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import demo_server
from tests.e2e.hallhttp import HallClient
from tests.e2e.test_call_flow import sign_in_at_counter

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def own_hall(tmp_path_factory):
    """A hall of its own: this test signs in and out at window 1."""
    server = demo_server(tmp_path_factory.mktemp("session") / "data").start()
    yield server
    server.stop()


def post_with_cookie(url: str, cookie: str, headers: dict | None = None) -> tuple[int, str]:
    req = urllib.request.Request(url, data=b"", method="POST", headers={"Cookie": cookie, "Content-Type": "application/json",
                                                                            **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return res.status, json.loads(res.read()).get("error", {}).get("code")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())["error"]["code"]


def test_the_counter_calls_with_its_token_and_its_old_cookie_is_refused_after_sign_out(own_hall, open_page):
    number = HallClient(own_hall.url).issue("A")["number"]
    counter = open_page(own_hall.url + "/counter", 1600, 900)
    sign_in_at_counter(counter, "zhang", 1)
    counter.keyboard.press("n")                       # call next: a POST that must carry X-HallQ-CSRF
    expect(counter.locator("#current-number")).to_have_text(number)

    cookie = "; ".join(f"{c['name']}={c['value']}" for c in counter.context.cookies())
    # The same cookie from a page that does not know the token is refused.
    assert post_with_cookie(own_hall.url + "/api/windows/1/recall", cookie) == (403, "csrf")

    counter.locator("#logout").click()
    expect(counter.locator("#login")).to_be_visible()
    assert post_with_cookie(own_hall.url + "/api/windows/1/recall", cookie) == (401, "not_signed_in")


def test_the_counters_own_links_and_buttons_are_large_targets(own_hall, open_page):
    """修改密码 beside 退出 was a 22-px line of text; every link and button of the counter's top bar is
    at least 44 px tall (a clerk's finger on a touch PC, or a hurried mouse)."""
    counter = open_page(own_hall.url + "/counter")
    sign_in_at_counter(counter, "li", 2)
    expect(counter.locator("#own-password")).to_be_visible()
    small = counter.evaluate("""() => [...document.querySelectorAll("header a, header button")]
        .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
        .map(e => (e.id || e.className) + " " + Math.round(e.getBoundingClientRect().height))""")
    assert small == []


def test_signing_in_at_the_counter_leaves_no_websocket_error_in_the_console(own_hall, open_page):
    """The sign-in rejoins the socket as the window's counter; the old socket's end was followed by an
    HTTP answer on the same connection, and Chromium logged "Invalid frame header" every time."""
    counter = open_page(None)
    errors = []
    counter.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    counter.goto(own_hall.url + "/counter")
    expect(counter.locator("[data-live-status]").first).to_have_attribute("data-live-status", "online")
    counter.wait_for_timeout(1000)       # long-polling has been upgraded to the websocket by now
    sign_in_at_counter(counter, "wang", 3)
    expect(counter.locator("[data-live-status]").first).to_have_attribute("data-live-status", "online")
    counter.wait_for_timeout(1000)
    assert [e for e in errors if "WebSocket" in e] == []
