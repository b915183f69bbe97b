"""Live push over Socket.IO, namespace /hall: one room per audience, each with its whitelist.

A client names its audience in the connect `auth` object (hall/audiences.py):

    {"audience": "screens"}                       the hall TV, window screens, the kiosk (the default)
    {"audience": "counter", "window": 3}          a signed-in clerk holding window 3, or a manager
    {"audience": "board"}                         a signed-in manager
    {"audience": "rater", "window": 3}            window 3's tablet rater
    {"audience": "phone", "token": "..."}         one ticket's phone page

It gets a `snapshot` first, then the events its audience may see. Every event
carries its `seq` and `prev`, the seq of the event this room was sent before
it: a client whose last known seq is below `prev` missed one and emits
`snapshot_request`. A phone gets `progress` messages (its ticket's place,
people ahead, wait and its queue's length) instead of the hall's events. The
board is also sent `rating_figures` (today's rating figures) after events
that may change them, one per burst; a window's tablet starts from the step waiting for its
rating there (hall/rating_screens.py).

Each client's messages are handled one at a time on its own connection
(async_handlers=False) and metered by a token bucket: a flood is dropped, and a
client that keeps flooding is disconnected, so no client can make the server
start threads or hold memory without bound.
"""
from __future__ import annotations

import logging
import time
from typing import Optional

from flask import request
from flask_socketio import SocketIO, disconnect, emit, join_room
from flask_socketio import ConnectionRefusedError as Refused

from hall import audiences as aud
from hall import auth, rating_screens
from hall.errors import HallError

log = logging.getLogger(__name__)

NAMESPACE = "/hall"
# The per-client budget of messages: BURST at once, then RATE a second. A client
# DROP_AFTER messages over budget is disconnected.
RATE, BURST, DROP_AFTER = 2.0, 10.0, 50
# Phones hear of their tickets' progress at most this often: a burst of calls is one update.
PHONE_COALESCE_S = 0.03
# Phones worked out and sent per turn of the loop (hall/push.py `_send_progress`).
PHONE_CHUNK = 40
# The board's rating figures are worked out at most this often: a burst of finishes and ratings
# is one update (a busy day's figures take ~15 ms of the loop).
FIGURES_COALESCE_S = 1.0


class _Bucket:
    __slots__ = ("tokens", "at", "over")

    def __init__(self):
        self.tokens, self.at, self.over = BURST, time.monotonic(), 0

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(BURST, self.tokens + (now - self.at) * RATE)
        self.at = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        self.over += 1
        return False


class Push:
    """The push server's state: who is connected for what, and what each room was last sent."""

    def __init__(self, socketio: SocketIO, hall):
        self.socketio = socketio
        self.hall = hall
        self.clients: dict[str, dict] = {}          # sid -> {"audience", "key", "session", "bucket"}
        self.prev: dict[str, int] = {}             # room -> seq of the last event sent to it
        self.phones: dict[str, set] = {}           # token -> sids following it
        self.sent_progress: dict[str, tuple] = {}  # token -> (fingerprint, seq) last sent
        self.phone_service: dict[str, str] = {}    # token -> its ticket's service when last sent
        self.window_status: dict = {}               # window id -> its status in the last window_changed
        self._dirty: Optional[set] = None          # services whose phones need new progress
        self.boards: set = set()                   # sids of the board audience, told the rating figures
        self._figures_wake = None                  # set when the rating figures may have changed
        self._wake = None

    # -- joining ------------------------------------------------------------------

    def join(self, auth_data) -> None:
        """Check who asks for which audience, join its room, send its snapshot; Refused otherwise."""
        data = auth_data if isinstance(auth_data, dict) else {}
        audience = data.get("audience", aud.SCREENS)
        if audience not in aud.AUDIENCES:
            raise Refused({"code": "unknown_audience",
                           "message": "未知的页面类型，请刷新页面。", "message_en": f"Unknown audience {audience!r}."})
        key = None
        session_id = None
        if audience in aud.SIGNED_IN:
            user = auth.current_user()
            if user is None:
                raise Refused({"code": "not_signed_in", "message": "请先登录。", "message_en": "Please sign in first."})
            if auth._RANK.get(user.get("role"), -1) < auth._RANK[aud.SIGNED_IN[audience]]:
                raise Refused({"code": "forbidden", "message": "您的账号没有此权限。",
                               "message_en": "Your account may not do this."})
            session_id = getattr(auth, "current_session_id", lambda: None)()
        if audience in aud.PER_WINDOW:
            key = data.get("window")
            if not isinstance(key, int) or isinstance(key, bool) or self.hall.config.window(key) is None:
                raise Refused({"code": "unknown_window", "message": "没有这个窗口，请检查页面地址。",
                               "message_en": "No such window."})
            if audience == aud.COUNTER:
                try:
                    auth.require_window(key)
                except HallError as err:
                    raise Refused(err.to_dict()["error"]) from None
        if audience == aud.PHONE:
            key = data.get("token")
            if not isinstance(key, str) or len(key) > 64 or self.hall.ticket_by_token(key) is None:
                raise Refused({"code": "unknown_ticket", "message": "找不到这个号，请核对链接。",
                               "message_en": "No such ticket; check the link."})
        sid = request.sid
        self.clients[sid] = {"audience": audience, "key": key, "session": session_id, "bucket": _Bucket()}
        if audience == aud.PHONE:
            join_room(aud.room(aud.PHONE, key))
            self.phones.setdefault(key, set()).add(sid)
        elif audience == aud.COUNTER:
            join_room(aud.room(aud.COUNTER))
        else:
            join_room(aud.room(audience, key))
            if audience == aud.BOARD:
                self.boards.add(sid)
        emit("snapshot", self.snapshot_for(audience, key))

    def snapshot_for(self, audience: str, key) -> dict:
        if audience == aud.PHONE:
            return self.progress_of(key)
        if audience == aud.RATER:
            return rating_screens.tablet_state(self.hall, key)
        s = self.hall.snapshot()
        if audience == aud.SCREENS:
            return aud.public_snapshot(s)
        if audience == aud.BOARD:
            s["rating_figures"] = rating_screens.board_figures(self.hall)
            s["alarms"] = self.hall.open_alarms()     # the board alone sees the alarms (电子监察)
        return s

    def leave(self) -> None:
        c = self.clients.pop(request.sid, None)
        self.boards.discard(request.sid)
        if c is not None and c["audience"] == aud.PHONE:
            sids = self.phones.get(c["key"])
            if sids is not None:
                sids.discard(request.sid)
                if not sids:
                    del self.phones[c["key"]]
                    self.sent_progress.pop(c["key"], None)
                    self.phone_service.pop(c["key"], None)

    def allowed(self) -> bool:
        """Meter one message of this client; False drops it, and a persistent flooder is disconnected."""
        c = self.clients.get(request.sid)
        if c is None:
            return False
        if c["bucket"].take():
            return True
        if c["bucket"].over >= DROP_AFTER:
            log.warning("socket %s (%s) flooded the hall server; disconnected", request.sid, c["audience"])
            # Close the connection itself, not only the /hall namespace: a flooder that kept its
            # engine.io transport could go on sending frames the server must read.
            eio_sid = self.socketio.server.manager.eio_sid_from_sid(request.sid, NAMESPACE)
            disconnect()
            if eio_sid is not None:
                self.socketio.server.eio.disconnect(eio_sid)
        return False

    def end_session(self, session_id: str) -> None:
        """A signed-in session ended (sign-out, another clerk took the window, account removed)."""
        for sid, c in list(self.clients.items()):
            if c["session"] is not None and c["session"] == session_id:
                self.socketio.server.disconnect(sid, namespace=NAMESPACE)

    # -- forwarding ---------------------------------------------------------------------

    def forward(self, event: dict) -> None:
        """The bus's push subscriber: each committed event to the rooms allowed to hear it."""
        windows = [w.id for w in self.hall.config.windows]
        seq = event.get("seq")
        for room, payload in aud.room_events(event, windows):
            out = dict(payload)
            out["prev"] = self.prev.get(room, 0)
            self.prev[room] = seq
            self.socketio.emit(event["event"], out, to=room, namespace=NAMESPACE)
        if self.boards and event["event"] in rating_screens.FIGURE_EVENTS and self._figures_wake is not None:
            self._figures_wake.set()
        if self.phones:
            self._mark(event)

    def _mark(self, event: dict) -> None:
        """Which phones' progress this event may change: its queue's, and its ticket's."""
        services = {event.get("service"), event.get("from_service"), event.get("to_service")}
        services.discard(None)
        if event["event"] == "window_changed":
            services |= self._window_services(event.get("window"))
        elif event["event"] in ("business_day_started", "business_day_ended"):
            services = {s.code for s in self.hall.config.services}
        if not services:
            return
        if self._dirty is None:
            self._dirty = set()
        self._dirty |= services
        if self._wake is not None:
            self._wake.set()

    def _window_services(self, window) -> set:
        """The services whose phones a window's change may move: the ones it serves and helps when only
        its current ticket changed (a call, a finish), every service when it opened, paused or closed
        (another service's windows may then help less or more)."""
        everything = {s.code for s in self.hall.config.services}
        if not isinstance(window, dict):
            return everything
        status = window.get("status")
        was = self.window_status.get(window.get("id"))
        self.window_status[window.get("id")] = status
        cfg = self.hall.config.window(window.get("id"))
        if cfg is None or was != status:
            return everything
        return set(cfg.services) | set(cfg.helps)

    def progress_of(self, token: str) -> dict:
        return self.hall.progress(token)    # an earlier day's ticket too: its phone may still rate it

    def run_phones(self) -> None:
        """Send each followed ticket its new progress, coalescing bursts (a background task)."""
        while True:
            self._wake.wait()
            self._wake.clear()
            self.socketio.sleep(PHONE_COALESCE_S)
            dirty, self._dirty = self._dirty, None
            if not dirty or not self.phones:
                continue
            try:
                self._send_progress(dirty)
            except Exception:  # one bad round must not end the phones' updates
                log.exception("phone progress failed")

    def run_figures(self) -> None:
        """Send the boards today's rating figures after a change, one per burst (a background task).

        Not an event (no seq): the board replaces its figures with each one it is sent.
        """
        while True:
            self._figures_wake.wait()
            self.socketio.sleep(FIGURES_COALESCE_S)
            self._figures_wake.clear()
            if not self.boards:
                continue
            try:
                figures = rating_screens.board_figures(self.hall)
            except Exception:  # the next change tries again
                log.exception("rating figures failed")
                continue
            self.socketio.emit("rating_figures", figures, to=aud.room(aud.BOARD), namespace=NAMESPACE)

    def _send_progress(self, services: set) -> None:
        """The phones of these services their new progress, a chunk at a time.

        Between chunks the loop runs on (a call reaches the screens, a kiosk's ticket is issued):
        a full house has hundreds of phones in a line, and working them all out at once held the
        loop for tens of milliseconds. Each chunk is worked out from the state as it is then.
        """
        tokens = [token for token in self.phones
                  if self.phone_service.get(token) in services or token not in self.phone_service]
        for start in range(0, len(tokens), PHONE_CHUNK):
            chunk = [token for token in tokens[start:start + PHONE_CHUNK] if token in self.phones]
            known = {token: self.sent_progress[token][0] for token in chunk if token in self.sent_progress}
            for token, (fingerprint, p) in self.hall.progress_many(chunk, services, known).items():
                last = self.sent_progress.get(token)
                p["prev"] = last[1] if last else 0
                self.sent_progress[token] = (fingerprint, p["seq"])
                self.phone_service[token] = p["ticket"]["service"]
                self.socketio.emit("progress", p, to=aud.room(aud.PHONE, token), namespace=NAMESPACE)
            self.socketio.sleep(0)


def init_push(socketio: SocketIO, hall) -> Push:
    push = Push(socketio, hall)

    @socketio.on("connect", namespace=NAMESPACE)
    def _connect(auth_data=None):
        push.join(auth_data)

    @socketio.on("disconnect", namespace=NAMESPACE)
    def _disconnect(*_args):
        push.leave()

    @socketio.on("snapshot_request", namespace=NAMESPACE)
    def _snapshot_request(*_args):
        if push.allowed():
            c = push.clients[request.sid]
            emit("snapshot", push.snapshot_for(c["audience"], c["key"]))

    @socketio.on("*", namespace=NAMESPACE)
    def _other(*_args):
        push.allowed()  # a message the hall does not take still counts against its sender

    hall.bus.subscribe("push", push.forward)
    push._wake = _event(socketio)
    socketio.start_background_task(push.run_phones)
    push._figures_wake = _event(socketio)
    socketio.start_background_task(push.run_figures)
    hooks = getattr(auth, "on_session_end", None)
    if hooks is not None:
        hooks.append(push.end_session)
    return push


def _event(socketio: SocketIO):
    """An event object of the server's async mode (gevent's under gevent, threading's otherwise)."""
    return socketio.server.eio.create_event()
