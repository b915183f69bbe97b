"""The phone page: a ticket taken at the kiosk, followed on a phone through its QR code."""
from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD

pytestmark = pytest.mark.browser

PHONE = (390, 844)


def test_the_phone_page_follows_the_ticket_until_it_is_called_without_a_reload(hall_server, open_page, api):
    kiosk = open_page(hall_server.url + "/kiosk?idle=600")
    # F has no matters: one tap issues the ticket.
    kiosk.locator('.k-svc[data-service="F"]').click()
    expect(kiosk.locator("#ticket")).to_be_visible()
    number = kiosk.locator("#ticket-number").inner_text()
    ahead = int(kiosk.locator("#ticket-ahead").get_attribute("data-ahead"))
    qr = kiosk.locator("#ticket-qr")
    expect(kiosk.locator("#ticket-qr-box figcaption")).to_have_text("扫码查看排队进度")
    src = qr.get_attribute("src")
    assert src.startswith("/t/") and src.endswith("/qr.svg")
    # The image really is the QR code's SVG from the server.
    kiosk.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle(), timeout=5000)
    token = src[len("/t/"):-len("/qr.svg")]

    phone = open_page(hall_server.url + f"/t/{token}", *PHONE)
    expect(phone.locator("#number")).to_have_text(number)
    expect(phone.locator("#service")).to_have_text("综合咨询")
    expect(phone.locator("#headline")).to_have_text("排队中，请留意叫号")
    expect(phone.locator("#ahead")).to_have_text(f"{ahead} 人")
    # Nothing on the page is wider than the phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
    phone.evaluate("window.__notReloaded = true")

    clerk = api()
    clerk.sign_in("zhang", PASSWORD, window=8)
    try:
        clerk.post("/api/windows/8/call", {"ticket": number})
        expect(phone.locator("#headline")).to_have_text("请到 8号窗口 办理")
        expect(phone.locator("#status")).to_have_class("status called")
        expect(phone.locator("#facts")).to_be_hidden()
        phone.locator('.lang-toggle [data-lang="en"]').click()
        expect(phone.locator("#headline")).to_have_text("Please go to Window 8")
        phone.locator('.lang-toggle [data-lang="zh"]').click()

        clerk.post("/api/windows/8/start")
        expect(phone.locator("#headline")).to_have_text("正在 8号窗口 办理")
        clerk.post("/api/windows/8/finish")
        expect(phone.locator("#headline")).to_have_text("已办结，感谢您的耐心")
        assert phone.evaluate("window.__notReloaded") is True
    finally:
        clerk.post("/api/logout")


def test_the_phone_page_shows_the_likely_range_beside_the_estimate(hall_server, open_page, api):
    """A line at a single window (D: window 6 only): the phone shows 约 N 分钟 and beside it the likely
    range of the sampled futures (their 20th to 80th percentile), in Chinese first, then in English."""
    clerk = api()
    clerk.sign_in("zhang", PASSWORD, window=6)
    citizen = api()
    numbers = []
    try:
        for _ in range(4):
            numbers.append(citizen.issue("D")["number"])
        # the server works forecasts out in the background: wait for one that knows window 6 is open
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            d = next(s for s in citizen.get("/api/state")["services"] if s["code"] == "D")
            if d["wait_minutes"] is not None and d["wait_minutes"] > 0:
                break
            time.sleep(0.2)
        answer = citizen.post("/api/tickets", {"service": "D"}, expect=201)
        numbers.append(answer["ticket"]["number"])
        # the kiosk's answer carries the range too
        assert answer["wait_low_minutes"] is not None and answer["wait_minutes"] is not None
        assert answer["wait_low_minutes"] <= answer["wait_minutes"]
        assert answer["wait_high_minutes"] is None or answer["wait_minutes"] <= answer["wait_high_minutes"]
        phone = open_page(hall_server.url + f"/t/{answer['token']}", *PHONE)
        expect(phone.locator("#number")).to_have_text(numbers[-1])
        rng = phone.locator("#wait-range")
        expect(rng).to_be_visible()
        expect(rng).to_have_text(re.compile(r"^(多半在 \d+–\d+ 分钟|至少 \d+ 分钟)$"))
        shown = phone.evaluate("""() => ({wait: document.getElementById('wait').textContent,
            low: document.getElementById('wait-range').dataset.low,
            high: document.getElementById('wait-range').dataset.high})""")
        wait = int(re.search(r"\d+", shown["wait"]).group())
        assert int(shown["low"]) <= wait and (shown["high"] == "" or wait <= int(shown["high"])), shown
        phone.locator('.lang-toggle [data-lang="en"]').click()
        expect(rng).to_have_text(re.compile(r"^(likely \d+–\d+ min|at least \d+ min)$"))
        phone.locator('.lang-toggle [data-lang="zh"]').click()
        expect(rng).to_have_text(re.compile(r"^(多半在|至少)"))
    finally:
        # Leave the shared hall's D line and window 6 as they were: the tickets cancelled, not
        # called and served (a served step would wait for its rating on window 6's tablet, which
        # the next test opens expecting it idle), and the clerk signed out.
        for number in numbers:
            clerk.post(f"/api/tickets/{number}/cancel", {})
        clerk.post("/api/logout")


def test_an_older_progress_answer_arriving_late_never_takes_the_page_back(hall_server, open_page, api):
    """The page's first fetch of /api/progress answers while the ticket waits, and that answer is held
    back until the ticket has been called, served and finished over the socket: arriving last, it is
    older than what the page shows (its seq is lower), so the page stays at 已办结."""
    citizen = api()
    answer = citizen.post("/api/tickets", {"service": "F"}, expect=201)
    ticket, token = answer["ticket"], answer["token"]
    held = []

    def hold_first(route):
        if held:
            route.continue_()
            return
        held.append((route, route.fetch()))      # the server's answer now (waiting), delivered later

    phone = open_page(None, *PHONE)
    phone.route(re.compile(r"/api/progress/[^/]+$"), hold_first)
    phone.goto(hall_server.url + f"/t/{token}")
    expect(phone.locator("#number")).to_have_text(ticket["number"])    # the socket's snapshot
    deadline = time.monotonic() + 5
    while not held and time.monotonic() < deadline:
        phone.wait_for_timeout(50)
    assert held, "the page never fetched its progress"
    assert held[0][1].json()["ticket"]["status"] == "waiting"
    clerk = api()
    clerk.sign_in("zhang", PASSWORD, window=8)
    try:
        clerk.post("/api/windows/8/call", {"ticket": ticket["number"]})
        clerk.post("/api/windows/8/start")
        clerk.post("/api/windows/8/finish")
        expect(phone.locator("#headline")).to_have_text("已办结，感谢您的耐心")
        route, answer = held[0]
        route.fulfill(response=answer)
        phone.wait_for_timeout(600)
        expect(phone.locator("#headline")).to_have_text("已办结，感谢您的耐心")
    finally:
        clerk.post("/api/logout")
