"""The device lab page (/devices): the simulated printer's tickets as slips, its switches, the serial devices."""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD
from tests.e2e.hallhttp import HallClient

pytestmark = pytest.mark.browser


def lab_page(open_page, hall):
    page = open_page(hall.url + "/devices")
    expect(page.locator("[data-live-status]")).to_have_attribute("data-live-status", "online")
    return page


def test_a_kiosk_ticket_appears_on_the_lab_as_the_slip_it_printed(devices_hall, open_page):
    lab = lab_page(open_page, devices_hall)
    kiosk = HallClient(devices_hall.url)
    status, issued = kiosk.request("POST", "/api/tickets", {"service": "A"})  # what the kiosk sends
    assert status == 201 and issued["print"]["status"] == "printed"
    number, token = issued["ticket"]["number"], issued["token"]

    slip = lab.locator(".l-slip").first
    # The number, printed large (GS ! 4x4) and bold, as the printer drew it.
    expect(slip.locator('.l-text[data-size="4x4"]').first).to_have_text(number)
    expect(slip.locator('.l-text[data-size="4x4"]').first).to_have_class("l-text l-bold")
    printed = kiosk.get("/api/lab")["printer"]
    assert printed["tickets"][0]["lines"][3]["text"] == number
    texts = slip.locator(".l-line").evaluate_all("rows => rows.map(r => r.textContent.replace(/\\u00a0/g, ''))")
    assert texts == [line["text"] for line in printed["tickets"][0]["lines"]]
    # The QR code goes to the phone page; the lab draws the same code from /t/<token>/qr.svg.
    expect(slip.locator(".l-qr")).to_have_attribute("data-payload", issued["progress_url"])
    expect(slip.locator(".l-qr-img")).to_have_attribute("src", f"/t/{token}/qr.svg")
    expect(lab.locator("#printed-count")).to_have_text(str(printed["count"]))


def test_the_paper_out_switch_changes_the_printer_state(devices_hall, open_page, lab_printer):
    lab = lab_page(open_page, devices_hall)
    box = lab.locator("#printer")
    expect(box).to_have_attribute("data-paper", "ok")
    expect(box).to_have_attribute("data-driver-state", "online")
    expect(lab.locator("#printer-driver-state")).to_have_text("正常")

    lab.locator('#printer-body button[data-paper="out"]').click()
    expect(box).to_have_attribute("data-paper", "out")
    expect(lab.locator('#printer-body button[data-paper="out"]')).to_have_attribute("aria-pressed", "true")
    expect(lab.locator('#printer-body button[data-paper="ok"]')).to_have_attribute("aria-pressed", "false")
    assert HallClient(devices_hall.url).get("/api/lab")["printer"]["paper"] == "out"
    # The hall's driver asks the printer (DLE EOT) every 2 s and reports paper_out.
    expect(box).to_have_attribute("data-driver-state", "paper_out")
    expect(lab.locator("#printer-driver-state")).to_have_text("缺纸")
    expect(lab.locator("#printer-driver-detail")).to_have_text("打印机缺纸")
    lab.locator('.lang-toggle [data-lang="en"]').click()             # the driver's detail in the lab's language
    expect(lab.locator("#printer-driver-detail")).to_have_text("out of paper")
    lab.locator('.lang-toggle [data-lang="zh"]').click()

    lab.locator('#printer-body button[data-flag="cover_open"]').click()
    expect(box).to_have_attribute("data-cover-open", "true")
    lab.locator('#printer-body button[data-flag="cover_open"]').click()
    lab.locator('#printer-body button[data-paper="ok"]').click()
    expect(box).to_have_attribute("data-paper", "ok")
    expect(box).to_have_attribute("data-cover-open", "false")
    expect(box).to_have_attribute("data-driver-state", "online")


def test_the_serial_devices_panel_follows_the_lab_api(devices_hall, open_page):
    lab = lab_page(open_page, devices_hall)
    serial = HallClient(devices_hall.url).get("/api/lab")["serial"]
    if not serial:
        expect(lab.locator("#serial-none")).to_be_visible()
        expect(lab.locator("#serial-none")).to_have_text("没有模拟的串口设备 · no serial devices")
        expect(lab.locator("#serial-body .l-device")).to_have_count(0)
        return
    for group, devices in serial.items():
        for d in devices or []:
            card = lab.locator(f'#serial-body [data-group="{group}"] .l-device[data-device="{d["id"]}"]')
            expect(card).to_have_count(1)
            if "text" in d:
                expect(card.locator(".l-led")).to_have_attribute("data-text", d["text"])
            if d.get("keys"):
                expect(card.locator(".l-key")).to_have_count(len(d["keys"]))


def test_pressing_a_rater_key_on_the_lab_records_the_rating_of_the_finished_ticket(devices_hall, open_page):
    if not HallClient(devices_hall.url).get("/api/lab")["serial"]:
        pytest.skip("the demo runs without simulated serial devices")
    window = 5  # service C only; no other device test works it
    lab = lab_page(open_page, devices_hall)
    number = HallClient(devices_hall.url).issue("C")["number"]
    clerk = HallClient(devices_hall.url)
    clerk.sign_in("wang", PASSWORD, window)
    manager = HallClient(devices_hall.url)
    manager.sign_in("manager", PASSWORD)
    since = manager.get("/api/state")["seq"]
    for action in ("call-next", "start", "finish"):
        clerk.post(f"/api/windows/{window}/{action}")

    rater = lab.locator(f'.l-device[data-kind="rater"][data-device="rater-{window}"]')
    expect(rater.locator(".l-armed")).to_have_attribute("data-armed", "true")
    expect(rater.locator(".l-armed")).to_have_text(f"等待评价：{number}")
    rater.locator('.l-key[data-key="2"]').click()  # 满意
    expect(lab.locator("#message")).to_have_text(f"已按下 rater-{window} 的“满意”。")
    expect(rater.locator(".l-armed")).to_have_attribute("data-armed", "false")
    rated = []
    deadline = time.monotonic() + 5  # the rater's answer travels its pty to the driver, then the hall
    while not rated and time.monotonic() < deadline:
        rated = [e for e in manager.get(f"/api/events?since={since}")["events"] if e["event"] == "ticket_rated"]
        time.sleep(0.05)
    assert [(e["number"], e["window"], e["staff"], e["level"], e["channel"], e["device"]) for e in rated] == \
        [(number, window, "wang", "satisfied", "rater", f"rater-{window}")]
    clerk.post("/api/logout")
