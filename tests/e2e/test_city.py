"""Browser tests of the city's pages: Chromium signs in, reads the overview, drills into a hall's windows
and staff, and reads the township centres' star ratings, served by `hallq city serve` on the city's real
PostgreSQL."""
from __future__ import annotations

import re

import pytest

from assess import vendor
from tests.city.cityfixture import SUPERVISOR, three_tiers
from tests.city.cityserver import CityServer

pytestmark = pytest.mark.browser
PASSWORD = SUPERVISOR[2]


@pytest.fixture
def city_site(city_conn, city_dsn, tmp_path):
    from config import load_config
    three_tiers(city_conn, tmp_path, load_config())
    server = CityServer(city_dsn, tmp_path / "city.log").start()
    yield server.url
    server.stop()


def signed_in(open_page, url):
    page = open_page(url + "/city/")
    assert page.locator("h1").inner_text().startswith("市中心登录")
    assert page.locator("#halls").count() == 0
    page.fill("#signin-username", "supervisor")
    page.fill("#signin-password", PASSWORD)
    page.click("#signin-submit")
    page.wait_for_selector("#halls")
    return page


def test_the_overview_then_a_halls_windows_and_staff(city_site, open_page):
    page = signed_in(open_page, city_site)
    assert page.locator("#user-name").inner_text() == "王督查"
    rows = page.locator("#halls tbody tr")
    assert rows.count() == 6          # the city centre, four townships, one village
    east = page.locator('#halls tr[data-hall="town-east"]')
    assert "镇（街道）中心" in east.inner_text() and "离线" in east.inner_text() and "2 小时" in east.inner_text()
    issued = int(east.locator('[data-figure="tickets"]').inner_text())
    assert issued > 50
    assert re.fullmatch(r"\d+\.\d%", east.locator('[data-figure="satisfaction"]').inner_text())
    if vendor.installed():
        page.wait_for_selector('#chart-halls[data-drawn="yes"] canvas')
    east.locator("a").click()
    page.wait_for_selector("#by-window")
    assert page.locator("h1").inner_text().startswith("东镇便民服务中心")
    windows = page.locator("#by-window tbody tr")
    assert windows.count() >= 4
    assert sum(int(windows.nth(i).locator('[data-figure="tickets"]').inner_text())
               for i in range(windows.count())) >= issued     # the month holds today and more
    staff = page.locator("#by-staff tbody tr th")
    assert {"zhang", "li"} <= {staff.nth(i).inner_text().strip() for i in range(staff.count())}
    if vendor.installed():
        page.wait_for_selector('#chart-windows[data-drawn="yes"] canvas')


def test_the_star_ratings_of_the_township_centres(city_site, open_page):
    page = signed_in(open_page, city_site)
    page.click('nav a[href="/city/stars"]')
    page.wait_for_selector("#stars")
    page.goto(city_site + "/city/stars?year=2025")
    warning = page.locator('#stars tr[data-hall="town-warning"]')
    assert warning.get_attribute("data-verdict") == "warning"
    assert "2025-07-28" in warning.locator(".c-verdict").inner_text()
    assert warning.locator('td[data-month="2025-06"]').get_attribute("data-stars") == "3"
    assert warning.locator('td[data-month="2025-07"]').inner_text().strip() == "—"
    reward = page.locator('#stars tr[data-hall="town-reward"]')
    assert reward.get_attribute("data-verdict") == "reward"
    assert "奖励" in reward.inner_text()
    assert reward.locator('td[data-month="2025-01"]').get_attribute("data-points") == "93.0"
    assert page.locator('#stars tr[data-hall="village-3"]').count() == 0
    if vendor.installed():
        page.wait_for_selector('#chart-stars[data-drawn="yes"] canvas')
