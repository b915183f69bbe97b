"""`hallq device-agent`: share a PC's local serial ports with the hall server over the LAN.

A printer, keypad or rater plugged into a kiosk or window PC is reached by
the hall server as `rfc2217://THAT-PC:PORT`: this agent serves each local
serial port on a TCP port with RFC 2217 (telnet COM-port control, so the
server sets the baud rate and framing), through pyserial's PortManager.
One client at a time per port; the serial port is opened when the hall
server connects and closed when it leaves, so the agent survives the
server's restarts and a device unplugged and plugged back.
"""
from __future__ import annotations

import logging
import socket
import threading
from dataclasses import dataclass

import serial
import serial.rfc2217

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


class Agent:
    """Serves every share on its own thread until stop()."""

    def __init__(self, shares: list[Share], host: str = "0.0.0.0"):
        self.shares = shares
        self.host = host
        self._servers: list[socket.socket] = []
        self._stop = threading.Event()
        self.ports: dict[str, int] = {}

    def start(self) -> "Agent":
        for share in self.shares:
            srv = socket.create_server((self.host, share.port), reuse_port=False)
            srv.settimeout(0.2)
            self._servers.append(srv)
            self.ports[share.device] = srv.getsockname()[1]
            threading.Thread(target=self._serve, args=(share, srv), name=f"agent-{share.port}", daemon=True).start()
        return self

    def _serve(self, share: Share, srv: socket.socket) -> None:
        failing = False
        while not self._stop.is_set():
            try:
                client, addr = srv.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                ser = serial.serial_for_url(share.device, do_not_open=True)
                ser.timeout = 0.2
                ser.open()
                if failing:
                    log.warning("%s opens again", share.device)
                failing = False
            except (OSError, serial.SerialException) as exc:
                if not failing:  # a repeated error is logged once
                    log.warning("cannot open %s for %s: %s", share.device, addr[0], exc)
                failing = True
                client.close()
                continue
            log.info("%s shared with %s", share.device, addr[0])
            try:
                _Redirector(ser, client).run()
            finally:
                ser.close()
                client.close()

    def stop(self) -> None:
        self._stop.set()
        for srv in self._servers:
            srv.close()


def main(shares: list[str], host: str = "0.0.0.0") -> int:
    """Run the agent in the foreground (the `hallq device-agent` command)."""
    import time
    agent = Agent([parse_share(s) for s in shares], host=host).start()
    for share in agent.shares:
        print(f"sharing {share.device} as rfc2217://<this-pc>:{agent.ports[share.device]}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        agent.stop()
    return 0
