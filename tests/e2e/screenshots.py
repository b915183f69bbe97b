"""Take the README's screenshots of /kiosk and /display from a running hall.

    hallq demo --port 8000 &
    .venv/bin/python tests/e2e/screenshots.py --base-url http://127.0.0.1:8000

It issues a few tickets and signs two demo clerks in to call some of them, so
the pages show a working hall, then writes docs/img/kiosk.png,
docs/img/kiosk-ticket.png and docs/img/display.png at 1920x1080 with
Debian's Chromium. It is not a test: it changes the demo hall's queue.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from hallhttp import HallClient

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1920, "height": 1080}
ROOT = Path(__file__).resolve().parents[2]


def set_the_scene(base: str, password: str) -> None:
    """Some people waiting in every service and a few calls on the board."""
    kiosk = HallClient(base)
    state = kiosk.get("/api/state")
    for i, service in enumerate(s["code"] for s in state["services"]):
        for _ in range(2 + (i * 3) % 5):
            # A service may refuse a plain ticket (closed, or real-name only): skip it.
            kiosk.request("POST", "/api/tickets", {"service": service})
    # Two clerks at two windows, each calling twice, so the display has history.
    used = []
    for username in ("li", "wang"):
        clerk = HallClient(base)
        busy = {w["id"] for w in clerk.get("/api/state")["windows"] if w["staff"]}
        window = next(w for w in state["windows"] if w["id"] not in busy and w["id"] not in used)
        used.append(window["id"])
        clerk.sign_in(username, password, window["id"])
        # Call, serve, call again (the next call finishes the one being served).
        for action in ("call-next", "start", "call-next"):
            clerk.request("POST", f"/api/windows/{window['id']}/{action}")


def final_call(base: str, password: str) -> None:
    """The call the display shows large."""
    clerk = HallClient(base)
    busy = {w["id"] for w in clerk.get("/api/state")["windows"] if w["staff"]}
    window = next(w for w in clerk.get("/api/state")["windows"] if w["id"] not in busy)
    clerk.sign_in("zhang", password, window["id"])
    clerk.post(f"/api/windows/{window['id']}/call-next")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base-url", default="http://127.0.0.1:8000")
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    p.add_argument("--password", default="demo1234", help="the demo accounts' password")
    args = p.parse_args(argv)
    base = args.base_url.rstrip("/")
    args.out.mkdir(parents=True, exist_ok=True)

    set_the_scene(base, args.password)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")

        display = context.new_page()
        # No flashing in a still picture: the highlight colours alternate.
        display.goto(base + "/display?lang=zh&flash=0")
        display.wait_for_selector("[data-live-status=online]")
        final_call(base, args.password)
        display.wait_for_function("document.querySelector('#latest').dataset.number !== ''")
        display.screenshot(path=str(args.out / "display.png"))

        kiosk = context.new_page()
        kiosk.goto(base + "/kiosk?lang=zh&idle=600")
        kiosk.wait_for_selector(".k-svc[data-service]")
        kiosk.wait_for_selector("[data-live-status=online]")
        kiosk.screenshot(path=str(args.out / "kiosk.png"))
        kiosk.locator(".k-svc").first.click()
        kiosk.wait_for_selector("#ticket:not([hidden])")
        kiosk.screenshot(path=str(args.out / "kiosk-ticket.png"))
        browser.close()
    for name in ("kiosk.png", "kiosk-ticket.png", "display.png"):
        print(args.out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
