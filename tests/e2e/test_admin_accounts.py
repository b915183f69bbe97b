"""Accounts in the browser: an admin adds a clerk, the clerk signs in at a window and changes their
own password, and the audit log shows both changes; a wrong step is told in its sentence."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, demo_server
from tests.e2e.hallhttp import HallClient

pytestmark = pytest.mark.browser

FIRST, CHOSEN = "first-pass-1", "my-own-pass-2"


@pytest.fixture(scope="module")
def own_hall(tmp_path_factory):
    """A hall of its own: this test adds an account and reads the whole audit log."""
    server = demo_server(tmp_path_factory.mktemp("admin") / "data").start()
    yield server
    server.stop()


def sign_in(page, username: str, password: str) -> None:
    page.fill("#signin-username", username)
    page.fill("#signin-password", password)
    page.click("#signin-submit")


def test_an_admin_adds_a_clerk_who_changes_their_password_and_the_audit_shows_both(own_hall, open_page):
    admin = open_page(own_hall.url + "/admin/accounts", 1600, 900)
    sign_in(admin, "admin", PASSWORD)
    expect(admin.locator("#add-form")).to_be_visible()

    # A username that is taken is refused in its sentence, and nothing is added.
    admin.fill("#add-username", "zhang")
    admin.fill("#add-name", "另一个张")
    admin.fill("#add-password", FIRST)
    admin.click("#add-submit")
    expect(admin.locator("#add-error")).to_contain_text("用户名 zhang 已被使用")

    admin.fill("#add-username", "qian")
    admin.fill("#add-name", "钱多多")
    admin.select_option("#add-role", "staff")
    admin.fill("#add-password", FIRST)
    admin.click("#add-submit")
    expect(admin.locator("#flash")).to_contain_text("已添加账号 qian")
    row = admin.locator('tr[data-username="qian"]')
    expect(row.locator(".ad-name")).to_have_text("钱多多")
    expect(row.locator(".ad-signed-in")).to_contain_text("否")

    # The new clerk signs in at window 5 (no A or B post there) with the first password...
    clerk = open_page(own_hall.url + "/counter", 1600, 900)
    expect(clerk.locator("#login")).to_be_visible()
    clerk.fill("#login-username", "qian")
    clerk.fill("#login-password", FIRST)
    clerk.select_option("#login-window", "5")
    clerk.click("#login-submit")
    expect(clerk.locator("#work")).to_be_visible()
    expect(clerk.locator("#user-post")).to_have_text("非本窗口AB岗")

    # ...and changes it: a wrong current password first, told as such.
    clerk.click("#own-password")
    expect(clerk.locator("#password-form")).to_be_visible()
    clerk.fill("#password-current", "not-the-password")
    clerk.fill("#password-new", CHOSEN)
    clerk.fill("#password-again", CHOSEN)
    clerk.click("#password-submit")
    expect(clerk.locator("#password-error")).to_contain_text("当前密码不正确")
    clerk.fill("#password-current", FIRST)
    clerk.fill("#password-new", CHOSEN)
    clerk.fill("#password-again", CHOSEN)
    clerk.click("#password-submit")
    expect(clerk.locator("#password-done")).to_contain_text("密码已修改")

    # This session stays: back at the counter, still signed in at window 5.
    clerk.goto(own_hall.url + "/counter")
    expect(clerk.locator("#work")).to_be_visible()
    expect(clerk.locator("#window-name")).to_have_text("5号窗口")
    # The new password signs in; the first no longer does.
    assert HallClient(own_hall.url).request("POST", "/api/login", {"username": "qian", "password": FIRST})[0] == 401
    assert HallClient(own_hall.url).request("POST", "/api/login", {"username": "qian", "password": CHOSEN})[0] == 200

    admin.reload()
    expect(admin.locator('tr[data-username="qian"] .ad-signed-in')).to_contain_text("5号窗口")

    admin.goto(own_hall.url + "/admin/audit")
    rows = admin.locator("#audit tbody tr")
    expect(rows.nth(0)).to_have_attribute("data-action", "password_changed")
    expect(rows.nth(0)).to_have_attribute("data-who", "qian")
    expect(rows.nth(0).locator(".ad-change")).to_contain_text("password: — → changed")
    expect(rows.nth(1)).to_have_attribute("data-action", "account_added")
    expect(rows.nth(1)).to_have_attribute("data-who", "admin")
    expect(rows.nth(1)).to_have_attribute("data-target", "qian")
    expect(rows.nth(1).locator(".ad-change")).to_contain_text("role: — → staff")

    # The filters: the admin's own changes only.
    admin.select_option("#filter-who", "admin")
    admin.click("#audit-filters button[type=submit]")
    expect(admin.locator("#audit tbody tr[data-who='qian']")).to_have_count(0)
    expect(admin.locator("#audit tbody tr[data-action='account_added'][data-target='qian']")).to_have_count(1)


def test_a_clerk_is_shown_the_403_page_on_the_accounts_page(own_hall, open_page):
    page = open_page(own_hall.url + "/admin/accounts", 1600, 900)
    sign_in(page, "li", PASSWORD)
    expect(page.locator("#forbidden")).to_contain_text("不能管理账号")
