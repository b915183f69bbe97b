"""The hall display plays each call's announcement in the browser (?audio=1): in call order, one at a time.

Runs on the demo hall with its devices (the voice device joins the clips that
`ticket_called` points at) in a Chromium allowed to play without a click, as
the hall's TV runs it. An announcement lasts about ten seconds; the test ends
each one by seeking to its end, which fires the same `ended` a speaker would.
"""
from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD
from tests.e2e.hallhttp import HallClient

pytestmark = pytest.mark.browser

WINDOW = 6  # service D only; no other test calls at it on the devices hall


def audio(page) -> dict:
    return page.evaluate("() => { const a = window.HallQ.displayAudio;"
                         " return {queue: a.queue.slice(), played: a.played.slice(), log: a.log.slice(),"
                         " playing: a.playing, blocked: a.blocked}; }")


def end_current(page) -> None:
    """The announcement playing now reaches its end."""
    page.wait_for_function("() => { const p = window.HallQ.displayAudio.player();"
                           " return window.HallQ.displayAudio.playing && isFinite(p.duration) && p.duration > 0; }")
    page.evaluate("() => { const p = window.HallQ.displayAudio.player(); p.currentTime = p.duration - 0.05; }")


def called_urls(client: HallClient, since: int) -> list[str]:
    return [e.get("audio_url") for e in client.get(f"/api/events?since={since}")["events"]
            if e["event"] == "ticket_called"]


def test_the_display_plays_each_call_once_in_order_and_a_recall_again(devices_hall, autoplay_chromium):
    context = autoplay_chromium.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.goto(devices_hall.url + "/display?audio=1&flash=0")
        expect(page.locator("[data-live-status]")).to_have_attribute("data-live-status", "online")
        assert audio(page) == {"queue": [], "played": [], "log": [], "playing": None, "blocked": False}

        kiosk = HallClient(devices_hall.url)
        first, second = kiosk.issue("D")["number"], kiosk.issue("D")["number"]
        manager = HallClient(devices_hall.url)
        manager.sign_in("manager", PASSWORD)
        since = manager.get("/api/state")["seq"]
        clerk = HallClient(devices_hall.url)
        clerk.sign_in("li", PASSWORD, WINDOW)
        for action in ("call-next", "start", "call-next"):
            clerk.post(f"/api/windows/{WINDOW}/{action}")
        u1, u2 = f"/audio/call/{first}/{WINDOW}.wav", f"/audio/call/{second}/{WINDOW}.wav"
        assert called_urls(manager, since) == [u1, u2]

        # The first plays; the second waits its turn instead of talking over it.
        page.wait_for_function("() => window.HallQ.displayAudio.played.length === 1")
        state = audio(page)
        assert (state["played"], state["playing"], state["queue"]) == ([u1], u1, [u2])

        end_current(page)
        page.wait_for_function("() => window.HallQ.displayAudio.played.length === 2")
        assert audio(page)["log"] == [f"start {u1}", f"end {u1}", f"start {u2}"]

        # A recall while the second still plays: queued, then played again.
        clerk.post(f"/api/windows/{WINDOW}/recall")
        page.wait_for_function("() => window.HallQ.displayAudio.queue.length === 1")
        end_current(page)
        page.wait_for_function("() => window.HallQ.displayAudio.played.length === 3")
        end_current(page)
        page.wait_for_function("() => window.HallQ.displayAudio.playing === null")
        state = audio(page)
        assert state["played"] == [u1, u2, u2]
        assert state["log"] == [f"start {u1}", f"end {u1}", f"start {u2}", f"end {u2}", f"start {u2}", f"end {u2}"]
        assert state["queue"] == [] and state["blocked"] is False
        clerk.post(f"/api/windows/{WINDOW}/no-show")
        clerk.post("/api/logout")
    finally:
        context.close()

    for url in (u1, u2):
        res = requests.get(devices_hall.url + url, timeout=10)
        assert res.status_code == 200
        assert res.headers["Content-Type"] == "audio/wav"
        assert res.content[:4] == b"RIFF" and res.content[8:12] == b"WAVE"


def test_without_audio_1_the_display_stays_silent(devices_hall, autoplay_chromium):
    context = autoplay_chromium.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.goto(devices_hall.url + "/display?flash=0")
        expect(page.locator("[data-live-status]")).to_have_attribute("data-live-status", "online")
        number = HallClient(devices_hall.url).issue("D")["number"]
        clerk = HallClient(devices_hall.url)
        clerk.sign_in("li", PASSWORD, WINDOW)
        clerk.post(f"/api/windows/{WINDOW}/call", {"ticket": number})
        expect(page.locator("#latest")).to_have_attribute("data-number", number)
        assert audio(page) == {"queue": [], "played": [], "log": [], "playing": None, "blocked": False}
        clerk.post(f"/api/windows/{WINDOW}/no-show")
        clerk.post("/api/logout")
    finally:
        context.close()
