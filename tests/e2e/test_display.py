"""The hall display recovers by itself when the server dies and comes back."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, demo_server
from tests.e2e.hallhttp import HallClient

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_display_reconnects_after_kill_9_and_shows_the_next_call(open_page, tmp_path):
    server = demo_server(tmp_path / "data").start()
    try:
        page = open_page(server.url + "/display")
        status = page.locator("[data-live-status]")
        expect(status).to_have_attribute("data-live-status", "online")
        clerk = HallClient(server.url)
        clerk.sign_in("zhang", PASSWORD, window=1)
        first = clerk.issue("A")["number"]
        second = clerk.issue("A")["number"]
        clerk.post("/api/windows/1/call-next")
        expect(page.locator("#latest")).to_have_attribute("data-number", first)

        server.kill()
        expect(status).to_have_attribute("data-live-status", "offline")
        server.start()
        expect(status).to_have_attribute("data-live-status", "online", timeout=20_000)

        # The page was never reloaded: the next call arrives over the new connection.
        clerk = HallClient(server.url)
        clerk.sign_in("zhang", PASSWORD, window=1)
        clerk.post("/api/windows/1/start")
        clerk.post("/api/windows/1/call-next")
        expect(page.locator("#latest")).to_have_attribute("data-number", second)
        expect(page.locator("#latest-window")).to_have_text("请到 1号窗口 办理")
        expect(page.locator(f'#recent tr[data-number="{first}"] td').nth(1)).to_have_text("1号窗口")
    finally:
        server.stop()


def test_a_missed_event_makes_the_display_ask_for_a_new_snapshot(hall_server, open_page, api):
    """Drop one ticket_called frame on the wire: the next event's seq shows the gap,
    the page asks for a snapshot, and the call it never heard of is still shown."""
    dropped = []
    upgraded = []

    def route(ws):
        server = ws.connect_to_server()

        def from_page(message):
            if message == "5":  # engine.io upgrade: from now on events come this way
                upgraded.append(True)
            server.send(message)

        def from_server(message):
            if isinstance(message, str) and '"ticket_called"' in message and not dropped:
                dropped.append(message)
                return
            ws.send(message)

        ws.on_message(from_page)
        server.on_message(from_server)

    page = open_page(None)
    page.route_web_socket("**/socket.io/**", route)
    page.goto(hall_server.url + "/display")
    expect(page.locator("[data-live-status]")).to_have_attribute("data-live-status", "online")
    for _ in range(100):
        if upgraded:
            break
        page.wait_for_timeout(50)
    assert upgraded, "the page never moved its Socket.IO link to the websocket"

    clerk = api()
    clerk.sign_in("wang", PASSWORD, window=4)
    number = clerk.issue("F")["number"]
    clerk.post("/api/windows/4/call", {"ticket": number})

    expect(page.locator("#latest")).to_have_attribute("data-number", number)
    expect(page.locator("#latest-window")).to_have_text("请到 4号窗口 办理")
    assert len(dropped) == 1 and f'"number":"{number}"' in dropped[0].replace(" ", "")
    clerk.post("/api/windows/4/no-show")
    clerk.post("/api/logout")


def recent_rows(page) -> list[tuple[str, str]]:
    """The display's list of earlier calls, top first: (number, window as shown)."""
    return [tuple(row) for row in page.eval_on_selector_all(
        "#recent tr", "rows => rows.map(r => [r.getAttribute('data-number'), r.children[1].textContent])")]


def test_a_recalled_ticket_is_listed_once_and_moves_to_the_top(start_demo, open_page):
    """A recall is not a second ticket: live and after a reload (the snapshot), the recalled
    number is the latest call, and once another call comes it is the first of the recent list."""
    server = start_demo()
    kiosk, zhang, li = HallClient(server.url), HallClient(server.url), HallClient(server.url)
    zhang.sign_in("zhang", PASSWORD, window=1)
    li.sign_in("li", PASSWORD, window=2)
    first, second, third = (kiosk.issue("A")["number"] for _ in range(3))
    page = open_page(server.url + "/display")
    expect(page.locator("[data-live-status]")).to_have_attribute("data-live-status", "online")

    zhang.post("/api/windows/1/call", {"ticket": first})
    li.post("/api/windows/2/call", {"ticket": second})
    zhang.post("/api/windows/1/recall")
    for reload in (False, True):
        if reload:
            page.reload()
        expect(page.locator("#latest")).to_have_attribute("data-number", first)
        expect(page.locator("#latest-label")).to_have_text("再次呼叫")
        expect(page.locator("#latest-window")).to_have_text("请到 1号窗口 办理")
        expect(page.locator("#recent tr")).to_have_count(1)
        assert recent_rows(page) == [(second, "2号窗口")]

    zhang.post("/api/windows/1/start")
    li.post("/api/windows/2/start")
    li.post("/api/windows/2/call", {"ticket": third})
    for reload in (False, True):
        if reload:
            page.reload()
        expect(page.locator("#latest")).to_have_attribute("data-number", third)
        expect(page.locator("#recent tr")).to_have_count(2)
        assert recent_rows(page) == [(first, "1号窗口"), (second, "2号窗口")]


# ---- a call that ended is not a call any more -----------------------------------------------

IDLE = {"number": "", "shown": "—", "label": "正在呼叫", "window": "请留意叫号"}


def recent_states(page) -> list[tuple[str, str]]:
    """(number, data-state) of each row of the recent list, top first."""
    return [tuple(row) for row in page.eval_on_selector_all(
        "#recent tr", "rows => rows.map(r => [r.getAttribute('data-number'), r.getAttribute('data-state')])")]


def expect_latest(page, want: dict) -> None:
    """The big call area shows this (waiting for the events that make it so)."""
    expect(page.locator("#latest")).to_have_attribute("data-number", want["number"])
    expect(page.locator("#latest-number")).to_have_text(want["shown"])
    expect(page.locator("#latest-label")).to_have_text(want["label"])
    expect(page.locator("#latest-window")).to_have_text(want["window"])


def calling(number: str, window: int, recall: bool = False) -> dict:
    return {"number": number, "shown": number, "label": "再次呼叫" if recall else "正在呼叫",
            "window": f"请到 {window}号窗口 办理"}


def live_then_reloaded(page, latest: dict, rows: list, states: list) -> None:
    """The same picture live and after a reload (from the snapshot alone); nothing flashes."""
    for reload in (False, True):
        if reload:
            page.reload()
            expect(page.locator("[data-live-status]")).to_have_attribute("data-live-status", "online")
        expect_latest(page, latest)
        expect(page.locator("#latest")).not_to_have_class("d-latest flash")
        assert recent_rows(page) == rows
        assert recent_states(page) == states


def test_a_no_show_is_no_longer_shown_as_called(start_demo, open_page):
    """过号: the big area stops inviting the number to the window, live and after a reload;
    it shows the newest call still current at its window, or the idle state when none is.
    The call stays in the recent list marked 过号, live and after a reload (the snapshot's
    recent_calls carry what became of each ticket)."""
    server = start_demo()
    kiosk, zhang, li = HallClient(server.url), HallClient(server.url), HallClient(server.url)
    zhang.sign_in("zhang", PASSWORD, window=1)
    li.sign_in("li", PASSWORD, window=3)
    a1 = kiosk.issue("A")["number"]
    b1, b2 = kiosk.issue("B")["number"], kiosk.issue("B")["number"]
    page = open_page(server.url + "/display")
    expect(page.locator("[data-live-status]")).to_have_attribute("data-live-status", "online")

    li.post("/api/windows/3/call", {"ticket": b1})
    li.post("/api/windows/3/recall")
    expect_latest(page, calling(b1, 3, recall=True))
    li.post("/api/windows/3/no-show")
    live_then_reloaded(page, IDLE, [(b1, "过号")], [(b1, "no_show")])

    # Another window's call is still current: the board falls back to it, without flashing it again.
    zhang.post("/api/windows/1/call", {"ticket": a1})
    li.post("/api/windows/3/call", {"ticket": b2})
    li.post("/api/windows/3/recall")
    expect_latest(page, calling(b2, 3, recall=True))
    li.post("/api/windows/3/no-show")
    live_then_reloaded(page, calling(a1, 1), [(b2, "过号"), (b1, "过号")], [(b2, "no_show"), (b1, "no_show")])


def test_a_transferred_ticket_is_no_longer_shown_at_its_old_window(start_demo, open_page):
    """转办: B001 served at window 3 goes on to 不动产登记 (C). The board no longer sends it to
    window 3 (not as the latest call, and its row says 已转), live and after a reload; once
    window 5 calls it, that call is the one shown and the old row goes."""
    server = start_demo()
    kiosk, zhang, li, wang = (HallClient(server.url) for _ in range(4))
    zhang.sign_in("zhang", PASSWORD, window=1)
    li.sign_in("li", PASSWORD, window=3)
    wang.sign_in("wang", PASSWORD, window=5)
    a1, b1 = kiosk.issue("A")["number"], kiosk.issue("B")["number"]
    page = open_page(server.url + "/display")
    expect(page.locator("[data-live-status]")).to_have_attribute("data-live-status", "online")

    zhang.post("/api/windows/1/call", {"ticket": a1})
    li.post("/api/windows/3/call", {"ticket": b1})
    li.post("/api/windows/3/start")  # the citizen came: still the call shown, as before
    expect_latest(page, calling(b1, 3))
    li.post("/api/windows/3/transfer", {"service": "C"})
    for reload in (False, True):
        if reload:
            page.reload()
            expect(page.locator("[data-live-status]")).to_have_attribute("data-live-status", "online")
        expect_latest(page, calling(a1, 1))
        assert recent_rows(page) == [(b1, "已转")]
        assert recent_states(page) == [(b1, "transferred")]

    # In English the row says so too.
    page.goto(server.url + "/display?lang=en")
    expect(page.locator("#latest")).to_have_attribute("data-number", a1)
    expect(page.locator("#latest-window")).to_have_text("Please go to Window 1")
    assert recent_rows(page) == [(b1, "Transferred")]
    page.goto(server.url + "/display?lang=zh")

    wang.post("/api/windows/5/call", {"ticket": b1})
    for reload in (False, True):
        if reload:
            page.reload()
            expect(page.locator("[data-live-status]")).to_have_attribute("data-live-status", "online")
        expect_latest(page, calling(b1, 5))
        assert recent_rows(page) == [(a1, "1号窗口")]
        assert recent_states(page) == [(a1, "current")]
