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
HOLD_PER_SCREEN = 0.00015  # seconds a screen needs to take in a call, on the hall server's side
HOLD_MAX = 0.02


def _drain(socketio: SocketIO, limit: float = 0.05) -> None:
    """Let a call reach every screen before the events that follow it.

    Each websocket has its own writer thread; were the next events of the
    same action (window_changed, queue_changed) queued at once, every writer
    and every screen would handle them too before the last screen got its
    call. So the push thread waits until the writers have taken the call,
    then a moment more for the screens to take it in (HOLD_PER_SCREEN per
    connected screen, at most HOLD_MAX): the board hears of the window's
    change a few milliseconds later, and the last TV shows the call sooner
    (bench/bench_call_latency.py: p99 from about 35 ms to about 20 ms with
    100 screens on this 2-core machine).
    """
    sockets = list(getattr(socketio.server.eio, "sockets", {}).values())
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if all(s.queue.empty() for s in sockets):
            break
        time.sleep(0.0005)
    time.sleep(min(HOLD_MAX, HOLD_PER_SCREEN * len(sockets)))


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
