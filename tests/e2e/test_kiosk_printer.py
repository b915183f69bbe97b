"""What the kiosk shows for each state of the ticket printer (the demo's simulated
ESC/POS printer over TCP, set through the device lab), and the reprint list."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from hall.devices import PRINT_MESSAGES_EN
from tests.e2e.conftest import PASSWORD
from tests.e2e.hallhttp import HallClient

pytestmark = pytest.mark.browser

OK = {"paper": "ok", "cover_open": False, "offline": False, "silent": False}

# (what the lab sets, what the kiosk says about the paper ticket)
CASES = [
    ({"paper": "out"}, "not_printed", "paper_out",
     "打印机缺纸，小票没有打印出来，请记下屏幕上的号码或扫码，工作人员会为您补打。"),
    ({"cover_open": True}, "not_printed", "cover_open",
     "打印机纸仓盖打开了，小票没有打印出来，请记下屏幕上的号码或扫码。"),
    ({"offline": True}, "not_printed", "offline",
     "打印机脱机，小票没有打印出来，请记下屏幕上的号码或扫码。"),
    ({"silent": True}, "not_printed", "no_answer",
     "打印机没有应答，小票可能没有打印出来，请记下屏幕上的号码或扫码。"),
    ({}, "printed", "", "请取走小票"),
]


def test_each_printer_state_changes_what_the_kiosk_shows(printer_hall, open_page):
    lab = HallClient(printer_hall.url)
    page = open_page(printer_hall.url + "/kiosk?idle=600")
    expect(page.locator('.k-svc[data-service="D"]')).to_have_attribute("data-open", "true")
    unprinted, printed = [], []
    try:
        for change, status, reason, sentence in CASES:
            lab.post("/api/lab/printer", {**OK, **change})
            page.locator('.k-svc[data-service="D"]').click()  # D has no matters: one tap
            expect(page.locator("#ticket")).to_be_visible()
            note = page.locator("#ticket-print")
            expect(note).to_have_attribute("data-print-status", status)
            expect(note).to_have_attribute("data-reason", reason)
            expect(note).to_have_text(sentence)
            number = page.locator("#ticket-number").inner_text()
            # Printed or not, the number stays huge and the QR code is there to scan.
            size = page.locator("#ticket-number").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
            assert size >= 200, (change, size)
            qr = page.locator("#ticket-qr")
            expect(qr).to_be_visible()
            expect(qr).to_have_attribute("src", re.compile(r"^/t/[A-Za-z0-9_-]{16}/qr\.svg$"))
            # the image loads from the server a moment after the ticket shows: wait for it
            page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle(), timeout=5000)
            (unprinted if status == "not_printed" else printed).append(number)
            page.locator("#ticket .k-back").click()
            expect(page.locator("#home")).to_be_visible()
    finally:
        lab.post("/api/lab/printer", OK)

    # The simulated printer printed exactly the one good ticket, with its number on it.
    slips = lab.get("/api/lab")["printer"]["tickets"]
    assert [[ln["text"] for ln in slip["lines"] if ln["text"] == printed[0]] for slip in slips] == [printed]
    # Staff see the four it could not print, in order, for reprinting.
    clerk = HallClient(printer_hall.url)
    clerk.sign_in("li", PASSWORD)
    assert [t["number"] for t in clerk.get("/api/reprints")["tickets"]] == unprinted
    assert {t["print_status"] for t in clerk.get("/api/reprints")["tickets"]} == {"not_printed"}


def test_the_printer_sentence_is_in_english_too(printer_hall, open_page):
    lab = HallClient(printer_hall.url)
    page = open_page(printer_hall.url + "/kiosk?idle=600&lang=en")
    lab.post("/api/lab/printer", {**OK, "paper": "out"})
    try:
        page.locator('.k-svc[data-service="F"]').click()
        expect(page.locator("#ticket-print")).to_have_text(PRINT_MESSAGES_EN["paper_out"])
        expect(page.locator("#ticket-qr-box figcaption")).to_have_text("Scan to follow your place")
        page.locator('.lang-toggle [data-lang="zh"]').click()
        expect(page.locator("#ticket-print")).to_have_text(
            "打印机缺纸，小票没有打印出来，请记下屏幕上的号码或扫码，工作人员会为您补打。")
    finally:
        lab.post("/api/lab/printer", OK)
