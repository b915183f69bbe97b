"""Pure-Python work that would slow the loop, run in a helper process of its own.

Under gevent the loop's thread releases the GIL at every socket send; a
worker *thread* computing (the forecast plays dozens of futures of the whole
hall every second) then keeps the GIL for a switch interval each time before
the loop gets it back, so one broadcast to many screens is stretched by the
computation beside it. A process has its own interpreter: the loop only waits
on its pipe for the answer.

Only module-level functions of pure modules go there (hall/estimate.py): they
are named, not pickled, and their arguments are frozen dataclasses and tuples.
Without gevent (tests, one-off commands) the function is simply called.
"""
from __future__ import annotations

import importlib
import logging
import pickle
import struct
import subprocess
import sys
import threading
from typing import Callable, Optional

log = logging.getLogger(__name__)
_HEADER = struct.Struct("!I")


def _read_frame(stream):
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError("the off-loop helper process closed its pipe")
    (size,) = _HEADER.unpack(header)
    body = stream.read(size)
    if len(body) < size:
        raise EOFError("the off-loop helper process closed its pipe")
    return pickle.loads(body)


def _write_frame(stream, value) -> None:
    body = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(body)) + body)
    stream.flush()


def serve(inp, out) -> None:  # pragma: no cover - runs in the helper process
    """The helper process: read (module, function, args, with_progress), answer ("ok", value) or
    ("error", exc); a function asked with progress gets `progress(phase, done, total)`, each call a
    ("progress", phase, done, total) frame before the answer."""
    while True:
        try:
            module, name, args, with_progress = _read_frame(inp)
        except EOFError:
            return
        try:
            fn = getattr(importlib.import_module(module), name)
            if with_progress:
                value = ("ok", fn(*args, progress=lambda *p: _write_frame(out, ("progress", *p))))
            else:
                value = ("ok", fn(*args))
        except Exception as exc:  # the caller re-raises it
            value = ("error", exc)
        _write_frame(out, value)


class Helper:
    """One helper process on pipes, started when first needed and again if it died.

    Under gevent, subprocess pipes are cooperative: the greenlet waiting for an answer
    gives the loop to everyone else, with no thread in between.
    """

    def __init__(self):
        self._lock = threading.Lock()    # one request at a time on the pipe (a gevent lock when patched)
        self._process: "subprocess.Popen | None" = None

    def call(self, fn: Callable, *args, on_progress: Optional[Callable] = None):
        from hall.server import is_patched
        if not is_patched():
            return fn(*args, progress=on_progress) if on_progress else fn(*args)
        with self._lock:
            for attempt in (1, 2):
                try:
                    if self._process is None or self._process.poll() is not None:
                        self._start()
                    _write_frame(self._process.stdin, (fn.__module__, fn.__name__, args, on_progress is not None))
                    frame = _read_frame(self._process.stdout)
                    while frame[0] == "progress":
                        on_progress(*frame[1:])
                        frame = _read_frame(self._process.stdout)
                    status, value = frame
                    break
                except (EOFError, OSError) as exc:   # the helper died: start another, once
                    log.warning("off-loop helper process failed (%s); starting it again", exc)
                    self._stop()
                    if attempt == 2:
                        raise
        if status == "error":
            raise value
        return value

    def _start(self) -> None:
        self._process = subprocess.Popen([sys.executable, "-m", "hall.offloop"], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, close_fds=True)

    def _stop(self) -> None:
        p, self._process = self._process, None
        if p is not None:
            for stream in (p.stdin, p.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            if p.poll() is None:
                p.kill()
                p.wait()


_helpers: dict[str, Helper] = {}


def run_off_loop(fn: Callable, *args, helper: str = "forecast", on_progress: Optional[Callable] = None):
    """`fn(*args)` in the named helper process under gevent; a plain call otherwise. With
    `on_progress`, fn is called with `progress=` and each of its progress(phase, done, total)
    reaches on_progress in the caller as it happens.

    Each name is one process, one request at a time: the forecast's is never kept waiting
    behind a year's figures ("assess"), and the reports together take one core at most.
    """
    if helper not in _helpers:
        _helpers[helper] = Helper()
    return _helpers[helper].call(fn, *args, on_progress=on_progress)


if __name__ == "__main__":  # pragma: no cover - the helper process itself
    serve(sys.stdin.buffer, sys.stdout.buffer)
