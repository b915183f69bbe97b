"""The citizen's rating screens in Chromium: the window's tablet and the phone page, rated as a citizen would."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD

pytestmark = pytest.mark.browser

TABLET = (1280, 800)
PHONE = (390, 844)


def serve(clerk, window: int, number: str) -> None:
    """The clerk calls, starts and finishes `number` at `window` through the API, as the counter page does."""
    clerk.post(f"/api/windows/{window}/call", {"ticket": number})
    clerk.post(f"/api/windows/{window}/start")
    clerk.post(f"/api/windows/{window}/finish")


def stored_ratings(api, number: str) -> list[dict]:
    """The ticket_rated events of `number`, as a manager reads the event log."""
    manager = api()
    manager.sign_in("manager", PASSWORD)
    try:
        events = manager.get("/api/events?since=0&limit=5000")["events"]
        return [e for e in events if e["event"] == "ticket_rated" and e["number"] == number]
    finally:
        manager.post("/api/logout")


def test_a_citizen_rates_at_the_windows_tablet(hall_server, open_page, api):
    tablet = open_page(hall_server.url + "/rater/6", *TABLET)
    expect(tablet.locator("#idle")).to_be_visible()
    expect(tablet.locator("#idle-window")).to_have_text("6号窗口")
    expect(tablet.locator("#rate")).to_be_hidden()
    tablet.evaluate("window.__notReloaded = true")

    clerk = api()
    clerk.sign_in("zhang", PASSWORD, window=6)
    try:
        number = clerk.issue("D")["number"]
        serve(clerk, 6, number)
        expect(tablet.locator("#rate")).to_be_visible()
        expect(tablet.locator(".r-ask")).to_have_text("请您对本次服务进行评价")
        expect(tablet.locator("#ticket")).to_contain_text(number)
        buttons = tablet.locator(".hq-rate-level")
        expect(buttons).to_have_count(5)
        assert buttons.evaluate_all("bs => bs.map(b => b.textContent.trim())") == \
            ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
        # Large enough for an unsteady finger: each button at least 200 px tall, each with its face.
        assert all(b["height"] >= 200 for b in buttons.evaluate_all(
            "bs => bs.map(b => b.getBoundingClientRect().toJSON())"))
        expect(tablet.locator(".hq-rate-level svg.hq-face")).to_have_count(5)

        tablet.locator('.hq-rate-level[data-level="satisfied"]').click()
        expect(tablet.locator("#thanks")).to_be_visible()
        expect(tablet.locator(".r-thanks-word")).to_have_text("谢谢您的评价")
        expect(tablet.locator("#idle")).to_be_visible(timeout=8000)     # a few seconds, then idle again
        assert tablet.evaluate("window.__notReloaded") is True

        rated = stored_ratings(api, number)
        assert [(e["level"], e["channel"], e["window"], e["staff"]) for e in rated] == \
            [("satisfied", "tablet", 6, "zhang")]
    finally:
        clerk.post("/api/logout")


def test_the_tablet_comes_back_to_the_waiting_rating_after_a_reload(hall_server, open_page, api):
    clerk = api()
    clerk.sign_in("zhang", PASSWORD, window=6)
    try:
        number = clerk.issue("D")["number"]
        serve(clerk, 6, number)
        tablet = open_page(hall_server.url + "/rater/6", *TABLET)
        expect(tablet.locator("#rate")).to_be_visible()
        expect(tablet.locator("#ticket")).to_contain_text(number)
        tablet.reload()
        expect(tablet.locator("#rate")).to_be_visible()
        # A bad rating: the hall's reasons as large toggles, any number of them, and free text.
        tablet.locator('.hq-rate-level[data-level="very_dissatisfied"]').click()
        expect(tablet.locator(".hq-rate-reason")).to_have_count(6)
        tablet.locator('.hq-rate-reason[data-reason="long_wait"]').click()
        expect(tablet.locator('.hq-rate-reason[data-reason="long_wait"]')).to_have_attribute("aria-pressed", "true")
        tablet.locator(".hq-rate-submit").click()
        expect(tablet.locator("#thanks")).to_be_visible()
        assert [(e["level"], e["reasons"], e["channel"]) for e in stored_ratings(api, number)] == \
            [("very_dissatisfied", ["long_wait"], "tablet")]
    finally:
        clerk.post("/api/logout")


def test_a_bad_rating_from_the_phone_with_two_reasons_and_words(hall_server, open_page, api):
    clerk = api()
    issued = clerk.post("/api/tickets", {"service": "D"}, expect=201)
    number, token = issued["ticket"]["number"], issued["token"]
    phone = open_page(hall_server.url + f"/t/{token}", *PHONE)
    expect(phone.locator("#headline")).to_have_text("排队中，请留意叫号")
    expect(phone.locator("#rating")).to_be_hidden()

    clerk.sign_in("li", PASSWORD, window=6)
    try:
        serve(clerk, 6, number)
    finally:
        clerk.post("/api/logout")
    expect(phone.locator("#headline")).to_have_text("已办结，感谢您的耐心")
    expect(phone.locator("#rating")).to_be_visible()
    expect(phone.locator("#rating-step")).to_have_text("税费 · 6号窗口")
    expect(phone.locator(".hq-rate-level")).to_have_count(5)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE[0]

    phone.locator('.hq-rate-level[data-level="dissatisfied"]').click()
    expect(phone.locator(".hq-rate-chosen")).to_have_text("您选择了：不满意")
    phone.locator('.hq-rate-reason[data-reason="slow"]').click()
    phone.locator('.hq-rate-reason[data-reason="unclear_materials"]').click()
    phone.locator(".hq-rate-comment textarea").fill("材料清单和窗口说的不一样")
    phone.locator(".hq-rate-submit").click()
    expect(phone.locator("#rating-thanks")).to_be_visible()
    expect(phone.locator("#rating-thanks")).to_have_text("谢谢您的评价")
    expect(phone.locator("#rating")).to_be_hidden()

    rated = stored_ratings(api, number)
    assert [(e["level"], e["channel"], e["reasons"], e["comment"], e["window"], e["staff"]) for e in rated] == \
        [("dissatisfied", "phone", ["slow", "unclear_materials"], "材料清单和窗口说的不一样", 6, "li")]
    # Reloaded, the phone no longer offers the rated step.
    phone.reload()
    expect(phone.locator("#rating-thanks")).to_be_visible()
    expect(phone.locator("#rating")).to_be_hidden()


def test_the_board_shows_todays_rating_figures_live(hall_server, open_page, api):
    board = open_page(hall_server.url + "/board", 1600, 900)
    board.fill("#login-username", "manager")
    board.fill("#login-password", PASSWORD)
    board.click("#login-submit")
    expect(board.locator("#ratings-card")).to_be_visible()
    expect(board.locator("#windows tr")).not_to_have_count(0)     # the snapshot is drawn, figures and all
    rated = int(board.locator("#rate-rated").inner_text())
    bad = int(board.locator("#rate-bad").inner_text())

    clerk = api()
    clerk.sign_in("zhang", PASSWORD, window=6)
    try:
        good = clerk.issue("D")
        serve(clerk, 6, good["number"])
        clerk.post("/api/rater/6/rating", {"ticket_id": good["id"], "level": "very_satisfied"})
        expect(board.locator("#rate-rated")).to_have_text(str(rated + 1))
        poor = clerk.issue("D")
        serve(clerk, 6, poor["number"])
        clerk.post("/api/rater/6/rating", {"ticket_id": poor["id"], "level": "dissatisfied", "reasons": ["slow"]})
        expect(board.locator("#rate-rated")).to_have_text(str(rated + 2))
        expect(board.locator("#rate-bad")).to_have_text(str(bad + 1))
        expect(board.locator("#rate-bad").locator("..")).to_have_attribute("data-level", "alarm")
    finally:
        clerk.post("/api/logout")
    # Worked out by the hall: a reloaded board's snapshot says the same.
    board.reload()
    expect(board.locator("#rate-rated")).to_have_text(str(rated + 2))
    expect(board.locator("#rate-satisfaction")).to_have_text(re.compile(r"^\d{1,3}\.\d%$"))
