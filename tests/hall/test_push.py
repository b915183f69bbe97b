"""Live push: a Socket.IO client gets a snapshot, then events with increasing seq."""
from __future__ import annotations

import time

from tests.conftest import login


def received(sio_client, want, timeout=5.0):
    """Collect events until `want` of them arrived (bus threads deliver asynchronously)."""
    got = []
    deadline = time.monotonic() + timeout
    while len(got) < want and time.monotonic() < deadline:
        got += sio_client.get_received("/hall")
        time.sleep(0.01)
    return got


def test_client_gets_snapshot_then_calls_with_increasing_seq(app, client):
    socketio = app.extensions["socketio"]
    display = socketio.test_client(app, namespace="/hall", flask_test_client=client)
    first = received(display, 1)
    assert first[0]["name"] == "snapshot"
    assert first[0]["args"][0]["seq"] == 0

    client.post("/api/tickets", json={"service": "A"})
    client.post("/api/tickets", json={"service": "A"})
    login(client, window=2)
    client.post("/api/windows/2/call-next")
    client.post("/api/windows/2/start")
    client.post("/api/windows/2/call-next")
    events = received(display, 13)
    names = [e["name"] for e in events]
    seqs = [e["args"][0]["seq"] for e in events]
    assert seqs == list(range(1, 14))
    calls = [e["args"][0] for e in events if e["name"] == "ticket_called"]
    assert [(c["number"], c["service"], c["window"], c["window_name"]) for c in calls] == [
        ("A001", "A", 2, "2号窗口"), ("A002", "A", 2, "2号窗口")]
    assert names.count("queue_changed") == 4 and "window_changed" in names and "ticket_finished" in names
    display.disconnect(namespace="/hall")


def test_snapshot_request_answers_with_current_state(app, client):
    socketio = app.extensions["socketio"]
    display = socketio.test_client(app, namespace="/hall")
    received(display, 1)
    client.post("/api/tickets", json={"service": "D"})
    received(display, 2)
    display.emit("snapshot_request", namespace="/hall")
    snap = [e for e in received(display, 1) if e["name"] == "snapshot"][0]["args"][0]
    assert snap["seq"] == 2 and snap["waiting"][0]["number"] == "D001"
    display.disconnect(namespace="/hall")
