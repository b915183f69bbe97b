"""The device lab presses keypads and raters with no sign-in: it answers only this PC unless told otherwise."""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from hall.cli import _parser
from hall.lab import FROM_ANYWHERE, bp as lab_bp


@pytest.fixture
def lab(app):
    pressed = []
    serial = SimpleNamespace(press=lambda kind, device, key: pressed.append((kind, device, key)),
                             state=lambda: {"raters": []})
    app.extensions["hallq_simulators"] = SimpleNamespace(printer=None, serial=serial)
    app.register_blueprint(lab_bp)
    return app, pressed


REQUESTS = [("get", "/devices"), ("get", "/api/lab"), ("post", "/api/lab/rater/1/press"),
            ("post", "/api/lab/printer")]


@pytest.mark.parametrize("method, path", REQUESTS)
@pytest.mark.parametrize("address", ["192.168.1.23", "10.0.0.7", "fe80::1", "::ffff:192.168.1.23"])
def test_the_lab_refuses_another_machine_and_says_how_to_allow_it(lab, method, path, address):
    app, pressed = lab
    client = app.test_client()
    r = getattr(client, method)(path, json={"key": 1}, environ_base={"REMOTE_ADDR": address})
    assert r.status_code == 403
    error = r.get_json()["error"]
    assert error["code"] == "lab_local_only"
    assert "--lab-from-anywhere" in error["message"] and "--lab-from-anywhere" in error["message_en"]
    assert pressed == []


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
def test_the_lab_answers_this_pc(lab, address):
    app, pressed = lab
    client = app.test_client()
    assert client.get("/api/lab", environ_base={"REMOTE_ADDR": address}).status_code == 200
    assert client.post("/api/lab/rater/1/press", json={"key": 1},
                       environ_base={"REMOTE_ADDR": address}).status_code == 200
    assert pressed == [("rater", "1", 1)]


def test_the_lab_answers_anywhere_when_the_demo_is_told_so(lab):
    app, pressed = lab
    app.config[FROM_ANYWHERE] = True
    r = app.test_client().post("/api/lab/rater/1/press", json={"key": 2},
                               environ_base={"REMOTE_ADDR": "192.168.1.23"})
    assert r.status_code == 200
    assert pressed == [("rater", "1", 2)]


def test_only_the_demo_has_the_flag_and_it_is_off_by_default():
    assert _parser().parse_args(["demo"]).lab_from_anywhere is False
    assert _parser().parse_args(["demo", "--lab-from-anywhere"]).lab_from_anywhere is True
    with pytest.raises(SystemExit):
        _parser().parse_args(["serve", "--config", "x.toml", "--lab-from-anywhere"])


def test_the_production_app_has_no_lab(app):
    client = app.test_client()
    assert client.get("/devices").status_code == 404
    assert client.post("/api/lab/rater/1/press", json={"key": 1}).status_code == 404


@pytest.fixture
def clock_app(app, clock):
    """The app as `hallq demo --fake-clock` builds it."""
    from hall.lab import clock_bp
    app.extensions["hallq_clock"] = clock
    app.register_blueprint(clock_bp)
    return app


def test_the_fake_clock_moves_the_halls_time_forward_and_ticks_it(clock_app, clock):
    ticked = []
    hall = clock_app.extensions["hallq"]
    hall.tick = lambda: ticked.append(clock())
    start = clock()
    r = clock_app.test_client().post("/api/lab/clock", json={"minutes": 31})
    assert r.status_code == 200
    assert r.get_json() == {"now": "2026-11-27T09:31:00+08:00"}
    assert clock() - start == timedelta(minutes=31) and ticked == [clock()]


@pytest.mark.parametrize("minutes", [-1, 1441, "5", True, None])
def test_the_fake_clock_refuses_a_move_that_is_not_minutes_forward(clock_app, clock, minutes):
    start = clock()
    r = clock_app.test_client().post("/api/lab/clock", json={"minutes": minutes})
    assert (r.status_code, r.get_json()["error"]["code"]) == (400, "invalid_field")
    assert clock() == start


def test_the_fake_clock_answers_this_pc_only(clock_app):
    r = clock_app.test_client().post("/api/lab/clock", json={"minutes": 1}, environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert (r.status_code, r.get_json()["error"]["code"]) == (403, "lab_local_only")


def test_only_the_demo_has_a_fake_clock_and_it_is_off_by_default():
    assert _parser().parse_args(["demo"]).fake_clock is False
    assert _parser().parse_args(["demo", "--fake-clock"]).fake_clock is True
