"""Every page starts in Chinese, switches to English, and remembers the choice."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_kiosk_switches_language_and_remembers_it(hall_server, open_page):
    page = open_page(hall_server.url + "/kiosk")
    title = page.locator(".k-title")
    expect(title).to_have_text("请选择要办理的业务")
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    expect(page.locator('.k-svc[data-service="A"] .k-name')).to_have_text("行政审批")

    page.locator('.lang-toggle [data-lang="en"]').click()
    expect(title).to_have_text("Please choose a service")
    expect(page.locator('.k-svc[data-service="A"] .k-name')).to_have_text("Administrative Approval")
    expect(page.locator('.k-svc[data-service="A"] .k-name2')).to_have_text("行政审批")
    assert page.evaluate("document.documentElement.lang") == "en"

    page.goto(hall_server.url + "/kiosk")  # no ?lang: localStorage remembers
    expect(title).to_have_text("Please choose a service")
    page.locator('.lang-toggle [data-lang="zh"]').click()
    expect(title).to_have_text("请选择要办理的业务")
    page.reload()
    expect(title).to_have_text("请选择要办理的业务")


@pytest.mark.parametrize("path, selector, zh, en", [
    ("/display", ".d-waiting h2", "等候人数", "Waiting"),
    ("/display", ".d-recent h2", "最近呼叫", "Recent calls"),
    ("/counter", "#login h1", "窗口登录", "Sign in at a window"),
    ("/counter", "#login-submit", "登录并开窗", "Sign in and open"),
    ("/board", "#login h1", "管理人员登录", "Manager sign-in"),
])
def test_lang_en_in_the_address_gives_english(hall_server, open_page, path, selector, zh, en):
    page = open_page(hall_server.url + path)
    expect(page.locator(selector)).to_have_text(zh)
    page.goto(hall_server.url + path + "?lang=en")
    expect(page.locator(selector)).to_have_text(en)
    page.locator('.lang-toggle [data-lang="zh"]').click()
    expect(page.locator(selector)).to_have_text(zh)
    # The switch rewrote ?lang, so a reload keeps the reader's choice.
    assert page.url.endswith(path + "?lang=zh")
