"""Live push over Socket.IO, namespace /hall.

A client that connects gets a `snapshot` first, then every event from the
bus as it is committed, each with its `seq`. A client that sees a gap in
`seq` emits `snapshot_request` and gets a fresh snapshot.
"""
from __future__ import annotations

import time

from flask_socketio import SocketIO, emit

from hall.events import EVENT_NAMES

NAMESPACE = "/hall"
# The events pushed to clients: all of them are public hall facts.
PUSHED = frozenset(EVENT_NAMES)


def _drain(socketio: SocketIO, limit: float = 0.05) -> None:
    """Let a call reach every screen before the events that follow it.

    Each websocket has its own writer thread; were the next events queued at
    once, every writer would send all of them before the next screen got its
    call. Waiting (at most `limit` seconds) until the writers' queues are
    empty puts the call on every screen first.
    """
    sockets = list(getattr(socketio.server.eio, "sockets", {}).values())
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if all(s.queue.empty() for s in sockets):
            return
        time.sleep(0.0005)


def init_push(socketio: SocketIO, hall) -> None:
    @socketio.on("connect", namespace=NAMESPACE)
    def _connect(auth=None):
        emit("snapshot", hall.snapshot())

    @socketio.on("snapshot_request", namespace=NAMESPACE)
    def _snapshot_request(*_args):
        emit("snapshot", hall.snapshot())

    def _forward(event: dict) -> None:
        if event["event"] not in PUSHED:
            return
        socketio.emit(event["event"], event, namespace=NAMESPACE)
        if event["event"] == "ticket_called":
            _drain(socketio)

    hall.bus.subscribe("push", _forward)
