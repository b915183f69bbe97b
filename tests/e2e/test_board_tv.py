"""The board as the hall's control room on a wall TV (/board?tv=1 at 1920×1080), and its alarms.

A hall of 20 windows and 8 services must fit the TV with nothing scrolled or
cut off; a long wait raises an alarm that a manager acknowledges with a note;
the alarm sound's switch outlives a reload.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, advance_clock
from tests.e2e.hallhttp import HallClient

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
LIMIT_A = 20
WINDOWS, EXTRA_SERVICES = 20, (("G", "交通运输", "Transport"), ("H", "住房公积金", "Housing Provident Fund"))


def tv_hall_toml() -> str:
    """The demo hall grown to a big centre: its six services and two more, 20 windows, and a time
    limit of 20 minutes for serving a ticket of A (行政审批)."""
    text = (ROOT / "config" / "hall.toml").read_text(encoding="utf-8")
    text = text[:text.index("\n[[windows]]")]
    assert text.count('code = "A"\nprefix = "A"\n') == 1
    text = text.replace('code = "A"\nprefix = "A"\n', f'code = "A"\nprefix = "A"\nservice_limit_minutes = {LIMIT_A}\n')
    for code, name, name_en in EXTRA_SERVICES:
        text += f'\n[[services]]\ncode = "{code}"\nprefix = "{code}"\nname = "{name}"\nname_en = "{name_en}"\n'
    codes = "ABCDEFGH"
    for i in range(1, WINDOWS + 1):
        text += (f'\n[[windows]]\nid = {i}\nname = "{i}号窗口"\nname_en = "Window {i}"\n'
                 f'services = ["{codes[(i - 1) % len(codes)]}"]\n')
    return text


def sign_in(page) -> None:
    expect(page.locator("#login")).to_be_visible()
    page.fill("#login-username", "manager")
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    expect(page.locator("#board")).to_be_visible()
    expect(page.locator("[data-live-status]").first).to_have_attribute("data-live-status", "online")


# Every box of the TV page, and every text in a tile or a service's row that does not fit its cell.
MEASURE = """() => {
  const box = el => { const r = el.getBoundingClientRect(); return {top: r.top, left: r.left, bottom: r.bottom, right: r.right}; };
  const cut = el => el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
  const px = el => parseFloat(getComputedStyle(el).fontSize);
  const cells = [...document.querySelectorAll('#windows td, #services td')].filter(td => td.offsetParent !== null);
  return {
    page: {width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight},
    viewport: {width: innerWidth, height: innerHeight},
    tiles: [...document.querySelectorAll('#windows tr')].map(box),
    services: [...document.querySelectorAll('#services tr')].map(box),
    cards: Object.fromEntries(['summary', 'alarms-card', 'ratings-card', 'devices-card', 'windows-card', 'services-card']
      .map(id => [id, box(document.getElementById(id))])),
    cut: cells.filter(cut).map(td => td.className + ': ' + td.textContent),
    smallest: Math.min(...cells.filter(td => td.textContent.trim()).map(px)),
    number: Math.min(...[...document.querySelectorAll('#windows .b-win-current')].map(px)),
  };
}"""


def inside(inner: dict, outer: dict) -> bool:
    return (inner["top"] >= outer["top"] - 0.5 and inner["left"] >= outer["left"] - 0.5
            and inner["bottom"] <= outer["bottom"] + 0.5 and inner["right"] <= outer["right"] + 0.5)


def overlap(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] - 0.5 and b["left"] < a["right"] - 0.5 and a["top"] < b["bottom"] - 0.5 \
        and b["top"] < a["bottom"] - 0.5


def test_the_tv_layout_shows_every_window_service_and_device_of_a_big_hall_without_scrolling(
        start_demo, open_page, tmp_path):
    config = tmp_path / "big-hall.toml"
    config.write_text(tv_hall_toml(), encoding="utf-8")
    hall = start_demo(config, devices=True)
    # Windows at work in every state: serving, called, paused; the rest closed. Every line has people waiting.
    kiosk = HallClient(hall.url)
    for code in "ABCFGH":
        for _ in range(3):
            kiosk.issue(code)
    clerks = {}
    for username, window in (("zhang", 1), ("li", 2), ("wang", 3)):
        clerks[window] = HallClient(hall.url)
        clerks[window].sign_in(username, PASSWORD, window=window)
    clerks[1].post("/api/windows/1/call-next")
    clerks[1].post("/api/windows/1/start")
    clerks[2].post("/api/windows/2/call-next")
    clerks[3].post("/api/windows/3/pause", {"reason": "break"})

    page = open_page(hall.url + "/board?tv=1")     # 1920×1080
    sign_in(page)
    expect(page.locator("body")).to_have_attribute("data-layout", "tv")
    expect(page.locator("#windows tr")).to_have_count(WINDOWS)
    expect(page.locator("#services tr")).to_have_count(8)
    expect(page.locator('#windows tr[data-window="1"]')).to_have_attribute("data-state", "serving")
    expect(page.locator('#windows tr[data-window="3"]')).to_have_attribute("data-state", "paused")
    serving = page.locator('#windows tr[data-window="1"] .b-since')   # A's ticket, against A's limit
    expect(serving).to_have_attribute("data-limit", str(LIMIT_A))
    expect(serving).to_have_text(re.compile(rf"^\d+:\d\d / {LIMIT_A}:00$"))
    expect(page.locator('#windows tr[data-window="2"] .b-since')).not_to_have_attribute("data-limit", re.compile("."))
    state = HallClient(hall.url).get("/api/state")
    kinds = {}
    for d in state["devices"]:
        kinds.setdefault(d["kind"], []).append(d)
    assert len(state["devices"]) >= 60        # a strip, a keypad and a rater at each of the 20 windows, and more
    for kind, devices in kinds.items():       # every device counted under its kind on the TV
        expect(page.locator(f'#device-kinds [data-kind="{kind}"]')).to_have_attribute("data-count", str(len(devices)))
    page.wait_for_timeout(300)                # the tiles fitted to their box (a ResizeObserver)

    m = page.evaluate(MEASURE)
    assert m["page"] == m["viewport"] == {"width": 1920, "height": 1080}, "the TV page must not scroll"
    screen = {"top": 0, "left": 0, "bottom": 1080, "right": 1920}
    assert all(inside(b, screen) for b in m["tiles"] + m["services"])
    assert all(inside(b, m["cards"]["windows-card"]) for b in m["tiles"])
    assert all(inside(b, m["cards"]["services-card"]) for b in m["services"])
    cards = list(m["cards"].values())
    assert not [(a, b) for i, a in enumerate(cards) for b in cards[i + 1:] if overlap(a, b)]
    assert m["cut"] == [], "text cut off in a tile or a service's row"
    # Read from 3 m: no text under 20 px in the tiles and the services, the current numbers at least 36 px.
    assert m["smallest"] >= 20 and m["number"] >= 36, m
    rows = sorted({round(b["top"]) for b in m["tiles"]})
    assert len(rows) == 4 and len({round(b["left"]) for b in m["tiles"]}) == 5   # 20 tiles: 5 across, 4 down


def test_a_manager_acknowledges_the_alarm_a_long_wait_raises_and_sees_it_clear(start_demo, open_page, tmp_path):
    config = tmp_path / "big-hall.toml"
    config.write_text(tv_hall_toml(), encoding="utf-8")
    hall = start_demo(config, fake_clock=True)           # [alarms] wait_minutes = 30, the demo's
    board = open_page(hall.url + "/board?tv=1")
    sign_in(board)
    sound = board.locator("#sound-toggle")
    expect(sound).to_have_attribute("data-sound", "on")
    expect(board.locator("#alarms-empty")).to_be_visible()

    kiosk = HallClient(hall.url)
    waiting = kiosk.issue("B")["number"]                 # window 2 calls B; nobody is there
    clerk = HallClient(hall.url)
    clerk.sign_in("zhang", PASSWORD, window=1)           # window 1 calls A, limited to 20 minutes
    served = kiosk.issue("A")["number"]
    clerk.post("/api/windows/1/call", {"ticket": served})
    clerk.post("/api/windows/1/start")
    advance_clock(hall, 31)

    manager = HallClient(hall.url)
    manager.sign_in("manager", PASSWORD)
    raised = {a["kind"]: a for a in manager.get("/api/alarms?status=open")["alarms"]}
    assert set(raised) == {"long_wait", "service_overtime"}
    long_wait = raised["long_wait"]
    assert (long_wait["subject"], long_wait["detail"]["longest_number"]) == ("B", waiting)
    item = board.locator(f'#alarms [data-alarm-id="{long_wait["id"]}"]')
    expect(item).to_have_attribute("data-state", "open")
    expect(item.locator(".b-alarm-kind")).to_have_text("等候超时")
    expect(item.locator(".b-alarm-text")).to_have_text(long_wait["message"])
    expect(item.locator(".b-alarm-when")).to_have_text(long_wait["raised_at"][11:16])
    expect(board.locator("#alarms-count")).to_have_text("2")
    expect(sound).to_have_attribute("data-tones", "2")  # a tone for each new alarm
    overtime = board.locator(f'#alarms [data-alarm-id="{raised["service_overtime"]["id"]}"]')
    expect(overtime.locator(".b-alarm-text")).to_have_text(raised["service_overtime"]["message"])

    item.locator(".b-alarm-note").fill("已请 4 号窗口协助叫号")
    item.locator(".b-alarm-ack-btn").click()
    expect(item).to_have_attribute("data-state", "acknowledged")
    expect(item.locator(".b-alarm-ack")).to_have_text(re.compile(r"^manager 于 \d\d:\d\d 确认 · 已请 4 号窗口协助叫号$"))
    expect(item.locator(".b-alarm-form")).to_have_count(0)
    # Open and unacknowledged first: the overtime alarm now comes before the acknowledged one.
    assert board.locator("#alarms .b-alarm").evaluate_all("els => els.map(e => e.dataset.state)") == \
        ["open", "acknowledged"]
    seen = next(a for a in manager.get("/api/alarms?status=all")["alarms"] if a["id"] == long_wait["id"])
    assert (seen["acknowledged_by"], seen["note"], seen["cleared_at"]) == ("manager", "已请 4 号窗口协助叫号", None)

    # The board, reloaded, starts from its snapshot: the open alarms without a tone, window 1 over its limit.
    board.reload()
    expect(board.locator("#board")).to_be_visible()
    expect(board.locator("#alarms .b-alarm")).to_have_count(2)
    expect(sound).to_have_attribute("data-tones", "0")
    expect(board.locator('#windows tr[data-window="1"]')).to_have_attribute("data-over", "yes")
    expect(board.locator('#windows tr[data-window="1"] .b-since')).to_have_attribute("data-level", "over")

    # Window 2 calls the ticket: the long wait is over, and at the next tick its alarm clears.
    other = HallClient(hall.url)
    other.sign_in("li", PASSWORD, window=2)
    other.post("/api/windows/2/call", {"ticket": waiting})
    advance_clock(hall)
    expect(item).to_have_attribute("data-state", "cleared")
    expect(item.locator(".b-alarm-ack").last).to_have_text(re.compile(r"^\d\d:\d\d 解除$"))
    expect(board.locator("#alarms-count")).to_have_text("1")

    # The history: long waits of today, open or not, with who acknowledged them and when they cleared.
    history = board.context.new_page()                      # the manager's session
    history.goto(hall.url + "/board/alarms?kind=long_wait&status=all")
    expect(history.locator("#history")).to_be_visible()
    expect(history.locator("#filter-kind")).to_have_value("long_wait")
    row = history.locator(f'#results tr[data-alarm-id="{long_wait["id"]}"]')
    expect(row).to_have_attribute("data-state", "cleared")
    expect(history.locator("#results tr")).to_have_count(1)
    expect(row.locator("td").nth(2)).to_have_text(long_wait["message"])
    expect(row.locator("td").nth(3)).to_contain_text("已请 4 号窗口协助叫号")
    history.locator('#filter-status input[value="open"]').check()
    history.click("#filter-submit")
    expect(history.locator("#results tr")).to_have_count(0)
    expect(history.locator("#results-empty")).to_be_visible()
    assert "status=open" in history.url and "kind=long_wait" in history.url
    history.select_option("#filter-kind", "")
    history.click("#filter-submit")
    expect(history.locator("#results tr")).to_have_count(1)       # the overtime, still open
    expect(history.locator("#results tr")).to_have_attribute("data-kind", "service_overtime")


def test_the_alarm_sound_can_be_turned_off_and_stays_off_after_a_reload(hall_server, open_page):
    page = open_page(hall_server.url + "/board?tv=1")
    sign_in(page)
    sound = page.locator("#sound-toggle")
    expect(sound).to_have_attribute("data-sound", "on")
    expect(sound).to_have_text("提示音：开")
    sound.click()
    expect(sound).to_have_attribute("data-sound", "off")
    expect(sound).to_have_attribute("aria-pressed", "false")
    expect(sound).to_have_text("提示音：关")
    assert page.evaluate("() => HallQ.alarmSound.play()") is False     # off: no tone
    expect(sound).to_have_attribute("data-tones", "0")

    page.reload()
    expect(page.locator("#board")).to_be_visible()
    expect(sound).to_have_attribute("data-sound", "off")
    page.locator('.lang-toggle [data-lang="en"]').click()
    expect(sound).to_have_text("Alarm sound: off")
    page.locator('.lang-toggle [data-lang="zh"]').click()
    sound.click()
    expect(sound).to_have_attribute("data-sound", "on")
    page.goto(hall_server.url + "/board")                              # the desk remembers it too
    expect(page.locator("#sound-toggle")).to_have_attribute("data-sound", "on")
    assert page.evaluate("() => HallQ.alarmSound.play()") is True
    expect(page.locator("#sound-toggle")).to_have_attribute("data-tones", "1")
