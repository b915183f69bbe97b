"""The device end of a simulated wire: a pty pair or a TCP port on 127.0.0.1.

A simulator (an LED display, a keypad, ...) sits on an *endpoint*: the
endpoint calls `on_bytes(data)` with what the host sent and offers `send(data)`
to answer. The host's driver opens `endpoint.url` exactly as it would open a
real port: the pty's slave path (through a stable symlink, so a simulated
unplug/replug keeps the same path) or `socket://127.0.0.1:PORT`.

Fault switches every endpoint has:
    silent   -- swallow everything the device would send (a dead device)
    garbage  -- put random bytes before everything the device sends
    unplug() / replug()  -- the cable is pulled and put back
"""
from __future__ import annotations

import logging
import os
import random
import select
import socket
import tempfile
import threading
import time
import tty
from typing import Callable, Optional

log = logging.getLogger(__name__)


class Endpoint:
    """What PtyEndpoint and TcpEndpoint share: fault switches and send()."""

    url: str

    def __init__(self, on_bytes: Callable[[bytes], None], *, name: str = "sim"):
        self.on_bytes = on_bytes
        self.name = name
        self.silent = False
        self.garbage = False
        self.sent = bytearray()        # everything the device put on the wire
        self.received = bytearray()    # everything the host sent
        self._rng = random.Random(5)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: Optional[threading.Thread] = None

    def send(self, data: bytes) -> bool:
        """Put `data` on the wire as the device; False when silent or unplugged."""
        if self.silent:
            return False
        if self.garbage:
            data = bytes(self._rng.randrange(256) for _ in range(7)) + data
        with self._lock:
            ok = self._write(data)
        if ok:
            self.sent += data
        return ok

    def _deliver(self, data: bytes) -> None:
        self.received += data
        try:
            self.on_bytes(data)
        except Exception:  # a simulator bug shows in the log, the wire stays up
            log.exception("simulator %s failed on %r", self.name, data[:32])

    def _write(self, data: bytes) -> bool:  # pragma: no cover - overridden
        raise NotImplementedError

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)
            self._thread = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class PtyEndpoint(Endpoint):
    """A pty pair: the simulator holds the master, the driver opens `url` (the slave).

    `url` is a symlink in a private temp directory pointing at the current
    /dev/pts/N, so unplug()/replug() (a new pty) keeps the path the driver uses.
    """

    def __init__(self, on_bytes: Callable[[bytes], None], *, name: str = "sim"):
        super().__init__(on_bytes, name=name)
        self._dir = tempfile.mkdtemp(prefix="hallq-pty-")
        self.url = os.path.join(self._dir, "tty")
        self._master: Optional[int] = None
        self._slave: Optional[int] = None
        self.replug()

    def replug(self) -> None:
        """Plug the (new) cable in: a fresh pty behind the same path."""
        self.unplug()
        master, slave = os.openpty()
        # Raw from the start: before the driver opens the slave, a cooked pty
        # would echo the device's own bytes back to it.
        tty.setraw(slave)
        tty.setraw(master)
        self._master, self._slave = master, slave
        tmp = self.url + ".new"
        if os.path.lexists(tmp):
            os.unlink(tmp)
        os.symlink(os.ttyname(slave), tmp)
        os.replace(tmp, self.url)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(master,), name=f"pty-{self.name}", daemon=True)
        self._thread.start()

    def unplug(self) -> None:
        """Pull the cable: the pty goes away and the driver's reads fail."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)
            self._thread = None
        for fd in (self._master, self._slave):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._master = self._slave = None
        if os.path.lexists(self.url):
            os.unlink(self.url)

    def _run(self, master: int) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(master, 4096)
            except OSError:
                # No one has the slave open right now: wait for the driver.
                self._stop.wait(0.02)
                continue
            if data:
                self._deliver(data)

    def _write(self, data: bytes) -> bool:
        if self._master is None:
            return False
        try:
            os.write(self._master, data)
            return True
        except OSError:
            return False

    def close(self) -> None:
        self.unplug()
        try:
            os.rmdir(self._dir)
        except OSError:
            pass


class TcpEndpoint(Endpoint):
    """A TCP server on 127.0.0.1 that takes one connection at a time (like a
    serial-to-Ethernet server); `url` is socket://127.0.0.1:PORT."""

    def __init__(self, on_bytes: Callable[[bytes], None], *, name: str = "sim", port: int = 0):
        super().__init__(on_bytes, name=name)
        self._server: Optional[socket.socket] = None
        self._client: Optional[socket.socket] = None
        self.port = port
        self.connections = 0
        self.replug()
        self.url = f"socket://127.0.0.1:{self.port}"

    def replug(self) -> None:
        """Start listening (again) on the same port."""
        self.unplug()
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", self.port))
        srv.listen(1)
        self.port = srv.getsockname()[1]
        self._server = srv
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"tcp-{self.name}", daemon=True)
        self._thread.start()

    def drop(self) -> None:
        """Close the current connection (the converter rebooted); keep listening."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            try:
                client.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            client.close()

    def unplug(self) -> None:
        """Stop listening and drop the connection."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)
            self._thread = None
        self.drop()
        if self._server is not None:
            self._server.close()
            self._server = None

    def _run(self) -> None:
        srv = self._server
        while not self._stop.is_set():
            socks = [srv] + ([self._client] if self._client is not None else [])
            try:
                ready, _, _ = select.select(socks, [], [], 0.05)
            except (OSError, ValueError):
                continue   # the client was dropped under us
            for s in ready:
                if s is srv:
                    conn, _ = srv.accept()
                    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    self.drop()   # one host at a time, the newest wins
                    with self._lock:
                        self._client = conn
                    self.connections += 1
                    continue
                try:
                    data = s.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    if s is self._client:
                        self.drop()
                    continue
                self._deliver(data)

    def _write(self, data: bytes) -> bool:
        if self._client is None:
            return False
        try:
            self._client.sendall(data)
            return True
        except OSError:
            return False

    def close(self) -> None:
        self.unplug()


def make_endpoint(on_bytes: Callable[[bytes], None], *, transport: str = "pty", name: str = "sim") -> Endpoint:
    """A pty endpoint (`transport="pty"`) or a TCP one (`"tcp"`)."""
    if transport == "pty":
        return PtyEndpoint(on_bytes, name=name)
    if transport == "tcp":
        return TcpEndpoint(on_bytes, name=name)
    raise ValueError(f"unknown simulator transport {transport!r}: use 'pty' or 'tcp'")


class SharedLine:
    """One RS-485 line with several simulated devices on it (keypads and raters together).

    Pass it as `line=` to the simulators; each sees every byte and answers
    only for its own addresses, as on a real multi-drop line.
    """

    def __init__(self, *, transport: str = "pty", name: str = "line"):
        self._handlers: list[Callable[[bytes], None]] = []
        self.endpoint = make_endpoint(self._fan_out, transport=transport, name=name)

    @property
    def url(self) -> str:
        return self.endpoint.url

    def add(self, on_bytes: Callable[[bytes], None]) -> Endpoint:
        self._handlers.append(on_bytes)
        return self.endpoint

    def _fan_out(self, data: bytes) -> None:
        for handler in list(self._handlers):
            handler(data)

    def close(self) -> None:
        self.endpoint.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class SimDevice:
    """What every simulated serial device shares: its endpoint (its own, or a place on a
    shared line), its URL, a condition tests wait on, and closing."""

    def __init__(self, *, transport: str = "pty", name: str, line: "SharedLine | None" = None):
        self.changed = threading.Condition()
        self._own_endpoint = line is None
        self.endpoint = (make_endpoint(self._on_bytes, transport=transport, name=name) if line is None
                         else line.add(self._on_bytes))

    def _on_bytes(self, data: bytes) -> None:  # pragma: no cover - each device parses its own frames
        raise NotImplementedError

    @property
    def url(self) -> str:
        return self.endpoint.url

    def wait(self, predicate, timeout: float = 5.0) -> bool:
        """Wait until `predicate()` holds (checked whenever the device changes); False on timeout."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.changed.wait(left)
            return True

    def close(self) -> None:
        if self._own_endpoint:
            self.endpoint.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
