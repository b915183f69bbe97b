"""`hallq device-agent`: share a PC's local serial ports with the hall server over the LAN.

A printer, keypad or rater plugged into a kiosk or window PC is reached by
the hall server as `rfc2217://THAT-PC:PORT`: this agent serves each local
serial port on a TCP port with RFC 2217 (telnet COM-port control, so the
server sets the baud rate and framing), through pyserial's PortManager.
One client at a time per port; the serial port is opened when the hall
server connects and closed when it leaves, so the agent survives the
server's restarts and a device unplugged and plugged back.

The agent listens on 127.0.0.1 unless told another address, and with a
shared key every client must first pass the handshake of
devices/agent_auth.py (a fresh nonce answered with an HMAC of the key): a
client that answers wrong or late is closed before the serial port is
opened, so none of its bytes reach the device. Without a key the agent
refuses to listen on any address but loopback.
"""
from __future__ import annotations

import ipaddress
import logging
import socket
import threading
from dataclasses import dataclass
from typing import Optional

import serial
import serial.rfc2217

from devices import agent_auth

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Share:
    device: str   # a local serial port: /dev/ttyUSB0, COM3, a pty path
    port: int     # the TCP port the hall server connects to


def parse_share(text: str) -> Share:
    """'/dev/ttyUSB0=7000' -> Share; a mistake is a ValueError sentence."""
    device, sep, port = text.rpartition("=")
    if not sep or not device or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError(f"--share {text!r} is not DEVICE=PORT; write it as /dev/ttyUSB0=7000.")
    return Share(device, int(port))


_MODEM = frozenset({"rts", "dtr", "break_condition", "cts", "dsr", "ri", "cd"})


class _Tolerant:
    """The serial port as PortManager sees it: modem-line control that the port cannot do
    (a pty, some USB adapters) is skipped instead of ending the session."""

    def __init__(self, ser):
        object.__setattr__(self, "_ser", ser)
        object.__setattr__(self, "_warned", set())

    def __getattr__(self, name):
        try:
            return getattr(self._ser, name)
        except OSError:
            if name in _MODEM:
                return False
            raise

    def __setattr__(self, name, value):
        try:
            setattr(self._ser, name, value)
        except (OSError, serial.SerialException, ValueError) as exc:
            if name not in self._warned:
                self._warned.add(name)
                log.info("%s: cannot set %s on this port (%s); ignored", self._ser.port, name, exc)


class _Redirector:
    """Copies bytes between one client socket and one serial port, speaking RFC 2217 on the socket."""

    def __init__(self, ser: serial.Serial, sock: socket.socket):
        self.serial = ser
        self.socket = sock
        self._write_lock = threading.Lock()
        self.alive = True
        self.rfc2217 = serial.rfc2217.PortManager(_Tolerant(ser), self)

    def write(self, data: bytes) -> None:  # PortManager sends telnet replies through this
        with self._write_lock:
            self.socket.sendall(data)

    def run(self) -> None:
        reader = threading.Thread(target=self._serial_to_socket, name="agent-serial-to-net", daemon=True)
        reader.start()
        try:
            while self.alive:
                data = self.socket.recv(4096)
                if not data:
                    break
                self.serial.write(b"".join(self.rfc2217.filter(data)))
        except OSError as exc:
            log.info("client left: %s", exc)
        finally:
            self.alive = False
            reader.join(2)

    def _serial_to_socket(self) -> None:
        while self.alive:
            try:
                data = self.serial.read(self.serial.in_waiting or 1)
                if data:
                    self.write(b"".join(self.rfc2217.escape(data)))
            except (OSError, serial.SerialException) as exc:
                log.warning("serial port %s failed: %s", self.serial.port, exc)
                self.alive = False
                try:
                    self.socket.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Agent:
    """Serves every share on its own thread until stop().

    `key` (bytes) makes every client pass the handshake first; without one
    the agent serves loopback only (a ValueError sentence otherwise).
    """

    MAX_PENDING = 8  # handshakes in progress per share; more are closed at once

    def __init__(self, shares: list[Share], host: str = "127.0.0.1", key: Optional[bytes] = None,
                 auth_timeout: float = agent_auth.TIMEOUT):
        if key is None and not is_loopback(host):
            raise ValueError(f"设备代理没有密钥时只能在本机地址上监听：请用 --key-file 文件（或 HALLQ_AGENT_KEY）"
                             f"设置密钥后再用 --host {host}。 (Without a key the device agent listens on loopback "
                             f"only: give --key-file FILE or HALLQ_AGENT_KEY to listen on {host}.)")
        self.shares = shares
        self.host = host
        self.key = key
        self.auth_timeout = auth_timeout
        self._servers: list[socket.socket] = []
        self._stop = threading.Event()
        self.ports: dict[str, int] = {}
        self.refused = 0  # clients closed for a wrong or late answer

    def start(self) -> "Agent":
        for share in self.shares:
            srv = socket.create_server((self.host, share.port), reuse_port=False,
                                       family=socket.AF_INET6 if ":" in self.host else socket.AF_INET)
            srv.settimeout(0.2)
            self._servers.append(srv)
            self.ports[share.device] = srv.getsockname()[1]
            threading.Thread(target=self._serve, args=(share, srv), name=f"agent-{share.port}", daemon=True).start()
        return self

    def _serve(self, share: Share, srv: socket.socket) -> None:
        session = threading.Lock()           # one client on the serial port at a time
        pending = threading.BoundedSemaphore(self.MAX_PENDING)
        failing = [False]
        while not self._stop.is_set():
            try:
                client, addr = srv.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            # A client that never answers must not keep the hall server out: each
            # handshake runs on its own thread, and only so many at once.
            if not pending.acquire(blocking=False):
                log.warning("%s: too many unanswered connections; %s closed", share.device, addr[0])
                client.close()
                continue
            threading.Thread(target=self._client, args=(share, client, addr, session, pending, failing),
                             name=f"agent-{share.port}-client", daemon=True).start()

    def _client(self, share: Share, client: socket.socket, addr, session: threading.Lock,
                pending: threading.BoundedSemaphore, failing: list) -> None:
        try:
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.key is not None and not agent_auth.agent_handshake(client, self.key, self.auth_timeout):
                self.refused += 1
                log.warning("%s: %s did not answer with the key; closed", share.device, addr[0])
                client.close()
                return
        finally:
            pending.release()
        with session:
            if self._stop.is_set():
                client.close()
                return
            try:
                ser = serial.serial_for_url(share.device, do_not_open=True)
                ser.timeout = 0.2
                ser.open()
                if failing[0]:
                    log.warning("%s opens again", share.device)
                failing[0] = False
            except (OSError, serial.SerialException) as exc:
                if not failing[0]:  # a repeated error is logged once
                    log.warning("cannot open %s for %s: %s", share.device, addr[0], exc)
                failing[0] = True
                client.close()
                return
            log.info("%s shared with %s", share.device, addr[0])
            try:
                _Redirector(ser, client).run()
            except OSError as exc:  # the client went away mid-negotiation: the next one is served
                log.info("%s: %s left: %s", share.device, addr[0], exc)
            finally:
                ser.close()
                client.close()

    def stop(self) -> None:
        self._stop.set()
        for srv in self._servers:
            srv.close()


def main(shares: list[str], host: str = "127.0.0.1", key_file: Optional[str] = None) -> int:
    """Run the agent in the foreground (the `hallq device-agent` command); bad input is a ValueError."""
    import time
    key = agent_auth.read_key_file(key_file) if key_file else agent_auth.key_from_environment()
    agent = Agent([parse_share(s) for s in shares], host=host, key=key).start()
    query = "?key_file=FILE" if key is not None else ""
    for share in agent.shares:
        print(f"sharing {share.device} as rfc2217://<this-pc>:{agent.ports[share.device]}{query}"
              f" on {host}{' with a key' if key is not None else ' (this PC only, no key)'}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        agent.stop()
    return 0
