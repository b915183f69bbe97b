"""The manager's live board: a manager sign-in first, then every window and service, live."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page, username: str) -> None:
    page.fill("#login-username", username)
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")


def test_the_board_needs_a_manager_then_shows_every_window_live(hall_server, open_page, api):
    page = open_page(hall_server.url + "/board", 1600, 900)
    expect(page.locator("#login")).to_be_visible()
    expect(page.locator("#board")).to_be_hidden()

    sign_in(page, "wang")  # a clerk, not a manager
    expect(page.locator("#login-error")).to_have_text("王芳 不是管理员账号，请用管理员账号登录。")
    expect(page.locator("#board")).to_be_hidden()

    sign_in(page, "manager")
    expect(page.locator("#board")).to_be_visible()
    expect(page.locator("#user-name")).to_have_text("陈主任")
    state = api().get("/api/state")
    rows = page.locator("#windows tr")
    expect(rows).to_have_count(len(state["windows"]))
    assert rows.evaluate_all("rows => rows.map(r => r.cells[0].textContent)") == [w["name"] for w in state["windows"]]
    expect(page.locator("#services tr")).to_have_count(len(state["services"]))

    # A clerk opens window 5 and calls a number: the board follows without a reload.
    clerk = api()
    clerk.sign_in("wang", PASSWORD, window=5)
    row = page.locator('#windows tr[data-window="5"]')
    expect(row).to_have_attribute("data-state", "idle")
    expect(row.locator("td").nth(2)).to_have_text("王芳")
    expect(row.locator("td").nth(3)).to_have_text("空闲")
    number = clerk.issue("C")["number"]
    waiting_c = next(s["waiting"] for s in api().get("/api/state")["services"] if s["code"] == "C")
    expect(page.locator('#services tr[data-service="C"]')).to_have_attribute("data-waiting", str(waiting_c))
    clerk.post("/api/windows/5/call", {"ticket": number})
    expect(row).to_have_attribute("data-state", "called")
    expect(row.locator("td").nth(4)).to_have_text(number)
    expect(page.locator('#services tr[data-service="C"]')).to_have_attribute("data-waiting", str(waiting_c - 1))
    clerk.post("/api/windows/5/start")
    expect(row.locator("td").nth(3)).to_have_text("办理中")
    clerk.post("/api/windows/5/finish")
    clerk.post("/api/logout")
    expect(row).to_have_attribute("data-state", "closed")
    expect(row.locator("td").nth(2)).to_have_text("—")
