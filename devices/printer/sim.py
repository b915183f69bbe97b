"""A simulated ESC/POS ticket printer, reached over a pty or TCP.

`SimulatedPrinter` is the printer: it reads the byte stream with
reader.EscposReader into tickets and answers DLE EOT from a state that tests
set (paper, cover, offline, silent). `PtyPrinter` and `TcpPrinter` carry
bytes to it; both can be "unplugged" for a while, by hand or after a given
number of bytes, to test what a driver does when a cable is pulled mid-ticket.

    printer = SimulatedPrinter()
    with PtyPrinter(printer) as pty:          # pty.path is a serial device
        ... PrinterDriver({"link": pty.path}) ...
        printer.wait_for_tickets(1)
        printer.tickets[0].texts
"""
from __future__ import annotations

import os
import select
import socket
import tempfile
import threading
import time
import tty

from .protocol import status_byte
from .reader import EscposReader, PrintedTicket


class SimulatedPrinter:
    """The printer itself: paper, cover, the tickets it has cut."""

    def __init__(self):
        self._lock = threading.Condition()
        self.paper = "ok"  # "ok", "near_end" or "out"
        self.cover_open = False
        self.offline = False
        self.error = False
        self.silent = False  # answers no status query at all
        self.tickets: list[PrintedTicket] = []  # cut, complete tickets
        self.stubs: list[PrintedTicket] = []  # cut short: unplugged or out of paper
        self.cut_times: list[float] = []  # time.perf_counter() at each complete ticket's cut
        self.status_queries = 0
        self.bytes_received = 0
        self.last_byte_at = 0.0  # time.perf_counter() of the last byte in
        self._paper_left: int | None = None
        self._lines_left: int | None = None
        self._answers = bytearray()
        self.reader = EscposReader(self._on_ticket, self._on_status, self._can_print)

    # -- what tests set ---------------------------------------------------
    def set_state(self, *, paper: str | None = None, cover_open: bool | None = None,
                  offline: bool | None = None, error: bool | None = None,
                  silent: bool | None = None) -> None:
        """Change what the printer reports (and whether it can print)."""
        with self._lock:
            if paper is not None:
                if paper not in ("ok", "near_end", "out"):
                    raise ValueError("paper must be ok, near_end or out")
                self.paper = paper
            for name, value in (("cover_open", cover_open), ("offline", offline),
                                ("error", error), ("silent", silent)):
                if value is not None:
                    setattr(self, name, value)

    def paper_out_after(self, tickets: int, lines: int = 3) -> None:
        """The roll ends `lines` printed lines into the ticket after the next `tickets`."""
        with self._lock:
            self._paper_left, self._paper_lines = tickets, lines

    # -- the printer's side of the stream ---------------------------------
    def receive(self, data: bytes) -> bytes:
        """Bytes from the host in; status answers out."""
        with self._lock:
            self.bytes_received += len(data)
            self.last_byte_at = time.perf_counter()
            self.reader.feed(data)
            out, self._answers = bytes(self._answers), bytearray()
            return out

    def interrupt(self) -> None:
        """The cable was pulled: what is on the paper stays a stub."""
        with self._lock:
            self.reader.interrupt()

    def _can_print(self) -> bool:
        if self._lines_left is not None:
            if self._lines_left <= 0:
                self.paper, self._lines_left = "out", None
            else:
                self._lines_left -= 1
        return self.paper != "out" and not self.cover_open and not self.offline and not self.error

    def _on_status(self, kind: int) -> None:
        self.status_queries += 1
        if not self.silent:
            self._answers.append(status_byte(kind, paper=self.paper, cover_open=self.cover_open,
                                             offline=self.offline, error=self.error))

    def _on_ticket(self, ticket: PrintedTicket) -> None:
        (self.tickets if ticket.complete else self.stubs).append(ticket)
        if ticket.complete:
            self.cut_times.append(time.perf_counter())
        if ticket.complete and self._paper_left is not None:
            self._paper_left -= 1
            if self._paper_left <= 0:
                self._lines_left, self._paper_left = self._paper_lines, None
        self._lock.notify_all()

    # -- for tests --------------------------------------------------------
    def wait_for_tickets(self, count: int, timeout: float = 5.0) -> bool:
        """Wait until `count` complete tickets were cut; False on timeout."""
        with self._lock:
            return self._lock.wait_for(lambda: len(self.tickets) >= count, timeout)

    def numbers(self) -> list[str]:
        """The big number line (GS ! larger than 1) of each complete ticket."""
        with self._lock:
            return [next((l.text for l in t.lines if l.size[0] > 1), "") for t in self.tickets]


class _Carrier:
    """Shared by the pty and TCP carriers: unplugging and the read thread."""

    def __init__(self, printer: SimulatedPrinter):
        self.printer = printer
        self._stop = threading.Event()
        self._unplug_for: float | None = None
        self._unplug_after: int | None = None
        self._thread: threading.Thread | None = None

    def unplug(self, for_seconds: float = 0.3) -> None:
        """Pull the cable now; it comes back after for_seconds."""
        self._unplug_for = for_seconds

    def unplug_after(self, nbytes: int, for_seconds: float = 0.3) -> None:
        """Pull the cable once exactly nbytes more bytes have arrived."""
        self._unplug_after, self._unplug_after_for = nbytes, for_seconds

    def _deliver(self, data: bytes) -> bytes:
        if self._unplug_after is not None:
            if len(data) >= self._unplug_after:
                data = data[: self._unplug_after]
                self._unplug_after = None
                self._unplug_for = self._unplug_after_for
            else:
                self._unplug_after -= len(data)
        answer = self.printer.receive(data) if data else b""
        return b"" if self._unplug_for is not None else answer

    def _sleep_unplugged(self) -> None:
        until = time.monotonic() + (self._unplug_for or 0)
        self._unplug_for = None
        self.printer.interrupt()
        while time.monotonic() < until and not self._stop.is_set():
            time.sleep(0.01)

    def start(self):
        self._thread = threading.Thread(target=self._run, name=type(self).__name__, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=2)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class PtyPrinter(_Carrier):
    """The printer on a pty; `path` is a stable symlink to the serial device.

    Unplugging closes the pty and removes the symlink, as a USB serial
    adapter's /dev/serial/by-id link disappears; plugging back makes a new
    pty and points the symlink at it.
    """

    def __init__(self, printer: SimulatedPrinter):
        super().__init__(printer)
        self._dir = tempfile.mkdtemp(prefix="hallq-printer-")
        self.path = os.path.join(self._dir, "ttyPRINTER")
        self._master = self._slave = -1
        self._plug()

    def _plug(self) -> None:
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # no echo, no newline translation: bytes as sent
        tmp = self.path + ".new"
        os.symlink(os.ttyname(self._slave), tmp)
        os.replace(tmp, self.path)

    def _unplug(self) -> None:
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        for fd in (self._master, self._slave):
            if fd >= 0:
                os.close(fd)
        self._master = self._slave = -1

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                if self._unplug_for is not None:
                    self._unplug()
                    self._sleep_unplugged()
                    if self._stop.is_set():
                        break
                    self._plug()
                ready, _, _ = select.select([self._master], [], [], 0.02)
                if not ready:
                    continue
                try:
                    data = os.read(self._master, 65536)
                except OSError:
                    continue  # no one has the device open yet
                answer = self._deliver(data)
                if answer:
                    os.write(self._master, answer)
        finally:
            self._unplug()

    def stop(self) -> None:
        super().stop()
        try:
            os.rmdir(self._dir)
        except OSError:
            pass


class TcpPrinter(_Carrier):
    """The printer on a TCP port (9100 on a real network printer).

    One connection at a time, like most network printers. While unplugged,
    new connections are closed at once.
    """

    def __init__(self, printer: SimulatedPrinter, host: str = "127.0.0.1", port: int = 0):
        super().__init__(printer)
        self._listener = socket.create_server((host, port))
        self._listener.settimeout(0.02)
        self.host, self.port = self._listener.getsockname()[:2]
        self.url = f"socket://{self.host}:{self.port}"
        self._noise: list[bytes] = []
        self.connected = False

    def send_unasked(self, data: bytes) -> bool:
        """Bytes up the link from the printer's side, asked for by nothing (line noise, a printer
        gone mad): sent on the open connection; False, and nothing sent, if none is open."""
        if not self.connected:
            return False
        self._noise.append(bytes(data))
        return True

    def _run(self) -> None:
        conn = None
        try:
            while not self._stop.is_set():
                if conn is None:
                    self.connected = False
                    try:
                        conn, _ = self._listener.accept()
                        conn.settimeout(0.02)
                        self.connected = True
                    except (TimeoutError, socket.timeout):
                        continue
                if self._unplug_for is not None:
                    self.connected = False
                    self._noise.clear()
                    conn.close()
                    conn = None
                    self._sleep_unplugged()
                    continue
                while self._noise:
                    try:
                        conn.sendall(self._noise.pop(0))
                    except OSError:
                        break
                try:
                    data = conn.recv(65536)
                except (TimeoutError, socket.timeout):
                    continue
                except OSError:
                    data = b""
                if not data:
                    conn.close()
                    conn = None
                    continue
                answer = self._deliver(data)
                if answer:
                    conn.sendall(answer)
        finally:
            if conn is not None:
                conn.close()
            self._listener.close()


def main() -> None:
    """Run a simulated printer on TCP (default 9100) and print what it cuts."""
    import argparse

    parser = argparse.ArgumentParser(description="HallQ simulated ESC/POS ticket printer")
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--pty", action="store_true", help="also serve on a pty")
    args = parser.parse_args()
    printer = SimulatedPrinter()
    carriers = [TcpPrinter(printer, port=args.port).start()]
    print(f"simulated printer on {carriers[0].url}")
    if args.pty:
        carriers.append(PtyPrinter(printer).start())
        print(f"simulated printer on {carriers[1].path}")
    seen = 0
    try:
        while True:
            printer.wait_for_tickets(seen + 1, timeout=1.0)
            while seen < len(printer.tickets):
                print("\n".join(printer.tickets[seen].texts), "\nQR:", printer.tickets[seen].qr, "\n--- cut ---")
                seen += 1
    except KeyboardInterrupt:
        pass
    finally:
        for c in carriers:
            c.stop()


if __name__ == "__main__":
    main()
