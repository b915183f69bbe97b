"""Everything that reads the configuration reads the version in force, at use time.

The app seeds a new hall's database with its file; later starts run on the
database's latest version; a version applied through the hall reaches the SMS
gateway's notifier, the origin check, the pages and the printer seam at once.
"""
from __future__ import annotations

import dataclasses

from config import load_config
from hall.app import create_app
from tests.conftest import login
from tests.hall.test_progress_notify import Gateway, wait_for


def test_a_new_hall_is_seeded_and_a_later_start_runs_on_the_database(tmp_path, config, clock):
    app = create_app(config, data_dir=tmp_path / "d", clock=clock, testing=True)
    hall = app.extensions["hallq"]
    assert [(v["version"], v["source"]) for v in hall.store.config_versions()] == [(1, "seed")]
    assert app.extensions["hallq_config_warning"] is None
    hall.apply_config(dataclasses.replace(hall.config, name="新名字政务服务中心"), by="admin")
    hall.bus.close()
    hall.store.close()

    again = create_app(load_config(), data_dir=tmp_path / "d", clock=clock, testing=True)
    try:
        assert again.extensions["hallq"].config.name == "新名字政务服务中心"
        assert again.extensions["hallq"].config_version == 2
        warning = again.extensions["hallq_config_warning"]
        assert "第 2 版" in warning["message"] and "hallq config import" in warning["message_en"]
        assert "新名字政务服务中心" in again.test_client().get("/").get_data(as_text=True)
    finally:
        again.extensions["hallq"].bus.close()
        again.extensions["hallq"].store.close()


def test_a_gateway_added_by_a_new_version_is_told_from_then_on(app, client, clock):
    hall = app.extensions["hallq"]
    gw = Gateway()
    try:
        for _ in range(4):
            client.post("/api/tickets", json={"service": "A"})
        notify = dataclasses.replace(hall.config.notify, url=gw.url, when_ahead=1)
        hall.apply_config(dataclasses.replace(hall.config, notify=notify), by="admin")
        login(client, window=2)                       # a window opens: A001 and A002 are near the front
        assert wait_for(lambda: [b["number"] for b in gw.bodies] == ["A001", "A002"])
        client.post("/api/windows/2/call-next")      # A001 called: A003 has 1 ahead
        assert wait_for(lambda: [b["number"] for b in gw.bodies] == ["A001", "A002", "A003"])
    finally:
        gw.close()


def test_an_address_added_by_a_new_version_may_make_changes_at_once(app, client):
    hall = app.extensions["hallq"]
    origin = "http://192.168.1.10:8000"
    assert client.post("/api/tickets", json={"service": "A"}, headers={"Origin": origin}).status_code == 403
    hall.apply_config(dataclasses.replace(hall.config, origins=(origin,)), by="admin")
    assert client.post("/api/tickets", json={"service": "A"}, headers={"Origin": origin}).status_code == 201


def test_the_printer_seam_asks_the_device_manager_in_force(app, client):
    manager = app.extensions["hallq_devices"]
    assert app.extensions["hallq_printer"] == manager.print_ticket
    body = client.post("/api/tickets", json={"service": "A"}).get_json()
    assert body["print"]["status"] == "not_configured"
