"""The assessment API and pages through the app: who may read and act, the case path, appeals, exports, stars."""
from __future__ import annotations

import io
import time

import pytest
from openpyxl import load_workbook

from hall import auth
from tests.conftest import PASSWORD, login

BAD = dict(reasons=["attitude", "slow"], comment="窗口人员态度冷淡")


@pytest.fixture
def hall(app, clock):
    h = app.extensions["hallq"]
    h.store.put_user("liu", "刘考评", "assessor", auth.hash_password(PASSWORD), clock())
    h.store.put_user("zhao", "赵科长", "manager", auth.hash_password(PASSWORD), clock())
    return h


def serve_and_rate(app, hall, clock, clerk="zhang", window=1, level="very_dissatisfied", **words):
    """A ticket served at `window` by `clerk` and rated on the phone; its case id for a bad level."""
    c = app.test_client()
    login(c, clerk, window=window)
    t = hall.issue_ticket("A")      # windows 1 and 2 both serve A
    clock.advance(minutes=4)
    for step in ("call-next", "start", "finish"):
        assert c.post(f"/api/windows/{window}/{step}").status_code == 200
        clock.advance(minutes=3)
    hall.record_rating(t.id, None, None, level, "phone", **words)
    cases = hall.store.conn.execute("SELECT id FROM cases ORDER BY id DESC LIMIT 1").fetchone()
    return cases[0] if cases else None


def client_of(app, username):
    c = app.test_client()
    login(c, username, window=None)
    return c


def test_an_assessor_reads_every_case_but_takes_no_step(app, hall, clock):
    case_id = serve_and_rate(app, hall, clock, **BAD)
    liu = client_of(app, "liu")
    listed = liu.get("/api/cases").get_json()["cases"]
    assert [(c["case_id"], c["status"], c["staff"], c["actions"]) for c in listed] == [(case_id, "verifying", "zhang", [])]
    detail = liu.get(f"/api/cases/{case_id}").get_json()
    assert (detail["rating"]["level"], [r["name"] for r in detail["rating"]["reasons"]], detail["rating"]["comment"],
            detail["rating"]["channel_name"], detail["rating"]["staff_name"]) == \
           ("very_dissatisfied", ["态度不好", "效率低"], "窗口人员态度冷淡", "手机", "张敏")
    for action, body in (("verify", {"note": "查实"}), ("decide_appeal", {"upheld": True, "decision": "x"})):
        r = liu.post(f"/api/cases/{case_id}/{action}", json=body)
        assert (r.status_code, r.get_json()["error"]["code"]) == (403, "forbidden")
    assert hall.store.case(case_id).status == "verifying"


def test_a_manager_follows_a_case_to_closed_and_every_step_is_on_record(app, hall, clock):
    case_id = serve_and_rate(app, hall, clock, **BAD)
    m = client_of(app, "manager")
    steps = [("verify", {"note": "调取录像，属实", "valid": True}, "rectifying", ["rectify"]),
             ("rectify", {"mode": "ledger", "note": "安排服务礼仪培训"}, "rectifying", ["rectify_done"]),
             ("rectify_done", {"note": "已完成培训"}, "callback", ["callback"]),
             ("callback", {"view": "satisfied", "note": "群众表示认可"}, "closed", [])]
    for action, body, status, actions in steps:
        r = m.post(f"/api/cases/{case_id}/{action}", json=body)
        assert r.status_code == 200, r.get_json()
        case = r.get_json()["case"]
        assert (case["status"], case["actions"]) == (status, actions)
    assert case["deadline"] == "2026-12-04" and case["callback_view"] == "satisfied"   # 5 working days from Fri 27 Nov
    history = r.get_json()["history"]
    assert [(h["event"], h["by"]) for h in history] == [
        ("case_opened", None), ("case_verified", "manager"), ("case_put_on_ledger", "manager"),
        ("case_rectified", "manager"), ("case_called_back", "manager")]
    assert history[2]["deadline"] == "2026-12-04" and history[4]["view"] == "satisfied"


def test_staff_see_and_appeal_only_their_own_cases(app, hall, clock):
    mine = serve_and_rate(app, hall, clock, "zhang", 1, **BAD)
    theirs = serve_and_rate(app, hall, clock, "li", 2, level="dissatisfied")
    zhang = client_of(app, "zhang")
    assert [c["case_id"] for c in zhang.get("/api/cases").get_json()["cases"]] == [mine]
    assert zhang.get(f"/api/cases/{mine}").get_json()["case"]["actions"] == ["appeal"]
    assert zhang.get(f"/api/cases/{theirs}").status_code == 404
    r = zhang.post(f"/api/cases/{theirs}/appeal", json={"reason": "不是我办的"})
    assert (r.status_code, r.get_json()["error"]["code"]) == (403, "case_not_clerk_concerned")
    r = zhang.post(f"/api/cases/{mine}/verify", json={"note": "自己核实"})
    assert (r.status_code, r.get_json()["error"]["code"]) == (403, "forbidden")
    r = zhang.post(f"/api/cases/{mine}/appeal", json={"reason": "群众误按了评价键"})
    assert r.status_code == 200 and r.get_json()["case"]["appeal"] == "pending"
    assert hall.store.case(theirs).appeal is None


def _appealed(app, hall, clock):
    case_id = serve_and_rate(app, hall, clock, **BAD)
    zhang = client_of(app, "zhang")
    assert zhang.post(f"/api/cases/{case_id}/appeal", json={"reason": "群众误按"}).status_code == 200
    return case_id


def _figures(client):
    return client.get("/api/assess/figures?preset=today&by=window").get_json()["total"]["figures"]


def test_an_upheld_appeal_closes_the_case_and_takes_the_rating_out_kept_on_record(app, hall, clock):
    case_id = _appealed(app, hall, clock)
    m = client_of(app, "manager")
    assert (_figures(m)["bad"], _figures(m)["excluded"]) == (1, 0)
    r = m.post(f"/api/cases/{case_id}/decide_appeal", json={"upheld": True, "decision": "录像显示群众误按"})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert (body["case"]["status"], body["case"]["appeal"]) == ("closed", "upheld")
    assert (body["rating"]["excluded"], body["rating"]["exclusion_reason"]) == (True, "申诉成立：录像显示群众误按")
    assert body["history"][-1]["event"] == "case_appeal_decided" and body["history"][-1]["upheld"] is True
    figures = _figures(m)
    assert (figures["bad"], figures["excluded"], figures["rated"], figures["cases_upheld"]) == (0, 1, 0, 1)


def test_a_rejected_appeal_goes_on_where_it_was(app, hall, clock):
    case_id = _appealed(app, hall, clock)
    m = client_of(app, "manager")
    r = m.post(f"/api/cases/{case_id}/verify", json={"note": "x"})
    assert (r.status_code, r.get_json()["error"]["code"]) == (409, "case_appeal_pending")
    r = m.post(f"/api/cases/{case_id}/decide_appeal", json={"upheld": False, "decision": "评价属实"})
    case = r.get_json()["case"]
    assert (case["status"], case["appeal"], case["actions"]) == ("verifying", "rejected", ["verify"])
    assert _figures(m)["bad"] == 1
    zhang = client_of(app, "zhang")
    r = zhang.post(f"/api/cases/{case_id}/appeal", json={"reason": "再次申诉"})
    assert (r.status_code, r.get_json()["error"]["code"]) == (409, "case_appeal_decided")


@pytest.mark.parametrize("body, field", [
    ({}, "mode"), ({"mode": "ledger"}, "note"), ({"mode": 3, "note": "x"}, "mode"),
    ({"mode": "ledger", "note": "x" * 2001}, "note")])
def test_a_step_without_its_words_is_refused_with_a_sentence(app, hall, clock, body, field):
    case_id = serve_and_rate(app, hall, clock, **BAD)
    m = client_of(app, "manager")
    m.post(f"/api/cases/{case_id}/verify", json={})
    r = m.post(f"/api/cases/{case_id}/rectify", json=body)
    assert (r.status_code, r.get_json()["error"]["code"]) == (400, "invalid_field")
    assert field in r.get_json()["error"]["message_en"]


def test_the_figures_drill_down_to_the_ratings_behind_them(app, hall, clock):
    serve_and_rate(app, hall, clock, "zhang", 1, **BAD)
    serve_and_rate(app, hall, clock, "li", 2, level="satisfied")
    liu = client_of(app, "liu")
    body = liu.get("/api/assess/figures?from=2026-11-27&to=2026-11-27&by=staff").get_json()
    rows = {r["key"]: r for r in body["rows"]}
    assert (rows["zhang"]["label"], rows["zhang"]["figures"]["bad"], rows["li"]["figures"]["satisfaction"]) == \
           ("张敏（zhang）", 1, 1.0)
    assert body["total"]["figures"]["tickets"] == 2 and body["total"]["figures"]["satisfaction"] == 0.5
    assert [lv["count"] for lv in body["charts"]["levels"]] == [0, 1, 0, 0, 1, 0, 0]
    assert sum(b["count"] for b in body["charts"]["waits"]) == 2
    drill = liu.get("/api/assess/drill?from=2026-11-27&to=2026-11-27&by=staff&key=zhang&figure=bad").get_json()
    assert drill["count"] == 1
    (r,) = drill["records"]
    assert (r["kind"], r["level"], r["reason_names"], r["comment"]) == \
           ("rating", "very_dissatisfied", ["态度不好", "效率低"], "窗口人员态度冷淡")
    served = liu.get("/api/assess/drill?preset=today&by=total&figure=served").get_json()
    assert [x["kind"] for x in served["records"]] == ["step", "step"] and served["count"] == 2


@pytest.mark.parametrize("query, code", [
    ("from=2026-11-30&to=2026-11-01", "invalid_range"), ("from=2025-01-01&to=2026-11-01", "invalid_range"),
    ("from=2026-11-01", "invalid_field"), ("preset=yesterday", "invalid_field"), ("by=colour", "invalid_field"),
    ("from=2026-13-01&to=2026-13-02", "invalid_field")])
def test_wrong_ranges_and_slices_are_refused_with_a_sentence(app, hall, query, code):
    r = client_of(app, "liu").get("/api/assess/figures?" + query)
    assert (r.status_code, r.get_json()["error"]["code"]) == (400, code)


def test_an_export_job_reports_progress_and_gives_the_table_as_xlsx(app, hall, clock):
    serve_and_rate(app, hall, clock, **BAD)
    liu = client_of(app, "liu")
    r = liu.post("/api/assess/exports", json={"preset": "this_month", "by": "window", "format": "xlsx"})
    assert r.status_code == 202
    job = r.get_json()
    for _ in range(100):
        job = liu.get(job["url"]).get_json()
        if job["phase"] in ("done", "failed"):
            break
        time.sleep(0.05)
    assert job["phase"] == "done" and job["done"] == job["total"] and job["filename"].endswith(".xlsx")
    f = liu.get(job["file_url"])
    assert f.status_code == 200 and "attachment" in f.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(f.data)).worksheets[0]
    rows = [row for row in sheet.iter_rows(values_only=True)]
    header = rows[2]
    total = next(row for row in rows if row[0] == "合计 Total")
    assert total[header.index("差评数")] == 1 and total[header.index("取号数")] == 1
    # another account does not get someone else's export
    assert client_of(app, "manager").get(job["url"]).status_code == 404


def test_stars_are_entered_through_the_api_and_scored_for_the_year(app, hall, clock):
    serve_and_rate(app, hall, clock, level="very_satisfied")
    liu = client_of(app, "liu")
    own = {"dedication": 95, "conduct": 90, "quality": 92, "integrity": 100, "satisfaction": 88}
    r = liu.post("/api/assess/stars", json={"month": "2026-11", "self_assessment": own,
                                            "inspection": {"score": 85, "findings": ["窗口3 工作时间玩手机"]}})
    assert r.status_code == 200, r.get_json()
    month = r.get_json()["month"]
    # 0.3 x 93 + 0.3 x 85 + 0.4 x 100 (every rating satisfied) = 93.4: five stars
    assert (month["score"]["points"], month["score"]["stars"], month["entered_by"]) == (93.4, 5, "liu")
    year = liu.get("/api/assess/stars?year=2026").get_json()
    assert [m["month"] for m in year["months"]][-2:] == ["2026-10", "2026-11"]
    assert year["verdict"]["five_star"] == 1 and year["verdict"]["not_assessed"][:1] == ["2026-01"]
    r = client_of(app, "zhang").post("/api/assess/stars", json={"month": "2026-11", "self_assessment": own})
    assert (r.status_code, r.get_json()["error"]["code"]) == (403, "forbidden")
    r = liu.post("/api/assess/stars", json={"month": "0000-01"})
    assert (r.status_code, r.get_json()["error"]["code"]) == (400, "invalid_field")


@pytest.mark.parametrize("path", ["/assess", "/assess/stars", "/assess/report?month=2026-11", "/assess/cases"])
def test_the_pages_ask_for_a_sign_in_and_tell_staff_whose_account_to_use(app, hall, clock, path):
    serve_and_rate(app, hall, clock, **BAD)
    anonymous = app.test_client().get(path)
    assert anonymous.status_code == 200 and 'id="signin-form"' in anonymous.get_data(as_text=True)
    staff = client_of(app, "zhang").get(path)
    if path == "/assess/cases":
        assert staff.status_code == 200 and 'data-case="1"' in staff.get_data(as_text=True)
    else:
        assert staff.status_code == 403 and "请退出后用考评员或管理员账号登录" in staff.get_data(as_text=True)
    assert client_of(app, "liu").get(path).status_code == 200


def test_the_monthly_report_prints_the_months_figures_bad_ratings_and_stars(app, hall, clock):
    serve_and_rate(app, hall, clock, **BAD)
    page = client_of(app, "manager").get("/assess/report?month=2026-11").get_data(as_text=True)
    assert "2026 年 11 月考评报告" in page and 'id="kpi-bad">1<' in page
    assert "态度不好、效率低：窗口人员态度冷淡" in page and "待核实" in page and "未评定" in page


def test_the_monthly_report_counts_the_months_alarms_and_the_time_to_acknowledge(app, hall, clock):
    for _ in range(2):
        hall.issue_ticket("A")
    clock.advance(minutes=31)          # past [alarms] wait_minutes (30): a long wait
    hall.tick()
    clock.advance(minutes=6)
    (alarm,) = hall.open_alarms()
    hall.acknowledge_alarm(alarm["id"], {"username": "manager", "role": "manager"}, "已安排窗口")
    page = client_of(app, "manager").get("/assess/report?month=2026-11").get_data(as_text=True)
    row = page.split('data-kind="long_wait"')[1].split("</tr>")[0]
    cells = [c.split("<")[0] for c in row.split('<td class="n">')[1:]]
    assert cells == ["1", "1", "0", "1", "6.0", "6.0"]      # raised, acknowledged, not, open, avg and p90 minutes
    assert "六、电子监察" in page
