"""Hypothesis against the real server's Socket.IO: random audiences, event names and payloads.

Every handler the server registers on /hall (hall/push.py: connect with its `auth`, disconnect,
snapshot_request, and the catch-all "*") is fed random input by a real python-socketio client, and
the engine.io layer under it random frames over a raw websocket and random polling requests. After
each example the server process is alive, `/api/state` answers 200, no HTTP answer was a 5xx, and
at the end a well-behaved screen still gets its snapshot and the server's log has no traceback.

CI runs FUZZ_EXAMPLES examples of each (about a minute), the same ones each run (derandomized, as
tests/test_schemathesis.py); the long run draws new ones, about an hour:

    HALLQ_FUZZ_LONG=1 .venv/bin/python -m pytest -q tests/reliability/test_fuzz_sockets.py
"""
from __future__ import annotations

import json
import os
import threading

import pytest
import requests
import socketio
import websocket
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hall.audiences import AUDIENCES
from tests.server import ServerProcess

pytestmark = pytest.mark.slow

LONG = os.environ.get("HALLQ_FUZZ_LONG") == "1"
FUZZ_EXAMPLES = 8000 if LONG else 60      # the long run: about an hour on the 2-core machine
SETTINGS = settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None, derandomize=not LONG,
                    suppress_health_check=list(HealthCheck))

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
                    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
                    max_leaves=15)
# The names the server handles, names it sends (a client may send them back) and any other.
EVENT_NAMES = st.sampled_from(["snapshot_request", "connect", "disconnect", "message", "snapshot", "ticket_called",
                               "progress", "rating_figures", "*", "", "__proto__"]) | st.text(max_size=30)
PAYLOADS = st.lists(JSON | st.binary(max_size=200), max_size=3)
AUTH = st.one_of(
    st.none(), JSON,
    st.fixed_dictionaries({"audience": st.sampled_from(AUDIENCES) | JSON},
                          optional={"window": JSON | st.sampled_from([1, 2, 99, -1, True]),
                                    "token": JSON | st.text(max_size=100)}))
NAMESPACES = st.sampled_from(["/hall", "/hall", "/", "/admin", "/hall/../", "/" + "x" * 200])


def issue_three(s) -> str:
    """A001, B001, A002 waiting; the business day they were issued on."""
    for service in ("A", "B", "A"):
        requests.post(s.url + "/api/tickets", json={"service": service}, timeout=10).raise_for_status()
    return requests.get(s.url + "/healthz", timeout=10).json()["business_day"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = ServerProcess(tmp_path_factory.mktemp("fuzz-sockets") / "data").start()
    s.day = issue_three(s)
    yield s
    s.stop()


def still_serving(server) -> None:
    assert server.proc.poll() is None, server.log.read_text(errors="replace")[-3000:]
    r = requests.get(server.url + "/api/state", timeout=10)
    assert r.status_code == 200, r.text
    day = requests.get(server.url + "/healthz", timeout=10).json()["business_day"]
    if day != server.day:
        # The hall's midnight came during the run (the module takes minutes): the day's end expired
        # the three tickets, as it should. The next day's three must be served the same way.
        assert r.json()["waiting"] == [], r.json()["waiting"]
        server.day = issue_three(server)
        r = requests.get(server.url + "/api/state", timeout=10)
    assert [t["number"] for t in r.json()["waiting"]] == ["A001", "B001", "A002"]


@SETTINGS
@given(namespace=NAMESPACES, auth=AUTH, messages=st.lists(st.tuples(EVENT_NAMES, PAYLOADS), max_size=4),
       call=st.booleans())
def _socketio_messages(server, namespace, auth, messages, call):
    client = socketio.Client(reconnection=False)
    try:
        # Long-polling: websocket-client's close waits 3 s for the server's close frame, which would make
        # each example take seconds; the websocket transport gets its random frames below.
        client.connect(server.url, namespaces=[namespace], auth=auth, transports=["polling"], wait_timeout=2)
    except socketio.exceptions.ConnectionError:
        pass                      # refused (an unknown audience, a bad window, a namespace it does not have)
    else:
        for i, (name, args) in enumerate(messages):
            try:
                if call and i == 0:   # with an acknowledgement asked for: the server must not hang on it
                    client.call(name, tuple(args) if len(args) != 1 else args[0], namespace=namespace, timeout=0.3)
                else:
                    client.emit(name, tuple(args) if len(args) != 1 else args[0], namespace=namespace)
            except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError,
                    socketio.exceptions.DisconnectedError):
                pass              # no answer, or the server closed a connection it did not want: both fine
            except ValueError:
                pass              # the client itself refuses a reserved name (connect, disconnect, ...)
    finally:
        client.disconnect()
    still_serving(server)


def test_random_socketio_messages_never_stop_the_hall(server):
    _socketio_messages(server)
    final_checks(server)


FRAMES = st.one_of(
    st.text(max_size=200),
    st.builds(lambda body: "42/hall," + body, st.text(max_size=200)),
    st.builds(lambda body: "42/hall," + json.dumps(body), JSON),
    st.builds(lambda p, body: p + body, st.sampled_from(["0", "1", "2", "3", "4", "5", "6", "40", "41", "43", "44",
                                                          "45", "46", "40/hall,", "41/hall,", "43/hall,1",
                                                          "451-/hall,"]), st.text(max_size=100)),
    st.binary(max_size=300),
)
QUERIES = st.dictionaries(st.sampled_from(["EIO", "transport", "sid", "t", "b64", "j"]) | st.text(max_size=8),
                          st.text(max_size=20) | st.sampled_from(["4", "3", "polling", "websocket"]), max_size=4)


@SETTINGS
@given(frames=st.lists(FRAMES, max_size=8), query=QUERIES, body=st.binary(max_size=300),
       method=st.sampled_from(["GET", "POST", "OPTIONS"]))
def _engineio_frames(server, frames, query, body, method):
    ws = websocket.create_connection(server.url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket",
                                     timeout=5, suppress_origin=True)
    try:
        ws.recv()                 # the engine.io open packet
        for frame in frames:
            try:
                if isinstance(frame, bytes):
                    ws.send_binary(frame)
                else:
                    ws.send(frame)
            except (websocket.WebSocketException, OSError):
                break             # the server closed a connection that sent it garbage: fine
    finally:
        ws.close()
    r = requests.request(method, server.url + "/socket.io/", params=query, data=body, timeout=10)
    assert r.status_code < 500, (method, query, r.status_code, r.text[:300])
    still_serving(server)


def test_random_engineio_frames_and_polling_requests_never_stop_the_hall(server):
    _engineio_frames(server)
    final_checks(server)


def final_checks(server) -> None:
    """A screen that connects properly still gets its snapshot, and nothing the fuzz sent raised in the server."""
    got = threading.Event()
    client = socketio.Client(reconnection=False)
    client.on("snapshot", lambda data: got.set(), namespace="/hall")
    client.connect(server.url, namespaces=["/hall"], auth={"audience": "screens"}, transports=["polling"])
    try:
        assert got.wait(10)
    finally:
        client.disconnect()
    log = server.log.read_text(errors="replace")
    assert "Traceback" not in log, log[-5000:]


def test_an_empty_websocket_frame_ends_that_connection_without_a_traceback(server):
    """What the fuzz found first: engine.io raised out of its websocket handler, a traceback per frame."""
    before = server.log.read_text(errors="replace").count("Traceback")
    ws = websocket.create_connection(server.url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket",
                                     timeout=5, suppress_origin=True)
    ws.recv()
    ws.send("")
    ws.settimeout(1)
    with pytest.raises((websocket.WebSocketException, ConnectionError, OSError)):
        for _ in range(10):       # the server reads no more of it: closed, or silent until engine.io's ping timeout
            ws.recv()
    ws.close()
    still_serving(server)
    assert server.log.read_text(errors="replace").count("Traceback") == before


@pytest.mark.parametrize("frame", ["42/hall,", "42/hall,[", "42/hall,{}", "42/hall,true"])
def test_a_socketio_packet_the_library_cannot_decode_is_one_line_of_log(server, frame):
    """python-socketio raises decoding these and engine.io logged each with a twenty-line traceback."""
    before = server.log.read_text(errors="replace")
    ws = websocket.create_connection(server.url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket",
                                     timeout=5, suppress_origin=True)
    ws.recv()
    ws.send('40/hall,{"audience": "screens"}')
    ws.send(frame)
    ws.send('42/hall,["snapshot_request"]')   # answered after the frame: it was read, and the socket still served
    snapshots = 0
    while snapshots < 2:          # the one on joining, then the one asked for
        snapshots += ws.recv().startswith('42/hall,["snapshot"')
    ws.close()
    still_serving(server)
    added = server.log.read_text(errors="replace")[len(before):]
    assert "Traceback" not in added
    assert added.count("message handler error") == 1, added


def test_a_traceback_through_hallqs_own_code_is_kept_whole():
    """The one-line filter is for the library's decoding errors only: a fault in a HallQ handler keeps its traceback."""
    import logging
    import sys as _sys
    from hall import backup
    from hall.server import _LibraryErrorsOnOneLine

    def record_of(fn):
        try:
            fn()
        except Exception:
            return logging.LogRecord("engineio.server", logging.ERROR, __file__, 1, "message handler error", (),
                                     _sys.exc_info())
    ours = record_of(lambda: backup.check("/nonexistent/hallq.db"))
    theirs = record_of(lambda: json.loads(""))
    keep = _LibraryErrorsOnOneLine()
    assert keep.filter(ours) and ours.exc_info is not None
    assert keep.filter(theirs) and theirs.exc_info is None
    assert theirs.getMessage().startswith("message handler error: JSONDecodeError(")
