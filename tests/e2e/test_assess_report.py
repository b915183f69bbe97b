"""The printable monthly report in Chromium: the month's figures, its bad ratings with their cases,
and its alarms with the minutes a manager took to acknowledge them (电子监察)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, advance_clock
from tests.e2e.hallhttp import HallClient
from tests.e2e.test_assess import serve, sign_in

pytestmark = pytest.mark.browser


def test_the_monthly_report_shows_the_bad_rating_and_the_acknowledged_alarm(start_demo, open_page):
    hall = start_demo(fake_clock=True)
    month = advance_clock(hall)[:7]
    (good, bad) = serve(hall.url, "wang", 3, "B", [{"level": "satisfied"},
                                                   {"level": "dissatisfied", "reasons": ["long_wait"]}])
    HallClient(hall.url).post("/api/tickets", {"service": "A"}, expect=201)
    advance_clock(hall, 31)                          # past [alarms] wait_minutes: a long wait of A
    manager = HallClient(hall.url)
    manager.sign_in("manager", PASSWORD)
    (alarm,) = [a for a in manager.request("GET", "/api/alarms?status=open")[1]["alarms"] if a["kind"] == "long_wait"]
    advance_clock(hall, 4)
    manager.post(f"/api/alarms/{alarm['id']}/acknowledge", {"note": "已开窗"})

    page = open_page(f"{hall.url}/assess/report?month={month}")
    sign_in(page, "manager")
    year, mon = month.split("-")
    expect(page.locator("h1")).to_contain_text(f"{year} 年 {int(mon)} 月考评报告")
    expect(page.locator("#report-bad tbody tr").filter(has_text=bad)).to_contain_text("等候时间长")
    expect(page.locator("#report-bad tbody tr")).to_have_count(1)              # the satisfied one is not there
    row = page.locator('#report-alarms tr[data-kind="long_wait"] td')
    expect(row).to_have_text(["等候超时", "1", "1", "0", "1", "4.0", "4.0"])   # raised, acked, not, open, minutes
    assert good != bad
