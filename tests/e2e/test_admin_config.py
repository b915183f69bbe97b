"""The hall's configuration changed in Chromium, in effect at once, with the hall serving.

An admin adds a window and its work profile at /admin/config/windows; a clerk whose
counter page was open before signs in to it and calls, with no restart; the audit
log shows the change; a matter's materials edited at /admin/config/services appear
on a kiosk that was open all along; a refused change shows its sentence next to
the field. The hall is a demo hall of this module alone: its windows change.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, demo_server
from tests.e2e.hallhttp import HallClient
from tests.e2e.test_call_flow import sign_in_at_counter

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    server = demo_server(tmp_path_factory.mktemp("admin-config") / "data").start()
    yield server
    server.stop()


def admin_page(open_page, hall, path):
    page = open_page(hall.url + path)
    if page.locator("#signin-form").count():
        page.fill("#signin-username", "admin")
        page.fill("#signin-password", PASSWORD)
        page.click("#signin-submit")
    expect(page.locator("#config-save, #import-form").first).to_be_visible()
    return page


def save(page, note):
    page.fill("#config-note", note)
    page.click("#config-save")


def test_a_window_added_in_the_browser_is_signed_in_to_and_calls_without_a_restart(hall, open_page):
    client = HallClient(hall.url)
    counter = open_page(hall.url + "/counter", 1600, 900)           # open before the change
    expect(counter.locator("#login")).to_be_visible()
    expect(counter.locator('#login-window option[value="9"]')).to_have_count(0)
    ticket = client.issue("D")                                         # D: window 6's own, and 9's to be

    page = admin_page(open_page, hall, "/admin/config/windows")
    expect(page.locator("#windows > .cf-window")).to_have_count(8)
    page.click("#add-window")
    new = page.locator("#windows > .cf-window").nth(8)
    new.locator('[data-field="id"]').fill("9")
    new.locator('[data-field="name"]').fill("9号窗口")
    new.locator('[data-field="name_en"]').fill("Window 9")
    new.locator('[data-field="services"] input[value="D"]').check()
    new.locator('[data-field="helps"] input[value="F"]').check()
    # and a work profile changed: window 8 now helps C too
    page.locator("#windows > .cf-window").nth(7).locator('[data-field="helps"] input[value="C"]').check()
    save(page, "9号窗口开放")
    expect(page.locator("#flash")).to_have_text(re.compile(r"^已保存为第 2 版并立即生效：窗口。"))
    expect(page.locator("#config-version")).to_contain_text("正在使用第 2 版")
    expect(page.locator("#windows > .cf-window")).to_have_count(9)

    # The counter page, open all along, offers window 9 at once; the clerk signs in and calls.
    expect(counter.locator('#login-window option[value="9"]')).to_have_count(1)
    sign_in_at_counter(counter, "zhang", 9)
    expect(counter.locator("#window-name")).to_have_text("9号窗口")
    counter.locator('[data-action="call-next"]').click()
    expect(counter.locator("#current-number")).to_have_text(ticket["number"])
    assert client.get("/api/state")["windows"][-1]["helps"] == ["F"]
    state = {w["id"]: w for w in client.get("/api/state")["windows"]}
    assert state[8]["helps"] == ["A", "B", "C"] and state[9]["services"] == ["D"]

    # The audit log shows the change: who, and what the windows were before and after.
    audit = admin_page(open_page, hall, "/admin/config")   # signed in already: the overview
    audit.goto(hall.url + "/admin/audit?action=config_changed")
    row = audit.locator("table tbody tr").first
    expect(row).to_contain_text("admin")
    expect(row).to_contain_text("version 2: windows")
    expect(audit.locator("table tbody tr")).to_have_count(1)


def test_materials_edited_in_the_browser_appear_on_the_kiosk_at_once(hall, open_page):
    kiosk = open_page(hall.url + "/kiosk")                            # open before the change
    expect(kiosk.locator('.k-svc[data-service="E"]')).to_be_visible()

    page = admin_page(open_page, hall, "/admin/config/services")
    passport = page.locator("#services > .cf-service").nth(4).locator(".cf-matter").first
    expect(passport.locator('[data-field="code"]')).to_have_value("passport")
    passport.locator('[data-field="materials"]').fill("本人居民身份证\n户口簿\n近期免冠彩色证件照")
    passport.locator('[data-field="materials_en"]').fill("Your resident ID card\nHousehold register\nA recent photo")
    save(page, "护照加带户口簿")
    expect(page.locator("#flash")).to_contain_text("已保存为第")

    kiosk.locator('.k-svc[data-service="E"]').click()
    kiosk.locator('.k-matter[data-matter="passport"]').click()
    expect(kiosk.locator("#notice-materials li")).to_have_text(["本人居民身份证", "户口簿", "近期免冠彩色证件照"])


def test_a_refused_change_shows_its_sentence_next_to_the_field_and_changes_nothing(hall, open_page):
    client = HallClient(hall.url)
    before = client.get("/api/state")["windows"]
    page = admin_page(open_page, hall, "/admin/config/windows")
    second = page.locator("#windows > .cf-window").nth(1)
    second.locator('[data-field="id"]').fill("1")                     # window 2 numbered 1 too
    save(page, "编号重复")
    error = second.locator('[data-field="id"]').locator("xpath=..").locator(".cf-error")
    expect(error).to_contain_text("2nd [[windows]] entry): id = 1 is used twice")
    expect(error).to_contain_text("配置未保存，请改正")
    expect(page.locator("#config-error")).to_contain_text("is used twice")
    assert client.get("/api/state")["windows"] == before
    page.reload()                                                     # nothing was stored: window 2 is still 2
    expect(page.locator("#windows > .cf-window").nth(1).locator('[data-field="id"]')).to_have_value("2")


@pytest.mark.parametrize("path", ["services", "windows", "hours", "thresholds", "ratings", "devices", "hall"])
def test_each_page_saved_unchanged_changes_nothing(hall, open_page, path):
    """Each page builds back the very configuration it shows: saved as it is, nothing is stored."""
    page = admin_page(open_page, hall, f"/admin/config/{path}")
    version = page.locator("#config-version b").inner_text()
    page.click("#config-save")
    expect(page.locator("#config-error")).to_have_text(re.compile(rf"^没有改动，配置仍是第 {version} 版。"))


def test_a_service_removed_while_people_wait_leaves_the_kiosk_and_is_still_called(hall, open_page):
    """F (综合咨询) goes while F tickets wait: the kiosk open all along drops its button, the hall TV
    still shows its line, and window 1, which called F before, calls them."""
    client = HallClient(hall.url)
    waiting = client.issue("F")
    kiosk = open_page(hall.url + "/kiosk")
    display = open_page(hall.url + "/display")
    expect(kiosk.locator('.k-svc[data-service="F"]')).to_be_visible()

    admin = HallClient(hall.url)
    admin.sign_in("admin", PASSWORD)
    body = admin.get("/api/admin/config")
    config = body["config"]
    config["services"] = [s for s in config["services"] if s["code"] != "F"]
    for w in config["windows"]:
        w["services"] = [c for c in w["services"] if c != "F"] or ["B"]
        w["helps"] = [c for c in w["helps"] if c != "F"]
    status, answer = admin.request("PUT", "/api/admin/config", {"version": body["version"], "config": config,
                                                               "note": "综合咨询并入导办台"})
    assert status == 200 and "services" in answer["changed"]
    assert answer["current"]["retired"] == ["F"]

    expect(kiosk.locator('.k-svc[data-service="F"]')).to_have_count(0)
    expect(kiosk.locator('.k-svc[data-service="A"]')).to_be_visible()
    expect(display.locator('.d-svc[data-service="F"]')).to_have_attribute("data-waiting", re.compile(r"^[1-9]"))
    status, refused = client.request("POST", "/api/tickets", {"service": "F"})
    assert (status, refused["error"]["code"]) == (409, "service_retired")

    counter = open_page(hall.url + "/counter", 1600, 900)
    sign_in_at_counter(counter, "li", 1)
    expect(counter.locator(f'#queue tr[data-number="{waiting["number"]}"]')).to_have_count(1)
    counter.locator(f'#queue tr[data-number="{waiting["number"]}"]').click()
    counter.locator('[data-action="call-selected"]').click()
    expect(counter.locator("#current-number")).to_have_text(waiting["number"])
