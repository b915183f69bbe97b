"""The public pages in Chromium ask for nothing the hall server does not have: no 4xx or 5xx answer to
any request a page makes by itself (its scripts, styles, fonts), and no error in the console (where a
missing /favicon.ico, which the browser asks for by itself, shows as a failed resource)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_public_pages_load_without_a_failed_request_or_a_console_error(hall_server, open_page, api):
    token = api().post("/api/tickets", {"service": "A"}, expect=201)["token"]
    failed, errors = [], []
    for path, ready in (("/kiosk?idle=600", ".k-svc"), ("/display", "body"), (f"/t/{token}", "body"),
                        ("/rater/1", "body")):
        page = open_page(None)
        page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        page.on("console", lambda m, path=path: errors.append(f"{path}: {m.text}") if m.type == "error" else None)
        page.goto(hall_server.url + path)
        expect(page.locator(ready).first).to_be_visible()
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(500)     # the browser asks for /favicon.ico after the load
    assert failed == [] and errors == [], (failed, errors)
