"""A transport to one device or one RS-485 line, opened from a URL.

    /dev/ttyUSB0                         serial port (also a pty slave path)
    /dev/ttyUSB0?baudrate=19200&parity=E serial port with framing options
    socket://192.168.1.60:4001           serial-to-Ethernet server (raw TCP)
    rfc2217://192.168.1.21:2217          a serial port shared by another PC
    rfc2217://pc:7000?key_file=/etc/hallq/agent.key
                                         ... by hallq device-agent with a shared key
    loop://                              loopback, for experiments

Everything is opened through pyserial's `serial_for_url`. A `Link` owns one
background thread that opens the port, reads from it, and when the cable is
pulled (or the TCP peer goes away) closes it and reopens it with a capped
exponential backoff, so an unplug followed by a replug recovers within about
a second. Its state is one of connecting / online / faulted and is reported
through `on_state(name, state, detail)` on every change; the same failure
repeated while reconnecting is logged once, not once per attempt.

`write()` raises `LinkDown` when the link is not online (or the write fails):
callers that must not block or raise (drivers) catch it and count a miss.
Received bytes go to `on_data(bytes)` on the link's own thread; that callback
must be quick (parse and hand off), because the thread also notices faults.
"""
from __future__ import annotations

import logging
import threading
import types
from typing import Callable, Optional
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import serial
import serial.rfc2217

from devices import agent_auth

log = logging.getLogger(__name__)

CONNECTING, ONLINE, FAULTED = "connecting", "online", "faulted"

_FLAG = lambda v: str(v).lower() in ("1", "true", "yes", "on")  # noqa: E731
SERIAL_OPTIONS: dict[str, Callable] = {
    "baudrate": int, "bytesize": int, "parity": lambda v: str(v).upper(), "stopbits": float,
    "rtscts": _FLAG, "xonxoff": _FLAG, "dsrdtr": _FLAG,
}


class LinkDown(Exception):
    """The link is not online, or the write failed; the link reconnects by itself."""


class LinkSettingsError(ValueError):
    """A link URL or option the link cannot use; the message says what to fix."""


def parse_link_url(url: str, **defaults) -> tuple[str, dict]:
    """Split `url` into the URL pyserial opens and the serial options.

    Options come from the keyword defaults, overridden by a query string
    (`/dev/ttyS0?baudrate=19200&parity=E`). Unknown query keys stay in the URL
    for pyserial's own handlers (`socket://h:p?logging=debug`).
    """
    if not isinstance(url, str) or not url.strip():
        raise LinkSettingsError("设备连接 link 为空：请填写串口路径或 socket://主机:端口。"
                                " / The device link is empty: give a serial path or socket://host:port.")
    options = {k: v for k, v in defaults.items() if v is not None}
    parts = urlsplit(url.strip())
    rest = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key in SERIAL_OPTIONS:
            try:
                options[key] = SERIAL_OPTIONS[key](value)
            except ValueError:
                raise LinkSettingsError(f"连接 {url} 的参数 {key}={value!r} 无效。"
                                        f" / Link option {key}={value!r} in {url} is not valid.") from None
        else:
            rest.append(f"{key}={value}" if value else key)
    plain = urlunsplit((parts.scheme, parts.netloc, parts.path, "&".join(rest), parts.fragment))
    if options.get("parity", "N") not in ("N", "E", "O", "M", "S"):
        raise LinkSettingsError(f"连接 {url} 的校验位 parity 只能是 N/E/O/M/S。"
                                f" / parity in {url} must be one of N, E, O, M, S.")
    return plain, options


def split_agent_key(url: str) -> tuple[str, Optional[bytes]]:
    """Take `key_file=` out of an rfc2217:// URL and read the device agent's key from it.

    The key file is read here, at start-up, so a missing or short key is one
    sentence before the hall runs, not a link that never comes online.
    """
    if not isinstance(url, str) or "key_file=" not in url:
        return url, None
    parts = urlsplit(url.strip())
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    key_files = [v for k, v in pairs if k == "key_file"]
    if not key_files:
        return url, None
    if parts.scheme != "rfc2217":
        raise LinkSettingsError(f"连接 {url} 的 key_file 只用于 hallq device-agent 共享的 rfc2217:// 连接。"
                                f" / key_file in {url} is only for rfc2217:// links to hallq device-agent.")
    try:
        key = agent_auth.read_key_file(key_files[-1])
    except ValueError as exc:
        raise LinkSettingsError(str(exc)) from None
    rest = "&".join(f"{k}={v}" if v else k for k, v in pairs if k != "key_file")
    return urlunsplit((parts.scheme, parts.netloc, parts.path, rest, parts.fragment)), key


class _KeyedSocketModule:
    """The `socket` module as pyserial's RFC 2217 client sees it inside AgentSerial.open():
    the same, except that a new connection first passes the agent's handshake."""

    def __init__(self, key: bytes):
        self._key = key

    def __getattr__(self, name):
        import socket
        return getattr(socket, name)

    def create_connection(self, address, *args, **kwargs):
        import socket
        sock = socket.create_connection(address, *args, **kwargs)
        try:
            agent_auth.client_handshake(sock, self._key)
        except agent_auth.AgentAuthError:
            sock.close()
            raise
        return sock


class AgentSerial(serial.rfc2217.Serial):
    """pyserial's RFC 2217 client that answers hallq device-agent's challenge before any telnet byte.

    pyserial's open() connects and negotiates in one method with no seam in
    between; this runs that very method with one name changed (its `socket`
    module, whose create_connection here also does the handshake), rather
    than copying it or patching pyserial for every other user.
    """

    agent_key: bytes = b""

    def open(self):
        base = serial.rfc2217.Serial.open
        namespace = dict(base.__globals__, socket=_KeyedSocketModule(self.agent_key))
        types.FunctionType(base.__code__, namespace, base.__name__, base.__defaults__, base.__closure__)(self)


# The trick above depends on pyserial's open() finding `socket` as a global; say so at import if it stops.
assert "create_connection" in serial.rfc2217.Serial.open.__code__.co_names, \
    "pyserial's RFC 2217 open() changed: AgentSerial must be revised"


class Link:
    """One transport opened from a URL, kept open by a background thread.

    `Link(url, name=..., on_state=..., on_data=...)` then `start()`. The
    backoff between reopen attempts starts at `backoff_min` seconds and
    doubles up to `backoff_max` (1 s by default, so a replugged cable is
    back within about a second).
    """

    def __init__(self, url: str, *, name: str,
                 on_state: Optional[Callable[[str, str, str], None]] = None,
                 on_data: Optional[Callable[[bytes], None]] = None,
                 on_idle: Optional[Callable[[], None]] = None,
                 baudrate: int = 9600, bytesize: int = 8, parity: str = "N", stopbits: float = 1,
                 read_timeout: float = 0.05, write_timeout: float = 1.0,
                 backoff_min: float = 0.05, backoff_max: float = 1.0):
        self.url = url
        self.name = name
        self.on_state = on_state
        self.on_data = on_data
        self.on_idle = on_idle
        plain, self._agent_key = split_agent_key(url)
        self._open_url, self._options = parse_link_url(
            plain, baudrate=baudrate, bytesize=bytesize, parity=parity, stopbits=stopbits)
        self.read_timeout = read_timeout
        self.write_timeout = write_timeout
        self.backoff_min = backoff_min
        self.backoff_max = backoff_max
        self.state = CONNECTING
        self.detail = ""
        self.opened = 0          # how many times the port was opened (reconnects + 1)
        self._port: Optional[serial.SerialBase] = None
        self._write_lock = threading.Lock()
        self._stop = threading.Event()
        self._broken = threading.Event()
        self._online = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._last_logged = ""

    # -- life cycle ------------------------------------------------------------

    def start(self) -> "Link":
        """Start the thread that opens, reads and reopens the port."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name=f"link-{self.name}", daemon=True)
            self._thread.start()
        return self

    def close(self, timeout: float = 2.0) -> None:
        """Stop the thread and close the port; the link stays closed."""
        self._stop.set()
        port = self._port
        if port is not None and hasattr(port, "cancel_read"):
            try:
                port.cancel_read()
            except Exception:  # the port may already be gone; closing is all we want
                pass
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._close_port()

    def wait_online(self, timeout: float) -> bool:
        """Block until the link is online (or `timeout` seconds pass); for tests and start-up."""
        return self._online.wait(timeout)

    @property
    def is_online(self) -> bool:
        return self.state == ONLINE

    # -- I/O -------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Send `data` whole; raises LinkDown when offline or when the write fails."""
        port = self._port
        if self.state != ONLINE or port is None:
            raise LinkDown(f"{self.name}: {self.state} {self.detail}".strip())
        with self._write_lock:
            try:
                port.write(data)
                port.flush()
            except Exception as exc:  # any wire failure means "reconnect"
                self._broken.set()
                raise LinkDown(f"{self.name}: write failed: {exc}") from exc

    # -- the thread ------------------------------------------------------------

    def _run(self) -> None:
        delay = self.backoff_min
        while not self._stop.is_set():
            # pyserial's RFC 2217 client has no write timeout; its socket's own timeout bounds writes.
            timeouts = {"timeout": self.read_timeout}
            if not self._open_url.startswith("rfc2217://"):
                timeouts["write_timeout"] = self.write_timeout
            try:
                port = self._open(timeouts)
            except Exception as exc:  # not there yet: wait and try again
                self._set_state(FAULTED, _describe(exc))
                self._stop.wait(delay)
                delay = min(delay * 2, self.backoff_max)
                continue
            self._port = port
            self._broken.clear()
            self.opened += 1
            self._set_state(ONLINE, "")
            delay = self.backoff_min
            error = self._read_until_broken(port)
            if self._stop.is_set():
                break
            # Report first: pyserial's socket close() sleeps 0.3 s.
            self._set_state(FAULTED, error)
            self._close_port(wait=False)
            self._stop.wait(delay)
        self._online.clear()

    def _open(self, timeouts: dict):
        if self._agent_key is None:
            return serial.serial_for_url(self._open_url, **timeouts, **self._options)
        port = AgentSerial(None, **timeouts, **self._options)
        port.agent_key = self._agent_key
        port.port = self._open_url
        port.open()
        return port

    def _read_until_broken(self, port) -> str:
        while not self._stop.is_set():
            if self._broken.is_set():
                return "write failed"
            try:
                waiting = port.in_waiting if hasattr(port, "in_waiting") else 0
                data = port.read(waiting or 1)
            except Exception as exc:  # the cable is gone or the peer closed
                return _describe(exc)
            if data:
                self._deliver(data)
            elif self.on_idle is not None:
                try:
                    self.on_idle()
                except Exception:
                    log.exception("link %s: idle handler failed", self.name)
        return "closed"

    def _deliver(self, data: bytes) -> None:
        if self.on_data is None:
            return
        try:
            self.on_data(data)
        except Exception:  # a parser bug must not take the link down
            log.exception("link %s: data handler failed", self.name)

    def _close_port(self, wait: bool = True) -> None:
        port, self._port = self._port, None
        if port is None:
            return
        if wait:
            _quiet_close(port)
        else:
            # pyserial's socket close() sleeps 0.3 s; a broken port is closed
            # aside so that reconnecting is not delayed by it.
            threading.Thread(target=_quiet_close, args=(port,), name=f"close-{self.name}", daemon=True).start()

    def _set_state(self, state: str, detail: str) -> None:
        if state == ONLINE:
            self._online.set()
            if self._last_logged:
                log.info("link %s (%s) is back online", self.name, self.url)
            self._last_logged = ""
        else:
            self._online.clear()
            # The same failure repeats on every reconnect attempt: say it once.
            if detail != self._last_logged:
                log.warning("link %s (%s) %s: %s", self.name, self.url, state, detail)
                self._last_logged = detail
        if (state, detail) == (self.state, self.detail):
            return
        self.state, self.detail = state, detail
        if self.on_state is not None:
            try:
                self.on_state(self.name, state, detail)
            except Exception:
                log.exception("link %s: state handler failed", self.name)


def _quiet_close(port) -> None:
    try:
        port.close()
    except Exception:  # already broken; closing is all we want
        pass


def _describe(exc: Exception) -> str:
    text = str(exc) or exc.__class__.__name__
    return text.splitlines()[0][:200]
