"""The phone progress page's data and QR code, and the SMS gateway webhook."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


from config import DEFAULT_CONFIG_PATH, parse_config
from hall.app import create_app
from tests.conftest import login


def test_progress_follows_the_ticket(client):
    client.post("/api/tickets", json={"service": "A"})
    body = client.post("/api/tickets", json={"service": "A"}).get_json()
    token = body["token"]
    p = client.get(f"/api/progress/{token}").get_json()
    assert (p["ticket"]["number"], p["ahead"], p["wait_minutes"]) == ("A002", 1, None)
    login(client, window=2)
    p = client.get(f"/api/progress/{token}").get_json()
    hall = client.application.extensions["hallq"]
    mine = next(t for t in hall.state.waiting() if t.token == token)
    assert (p["ahead"], p["wait_minutes"]) == (1, hall.wait_minutes(mine)) and p["wait_minutes"] > 0
    client.post("/api/windows/2/call-next")
    client.post("/api/windows/2/start")
    client.post("/api/windows/2/call-next")
    p = client.get(f"/api/progress/{token}").get_json()
    assert (p["ticket"]["status"], p["window_name"], p["ahead"], p["wait_minutes"]) == ("called", "2号窗口", 0, None)
    client.post("/api/windows/2/no-show")
    p = client.get(f"/api/progress/{token}").get_json()
    assert p["ticket"]["status"] == "no_show" and p["rejoin_until"] == "2026-11-27T09:30:00+08:00"
    p = client.post(f"/api/progress/{token}/rejoin").get_json()
    assert p["ticket"]["status"] == "waiting"


def test_progress_page_and_qr(client):
    token = client.post("/api/tickets", json={"service": "B"}).get_json()["token"]
    page = client.get(f"/t/{token}")
    assert page.status_code == 200 and f'data-token="{token}"' in page.get_data(as_text=True)
    qr = client.get(f"/t/{token}/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml" and b"<svg" in qr.get_data()
    assert client.get("/t/not-a-token").status_code == 404
    r = client.get("/api/progress/not-a-token")
    assert (r.status_code, r.get_json()["error"]["code"]) == (404, "unknown_ticket")


class Gateway:
    """A local fake SMS gateway: records each POST, or hangs when told to."""

    def __init__(self, hang: float = 0.0):
        self.bodies = []
        self.hang = hang
        gw = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                gw.bodies.append(json.loads(self.rfile.read(length)))
                time.sleep(gw.hang)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def notify_app(tmp_path, clock, gateway, timeout=3):
    # One future of averages (hall/estimate.py), so the wait the gateway is told is exact to the minute.
    text = DEFAULT_CONFIG_PATH.read_text(encoding="utf-8").replace("[queue]\n", "[queue]\nestimate_futures = 0\n") + (
        f'\n[notify]\nurl = "{gateway.url}"\nwhen_ahead = 2\ntimeout_seconds = {timeout}\n'
        'base_url = "http://hall.local:8000"\n')
    app = create_app(parse_config(text), data_dir=tmp_path / "d", clock=clock, testing=True)
    from hall import auth
    app.extensions["hallq"].store.put_user("zhang", "张敏", "staff", auth.hash_password("secret-pw-1"), clock())
    return app


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_gateway_is_told_once_when_a_ticket_is_near_the_front(tmp_path, clock):
    gw = Gateway()
    app = notify_app(tmp_path, clock, gw)
    try:
        c = app.test_client()
        tokens = [c.post("/api/tickets", json={"service": "A"}).get_json()["token"] for _ in range(5)]
        login(c, window=2)
        # A001..A003 started near the front: their holders are still at the kiosk, nobody is told
        c.post("/api/windows/2/call-next")            # A001 called: A004 now has 2 ahead
        assert wait_for(lambda: len(gw.bodies) == 1)
        c.post("/api/windows/2/start")
        clock.advance(minutes=6)                      # A001 took 6 minutes: the estimate learns it
        c.post("/api/windows/2/call-next")            # A005 now has 2 ahead
        assert wait_for(lambda: len(gw.bodies) == 2)
        c.post("/api/windows/2/start")
        c.post("/api/windows/2/call-next")
        time.sleep(0.3)
        assert [b["number"] for b in gw.bodies] == ["A004", "A005"]
        assert gw.bodies[1] == {"event": "ticket_near", "hall": "示范市政务服务中心", "number": "A005", "service": "A",
                                "service_name": "行政审批", "ahead": 2, "wait_minutes": 18, "token": tokens[4],
                                "progress_url": f"http://hall.local:8000/t/{tokens[4]}"}
    finally:
        app.extensions["hallq"].bus.close()
        gw.close()


def test_a_hanging_gateway_never_slows_a_call(tmp_path, clock):
    gw = Gateway(hang=3)
    app = notify_app(tmp_path, clock, gw, timeout=0.5)
    try:
        c = app.test_client()
        for _ in range(6):
            c.post("/api/tickets", json={"service": "A"})
        login(c, window=2)
        for _ in range(3):
            r = c.post("/api/windows/2/call-next")
            assert r.status_code == 200
            c.post("/api/windows/2/start")
        # the calls were answered while the gateway hung; the notifier gave up on it and carries on
        notifier = app.extensions["hallq_notifier"]
        assert wait_for(lambda: notifier.failed >= 1)
        assert [t["number"] for t in c.get("/api/state").get_json()["waiting"]] == ["A004", "A005", "A006"]
    finally:
        app.extensions["hallq"].bus.close()
        gw.close()


def test_a_restart_tells_nobody_twice(tmp_path, clock):
    """What each ticket's message came to is stored: after a restart nobody near the front is told again."""
    gw = Gateway()
    app = notify_app(tmp_path, clock, gw)
    try:
        c = app.test_client()
        for _ in range(5):
            c.post("/api/tickets", json={"service": "A"})
        login(c, window=2)
        c.post("/api/windows/2/call-next")            # A001 called: A004 now has 2 ahead
        assert wait_for(lambda: len(gw.bodies) == 1)
        hall = app.extensions["hallq"]
        day = hall.state.business_day
        # A001..A003 started near the front (skipped), A004 was told (stored once the gateway answered)
        assert wait_for(lambda: sorted(hall.store.notices_of_day(day).values())
                        == ["sent", "skipped", "skipped", "skipped"])
    finally:
        app.extensions["hallq"].bus.close()
        app.extensions["hallq"].store.close()
    app = notify_app(tmp_path, clock, gw)             # the server restarts on the same data
    try:
        c = app.test_client()
        login(c, window=2)
        c.post("/api/windows/2/start")
        c.post("/api/windows/2/finish")
        c.post("/api/windows/2/call-next")            # A002 called: A005 now has 2 ahead; A003, A004 were settled
        assert wait_for(lambda: len(gw.bodies) == 2)
        time.sleep(0.3)
        assert [b["number"] for b in gw.bodies] == ["A004", "A005"]
    finally:
        app.extensions["hallq"].bus.close()
        gw.close()
