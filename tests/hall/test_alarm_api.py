"""The alarms' API (GET /api/alarms, POST /api/alarms/<id>/acknowledge) and the board's socket."""
from __future__ import annotations

import json

import pytest

from tests.conftest import login
from tests.hall.test_push_rooms import connect, received


@pytest.fixture
def alarms(app, clock):
    """Three alarms of 27 Nov: B's line (open), A's wait (cleared at 09:35), a bad rating (open)."""
    hall = app.extensions["hallq"]
    hall.issue_ticket("A")
    clock.advance(minutes=31)
    for _ in range(21):
        hall.issue_ticket("B")
    hall.tick()                                          # 09:31: long_wait A (id 1), long_queue B (id 2)
    clock.advance(minutes=4)
    hall.open_window(1, "zhang", "张敏")
    hall.call_next(1)
    hall.tick()                                          # 09:35: A's wait is over
    hall.start(1)
    clock.advance(minutes=2)
    hall.finish(1)
    t = next(t for t in hall.state.tickets.values() if t.number == "A001")
    hall.record_rating(t.id, 1, "zhang", "very_dissatisfied", "tablet")     # 09:37: bad_rating (id 3), at once
    return hall


def manager(client):
    login(client, "manager", window=None)
    return client


def test_the_open_alarms_newest_first_and_the_history_open_ones_first(alarms, client):
    manager(client)
    opened = client.get("/api/alarms").get_json()["alarms"]
    assert [(a["id"], a["kind"], a["subject"]) for a in opened] == [(3, "bad_rating", "1"), (2, "long_queue", "B")]
    assert opened[1]["message"].startswith("社会保障排队 21 人，超过 20 人。")
    every = client.get("/api/alarms?status=all").get_json()["alarms"]
    assert [a["id"] for a in every] == [3, 2, 1]
    assert every[2]["cleared_at"] == "2026-11-27T09:35:00+08:00"
    assert set(every[0]) == {"id", "kind", "subject", "business_day", "raised_at", "detail", "message", "message_en",
                             "acknowledged_by", "acknowledged_at", "note", "cleared_at"}


@pytest.mark.parametrize("query, ids", [
    ("status=all&kind=long_wait", [1]),
    ("kind=long_wait", []),
    ("status=all&from=2026-11-27&to=2026-11-27", [3, 2, 1]),
    ("status=all&from=2026-11-28", []),
    ("status=all&to=2026-11-26", []),
    ("status=all&limit=2", [3, 2]),
    ("status=all&kind=", [3, 2, 1]),
])
def test_the_history_filters(alarms, client, query, ids):
    manager(client)
    assert [a["id"] for a in client.get(f"/api/alarms?{query}").get_json()["alarms"]] == ids


@pytest.mark.parametrize("query, sentence", [
    ("status=closed", "参数 status 只能是 open（未消除的告警）或 all（全部告警）。"),
    ("kind=noise", "没有“noise”这类告警，请选择：long_wait、long_queue、service_overtime、window_paused、"
                   "window_unstaffed、device_fault、bad_rating、case_overdue。"),
    ("from=27/11/2026", "参数 from 应为日期，如 2026-11-27，收到的是 '27/11/2026'。"),
    ("from=2026-11-28&to=2026-11-27", "结束日期（to）不能早于开始日期（from）。"),
    ("limit=0", "参数 limit 必须是不小于 1 的整数，收到的是 '0'。"),
])
def test_a_wrong_filter_is_refused_with_a_sentence(app, client, query, sentence):
    manager(client)
    r = client.get(f"/api/alarms?{query}")
    assert r.status_code == 400
    assert (r.get_json()["error"]["code"], r.get_json()["error"]["message"]) == ("invalid_field", sentence)


def test_a_manager_acknowledges_once_with_a_note(alarms, app, client, clock):
    manager(client)
    clock.advance(minutes=3)
    r = client.post("/api/alarms/2/acknowledge", json={"note": "已开3号窗口"})
    assert r.status_code == 200
    alarm = r.get_json()["alarm"]
    assert (alarm["id"], alarm["acknowledged_by"], alarm["acknowledged_at"], alarm["note"], alarm["cleared_at"]) == (
        2, "manager", "2026-11-27T09:40:00+08:00", "已开3号窗口", None)
    log = [e for e in alarms.store.events_since(0) if e["event"] == "alarm_acknowledged"]
    assert [e["alarm"] for e in log] == [alarm]
    again = client.post("/api/alarms/2/acknowledge", json={})
    assert again.status_code == 409
    assert again.get_json()["error"] == {
        "code": "alarm_acknowledged", "message": "这条告警已由 manager 于 2026-11-27 09:40 确认，无需再次确认。",
        "message_en": "This alarm was acknowledged by manager at 2026-11-27 09:40; it needs no second acknowledgement."}
    # the cleared one too, with no note
    r = client.post("/api/alarms/1/acknowledge")
    assert r.status_code == 200 and r.get_json()["alarm"]["note"] == ""


@pytest.mark.parametrize("body, status, code", [
    ({"note": 7}, 400, "invalid_field"),
    ({"note": "长" * 501}, 400, "invalid_field"),
])
def test_a_bad_note_is_refused(alarms, client, body, status, code):
    manager(client)
    r = client.post("/api/alarms/2/acknowledge", json=body)
    assert (r.status_code, r.get_json()["error"]["code"]) == (status, code)
    assert alarms.store.alarm(2).acknowledged_at is None


def test_an_unknown_alarm_is_404(app, client):
    manager(client)
    r = client.post("/api/alarms/99/acknowledge", json={})
    assert (r.status_code, r.get_json()["error"]["code"]) == (404, "unknown_alarm")


def test_acknowledging_needs_a_manager_and_the_sessions_csrf_token(alarms, app, client):
    r = app.test_client().get("/api/alarms")
    assert (r.status_code, r.get_json()["error"]["code"]) == (401, "not_signed_in")
    clerk = app.test_client()
    login(clerk, "zhang", window=1)
    for r in (clerk.get("/api/alarms"), clerk.post("/api/alarms/2/acknowledge", json={})):
        assert (r.status_code, r.get_json()["error"]["code"]) == (403, "forbidden")
    manager(client)
    del client.environ_base["HTTP_X_HALLQ_CSRF"]
    r = client.post("/api/alarms/2/acknowledge", json={})
    assert (r.status_code, r.get_json()["error"]["code"]) == (403, "csrf")
    assert alarms.store.alarm(2).acknowledged_at is None


def test_the_board_is_told_the_open_alarms_and_hears_each_the_screens_and_counters_none(alarms, app, client, clock):
    manager(client)
    board = connect(app, client, audience="board")
    snap = received(board, until=lambda g: any(e["name"] == "snapshot" for e in g))
    snap = next(e["args"][0] for e in snap if e["name"] == "snapshot")
    assert [a["id"] for a in snap["alarms"]] == [3, 2]
    screen = connect(app, audience="screens")
    clerk = app.test_client()
    login(clerk, "li", window=4)
    counter = connect(app, clerk, audience="counter", window=4)
    for c in (screen, counter):
        first = received(c, until=lambda g: g)
        assert "alarms" not in first[0]["args"][0]
    client.post("/api/alarms/3/acknowledge", json={"note": "核实中"})
    alarms.case_action(1, "verify", {"username": "manager", "role": "manager"}, note="属实")
    got = received(board, until=lambda g: any(e["name"] == "alarm_cleared" for e in g))
    names = [e["name"] for e in got if e["name"].startswith("alarm_")]
    assert names == ["alarm_acknowledged", "alarm_cleared"]
    cleared = next(e["args"][0] for e in got if e["name"] == "alarm_cleared")
    assert cleared["alarm"]["id"] == 3 and cleared["alarm"]["note"] == "核实中" and "seq" in cleared
    for c in (screen, counter):
        text = json.dumps([e["args"] for e in received(c, timeout=0.3)], ensure_ascii=False)
        assert "alarm" not in text
