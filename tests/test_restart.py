"""A power cut mid-day: kill -9 the real server and start it again; the queue is unchanged."""
from __future__ import annotations

import requests

from tests.server import ServerProcess
from hall import auth
from hall.store import Store
from hall.clock import system_now


def test_kill_9_and_restart_restores_the_same_queue(tmp_path):
    data = tmp_path / "data"
    store = Store(data / "hallq.db")
    store.put_user("zhang", "张敏", "staff", auth.hash_password("secret-pw-1"), system_now())
    store.close()

    server = ServerProcess(data).start()
    try:
        s = requests.Session()
        issued = [s.post(server.url + "/api/tickets", json={"service": svc}).json()["ticket"]["number"]
                  for svc in ["A", "B", "A", "F", "A", "B"]]
        assert issued == ["A001", "B001", "A002", "F001", "A003", "B002"]
        r = s.post(server.url + "/api/login", json={"username": "zhang", "password": "secret-pw-1", "window": 1})
        assert r.ok
        s.headers["X-HallQ-CSRF"] = r.json()["csrf"]   # every change of a session carries its token
        assert s.post(server.url + "/api/windows/1/call-next").json()["ticket"]["number"] == "A001"
        before = s.get(server.url + "/api/state").json()
        server.kill()

        server = ServerProcess(data)
        server.start()
        after = s.get(server.url + "/api/state").json()   # as the same signed-in clerk sees it
        assert [t["number"] for t in after["waiting"]] == ["B001", "A002", "F001", "A003", "B002"]
        assert after["waiting"] == before["waiting"]
        assert after["windows"] == before["windows"]
        assert after["seq"] == before["seq"]
        # numbering goes on where it stopped; the session cookie survives too
        assert s.post(server.url + "/api/tickets", json={"service": "A"}).json()["ticket"]["number"] == "A004"
        assert s.post(server.url + "/api/windows/1/start").json()["ticket"]["number"] == "A001"
    finally:
        server.kill()
