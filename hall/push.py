"""Live push over Socket.IO, namespace /hall.

A client that connects gets a `snapshot` first, then every event from the
bus as it is committed, each with its `seq`. A client that sees a gap in
`seq` emits `snapshot_request` and gets a fresh snapshot.
"""
from __future__ import annotations

from flask_socketio import SocketIO, emit

from hall.events import EVENT_NAMES

NAMESPACE = "/hall"
# The events pushed to clients: all of them are public hall facts.
PUSHED = frozenset(EVENT_NAMES)


def init_push(socketio: SocketIO, hall) -> None:
    @socketio.on("connect", namespace=NAMESPACE)
    def _connect(auth=None):
        emit("snapshot", hall.snapshot())

    @socketio.on("snapshot_request", namespace=NAMESPACE)
    def _snapshot_request(*_args):
        emit("snapshot", hall.snapshot())

    def _forward(event: dict) -> None:
        if event["event"] in PUSHED:
            socketio.emit(event["event"], event, namespace=NAMESPACE)

    hall.bus.subscribe("push", _forward)
