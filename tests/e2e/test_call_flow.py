"""A citizen's ticket from the kiosk, called at a window, on the hall display."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD

pytestmark = pytest.mark.browser


def sign_in_at_counter(page, username: str, window: int) -> None:
    expect(page.locator("#login")).to_be_visible()
    page.fill("#login-username", username)
    page.fill("#login-password", PASSWORD)
    page.select_option("#login-window", str(window))
    page.click("#login-submit")
    expect(page.locator("#work")).to_be_visible()


def test_a_kiosk_ticket_is_called_at_the_counter_and_shown_on_the_display(hall_server, open_page, api):
    display = open_page(hall_server.url + "/display")
    expect(display.locator("[data-live-status]")).to_have_attribute("data-live-status", "online")

    kiosk = open_page(hall_server.url + "/kiosk")
    kiosk.locator('.k-svc[data-service="A"]').click()
    kiosk.locator("#matters-direct").click()  # A has matters: no particular one
    expect(kiosk.locator("#ticket")).to_be_visible()
    number = kiosk.locator("#ticket-number").inner_text()
    assert number in [t["number"] for t in api().get("/api/windows/2/queue")["waiting"]]

    counter = open_page(hall_server.url + "/counter", 1600, 900)
    sign_in_at_counter(counter, "zhang", 2)
    expect(counter.locator("#window-name")).to_have_text("2号窗口")
    expect(counter.locator("#window-status")).to_have_text("空闲")
    # Call exactly this citizen: pick the number in the waiting list.
    counter.locator(f'#queue tr[data-number="{number}"]').click()
    counter.locator('[data-action="call-selected"]').click()
    expect(counter.locator("#current")).to_have_attribute("data-number", number)
    expect(counter.locator("#current-number")).to_have_text(number)
    expect(counter.locator("#window-status")).to_have_text("已呼叫")
    expect(counter.locator("#message")).to_have_text(f"已呼叫 {number}。")
    expect(counter.locator(f'#queue tr[data-number="{number}"]')).to_have_count(0)

    expect(display.locator("#latest")).to_have_attribute("data-number", number)
    expect(display.locator("#latest-number")).to_have_text(number)
    expect(display.locator("#latest")).to_have_attribute("data-window", "2")
    expect(display.locator("#latest-window")).to_have_text("请到 2号窗口 办理")
    expect(display.locator("#latest")).to_have_class("d-latest flash")
    state = api().get("/api/state")
    for s in state["services"]:
        expect(display.locator(f'.d-svc[data-service="{s["code"]}"]')).to_have_attribute(
            "data-waiting", str(s["waiting"]))

    # Start and finish from the keyboard; the window is free again.
    counter.keyboard.press("s")
    expect(counter.locator("#window-status")).to_have_text("办理中")
    expect(counter.locator("#current")).to_have_attribute("data-status", "serving")
    counter.keyboard.press("f")
    expect(counter.locator("#current-number")).to_have_text("—")
    expect(counter.locator("#window-status")).to_have_text("空闲")
    ticket = next(w for w in api().get("/api/state")["windows"] if w["id"] == 2)
    assert ticket["current"] is None

    counter.locator("#logout").click()
    expect(counter.locator("#login")).to_be_visible()
    assert next(w for w in api().get("/api/state")["windows"] if w["id"] == 2)["status"] == "closed"


def test_the_counter_keys_call_recall_no_show_pause_and_resume(hall_server, open_page, api):
    # Service D is served by window 6 alone, and only this test issues it.
    kiosk = api()
    first, second = kiosk.issue("D")["number"], kiosk.issue("D")["number"]
    counter = open_page(hall_server.url + "/counter", 1600, 900)
    sign_in_at_counter(counter, "li", 6)
    order = [t["number"] for t in api().get("/api/windows/6/queue")["waiting"]]
    expect(counter.locator("#queue tr")).to_have_count(len(order))
    assert counter.locator("#queue tr").evaluate_all("rows => rows.map(r => r.dataset.number)") == order
    assert order[-2:] == [first, second]
    # The keys are on the buttons themselves.
    expect(counter.locator('[data-action="call-next"] kbd').first).to_have_text("N")

    counter.keyboard.press("n")
    expect(counter.locator("#current")).to_have_attribute("data-number", order[0])
    counter.keyboard.press("r")
    expect(counter.locator("#message")).to_have_text(f"已重呼 {order[0]}。")
    # Called but not started: the next call waits until this one is settled.
    counter.keyboard.press("n")
    expect(counter.locator("#message")).to_have_text("当前号码已呼叫但还没开始办理：请先开始办理、重呼或标记过号。")
    counter.keyboard.press("x")
    expect(counter.locator("#current-number")).to_have_text("—")
    expect(counter.locator("#message")).to_have_text(f"{order[0]} 已记为过号。")

    counter.keyboard.press("p")
    expect(counter.locator("#pause-dialog")).to_be_visible()
    counter.keyboard.press("2")
    expect(counter.locator("#pause-dialog")).to_be_hidden()
    expect(counter.locator("#window-status")).to_have_text("暂停：会议")
    window = next(w for w in api().get("/api/state")["windows"] if w["id"] == 6)
    assert (window["status"], window["pause_reason"]) == ("paused", "meeting")
    expect(counter.locator('[data-action="call-next"]')).to_be_disabled()
    counter.keyboard.press("u")
    expect(counter.locator("#window-status")).to_have_text("空闲")

    # A reload keeps the clerk signed in at the window.
    counter.reload()
    expect(counter.locator("#work")).to_be_visible()
    expect(counter.locator("#window-name")).to_have_text("6号窗口")
    expect(counter.locator("#user-name")).to_have_text("李强")
    counter.locator("#logout").click()
    expect(counter.locator("#login")).to_be_visible()
