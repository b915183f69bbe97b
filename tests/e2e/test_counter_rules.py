"""The queue rules at the counter: transfer, green channel, rejoin after a no-show, tags, their keys.

A hall of its own (module scope) so the order of each waiting list is known
exactly: each test uses services and windows no other test here touches.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, demo_server
from tests.e2e.hallhttp import HallClient

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def rules_hall(tmp_path_factory):
    server = demo_server(tmp_path_factory.mktemp("rules") / "data").start()
    yield server
    server.stop()


def counter_at(open_page, hall, username: str, window: int):
    page = open_page(hall.url + "/counter", 1600, 900)
    expect(page.locator("#login")).to_be_visible()
    page.fill("#login-username", username)
    page.fill("#login-password", PASSWORD)
    page.select_option("#login-window", str(window))
    page.click("#login-submit")
    expect(page.locator("#work")).to_be_visible()
    return page


def rows(page) -> list[str]:
    return page.locator("#queue tr").evaluate_all("rows => rows.map(r => r.dataset.number)")


def call_number(page, number: str) -> None:
    page.locator(f'#queue tr[data-number="{number}"]').click()
    page.keyboard.press("c")
    expect(page.locator("#current")).to_have_attribute("data-number", number)


def test_a_transferred_ticket_waits_at_the_chosen_window_with_its_tag(rules_hall, open_page):
    kiosk = HallClient(rules_hall.url)
    number = kiosk.issue("A")["number"]
    clerk2 = counter_at(open_page, rules_hall, "zhang", 2)
    call_number(clerk2, number)

    clerk2.locator('[data-action="transfer"]').click()
    dialog = clerk2.locator("#transfer-dialog")
    expect(dialog).to_be_visible()
    expect(clerk2.locator("#transfer-title")).to_have_text(f"转办 {number}")
    expect(clerk2.locator("#transfer-step")).to_have_text("第一步：转到哪项业务？")
    dialog.locator('[data-service="B"]').click()
    expect(clerk2.locator("#transfer-step")).to_have_text("第二步：转到社会保障的哪个窗口？")
    # Only the windows that serve B are offered (3 and 4), after "any window".
    assert dialog.locator("[data-window]").evaluate_all("bs => bs.map(b => b.dataset.window)") == ["", "3", "4"]
    dialog.locator('[data-window="3"]').click()
    expect(dialog).to_be_hidden()
    expect(clerk2.locator("#message")).to_have_text(f"{number} 已转到社会保障（3号窗口）。")
    expect(clerk2.locator("#current-number")).to_have_text("—")

    waiting = {t["number"]: t for t in kiosk.get("/api/windows/3/queue")["waiting"]}
    assert waiting[number]["service"] == "B" and waiting[number]["target_window"] == 3
    assert [s["outcome"] for s in waiting[number]["steps"]] == ["transferred"]

    clerk3 = counter_at(open_page, rules_hall, "li", 3)
    row = clerk3.locator(f'#queue tr[data-number="{number}"]')
    expect(row).to_have_count(1)
    expect(row.locator('[data-tag="transferred"]')).to_have_text("转办")
    expect(row.locator("td").nth(1)).to_have_text("社会保障")
    # The clerk at 3 calls it; the current ticket shows the same tag.
    call_number(clerk3, number)
    expect(clerk3.locator('#current-tags [data-tag="transferred"]')).to_have_text("转办")
    clerk3.keyboard.press("s")
    clerk3.keyboard.press("f")
    expect(clerk3.locator("#current-number")).to_have_text("—")
    clerk2.locator("#logout").click()
    clerk3.locator("#logout").click()
    expect(clerk3.locator("#login")).to_be_visible()


def test_a_ticket_marked_priority_moves_to_the_top_with_its_category(rules_hall, open_page):
    kiosk = HallClient(rules_hall.url)
    first, second, third = (kiosk.issue("C")["number"] for _ in range(3))
    clerk = counter_at(open_page, rules_hall, "wang", 5)
    expect(clerk.locator("#queue tr")).to_have_count(3)
    assert rows(clerk) == [first, second, third]

    # Nothing selected: the key explains what to do first.
    clerk.keyboard.press("g")
    expect(clerk.locator("#message")).to_have_text("请先在等候队列里点一下要设为优先的号码。")

    clerk.locator(f'#queue tr[data-number="{third}"]').click()
    expect(clerk.locator('[data-action="priority"] kbd')).to_have_text("G")
    clerk.keyboard.press("g")
    dialog = clerk.locator("#priority-dialog")
    expect(dialog).to_be_visible()
    expect(clerk.locator("#priority-title")).to_have_text(f"设为优先：{third}")
    categories = kiosk.get("/api/services")["priority_categories"]
    assert dialog.locator("[data-category]").evaluate_all("bs => bs.map(b => b.dataset.category)") == \
        [c["code"] for c in categories]
    expect(dialog.locator('[data-category="elderly"]')).to_contain_text("老年人")
    clerk.keyboard.press("1")  # the first category: 老年人
    expect(dialog).to_be_hidden()
    expect(clerk.locator("#message")).to_have_text(f"{third} 已设为优先（老年人）。")
    expect(clerk.locator("#queue tr").first).to_have_attribute("data-number", third)
    assert rows(clerk) == [third, first, second]
    expect(clerk.locator(f'#queue tr[data-number="{third}"] [data-tag="priority"]')).to_have_text("优先·老年人")
    waiting = {t["number"]: t for t in kiosk.get("/api/windows/5/queue")["waiting"]}
    assert waiting[third]["priority"] == "elderly"
    # The next call takes it, as the list said.
    clerk.keyboard.press("n")
    expect(clerk.locator("#current")).to_have_attribute("data-number", third)
    clerk.locator("#logout").click()


def test_a_no_show_rejoins_by_number_behind_two_waiting(rules_hall, open_page):
    kiosk = HallClient(rules_hall.url)
    first, second, third = (kiosk.issue("D")["number"] for _ in range(3))
    clerk = counter_at(open_page, rules_hall, "zhang", 6)
    expect(clerk.locator("#queue tr")).to_have_count(3)
    clerk.keyboard.press("n")
    expect(clerk.locator("#current")).to_have_attribute("data-number", first)
    clerk.keyboard.press("x")
    expect(clerk.locator("#message")).to_have_text(f"{first} 已记为过号。")

    clerk.keyboard.press("j")
    expect(clerk.locator("#rejoin-dialog")).to_be_visible()
    expect(clerk.locator("#rejoin-number")).to_have_value(first)  # the last no-show is offered
    # A waiting ticket cannot rejoin: the API's own sentence is shown as it is.
    clerk.fill("#rejoin-number", second.lower())
    clerk.keyboard.press("Enter")
    manager = HallClient(rules_hall.url)
    manager.sign_in("manager", PASSWORD)
    status, refusal = manager.request("POST", f"/api/tickets/{second}/rejoin")
    assert status == 409
    expect(clerk.locator("#rejoin-error")).to_have_text(refusal["error"]["message"])

    clerk.fill("#rejoin-number", first.lower())
    clerk.keyboard.press("Enter")
    expect(clerk.locator("#rejoin-dialog")).to_be_hidden()
    expect(clerk.locator("#message")).to_have_text(f"{first} 已重新排队，前面还有 2 人。")
    # The list reloads 100 ms after the last event of a burst: until then it may still be the one
    # drawn before the call (three rows too), so wait for the rejoined ticket's tag, then read the order.
    expect(clerk.locator(f'#queue tr[data-number="{first}"] [data-tag="rejoined"]')).to_have_text("重排")
    expect(clerk.locator("#queue tr")).to_have_count(3)
    assert rows(clerk) == [second, third, first]
    clerk.locator("#logout").click()


def test_transfer_from_the_keyboard_to_any_window_of_a_service(rules_hall, open_page):
    kiosk = HallClient(rules_hall.url)
    number = kiosk.issue("F")["number"]
    clerk = counter_at(open_page, rules_hall, "li", 8)
    expect(clerk.locator('[data-action="transfer"] kbd')).to_have_text("T")
    expect(clerk.locator('[data-action="rejoin"] kbd')).to_have_text("J")
    expect(clerk.locator('[data-action="reprint"] kbd')).to_have_text("D")
    clerk.keyboard.press("t")
    expect(clerk.locator("#message")).to_have_text("当前没有正在办理的号码，请先叫号。")
    expect(clerk.locator("#transfer-dialog")).to_be_hidden()

    call_number(clerk, number)
    clerk.keyboard.press("t")
    dialog = clerk.locator("#transfer-dialog")
    expect(dialog).to_be_visible()
    # Digits choose: services in the hall's order, A is 1, so C (不动产登记) is 3.
    expect(dialog.locator('[data-service="C"] kbd')).to_have_text("3")
    clerk.keyboard.press("3")
    expect(clerk.locator("#transfer-step")).to_have_text("第二步：转到不动产登记的哪个窗口？")
    clerk.keyboard.press("Backspace")  # back to the services
    expect(clerk.locator("#transfer-step")).to_have_text("第一步：转到哪项业务？")
    clerk.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(clerk.locator("#current")).to_have_attribute("data-number", number)

    clerk.keyboard.press("t")
    clerk.keyboard.press("3")
    expect(dialog.locator('[data-window=""] kbd')).to_have_text("0")
    clerk.keyboard.press("0")  # any window of C
    expect(dialog).to_be_hidden()
    expect(clerk.locator("#message")).to_have_text(f"{number} 已转到不动产登记。")
    waiting = {t["number"]: t for t in kiosk.get("/api/windows/5/queue")["waiting"]}
    assert waiting[number]["service"] == "C" and waiting[number]["target_window"] is None
    clerk.locator("#logout").click()
