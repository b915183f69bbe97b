"""Shared fixtures: a hall on a real SQLite file with a fake clock, the Flask app, clients."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from config import load_config
from hall import auth
from hall.clock import FakeClock
from hall.hall import Hall
from hall.store import Store

TZ = ZoneInfo("Asia/Shanghai")
PASSWORD = "secret-pw-1"
# The city's PostgreSQL fixtures (city_dsn: one server for the whole session; city_conn), for tests/city and e2e.
pytest_plugins = ["tests.city.citydb"]


@pytest.fixture
def config():
    return load_config()


@pytest.fixture
def clock():
    return FakeClock(datetime(2026, 11, 27, 9, 0, tzinfo=TZ))


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "hallq.db")
    yield s
    s.close()


@pytest.fixture
def hall(config, store, clock):
    h = Hall(config, store, clock=clock)
    yield h
    h.bus.close()


@pytest.fixture
def app(tmp_path, config, clock):
    from hall.app import create_app
    app = create_app(config, data_dir=tmp_path / "data", clock=clock, testing=True)
    store = app.extensions["hallq"].store
    for username, name, role in (("zhang", "张敏", "staff"), ("li", "李强", "staff"),
                                 ("manager", "陈主任", "manager")):
        store.put_user(username, name, role, auth.hash_password(PASSWORD), clock())
    yield app
    app.extensions["hallq"].bus.close()
    store.close()


@pytest.fixture
def client(app):
    return app.test_client()


def login(client, username="zhang", window=1, password=PASSWORD):
    body = {"username": username, "password": password}
    if window is not None:
        body["window"] = window
    r = client.post("/api/login", json=body)
    assert r.status_code == 200, r.get_json()
    # The client then sends the session's CSRF token with every request, as the pages do.
    client.environ_base["HTTP_X_HALLQ_CSRF"] = r.get_json()["csrf"]
    return r.get_json()
