"""The kiosk in Chromium: one tap issues a ticket, shows it, and the kiosk goes home by itself."""
from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def waiting(client, service: str) -> int:
    return next(s["waiting"] for s in client.get("/api/state")["services"] if s["code"] == service)


def test_a_tap_issues_the_next_number_and_shows_people_ahead(hall_server, open_page, api):
    # Service B is issued by this test alone: the numbers it sees are exact.
    client = api()
    before = client.issue("B")
    ahead = waiting(client, "B")
    page = open_page(hall_server.url + "/kiosk")
    button = page.locator('.k-svc[data-service="B"]')
    expect(button).to_have_attribute("data-waiting", str(ahead))
    expect(button.locator(".k-name")).to_have_text("社会保障")

    button.click()
    page.locator("#matters-direct").click()  # B has matters: no particular one

    expected = "B%03d" % (int(before["number"][1:]) + 1)
    expect(page.locator("#ticket")).to_be_visible()
    expect(page.locator("#home")).to_be_hidden()
    expect(page.locator("#ticket-number")).to_have_text(expected)
    expect(page.locator("#ticket-service")).to_have_text("社会保障")
    expect(page.locator("#ticket-ahead")).to_have_text(f"前面还有 {ahead} 人等候")
    # No printer in this hall: the printer seam says nothing.
    expect(page.locator("#ticket-print")).to_have_attribute("data-print-status", "not_configured")
    expect(page.locator("#ticket-print")).to_be_hidden()
    assert [t["number"] for t in client.get("/api/state")["waiting"] if t["service"] == "B"][-1] == expected
    # The home screen's count followed the socket while the ticket was shown.
    expect(button).to_have_attribute("data-waiting", str(ahead + 1))


def test_the_kiosk_goes_home_by_itself_after_the_idle_time(hall_server, open_page):
    page = open_page(hall_server.url + "/kiosk?idle=2")
    page.locator('.k-svc[data-service="C"]').click()
    page.locator("#matters-direct").click()
    expect(page.locator("#ticket")).to_be_visible()
    expect(page.locator("#ticket [data-countdown]")).to_have_text(re.compile(r"^[12] 秒后自动返回首页$"))
    expect(page.locator("#home")).to_be_visible(timeout=10_000)
    expect(page.locator("#ticket")).to_be_hidden()


def test_the_back_button_goes_home_at_once(hall_server, open_page):
    page = open_page(hall_server.url + "/kiosk?idle=600")
    page.locator('.k-svc[data-service="C"]').click()
    page.locator("#matters-direct").click()
    expect(page.locator("#ticket [data-countdown]")).to_have_text("600 秒后自动返回首页")
    page.locator("#ticket .k-back").click()
    expect(page.locator("#home")).to_be_visible()
    expect(page.get_by_role("heading", name="请选择要办理的业务")).to_be_visible()


def test_an_unknown_service_is_told_as_a_friendly_sentence(hall_server, open_page):
    page = open_page(hall_server.url + "/kiosk")
    # The real server answers; only the request's body is changed on its way.
    page.route("**/api/tickets", lambda route: route.continue_(post_data=json.dumps({"service": "ZZ"})))
    page.locator('.k-svc[data-service="C"]').click()
    page.locator("#matters-direct").click()
    expect(page.locator("#error")).to_be_visible()
    expect(page.locator("#error-text")).to_have_text("没有这项业务，请选择屏幕上的其他业务。")
    page.locator("#error .k-back").click()
    expect(page.locator("#home")).to_be_visible()


def test_the_kiosk_is_readable_for_elderly_citizens(hall_server, open_page):
    """Every visible text at least 32px, every service button at least 120px tall."""
    page = open_page(hall_server.url + "/kiosk")
    expect(page.locator(".k-svc")).to_have_count(6)
    # The home screen is drawn from the snapshot, then redrawn from /api/services: measure once it shows.
    expect(page.locator("#home")).to_be_visible()
    page.wait_for_function("() => [...document.querySelectorAll('.k-svc')].every(b => b.offsetHeight > 0)")
    heights = page.locator(".k-svc").evaluate_all("bs => bs.map(b => b.getBoundingClientRect().height)")
    assert min(heights) >= 120, heights
    smallest = page.evaluate("""() => {
        let min = Infinity, where = null;
        const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        while (walk.nextNode()) {
            const el = walk.currentNode.parentElement;
            if (!walk.currentNode.textContent.trim() || !el.offsetParent) continue;
            const size = parseFloat(getComputedStyle(el).fontSize);
            if (size < min) { min = size; where = el.className || el.tagName; }
        }
        return [min, where];
    }""")
    assert smallest[0] >= 32, smallest


@pytest.mark.parametrize("width, height", [(1920, 1080), (1366, 768), (1280, 1024), (1024, 768), (1080, 1920)])
def test_every_home_button_can_be_tapped_on_common_kiosk_panels(hall_server, open_page, width, height):
    page = open_page(hall_server.url + "/kiosk?idle=600", width=width, height=height)
    expect(page.locator(".k-svc")).to_have_count(6)
    page.wait_for_timeout(500)
    # One synchronous check in the page: the kiosk redraws its buttons when counts change.
    covered = page.evaluate("""selectors => selectors.filter(sel => {
        const el = document.querySelector(sel);
        el.scrollIntoView({block: "center"});
        const r = el.getBoundingClientRect();
        return !el.contains(document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2));
    })""", [f'.k-svc[data-service="{code}"]' for code in "ABCDEF"] + ["#btn-green", "#btn-appointment"])
    assert covered == [], f"covered at {width}x{height}"
