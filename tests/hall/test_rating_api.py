"""The citizen's rating screens through the API: the window's tablet rates only the step waiting
at it, the phone its own served steps within phone_hours, and the board's rating figures."""
from __future__ import annotations

import json
import time

import pytest

from tests.conftest import login


@pytest.fixture
def clerk(app):
    """Zhang signed in at window 1, li at window 2: each serves a ticket through the API as the counter page does."""
    one, two = app.test_client(), app.test_client()
    login(one, "zhang", window=1)
    login(two, "li", window=2)
    return {1: one, 2: two}


def issue(app, service="A") -> dict:
    body = app.test_client().post("/api/tickets", json={"service": service}).get_json()
    return {"id": body["ticket"]["id"], "number": body["ticket"]["number"], "token": body["token"]}


def serve(clerk, window: int) -> None:
    for action in ("call-next", "start", "finish"):
        r = clerk[window].post(f"/api/windows/{window}/{action}")
        assert r.status_code == 200, r.get_json()


def served(app, clerk, window=1, service="A") -> dict:
    t = issue(app, service)
    serve(clerk, window)
    return t


def tablet(app, window: int, **body):
    r = app.test_client().post(f"/api/rater/{window}/rating", json=body)
    return r.status_code, r.get_json()


def error(answer) -> str:
    return answer["error"]["code"]


def ratings(app) -> list[dict]:
    return [{k: r[k] for k in ("ticket_id", "step", "window", "staff", "level", "channel", "reasons", "comment")}
            for r in app.extensions["hallq"].store.ratings()]


# -- the window's tablet ---------------------------------------------------------------

def test_the_tablet_shows_the_ticket_just_finished_at_its_window_and_rates_it(app, clerk, clock):
    idle = app.test_client().get("/api/rater/1").get_json()
    assert idle["pending"] is None and idle["window"]["name"] == "1号窗口" and idle["rating_seconds"] == 30
    assert [r["code"] for r in idle["reasons"]][:2] == ["attitude", "slow"]
    t = served(app, clerk)
    clock.advance(seconds=10)
    state = app.test_client().get("/api/rater/1").get_json()
    assert state["pending"]["ticket"]["number"] == t["number"] and state["pending"]["step"] == 0
    assert (state["pending"]["until"], state["pending"]["seconds_left"]) == ("2026-11-27T09:00:30+08:00", 20)
    assert "staff" not in state["pending"]["ticket"] and "staff" not in state["window"]

    status, answer = tablet(app, 1, ticket_id=t["id"], level="satisfied")
    assert status == 200, answer
    assert answer["rated"] == {"ticket_id": t["id"], "number": t["number"], "step": 0, "level": "satisfied"}
    assert answer["state"]["pending"] is None
    assert ratings(app) == [{"ticket_id": t["id"], "step": 0, "window": 1, "staff": "zhang", "level": "satisfied",
                             "channel": "tablet", "reasons": "[]", "comment": ""}]


def test_a_second_press_for_the_same_ticket_is_refused(app, clerk):
    t = served(app, clerk)
    assert tablet(app, 1, ticket_id=t["id"], level="satisfied")[0] == 200
    status, answer = tablet(app, 1, ticket_id=t["id"], level="very_dissatisfied")
    assert (status, error(answer)) == (409, "already_rated")
    assert answer["error"]["message"] == f"{t['number']} 的这次办理已经评价过，每次办理只能评价一次。"
    assert [r["level"] for r in ratings(app)] == ["satisfied"]


def test_another_windows_tablet_cannot_rate_it(app, clerk):
    t = served(app, clerk, window=1)
    status, answer = tablet(app, 2, ticket_id=t["id"], level="satisfied")
    assert (status, error(answer)) == (409, "wrong_window")
    assert "不是在本窗口办理的" in answer["error"]["message"]
    assert ratings(app) == []


def test_the_tablet_cannot_rate_a_ticket_that_waits_or_is_only_called(app, clerk):
    waiting = issue(app)
    called = issue(app, "B")
    clerk[2].post("/api/windows/2/call", json={"ticket": called["number"]})
    for t, window in ((waiting, 1), (called, 2)):
        status, answer = tablet(app, window, ticket_id=t["id"], level="satisfied")
        assert (status, error(answer)) == (409, "not_served"), t
    assert (tablet(app, 1, ticket_id=9999, level="satisfied")[0], ratings(app)) == (404, [])


def test_the_tablet_stops_offering_after_the_rating_time(app, clerk, clock):
    t = served(app, clerk)
    clock.advance(seconds=30)
    assert app.test_client().get("/api/rater/1").get_json()["pending"] is None
    status, answer = tablet(app, 1, ticket_id=t["id"], level="satisfied")
    assert (status, error(answer)) == (409, "rating_time_over")
    assert answer["error"]["message"] == (f"{t['number']} 在窗口评价的时间已过（办理结束后30秒内）。"
                                          "如需评价，请扫描号票上的二维码在手机上评价。")


def test_once_the_next_citizen_is_finished_the_tablet_rates_only_them(app, clerk, clock):
    first = served(app, clerk)
    clock.advance(seconds=5)
    second = served(app, clerk)
    assert app.test_client().get("/api/rater/1").get_json()["pending"]["ticket"]["id"] == second["id"]
    status, answer = tablet(app, 1, ticket_id=first["id"], level="satisfied")
    assert (status, error(answer)) == (409, "not_rating_now")
    assert tablet(app, 1, ticket_id=second["id"], level="basic")[0] == 200
    assert [(r["ticket_id"], r["level"]) for r in ratings(app)] == [(second["id"], "basic")]


def test_the_tablet_does_not_offer_a_step_transferred_on(app, clerk):
    t = issue(app, "A")
    for action in ("call-next", "start"):
        clerk[1].post(f"/api/windows/1/{action}")
    assert clerk[1].post("/api/windows/1/transfer", json={"service": "B"}).status_code == 200
    assert app.test_client().get("/api/rater/1").get_json()["pending"] is None
    status, answer = tablet(app, 1, ticket_id=t["id"], level="satisfied")
    assert (status, error(answer)) == (409, "not_rating_now")
    assert "手机上评价" in answer["error"]["message"]


def test_a_window_with_a_serial_rater_gives_the_tablet_its_rating_timeout(app, clerk, clock):
    app.extensions["hallq"].watch_rater(1, 10, "rater-1")
    t = served(app, clerk)
    assert app.test_client().get("/api/rater/1").get_json()["rating_seconds"] == 10
    clock.advance(seconds=10)
    assert error(tablet(app, 1, ticket_id=t["id"], level="satisfied")[1]) == "rating_time_over"


@pytest.mark.parametrize("body, code", [
    ({"level": "satisfied"}, "invalid_field"),                          # no ticket_id
    ({"ticket_id": "1", "level": "satisfied"}, "invalid_field"),
    ({"ticket_id": True, "level": "satisfied"}, "invalid_field"),
    ({"ticket_id": 1, "level": "great"}, "invalid_level"),
    ({"ticket_id": 1}, "invalid_level"),
    ({"ticket_id": 1, "level": "satisfied", "reasons": ["slow"]}, "reasons_for_bad_rating_only"),
    ({"ticket_id": 1, "level": "dissatisfied", "reasons": ["rude"]}, "invalid_reasons"),
    ({"ticket_id": 1, "level": "dissatisfied", "comment": "慢" * 501}, "comment_too_long"),
])
def test_a_malformed_tablet_rating_is_refused_and_nothing_is_stored(app, clerk, body, code):
    served(app, clerk)
    status, answer = tablet(app, 1, **body)
    assert (status, error(answer)) == (400, code)
    assert ratings(app) == []


def test_an_unknown_windows_tablet_is_refused(app):
    assert app.test_client().get("/api/rater/99").status_code == 404
    assert error(tablet(app, 99, ticket_id=1, level="satisfied")[1]) == "unknown_window"
    assert app.test_client().get("/rater/99").status_code == 404
    assert app.test_client().get("/rater/1").status_code == 200


def test_a_tablet_rating_from_another_origin_is_refused(app, clerk):
    t = served(app, clerk)
    r = app.test_client().post("/api/rater/1/rating", json={"ticket_id": t["id"], "level": "satisfied"},
                               headers={"Origin": "http://evil.example"})
    assert (r.status_code, r.get_json()["error"]["code"]) == (403, "csrf")
    assert ratings(app) == []


def test_a_bad_rating_at_the_tablet_opens_a_case(app, clerk):
    t = served(app, clerk)
    status, _ = tablet(app, 1, ticket_id=t["id"], level="very_dissatisfied", reasons=["long_wait"], comment="等太久")
    assert status == 200
    case = app.extensions["hallq"].store.case(1)
    assert (case.ticket_id, case.level, case.window, case.staff, case.status) == \
           (t["id"], "very_dissatisfied", 1, "zhang", "verifying")


def test_the_rater_socket_starts_from_what_waits_at_its_window(app, clerk):
    t = served(app, clerk)
    socketio = app.extensions["socketio"]
    sock = socketio.test_client(app, namespace="/hall", auth={"audience": "rater", "window": 1})
    snap = [m for m in sock.get_received("/hall") if m["name"] == "snapshot"][0]["args"][0]
    assert snap["pending"]["ticket"]["number"] == t["number"] and snap["window"]["id"] == 1
    assert "zhang" not in json.dumps(snap) and "张敏" not in json.dumps(snap, ensure_ascii=False)
    sock.disconnect(namespace="/hall")


# -- the phone -------------------------------------------------------------------------

def progress(app, token) -> dict:
    r = app.test_client().get(f"/api/progress/{token}")
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def phone(app, token, **body):
    r = app.test_client().post(f"/api/progress/{token}/rating", json=body)
    return r.status_code, r.get_json()


def test_the_phone_offers_each_served_step_until_phone_hours_after_it_ended(app, clerk):
    t = issue(app)
    waiting = progress(app, t["token"])["rating"]
    assert (waiting["steps"], waiting["reasons"], waiting["too_late"]) == ([], [], None)   # not served yet
    serve(clerk, 1)
    rating = progress(app, t["token"])["rating"]
    assert rating["steps"] == [{"step": 0, "service": "A", "service_name": "行政审批",
                                "service_name_en": "Administrative Approval", "window": 1, "window_name": "1号窗口",
                                "window_name_en": "Window 1", "ended_at": "2026-11-27T09:00:00+08:00",
                                "until": "2026-11-28T09:00:00+08:00"}]
    assert (rating["until"], rating["rated"], rating["too_late"]) == ("2026-11-28T09:00:00+08:00", [], None)
    assert rating["comment_chars"] == 500 and rating["reasons"][0] == {"code": "attitude", "name": "态度不好",
                                                                       "name_en": "Unfriendly"}


def test_a_phone_rating_the_next_morning_is_stored_for_the_day_served(app, clerk, clock):
    t = served(app, clerk)
    clock.advance(hours=23)                                  # 08:00 the next day: another business day
    assert progress(app, t["token"])["rating"]["steps"][0]["step"] == 0
    status, answer = phone(app, t["token"], level="very_satisfied", step=0)
    assert status == 200, answer
    assert answer["rating"]["steps"] == [] and answer["rating"]["rated"] == [{"step": 0, "level": "very_satisfied"}]
    stored = app.extensions["hallq"].store.ratings()
    assert [(r["business_day"], r["window"], r["staff"], r["channel"]) for r in stored] == \
           [("2026-11-27", 1, "zhang", "phone")]


def test_a_phone_rating_past_phone_hours_is_refused_with_its_sentence(app, clerk, clock):
    t = served(app, clerk)
    clock.advance(hours=24, seconds=1)
    rating = progress(app, t["token"])["rating"]
    sentence = ("办理结束已超过24小时，不能再在手机上评价。如有意见或建议，请拨打12345政务服务便民热线或到大厅服务台反映。")
    assert rating["steps"] == [] and rating["too_late"]["code"] == "rating_too_late"
    assert rating["too_late"]["message"] == sentence
    status, answer = phone(app, t["token"], level="satisfied", step=0)
    assert (status, answer["error"]) == (409, rating["too_late"])
    assert ratings(app) == []


def test_the_phone_may_rate_a_step_the_windows_rater_left_unrated(app, clerk, clock):
    hall = app.extensions["hallq"]
    hall.watch_rater(1, 10, "rater-1")
    t = served(app, clerk)
    clock.advance(seconds=20)
    hall.tick()                                              # the hall records "unrated"
    assert [r["level"] for r in hall.store.ratings()] == [None]
    assert progress(app, t["token"])["rating"]["steps"][0]["step"] == 0
    assert phone(app, t["token"], level="basic")[0] == 200
    assert [(r["level"], r["channel"]) for r in hall.store.ratings()] == [("basic", "phone")]


def test_a_bad_rating_from_the_phone_with_reasons_opens_a_case(app, clerk):
    t = served(app, clerk)
    status, answer = phone(app, t["token"], level="dissatisfied", step=0, reasons=["slow", "not_told_once"],
                           comment="  材料没有一次说清楚  ")
    assert status == 200, answer
    assert ratings(app) == [{"ticket_id": t["id"], "step": 0, "window": 1, "staff": "zhang", "level": "dissatisfied",
                             "channel": "phone", "reasons": '["slow", "not_told_once"]', "comment": "材料没有一次说清楚"}]
    case = app.extensions["hallq"].store.case(1)
    assert (case.ticket_id, case.step, case.level, case.staff, case.status) == \
           (t["id"], 0, "dissatisfied", "zhang", "verifying")


def test_a_step_rated_at_the_tablet_is_not_offered_on_the_phone(app, clerk):
    t = served(app, clerk)
    tablet(app, 1, ticket_id=t["id"], level="satisfied")
    rating = progress(app, t["token"])["rating"]
    assert (rating["steps"], rating["rated"]) == ([], [{"step": 0, "level": "satisfied"}])
    assert error(phone(app, t["token"], level="basic", step=0)[1]) == "already_rated"


@pytest.mark.parametrize("body, code", [
    ({"level": "satisfied", "step": "0"}, "invalid_field"),
    ({"level": "satisfied", "step": -1}, "invalid_field"),
    ({"level": "satisfied", "step": 10 ** 30}, "invalid_field"),
    ({"level": "satisfied", "step": 3}, "not_served"),
    ({}, "invalid_level"),
])
def test_a_malformed_phone_rating_is_refused(app, clerk, clock, body, code):
    t = served(app, clerk)
    clock.advance(hours=20)                                  # an earlier day's ticket reads the store
    status, answer = phone(app, t["token"], **body)
    assert (status // 100, error(answer)) == (4, code)


def test_the_phones_rating_offer_names_no_staff(app, clerk):
    t = served(app, clerk)
    text = json.dumps(progress(app, t["token"]), ensure_ascii=False)
    assert "zhang" not in text and "张敏" not in text


# -- the board ---------------------------------------------------------------------------

def received(sock, name, until=lambda got: bool(got), timeout=5.0) -> list:
    """The `name` messages the socket got, waited for until `until(them)` (the bus delivers on its own threads)."""
    got, deadline = [], time.monotonic() + timeout
    while not until(got) and time.monotonic() < deadline:
        got += [m["args"][0] for m in sock.get_received("/hall") if m["name"] == name]
        time.sleep(0.01)
    return got


def test_the_board_gets_todays_rating_figures_and_each_change(app, clerk):
    manager = app.test_client()
    login(manager, "manager", window=None)
    sock = app.extensions["socketio"].test_client(app, namespace="/hall", flask_test_client=manager,
                                                  auth={"audience": "board"})
    snap = received(sock, "snapshot")[0]
    assert snap["rating_figures"] == {"business_day": "2026-11-27", "rated": 0, "satisfaction": None, "unrated": 0,
                                      "bad": 0, "open_cases": 0, "overdue_cases": 0,
                                      "levels": {"very_satisfied": 0, "satisfied": 0, "basic": 0, "dissatisfied": 0,
                                                 "very_dissatisfied": 0}}
    good, bad = served(app, clerk), served(app, clerk, window=2)
    # A burst of changes is one message, push.FIGURES_COALESCE_S after its first.
    got = received(sock, "rating_figures", until=lambda got: got and got[-1]["unrated"] == 2)
    assert [f["unrated"] for f in got] == [2]
    tablet(app, 1, ticket_id=good["id"], level="satisfied")
    tablet(app, 2, ticket_id=bad["id"], level="very_dissatisfied")
    last = received(sock, "rating_figures", until=lambda got: got and got[-1]["open_cases"] == 1)[-1]
    assert {k: last[k] for k in ("rated", "satisfaction", "unrated", "bad", "open_cases", "overdue_cases")} == \
           {"rated": 2, "satisfaction": 0.5, "unrated": 0, "bad": 1, "open_cases": 1, "overdue_cases": 0}
    sock.disconnect(namespace="/hall")


def test_an_open_case_becomes_overdue_past_its_working_days(app, clerk, clock):
    from hall.rating_screens import board_figures
    hall = app.extensions["hallq"]
    t = served(app, clerk)
    tablet(app, 1, ticket_id=t["id"], level="dissatisfied")
    assert (board_figures(hall)["open_cases"], board_figures(hall)["overdue_cases"]) == (1, 0)
    clock.advance(days=12)               # Friday 27 Nov + 5 working days is Friday 4 Dec
    hall.tick()
    figures = board_figures(hall)
    assert (figures["business_day"], figures["rated"], figures["open_cases"], figures["overdue_cases"]) == \
           ("2026-12-09", 0, 1, 1)


def test_the_phone_shortcut_for_a_ticket_in_line_agrees_with_the_served_steps(app, clerk):
    """`may_have_served_steps` lets the phone progress skip the rating work of a ticket in line;
    across a ticket's life it is False only where `served_steps` is empty."""
    from hall import ratings as rules
    h = app.extensions["hallq"]
    waiting = issue(app, "A")
    transferred, finished, gone = issue(app, "A"), issue(app, "A"), issue(app, "A")
    seen = []

    def look(label, t):
        ticket = h.ticket_by_token(t["token"])
        seen.append((label, rules.may_have_served_steps(ticket), len(rules.served_steps(ticket))))

    look("waiting", waiting)
    for action in ("call-next", "start"):
        clerk[1].post(f"/api/windows/1/{action}")
    look("serving", waiting)
    clerk[1].post("/api/windows/1/transfer", json={"service": "B"})
    look("transferred, waiting for B", waiting)
    clerk[1].post("/api/windows/1/call", json={"ticket": transferred["number"]})
    look("called", transferred)
    clerk[1].post("/api/windows/1/no-show")
    look("no-show", transferred)
    clerk[1].post("/api/windows/1/call", json={"ticket": finished["number"]})
    for action in ("start", "finish"):
        clerk[1].post(f"/api/windows/1/{action}")
    look("finished", finished)
    assert seen == [("waiting", False, 0), ("serving", False, 0), ("transferred, waiting for B", True, 1),
                    ("called", False, 0), ("no-show", False, 0), ("finished", True, 1)]
    # The phone of a ticket in line is sent what the full rule gives it: nothing to rate yet.
    with h._lock:
        ticket = h.ticket_by_token(gone["token"])
        offer = rules.phone_offer(ticket, lambda step: rules.NOTHING, h.clock(), h.config.ratings)
    assert (offer.open, offer.rated, offer.late) == ([], [], [])
    assert h.progress(gone["token"])["rating"] == {
        "steps": [], "until": None, "rated": [], "too_late": None, "reasons": [],
        "comment_chars": h.config.ratings.comment_chars}
