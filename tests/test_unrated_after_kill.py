"""kill -9 the real server between a finish and its rating time: after the restart every finished
ticket of a window with a rater ends with exactly one record, its rating or "unrated"."""
from __future__ import annotations

import sqlite3
import time

import requests

from hall import auth
from hall.clock import system_now
from hall.store import Store
from tests.server import ROOT, ServerProcess, free_port

RATER = f"""
[[devices.rater]]
id = "rater-1"
link = "socket://127.0.0.1:{free_port()}"   # nobody listens: the rater is faulted, the hall still decides
address = 11
window = 1
rating_timeout = 3
"""


def _records(db) -> dict:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
        rows = c.execute("SELECT t.number, count(r.id), max(r.level) FROM tickets t LEFT JOIN ratings r"
                         " ON r.ticket_id = t.id WHERE t.status = 'finished' GROUP BY t.id ORDER BY t.id").fetchall()
    return {number: (count, level) for number, count, level in rows}


def test_every_finished_ticket_ends_rated_or_unrated_after_a_kill(tmp_path):
    data = tmp_path / "data"
    config = tmp_path / "hall.toml"
    config.write_text((ROOT / "config" / "hall.toml").read_text(encoding="utf-8") + RATER, encoding="utf-8")
    store = Store(data / "hallq.db")
    store.put_user("zhang", "张敏", "staff", auth.hash_password("secret-pw-1"), system_now())
    store.close()
    server = ServerProcess(data, extra=["--config", str(config)]).start()
    try:
        s = requests.Session()
        for _ in range(3):
            assert s.post(server.url + "/api/tickets", json={"service": "A"}).status_code == 201
        r = s.post(server.url + "/api/login", json={"username": "zhang", "password": "secret-pw-1", "window": 1})
        s.headers["X-HallQ-CSRF"] = r.json()["csrf"]
        for _ in range(3):
            assert s.post(server.url + "/api/windows/1/call-next").ok
            assert s.post(server.url + "/api/windows/1/finish").ok
        # Killed within A003's rating time. The rater, armed with each finished ticket in turn as a
        # real one is, may have recorded A001's and A002's "unrated" as the next took it; A003 has nothing.
        server.kill()
        before = _records(data / "hallq.db")
        assert before["A003"] == (0, None) and all(n <= 1 for n, _ in before.values())

        server = ServerProcess(data, extra=["--config", str(config)]).start()
        deadline = time.monotonic() + 40     # rating_timeout + the hall's grace, at the next tick
        while time.monotonic() < deadline and any(n == 0 for n, _ in _records(data / "hallq.db").values()):
            time.sleep(0.5)
        assert _records(data / "hallq.db") == {"A001": (1, None), "A002": (1, None), "A003": (1, None)}
        time.sleep(1)                         # and nothing more comes after
        assert _records(data / "hallq.db") == {"A001": (1, None), "A002": (1, None), "A003": (1, None)}
    finally:
        server.kill()
