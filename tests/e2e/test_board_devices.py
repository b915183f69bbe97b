"""The manager's board watches the hall's devices: the printer's alarms, the tickets to reprint, estimated waits.

Runs on the demo hall with its simulated devices: the ESC/POS printer over
TCP answers DLE EOT from the state the lab API sets.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD
from tests.e2e.hallhttp import HallClient

pytestmark = pytest.mark.browser

WINDOW = 3  # service B only


def board_page(open_page, hall):
    page = open_page(hall.url + "/board")
    expect(page.locator("#login")).to_be_visible()
    page.fill("#login-username", "manager")
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    expect(page.locator("#board")).to_be_visible()
    expect(page.locator("[data-live-status]").first).to_have_attribute("data-live-status", "online")
    return page


def test_the_board_shows_each_device_and_the_estimated_waits(devices_hall, open_page):
    board = board_page(open_page, devices_hall)
    printer = board.locator('#devices [data-device="printer"]')
    expect(printer).to_have_attribute("data-state", "online")
    expect(printer).to_have_attribute("data-alarm", "")
    expect(printer.locator(".b-dev-state")).to_have_text("正常")
    expect(printer.locator(".b-dev-kind")).to_have_text("小票打印机")
    expect(board.locator('#devices [data-device="voice"]')).to_have_attribute("data-state", "online")
    expect(board.locator("#device-alarms")).to_be_hidden()
    state = HallClient(devices_hall.url).get("/api/state")
    assert [d["device"] for d in state["devices"]] == \
        board.locator("#devices .b-device").evaluate_all("tiles => tiles.map(t => t.dataset.device)")
    for s in state["services"]:
        expect(board.locator(f'#services tr[data-service="{s["code"]}"] .b-estimate')).to_have_attribute(
            "data-minutes", "" if s["wait_minutes"] is None else str(s["wait_minutes"]))


def test_paper_out_raises_an_alarm_and_lists_the_ticket_until_the_counter_reprints_it(
        devices_hall, open_page, lab_printer):
    board = board_page(open_page, devices_hall)
    printer = board.locator('#devices [data-device="printer"]')
    expect(printer).to_have_attribute("data-state", "online")
    expect(board.locator("#reprints tr")).to_have_count(0)

    lab_printer(paper="out")
    kiosk = HallClient(devices_hall.url)
    status, issued = kiosk.request("POST", "/api/tickets", {"service": "B"})
    assert status == 201
    assert (issued["print"]["status"], issued["print"]["reason"]) == ("not_printed", "paper_out")
    number = issued["ticket"]["number"]

    expect(printer).to_have_attribute("data-state", "paper_out")
    expect(printer).to_have_attribute("data-alarm", "red")
    expect(printer.locator(".b-dev-state")).to_have_text("缺纸")
    expect(printer.locator(".b-detail")).to_have_text("打印机缺纸")
    board.locator('.lang-toggle [data-lang="en"]').click()              # the detail in the board's language
    expect(printer.locator(".b-detail")).to_have_text("out of paper")
    board.locator('.lang-toggle [data-lang="zh"]').click()
    expect(board.locator("#device-alarms")).to_have_text("1 项告警")
    row = board.locator(f'#reprints tr[data-number="{number}"]')
    expect(row).to_have_count(1)
    expect(board.locator("#reprints-count")).to_have_text("1")
    expect(row.locator("td").nth(1)).to_have_text("社会保障")

    counter = open_page(devices_hall.url + "/counter", 1600, 900)
    counter.fill("#login-username", "zhang")
    counter.fill("#login-password", PASSWORD)
    counter.select_option("#login-window", str(WINDOW))
    counter.click("#login-submit")
    expect(counter.locator(f'#queue tr[data-number="{number}"] [data-tag="reprint"]')).to_have_text("补打")

    # Still out of paper: the printer's own sentence, and the ticket stays on the list.
    counter.keyboard.press("d")
    expect(counter.locator("#reprint-dialog")).to_be_visible()
    counter.fill("#reprint-number", number)
    counter.keyboard.press("Enter")
    expect(counter.locator("#reprint-error")).to_have_text(issued["print"]["message"])
    expect(row).to_have_count(1)

    lab_printer(paper="ok")
    counter.keyboard.press("Enter")
    expect(counter.locator("#reprint-dialog")).to_be_hidden()
    expect(counter.locator("#message")).to_have_text(f"{number} 的小票已补打。")
    expect(row).to_have_count(0)
    expect(board.locator("#reprints-empty")).to_be_visible()
    expect(printer).to_have_attribute("data-state", "online")
    expect(board.locator("#device-alarms")).to_be_hidden()
    expect(counter.locator(f'#queue tr[data-number="{number}"] [data-tag="reprint"]')).to_have_count(0)
    printed = HallClient(devices_hall.url).get("/api/lab")["printer"]["tickets"][0]
    assert number in [line["text"] for line in printed["lines"]]
    counter.locator("#logout").click()
