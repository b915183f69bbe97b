"""Browser tests: Playwright drives Debian's Chromium against the real hall.

The hall runs as its own process (`python -m hall.cli demo --no-devices`) on a
free port with a temporary data directory, exactly as a hall PC would run it.
Never `playwright install`: the browser is /usr/bin/chromium.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from tests.e2e.hallhttp import HallClient
from tests.server import ServerProcess

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORD = "demo1234"  # the demo accounts' password, printed by `hallq demo`


def demo_server(data_dir) -> ServerProcess:
    """The demo hall without simulated devices, not yet started."""
    return ServerProcess(data_dir, command="demo", extra=["--no-devices"])


@pytest.fixture(scope="session")
def hall_server(tmp_path_factory):
    """The hall shared by the browser tests; each test works its own windows and services."""
    server = demo_server(tmp_path_factory.mktemp("e2e") / "data").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def chromium():
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_page(chromium):
    """open_page(url, width=1920, height=1080): a page in a fresh browser profile
    (its own cookies and localStorage), closed after the test; url None opens
    a blank page, for a test that routes requests before it navigates."""
    contexts = []

    def _open(url: str | None, width: int = 1920, height: int = 1080):
        context = chromium.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        if url is not None:
            page.goto(url)
        return page

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture
def api(hall_server):
    """api() -> a HallClient with its own session on the shared hall."""
    return lambda: HallClient(hall_server.url)
