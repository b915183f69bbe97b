"""The assessment pages in Chromium: a bad rating from the phone followed to closed by a manager,
and an assessor's export of a month whose XLSX says what the page's table says."""
from __future__ import annotations

from datetime import time, timedelta

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from assess.export import COLUMNS
from tests.e2e.conftest import PASSWORD
from tests.e2e.hallhttp import HallClient

pytestmark = pytest.mark.browser


def serve(hall_url: str, clerk: str, window: int, service: str, ratings: list[dict]) -> list[str]:
    """The clerk serves one ticket per rating at `window`; each citizen rates it on the phone. The numbers."""
    staff = HallClient(hall_url)
    staff.sign_in(clerk, PASSWORD, window=window)
    citizen = HallClient(hall_url)
    numbers = []
    for rating in ratings:
        issued = citizen.post("/api/tickets", {"service": service}, expect=201)
        for step in ("call-next", "start", "finish"):
            staff.post(f"/api/windows/{window}/{step}")
        citizen.post(f"/api/progress/{issued['token']}/rating", rating)
        numbers.append(issued["ticket"]["number"])
    staff.post("/api/logout")
    return numbers


def sign_in(page, username: str) -> None:
    page.fill("#signin-username", username)
    page.fill("#signin-password", PASSWORD)
    page.click("#signin-submit")


def test_a_manager_follows_a_bad_phone_rating_through_verify_rectify_and_callback_to_closed(start_demo, open_page):
    hall = start_demo()
    (number,) = serve(hall.url, "wang", 3, "B", [{"level": "very_dissatisfied", "reasons": ["attitude", "slow"],
                                                   "comment": "工作人员态度冷淡，办理很慢"}])
    page = open_page(hall.url + "/assess/cases")
    sign_in(page, "manager")
    row = page.locator("#cases tbody tr").filter(has_text=number)
    expect(row).to_have_attribute("data-status", "verifying")
    row.locator("a").click()

    expect(page.locator("#case-status")).to_have_text("待核实")
    expect(page.locator("#rating-level")).to_have_text("非常不满意")
    expect(page.locator("#rating-reasons")).to_have_text("态度不好、效率低")
    expect(page.locator("#rating-comment")).to_have_text("工作人员态度冷淡，办理很慢")
    expect(page.locator("#rating-channel")).to_have_text("手机")
    expect(page.locator("#rating-staff")).to_have_text("王芳")
    expect(page.locator("#history li")).to_have_count(1)

    page.fill("#verify-note", "调取录像，情况属实")
    page.click("#do-verify")
    expect(page.locator("#case-status")).to_have_text("整改中")
    page.fill("#rectify-note", "安排窗口服务礼仪培训")
    page.click("#do-rectify-ledger")
    # On the ledger: the deadline is shown, 5 working days from the day the case opened.
    deadline = page.locator("#ledger-deadline")
    expect(deadline).to_have_text(page.locator("#case-due").inner_text().split("（")[0])
    page.fill("#rectify-done-note", "已完成培训，当面致歉")
    page.click("#do-rectify-done")
    expect(page.locator("#case-status")).to_have_text("待回访")
    page.check("#form-callback input[value=basic]")
    page.fill("#callback-note", "群众表示基本认可")
    page.click("#do-callback")

    expect(page.locator("#case-status")).to_have_text("已办结")
    expect(page.locator("#case")).to_have_attribute("data-status", "closed")
    expect(page.locator("#case-view")).to_have_text("基本满意")
    expect(page.locator("#actions")).to_have_count(0)
    assert page.locator("#history li").evaluate_all("els => els.map(e => e.dataset.event)") == [
        "case_opened", "case_verified", "case_put_on_ledger", "case_rectified", "case_called_back"]
    expect(page.locator("#history li").nth(1)).to_contain_text("陈主任")

    # The hall's record agrees with the page.
    manager = HallClient(hall.url)
    manager.sign_in("manager", PASSWORD)
    (case,) = [c for c in manager.get("/api/cases?status=all")["cases"] if c["number"] == number]
    assert (case["status"], case["rectify_mode"], case["callback_view"]) == ("closed", "ledger", "basic")


def _page_table(page) -> dict:
    """{row key: {figure: raw value}} of the figures table, the total row under "total"."""
    return page.evaluate("""() => {
        const out = {};
        document.querySelectorAll('#figures-table tbody tr, #figures-table tfoot tr').forEach(tr => {
            const key = tr.closest('tfoot') ? 'total' : tr.dataset.key;
            out[key] = {};
            tr.querySelectorAll('td[data-figure]').forEach(td => {
                out[key][td.dataset.figure] = td.dataset.value === '' ? null : Number(td.dataset.value);
            });
        });
        return out;
    }""")


def seconds(cell) -> float:
    """A duration cell in seconds: openpyxl reads the [h]:mm:ss fraction of a day as a timedelta."""
    if isinstance(cell, timedelta):
        return cell.total_seconds()
    if isinstance(cell, time):
        return cell.hour * 3600 + cell.minute * 60 + cell.second + cell.microsecond / 1e6
    return cell * 86400


def test_an_assessor_exports_a_month_to_xlsx_with_the_figures_of_the_table(start_demo, open_page, tmp_path):
    hall = start_demo()
    serve(hall.url, "zhang", 1, "A", [{"level": "very_satisfied"}, {"level": "satisfied"},
                                      {"level": "dissatisfied", "reasons": ["long_wait"]}])
    serve(hall.url, "li", 2, "A", [{"level": "basic"}])
    page = open_page(hall.url + "/assess?preset=this_month&by=window", 1600, 1000)
    sign_in(page, "assessor")
    expect(page.locator("#user-name")).to_have_text("刘考评")
    expect(page.locator("#figures-table")).to_have_attribute("data-by", "window")
    expect(page.locator("#figures-body tr")).to_have_count(2)
    page.check("#all-figures")           # every figure on the page, as in the file
    table = _page_table(page)
    assert (table["total"]["tickets"], table["total"]["bad"], table["total"]["rated"]) == (4, 1, 4)
    assert table["1"]["satisfaction"] == pytest.approx(2 / 3) and table["2"]["satisfaction"] == 1
    for chart in ("daily", "monthly", "levels", "waits", "ranking"):
        expect(page.locator(f"#chart-{chart}")).to_have_attribute("data-drawn", "yes")
        expect(page.locator(f"#chart-{chart} svg")).to_have_count(1)

    # A figure opens the records behind it.
    page.locator('#figures-foot td[data-figure="bad"] button').click()
    expect(page.locator("#drill")).to_have_attribute("data-count", "1")
    expect(page.locator("#drill-body tr")).to_have_count(1)
    expect(page.locator("#drill-body tr")).to_contain_text("等候时间长")

    with page.expect_download() as download:
        page.click("#export-xlsx")
    expect(page.locator("#export-progress")).to_have_attribute("data-phase", "done")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name.endswith(".xlsx") and "-window-" in path.name

    sheet = load_workbook(path).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[2]
    figure_of = {COLUMNS[f][0]: f for f in COLUMNS}
    in_file = {}
    for values in rows[4:]:
        key = "total" if values[0] == "合计 Total" else str(values[0])
        in_file[key] = {figure_of[h]: v for h, v in zip(header, values) if h in figure_of}
    assert sorted(in_file) == sorted(table)
    for key, figures in table.items():
        for figure, value in figures.items():
            got = in_file[key][figure]
            if COLUMNS[figure][2] == "seconds" and got is not None:
                # Read back to the millisecond (openpyxl rounds a day's fraction so)
                assert seconds(got) == pytest.approx(value, abs=1e-3), (key, figure)
                continue
            assert got == pytest.approx(value), (key, figure)
