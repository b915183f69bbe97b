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


# ---- the demo hall with its simulated devices (printer, voice, serial devices) ----

LAB_PRINTER_OK = {"paper": "ok", "cover_open": False, "offline": False, "silent": False}


def demo_server_with_devices(data_dir) -> ServerProcess:
    """`hallq demo` as a hall runs it for a trial: simulators attached, the device lab mounted."""
    return ServerProcess(data_dir, command="demo")


@pytest.fixture(scope="session")
def devices_hall(tmp_path_factory):
    """The demo hall with its simulated devices, shared by the device tests; each leaves the printer fine."""
    server = demo_server_with_devices(tmp_path_factory.mktemp("devices") / "data").start(60)
    yield server
    server.stop()


@pytest.fixture
def lab_printer(devices_hall):
    """lab_printer(**state) sets the simulated printer (POST /api/lab/printer); reset to fine afterwards."""
    client = HallClient(devices_hall.url)

    def _set(**state):
        return client.post("/api/lab/printer", state)

    yield _set
    client.post("/api/lab/printer", LAB_PRINTER_OK)


@pytest.fixture(scope="session")
def autoplay_chromium(chromium):
    """Chromium as the hall's TV runs it: allowed to play sound without a click."""
    browser = chromium.browser_type.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS + ["--autoplay-policy=no-user-gesture-required"])
    yield browser
    browser.close()


@pytest.fixture
def start_demo(tmp_path):
    """start_demo(config=None, devices=False, fake_clock=False) -> a started demo hall of this test
    alone (`--config FILE` when given; the simulated devices when asked; with fake_clock, a hall
    whose clock stands still until `advance_clock` moves it), stopped after the test."""
    servers = []

    def _start(config=None, devices: bool = False, fake_clock: bool = False) -> ServerProcess:
        extra = [] if devices else ["--no-devices"]
        if config is not None:
            extra += ["--config", str(config)]
        if fake_clock:
            extra += ["--fake-clock"]
        server = ServerProcess(tmp_path / f"data{len(servers)}", command="demo", extra=extra)
        servers.append(server)
        server.start()
        if fake_clock:
            to_daytime(server)
        return server

    yield _start
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def printer_hall(tmp_path_factory):
    """A demo hall WITH its simulated devices for one test module alone, so the tickets it
    printed or could not print (GET /api/reprints) are exactly that module's."""
    server = demo_server_with_devices(tmp_path_factory.mktemp("printer") / "data").start(60)
    yield server
    server.stop()


def to_daytime(server: ServerProcess) -> None:
    """A fake-clock hall started in the evening or at night is moved on to 10:00 of the next day, so
    that a test moving the clock by tens of minutes never crosses the end of the business day (a test
    run at 23:40 saw its long-wait alarm closed by the day's end)."""
    from datetime import datetime
    now = datetime.fromisoformat(advance_clock(server))
    if not 8 <= now.hour < 20:
        ten = now.replace(hour=10, minute=0, second=0, microsecond=0)
        minutes = ((ten - now).total_seconds() / 60) % (24 * 60)
        advance_clock(server, minutes)


def advance_clock(server: ServerProcess, minutes: float = 0) -> str:
    """Move the clock of a hall started with fake_clock forward and tick the hall (the clock's
    changes, the alarm rules) at once: POST /api/lab/clock. The hall's time after it."""
    return HallClient(server.url).post("/api/lab/clock", {"minutes": minutes})["now"]
