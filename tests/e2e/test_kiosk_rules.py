"""The queue rules at the kiosk: green channel, matters and their one-time notice,
real-name tickets on the keypad, appointment check-in, and a refusal told on the button."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from hall import idnumber
from tests.e2e.conftest import PASSWORD

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
VALID_ID = "11010519491231002X"


def kiosk(open_page, server):
    page = open_page(server.url + "/kiosk?idle=600")
    expect(page.locator('.k-svc[data-service="A"]')).to_have_attribute("data-open", "true")
    return page


def token_of(page) -> str:
    """The ticket's token, from the QR code's address on the ticket screen."""
    src = page.locator("#ticket-qr").get_attribute("src")
    assert src.startswith("/t/") and src.endswith("/qr.svg"), src
    return src[len("/t/"):-len("/qr.svg")]


def waiting_ticket(client, number: str) -> dict:
    return next(t for t in client.get("/api/state")["waiting"] if t["number"] == number)


def press(page, screen: str, text: str) -> None:
    """Tap the keypad's keys one by one, as a citizen would."""
    for ch in text:
        page.locator(f'#{screen} .k-key[data-key="{ch}"]').click()


def test_a_green_channel_ticket_says_priority_and_is_priority_in_the_hall(hall_server, open_page, api):
    client = api()
    categories = client.get("/api/services")["priority_categories"]
    page = kiosk(open_page, hall_server)
    page.locator("#btn-green").click()
    expect(page.locator("#green")).to_be_visible()
    cats = page.locator(".k-category")
    expect(cats).to_have_count(len(categories))
    assert cats.evaluate_all("bs => bs.map(b => [b.dataset.category, b.textContent])") == \
        [[c["code"], c["name"]] for c in categories]

    page.locator('.k-category[data-category="elderly"]').click()
    expect(page.locator("#green-services-title")).to_have_text("老年人 · 请选择要办理的业务")
    # Straight to the ticket: the green channel asks no matter.
    page.locator('.k-pick[data-service="C"]').click()
    expect(page.locator("#ticket")).to_be_visible()
    expect(page.locator("#ticket-priority")).to_have_text("优先 · 老年人")
    expect(page.locator("#ticket-priority")).to_have_attribute("data-priority", "elderly")
    expect(page.locator("#ticket-service")).to_have_text("不动产登记")

    number = page.locator("#ticket-number").inner_text()
    ticket = waiting_ticket(client, number)
    assert (ticket["service"], ticket["priority"], ticket["priority_name"]) == ("C", "elderly", "老年人")
    progress = client.get(f"/api/progress/{token_of(page)}")
    assert progress["ticket"]["number"] == number
    expect(page.locator("#ticket-ahead")).to_have_attribute("data-ahead", str(progress["ahead"]))

    page.locator('.lang-toggle [data-lang="en"]').click()
    expect(page.locator("#ticket-priority")).to_have_text("Priority · Senior citizen")


def test_a_matter_shows_its_materials_and_the_ticket_records_it(hall_server, open_page, api):
    client = api()
    a = next(s for s in client.get("/api/services")["services"] if s["code"] == "A")
    licence = next(m for m in a["matters"] if m["code"] == "business-licence")
    page = kiosk(open_page, hall_server)

    page.locator('.k-svc[data-service="A"]').click()
    expect(page.locator("#matters")).to_be_visible()
    expect(page.locator("#matters-title")).to_have_text("行政审批")
    matters = page.locator(".k-matter")
    expect(matters).to_have_count(len(a["matters"]))
    assert matters.evaluate_all("bs => bs.map(b => b.dataset.matter)") == [m["code"] for m in a["matters"]]

    page.locator('.k-matter[data-matter="business-licence"]').click()
    expect(page.locator("#notice-title")).to_have_text("营业执照设立登记")
    expect(page.locator("#notice-materials li")).to_have_text(licence["materials"])
    expect(page.locator("#notice-limit")).to_have_text("办结时限：3 个工作日")
    # In English the same list in English, one for one; back in Chinese the Chinese list.
    page.locator('.lang-toggle [data-lang="en"]').click()
    expect(page.locator("#notice-materials li")).to_have_text(licence["materials_en"])
    assert len(licence["materials_en"]) == len(licence["materials"]) and "Articles of association" in licence["materials_en"]
    page.locator('.lang-toggle [data-lang="zh"]').click()
    expect(page.locator("#notice-materials li")).to_have_text(licence["materials"])
    # Back to the matters and forward again: the notice is the same.
    page.locator('#notice [data-action="back"]').click()
    expect(page.locator("#matters")).to_be_visible()
    page.locator('.k-matter[data-matter="business-licence"]').click()
    page.locator("#notice-take").click()

    expect(page.locator("#ticket")).to_be_visible()
    expect(page.locator("#ticket-service")).to_have_text("行政审批")
    expect(page.locator("#ticket-matter")).to_have_text("营业执照设立登记")
    expect(page.locator("#ticket-priority")).to_be_hidden()
    ticket = waiting_ticket(client, page.locator("#ticket-number").inner_text())
    assert (ticket["service"], ticket["matter"], ticket["priority"]) == ("A", "business-licence", None)


def test_a_matter_done_on_the_spot_and_a_ticket_for_no_particular_matter(hall_server, open_page, api):
    page = kiosk(open_page, hall_server)
    page.locator('.k-svc[data-service="B"]').click()
    page.locator('.k-matter[data-matter="social-card"]').click()
    expect(page.locator("#notice-materials li")).to_have_text(["本人有效身份证件", "近期免冠彩色证件照（或现场拍照）"])
    expect(page.locator("#notice-limit")).to_have_text("办结时限：即办（材料齐全当场办结）")
    page.locator('#notice [data-action="back"]').click()
    page.locator("#matters-direct").click()
    expect(page.locator("#ticket")).to_be_visible()
    expect(page.locator("#ticket-matter")).to_be_hidden()
    ticket = waiting_ticket(api(), page.locator("#ticket-number").inner_text())
    assert (ticket["service"], ticket["matter"]) == ("B", None)


def test_a_real_name_ticket_takes_the_id_number_from_the_keypad_or_a_card_reader(hall_server, open_page, api):
    page = kiosk(open_page, hall_server)
    page.locator('.k-svc[data-service="E"]').click()
    page.locator("#matters-direct").click()
    expect(page.locator("#idpad")).to_be_visible()
    expect(page.locator("#idpad-title")).to_have_text("户籍出入境 · 实名取号")
    ok = page.locator('#idpad [data-key="ok"]')
    expect(ok).to_be_disabled()
    press(page, "idpad", "11010519491231009")
    page.locator('#idpad [data-key="del"]').click()  # a slip of the finger, taken back
    press(page, "idpad", "2X")
    expect(page.locator("#id-input")).to_have_value(VALID_ID)
    ok.click()

    expect(page.locator("#ticket")).to_be_visible()
    expect(page.locator("#ticket-service")).to_have_text("户籍出入境")
    number = page.locator("#ticket-number").inner_text()
    ticket = waiting_ticket(api(), number)
    assert (ticket["service"], ticket["real_name"]) == ("E", True)

    # The same person again, through a card reader that types like a keyboard and ends with Enter.
    page.locator("#ticket .k-back").click()
    page.locator('.k-svc[data-service="E"]').click()
    page.locator("#matters-direct").click()
    expect(page.locator("#id-input")).to_have_value("")
    page.keyboard.type("110105194912310021")  # a wrong check digit
    page.keyboard.press("Enter")
    expect(page.locator("#id-error")).to_have_text("身份证号码有误，请核对后重新输入（18位，最后一位可能是X）。")
    expect(page.locator("#idpad")).to_be_visible()
    page.locator('#idpad [data-key="clear"]').click()
    expect(page.locator("#id-input")).to_have_value("")
    expect(page.locator("#id-error")).to_be_hidden()
    page.keyboard.type(" 11010519491231002x")  # readers may send a space and a lower-case x
    expect(page.locator("#id-input")).to_have_value(VALID_ID)
    page.keyboard.press("Enter")
    expect(page.locator("#error")).to_be_visible()
    expect(page.locator("#error-text")).to_have_text("您今日已取过户籍出入境的号，每人每天限取1个。")
    assert [t["number"] for t in api().get("/api/state")["waiting"] if t["service"] == "E"].count(number) == 1


def manager(api):
    client = api()
    client.sign_in("manager", PASSWORD)
    return client


def book(client, service: str, start: datetime, end: datetime, id_number: str | None = None) -> str:
    """An appointment for today between start and end (hall time); its code."""
    code = "YY" + secrets.token_hex(4).upper()
    row = {"code": code, "service": service, "date": start.date().isoformat(),
           "slot": f"{start:%H:%M}-{end:%H:%M}", "name": "李四"}
    if id_number:
        row["id_number"] = id_number
    assert client.post("/api/appointments", {"appointments": [row]}, expect=201)["codes"] == [code]
    return code


def hall_now(client) -> datetime:
    state = client.get("/api/state")
    now = datetime.fromisoformat(state["now"])
    assert now.date().isoformat() == state["business_day"]
    return now


def test_an_appointment_checks_in_by_code_on_the_keypad(hall_server, open_page, api):
    mgr = manager(api)
    now = hall_now(mgr)
    # A slot around the hall's time, kept inside today so check-in is open.
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    start = max(day_start, now - timedelta(minutes=10))
    end = min(day_start + timedelta(hours=23, minutes=59), now + timedelta(minutes=20))
    code = book(mgr, "C", start, end)

    page = kiosk(open_page, hall_server)
    page.locator("#btn-appointment").click()
    expect(page.locator("#checkin")).to_be_visible()
    press(page, "checkin", "ZZZZ")
    page.locator('#checkin [data-key="ok"]').click()
    expect(page.locator("#appt-error")).to_have_text("没有找到今天的这个预约，请核对预约码或身份证号。")
    page.locator('#checkin [data-key="clear"]').click()
    press(page, "checkin", code)
    expect(page.locator("#appt-input")).to_have_value(code)
    page.locator('#checkin [data-key="ok"]').click()

    expect(page.locator("#ticket")).to_be_visible()
    expect(page.locator("#ticket-priority")).to_have_text("预约 · 时段内优先叫号")
    expect(page.locator("#ticket-late")).to_be_hidden()
    number = page.locator("#ticket-number").inner_text()
    ticket = waiting_ticket(mgr, number)
    assert (ticket["service"], ticket["priority"], ticket["appointment"]) == ("C", "appointment", code)
    booked = next(a for a in mgr.get("/api/appointments")["appointments"] if a["code"] == code)
    assert (booked["status"], booked["ticket_id"]) == ("checked_in", ticket["id"])

    # The same code again, typed on a keyboard: told in one sentence.
    page.locator("#ticket .k-back").click()
    page.locator("#btn-appointment").click()
    page.keyboard.type(code.lower())
    page.keyboard.press("Enter")
    expect(page.locator("#error-text")).to_have_text(f"该预约已签到，号码是 {number}。")


def test_a_late_appointment_checks_in_by_id_number_as_an_ordinary_ticket(hall_server, open_page, api):
    mgr = manager(api)
    now = hall_now(mgr)
    # Past the slot and its 15 minutes of grace: the demo hall makes it an ordinary ticket.
    end = now - timedelta(minutes=20)
    start = end - timedelta(minutes=30)
    if start.date() != now.date():
        pytest.skip("too early in the hall's day for a slot that has passed")
    id_number = "11010119800101001" + idnumber.check_digit("11010119800101001")
    book(mgr, "D", start, end, id_number=id_number)

    page = kiosk(open_page, hall_server)
    page.locator("#btn-appointment").click()
    page.keyboard.type(id_number)  # the card reader: 18 characters, so it is an ID number
    page.keyboard.press("Enter")
    expect(page.locator("#ticket")).to_be_visible()
    expect(page.locator("#ticket-priority")).to_have_text("预约")
    expect(page.locator("#ticket-late")).to_have_text("您已错过预约时段，此号按普通号顺序叫号。")
    ticket = waiting_ticket(mgr, page.locator("#ticket-number").inner_text())
    assert (ticket["service"], ticket["priority"]) == ("D", None)


def test_an_appointment_too_early_is_told_when_to_come_back(hall_server, open_page, api):
    mgr = manager(api)
    now = hall_now(mgr)
    start = (now + timedelta(minutes=45)).replace(second=0, microsecond=0)
    end = start + timedelta(minutes=15)
    if end.date() != now.date():
        pytest.skip("too late in the hall's day for a slot still to come")
    code = book(mgr, "F", start, end)
    page = kiosk(open_page, hall_server)
    page.locator("#btn-appointment").click()
    press(page, "checkin", code)
    page.locator('#checkin [data-key="ok"]').click()
    opens = start - timedelta(minutes=30)
    expect(page.locator("#error-text")).to_have_text(
        f"您预约的时段是 {start:%H:%M}-{end:%H:%M}，请于 {opens:%H:%M} 后再来签到。")


@pytest.fixture
def quota_hall(start_demo, tmp_path):
    """A demo hall whose real-estate service (C) issues one ticket a day."""
    text = (ROOT / "config" / "hall.toml").read_text(encoding="utf-8")
    assert text.count("daily_quota = 200") == 1
    path = tmp_path / "hall.toml"
    path.write_text(text.replace("daily_quota = 200", "daily_quota = 1"), encoding="utf-8")
    return start_demo(config=path)


def test_an_exhausted_quota_is_said_on_the_button_and_when_tapped(quota_hall, open_page):
    from tests.e2e.hallhttp import HallClient
    client = HallClient(quota_hall.url)
    client.issue("C")
    status, refused = client.request("POST", "/api/tickets", {"service": "C"})
    assert (status, refused["error"]["code"]) == (409, "quota_exhausted")
    sentence = "不动产登记今日号已取完，请明天再来或预约。"
    assert refused["error"]["message"] == sentence

    page = open_page(quota_hall.url + "/kiosk?idle=600")
    button = page.locator('.k-svc[data-service="C"]')
    expect(button).to_have_attribute("data-open", "false")
    expect(button.locator(".k-waiting")).to_have_text(sentence)
    expect(page.locator('.k-svc[data-service="A"]')).to_have_attribute("data-open", "true")
    button.click()
    expect(page.locator("#error")).to_be_visible()
    expect(page.locator("#error-text")).to_have_text(sentence)
    page.locator("#error .k-back").click()
    expect(page.locator("#home")).to_be_visible()
    # The green channel's list says it too.
    page.locator("#btn-green").click()
    page.locator('.k-category[data-category="pregnant"]').click()
    expect(page.locator('.k-pick[data-service="C"] .k-waiting')).to_have_text(sentence)
    page.locator('.k-pick[data-service="C"]').click()
    expect(page.locator("#error-text")).to_have_text(sentence)
    assert [s["waiting"] for s in client.get("/api/state")["services"] if s["code"] == "C"] == [1]


SMALLEST_TEXT_AND_BUTTON = """() => {
    let text = Infinity, button = Infinity;
    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walk.nextNode()) {
        const el = walk.currentNode.parentElement;
        if (!walk.currentNode.textContent.trim() || !el.offsetParent) continue;
        text = Math.min(text, parseFloat(getComputedStyle(el).fontSize));
    }
    for (const b of document.querySelectorAll("main button")) {
        if (b.offsetParent) button = Math.min(button, b.getBoundingClientRect().height);
    }
    return [text, button];
}"""


def test_every_new_screen_is_readable_for_elderly_citizens(hall_server, open_page):
    """Nothing under 32px, no button under 120px tall, on each screen of the new flows."""
    page = kiosk(open_page, hall_server)
    seen = {}

    def measure(name):
        expect(page.locator(f"#{name}")).to_be_visible()
        seen[name] = page.evaluate(SMALLEST_TEXT_AND_BUTTON)

    measure("home")
    page.locator('.k-svc[data-service="A"]').click()
    measure("matters")
    page.locator('.k-matter[data-matter="food-licence"]').click()
    measure("notice")
    page.locator('#notice [data-action="back"]').click()
    page.locator('#matters [data-action="back"]').click()
    page.locator("#btn-green").click()
    measure("green")
    page.locator('.k-category[data-category="military"]').click()
    measure("green-services")
    page.locator('#green-services [data-action="back"]').click()
    page.locator('#green [data-action="back"]').click()
    page.locator('.k-svc[data-service="E"]').click()
    page.locator("#matters-direct").click()
    measure("idpad")
    page.locator('#idpad [data-action="back"]').click()
    page.locator('#matters [data-action="back"]').click()
    page.locator("#btn-appointment").click()
    measure("checkin")
    bad = {name: v for name, v in seen.items() if v[0] < 32 or v[1] < 120}
    assert not bad and len(seen) == 7, seen


OVERFLOW = """() => {
    const over = [...document.querySelectorAll("section:not([hidden]) *")]
        .filter(e => e.offsetParent !== null)
        .filter(e => { const r = e.getBoundingClientRect(); return r.left < -1 || r.right > innerWidth + 1; })
        .map(e => (e.id || e.className || e.tagName) + " " + Math.round(e.getBoundingClientRect().left)
                   + ".." + Math.round(e.getBoundingClientRect().right));
    return [document.documentElement.scrollWidth, over.slice(0, 5)];
}"""


@pytest.mark.parametrize("width, height", [(1080, 1920), (768, 1366), (1366, 768), (1920, 1080)])
def test_the_keypads_fit_portrait_and_landscape_panels(hall_server, open_page, width, height):
    """The real-name keypad (before and after a wrong number) and the check-in keypad stay inside the
    panel: on a portrait 1080x1920 they were 1,248 px wide, the confirm key and the input cut off."""
    page = open_page(hall_server.url + "/kiosk?idle=600", width=width, height=height)
    expect(page.locator('.k-svc[data-service="E"]')).to_have_attribute("data-open", "true")
    seen = {}

    def fits(name):
        expect(page.locator(f"#{name}")).to_be_visible()
        scroll_width, over = page.evaluate(OVERFLOW)
        seen[name] = (scroll_width, over)

    page.locator('.k-svc[data-service="E"]').click()
    page.locator("#matters-direct").click()
    fits("idpad")
    press(page, "idpad", "110105194912310021")        # a wrong check digit: the error sentence shows
    page.locator('#idpad [data-key="ok"]').click()
    expect(page.locator("#id-error")).to_be_visible()
    fits("idpad")
    seen["idpad with its error"] = seen.pop("idpad")
    page.locator('#idpad [data-action="back"]').click()
    page.locator('#matters [data-action="back"]').click()
    page.locator("#btn-appointment").click()
    fits("checkin")
    bad = {name: v for name, v in seen.items() if v[0] > width or v[1]}
    assert not bad and len(seen) == 2, f"{width}x{height}: {bad}"
