"""The configuration's API (admin/config_api.py): the whole configuration out and back in, a window
added that a clerk signs in to at once, each refusal as its sentence with the field it names, an
import and an export that read back the same, the audit log and the push."""
from __future__ import annotations

import time

import pytest

from hall import auth
from tests.conftest import PASSWORD, login


@pytest.fixture
def admin(app, clock):
    app.extensions["hallq"].store.put_user("boss", "系统管理员", "admin", auth.hash_password(PASSWORD), clock())
    c = app.test_client()
    login(c, "boss", window=None)
    return c


def error(r) -> tuple[int, str]:
    return r.status_code, r.get_json()["error"]["code"]


def _with_window_9(config: dict) -> dict:
    config["windows"].append({"id": 9, "name": "9号窗口", "services": ["A"], "helps": ["C"]})
    return config


def test_the_configuration_goes_out_whole_as_the_hall_files_data(admin):
    body = admin.get("/api/admin/config").get_json()
    assert (body["version"], body["by"], body["source"], body["retired"]) == (1, "hallq", "seed", [])
    config = body["config"]
    assert config["hall"]["name"] == "示范市政务服务中心"
    assert [w["id"] for w in config["windows"]] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert config["services"][0]["matters"][0]["materials"][0] == "公司登记（备案）申请书"
    assert config["services"][0]["hours"] == [] and config["queue"]["max_recalls"] == 2


def test_a_window_added_is_signed_in_to_and_calls_at_once(app, admin, client):
    config = admin.get("/api/admin/config").get_json()["config"]
    r = admin.put("/api/admin/config", json={"version": 1, "config": _with_window_9(config), "note": "九号窗口开放"})
    assert r.status_code == 200
    assert (r.get_json()["version"], r.get_json()["changed"]) == (2, ["windows"])
    assert r.get_json()["current"]["config"]["windows"][-1]["helps"] == ["C"]
    client.post("/api/tickets", json={"service": "A"})
    login(client, "zhang", window=9)
    called = client.post("/api/windows/9/call-next")
    assert called.status_code == 200 and called.get_json()["ticket"]["number"] == "A001"
    versions = admin.get("/api/admin/config/versions").get_json()
    assert [(v["version"], v["by"], v["source"], v["note"]) for v in versions["versions"]] == [
        (2, "boss", "browser", "九号窗口开放"), (1, "hallq", "seed", versions["versions"][1]["note"])]


def test_the_change_is_in_the_audit_log_with_before_and_after(admin):
    config = admin.get("/api/admin/config").get_json()["config"]
    admin.put("/api/admin/config", json={"version": 1, "config": _with_window_9(config)})
    entries = admin.get("/api/admin/audit?action=config_changed").get_json()["entries"]
    assert [(e["username"], e["action"], e["target"]) for e in entries] == [
        ("boss", "config_changed", "version 2: windows")]
    assert len(entries[0]["before"]["windows"]) == 8 and entries[0]["after"]["windows"][-1]["id"] == 9


@pytest.mark.parametrize("change, field, fragment", [
    (lambda c: c["windows"].append({"id": 9, "services": ["Q"]}), "windows[8].services",
     "9号窗口 (window 9): services names 'Q', which is not a service"),
    (lambda c: c["services"][0]["matters"][0].update(materials_en=["only one"]), "services[0].matters[0].materials_en",
     "the 5 texts of `materials` in English, in the same order"),
    (lambda c: c["windows"][1].update(id=1), "windows[1].id", "is used twice"),
    (lambda c: c["services"][2].update(daily_quota="lots"), "services[2].daily_quota", "a whole number from 1 to 99999"),
    (lambda c: c["windows"][0].update(breaks=[["12:45", "12:00"]]), "windows[0].breaks[0]", "the first before the second"),
])
def test_a_refused_configuration_names_its_field_and_changes_nothing(app, admin, change, field, fragment):
    config = admin.get("/api/admin/config").get_json()["config"]
    change(config)
    r = admin.put("/api/admin/config", json={"version": 1, "config": config})
    assert error(r) == (400, "invalid_config")
    err = r.get_json()["error"]
    assert err["field"] == field and fragment in err["message"] and err["message"].startswith("配置未保存，请改正：")
    assert err["message_en"].startswith("The configuration was not saved: ") and err["message_en"].endswith(".")
    assert app.extensions["hallq"].config_version == 1
    assert len(app.extensions["hallq"].store.config_versions()) == 1


def test_a_change_made_from_an_older_version_is_refused(admin):
    config = admin.get("/api/admin/config").get_json()["config"]
    assert admin.put("/api/admin/config", json={"version": 1, "config": _with_window_9(config)}).status_code == 200
    config["hall"]["name"] = "改名"
    r = admin.put("/api/admin/config", json={"version": 1, "config": config})
    assert error(r) == (409, "config_changed_meanwhile") and "第 2 版" in r.get_json()["error"]["message"]


def test_removing_a_window_someone_is_signed_in_to_is_refused(admin, client):
    login(client, "zhang", window=1)
    config = admin.get("/api/admin/config").get_json()["config"]
    config["windows"] = config["windows"][1:]
    r = admin.put("/api/admin/config", json={"version": 1, "config": config})
    assert error(r) == (409, "window_in_use") and "张敏" in r.get_json()["error"]["message"]


def test_nothing_changed_stores_nothing(app, admin):
    config = admin.get("/api/admin/config").get_json()["config"]
    r = admin.put("/api/admin/config", json={"version": 1, "config": config})
    assert r.get_json() == {"version": 1, "changed": []}
    assert len(app.extensions["hallq"].store.config_versions()) == 1


def test_an_export_imported_again_changes_nothing_and_an_edited_one_is_a_version(app, admin):
    exported = admin.get("/api/admin/config/export")
    assert exported.mimetype == "application/toml"
    assert exported.headers["Content-Disposition"] == 'attachment; filename="hallq-demo-city-v1.toml"'
    text = exported.get_data(as_text=True)
    assert admin.post("/api/admin/config/import", json={"toml": text, "version": 1}).get_json() == {
        "version": 1, "changed": []}
    edited = text.replace('name = "示范市政务服务中心"', 'name = "新河镇便民服务中心"')
    r = admin.post("/api/admin/config/import", json={"toml": edited, "version": 1, "note": "改名"})
    assert (r.get_json()["version"], r.get_json()["changed"]) == (2, ["hall"])
    assert app.extensions["hallq"].config.name == "新河镇便民服务中心"
    row = app.extensions["hallq"].store.config_version(2)
    assert (row["source"], row["note"]) == ("import", "改名")
    old = admin.get("/api/admin/config?version=1").get_json()
    assert old["config"]["hall"]["name"] == "示范市政务服务中心"
    assert error(admin.get("/api/admin/config?version=7")) == (404, "unknown_version")


def test_an_import_that_is_not_toml_names_the_line(admin):
    r = admin.post("/api/admin/config/import", json={"toml": "[hall\nname = 1\n", "version": 1})
    assert error(r) == (400, "invalid_config")
    assert "is not valid TOML" in r.get_json()["error"]["message"] and "line 1" in r.get_json()["error"]["message"]


def test_bad_device_settings_name_the_device(admin):
    config = admin.get("/api/admin/config").get_json()["config"]
    config["devices"] = {"led": [{"id": "strip-1", "link": "socket://127.0.0.1:1", "address": "one"}]}
    r = admin.put("/api/admin/config", json={"version": 1, "config": config})
    assert error(r) == (400, "invalid_config") and r.get_json()["error"]["field"] == "devices.led[0]"


def test_screens_hear_which_sections_changed_never_by_whom(app, admin, client):
    socketio = app.extensions["socketio"]
    screen = socketio.test_client(app, namespace="/hall", flask_test_client=client)
    screen.get_received("/hall")
    config = admin.get("/api/admin/config").get_json()["config"]
    admin.put("/api/admin/config", json={"version": 1, "config": _with_window_9(config), "note": "私人说明"})
    got = []
    deadline = time.monotonic() + 5
    while not got and time.monotonic() < deadline:
        got = [e for e in screen.get_received("/hall") if e["name"] == "config_changed"]
        time.sleep(0.02)
    assert got and {k: got[0]["args"][0][k] for k in ("version", "changed")} == {"version": 2, "changed": ["windows"]}
    assert not {"by", "note", "source"} & set(got[0]["args"][0])
    screen.disconnect(namespace="/hall")
