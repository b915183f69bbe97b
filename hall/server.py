"""Run the hall on gevent: one process, one greenlet per connection, no cap that HTTP can hit.

Why gevent (docs/deploy.md has the measurements): every waiting citizen's
phone may hold a Socket.IO websocket open, so a busy hall has thousands at
once. Flask-SocketIO's threading mode holds an OS thread per websocket, and
any fixed pool of them is a wall: with 256 sockets open, ticket issuing
stopped. Under gevent a websocket is a greenlet of a few kilobytes, HTTP
requests are greenlets too, and neither can starve the other.

One process, since the serial ports and the sound card belong to one owner.
`patch()` must run before anything else is imported by the serving command
(hall/cli.py does it first): pyserial's select() and reads, sockets, queues,
locks and the device threads then all cooperate on gevent's loop. libvlc's
native callback thread never touches a gevent primitive
(devices/voice/player.py). Long SQLite reads go to a real OS thread
(`run_in_thread`) so that they never hold the loop.
"""
from __future__ import annotations

import errno
import logging
import resource
from typing import Callable

log = logging.getLogger(__name__)


def patch() -> None:
    """Make the standard library cooperative; call before the app and its devices are imported."""
    from gevent import monkey
    if not monkey.is_module_patched("socket"):
        monkey.patch_all()


def is_patched() -> bool:
    """True when this process runs under gevent (hallq serve / demo); False in tests that use threads."""
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency
        return False
    return monkey.is_module_patched("socket")


def async_mode() -> str:
    """The Flask-SocketIO async mode that matches how this process runs."""
    return "gevent" if is_patched() else "threading"


def run_in_thread(fn: Callable, *args, **kwargs):
    """Run `fn` on a real OS thread and wait for it, without holding gevent's loop meanwhile.

    For work that blocks in C for long (a year's figures over SQLite): under gevent
    it would stop every socket; sqlite3 releases the GIL, so a native thread runs it
    beside the loop. Without gevent it simply calls `fn`.
    """
    if not is_patched():
        return fn(*args, **kwargs)
    import gevent
    return gevent.get_hub().threadpool.apply(fn, args, kwargs)


def _raise_open_files_limit() -> int:
    """Each socket is a file descriptor; lift the soft limit to the hard one (often 1,024 -> 1,048,576)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        target = hard if hard != resource.RLIM_INFINITY else 1 << 20
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft


def _listener(host: str, port: int):
    """The listening socket, with TCP_NODELAY (accepted sockets inherit it on Linux).

    gevent's server writes a response's headers and body in two sends; with Nagle's
    algorithm on, the second waits for the client's delayed ACK of the first, and every
    keep-alive answer took 40 ms more (measured: /healthz 44 ms, 0.5 ms with it off).
    """
    import socket

    from gevent import socket as gsocket
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = gsocket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


class _QuietLog:
    """gevent's access log off; its error log through logging."""

    def write(self, data):  # pragma: no cover - only gevent's error reports reach here
        if data.strip():
            log.warning("%s", data.rstrip())


class _UnreadableFrames:
    """WSGI wrapper: a websocket frame engine.io cannot decode ends that connection with one log line.

    engine.io decodes a websocket's frames outside its handler's error handling, so an empty frame
    (a client bug, or a hostile one) escaped as ValueError and gevent logged a traceback per frame:
    a way to flood the hall's log (tests/reliability/test_fuzz_sockets.py found it)."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        try:
            return self.app(environ, start_response)
        except ValueError as exc:
            if not (environ.get("PATH_INFO", "").startswith("/socket.io")
                    and environ.get("HTTP_UPGRADE", "").lower() == "websocket"):
                raise
            log.info("a websocket from %s sent a frame engine.io cannot read (%s); it is closed",
                     environ.get("REMOTE_ADDR"), exc)
            return []


class _WebsocketsEndWithNothingAfter:
    """WSGI wrapper: once a Socket.IO websocket has ended, gevent's server writes nothing more on it.

    A socket that began on long-polling and was upgraded ends its websocket with engine.io's answer to
    an ordinary request, and gevent's server wrote that answer ("HTTP/1.1 200 OK ...") on the
    connection after the websocket's close frame: bytes that are no frame, which Chromium reported as
    "Invalid frame header" whenever a page closed such a socket (the counter at every sign-in). A
    connection reset is what gevent takes for "the client has gone": it closes the connection and
    writes nothing (its `ignored_socket_errors`)."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        result = self.app(environ, start_response)
        if (environ.get("PATH_INFO", "").startswith("/socket.io")
                and environ.get("HTTP_UPGRADE", "").lower() == "websocket"
                and isinstance(result, list) and not any(result)):     # [] or engine.io's [b""]
            raise ConnectionResetError(errno.ECONNRESET, "the websocket has ended")
        return result


class _LibraryErrorsOnOneLine(logging.Filter):
    """engine.io logs "message handler error" with a traceback for each Socket.IO packet python-socketio
    cannot decode (an event frame with no data, bad JSON): twenty lines a frame any client can send.
    Such a record becomes one line; one whose traceback passes through HallQ's own code keeps it."""

    ROOT = __file__.rsplit("/hall/", 1)[0] + "/"

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            tb, ours = record.exc_info[2], False
            while tb is not None:
                path = tb.tb_frame.f_code.co_filename
                ours = ours or (path.startswith(self.ROOT) and "/site-packages/" not in path
                                and not path.startswith(self.ROOT + "tests/"))
                tb = tb.tb_next
            if not ours:
                record.msg, record.args = f"{record.getMessage()}: {record.exc_info[1]!r}", ()
                record.exc_info, record.exc_text = None, None
        return True


def _freeze_long_lived(app) -> None:
    """Keep the cycle collector's full passes off the loop's path (hall/gc_freeze.py)."""
    import gevent
    from hall.gc_freeze import Freezer
    hall = app.extensions.get("hallq")
    freezer = Freezer(day_closed=(lambda: bool(hall.state.day_closed)) if hall is not None else (lambda: False))
    app.extensions["hallq_freezer"] = freezer
    gevent.spawn(freezer.run, gevent.sleep)


def serve(app_factory, host: str, port: int, on_ready=None) -> None:
    """Serve the app built by `app_factory()` until interrupted (SIGINT or SIGTERM)."""
    patch()
    import signal

    import gevent
    import gevent.event
    from gevent.pywsgi import WSGIServer

    limit = _raise_open_files_limit()
    logging.getLogger("engineio.server").addFilter(_LibraryErrorsOnOneLine())
    app = app_factory()
    _freeze_long_lived(app)
    server = WSGIServer(_listener(host, port), _WebsocketsEndWithNothingAfter(_UnreadableFrames(app)), log=None,
                        error_log=_QuietLog())
    server.start()
    log.info("serving on %s:%s (open files limit %d)", host, port, limit)
    if on_ready is not None:
        on_ready()
    stop = gevent.event.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        gevent.signal_handler(sig, stop.set)
    stop.wait()
    server.stop(timeout=2)
    freezer = app.extensions.get("hallq_freezer")
    if freezer is not None:
        log.info("%s", freezer.pauses.report())
    shutdown = app.extensions.get("hallq_shutdown")
    if shutdown is not None:
        shutdown()
