"""The wire to a ticket printer, chosen by a URL-like `link` setting.

    /dev/ttyUSB0?baudrate=9600   serial port or pty, through devices.link.Link
    socket://192.168.1.50:9100   network printer, raw TCP port 9100
    usb://0x0416:0x5011          USB printer class device (python-escpos Usb)
    file:///tmp/tickets.bin      append the bytes to a file (no status)

Every port has the same four calls: open(), write(data), ask(query, size,
timeout) and close(); any failure is raised as LinkError so the driver can
treat it as "the cable is gone" whatever the wire.
"""
from __future__ import annotations

import threading
import time
from urllib.parse import parse_qsl, urlsplit

USB_OPTIONS = ("in_ep", "out_ep")


class LinkError(Exception):
    """The printer cannot be reached or the wire broke while talking to it."""


class PrinterSettingsError(ValueError):
    """A printer setting the driver cannot use; .message says what to fix."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class LinkPort:
    """A serial device, a pty or socket:// through the hall's devices.link.Link.

    The Link's own thread opens the port, reads it and reopens it after an
    unplug; answers to status queries arrive through on_data.
    """

    can_answer = True

    def __init__(self, url: str, write_timeout: float = 5.0, name: str = "printer"):
        from devices.link import SERIAL_OPTIONS, Link, LinkSettingsError, parse_link_url

        self.url = url
        if "://" not in url:
            # pyserial would take a misspelt option on a device path as part
            # of the file name and fail only when the printer is first used.
            for key, _value in parse_qsl(urlsplit(url).query):
                if key not in SERIAL_OPTIONS:
                    raise PrinterSettingsError(
                        f"串口打印机地址 {url} 里的 {key} 不认识；可用：{', '.join(SERIAL_OPTIONS)}。"
                    )
        try:
            _plain, options = parse_link_url(url, baudrate=9600)
            self.link = Link(url, name=name, on_data=self._on_data, write_timeout=write_timeout)
        except LinkSettingsError as exc:
            raise PrinterSettingsError(f"打印机的 link {url} 用不了：{exc}") from None
        # Line time matters on a real serial line only; sockets and ptys are fast.
        self.baudrate = options["baudrate"] if "://" not in url else None
        self._answers = bytearray()
        self._cond = threading.Condition()
        self._started = False

    def _on_data(self, data: bytes) -> None:
        with self._cond:
            self._answers += data
            self._cond.notify_all()

    def line_time(self, nbytes: int) -> float:
        """Seconds nbytes take on the wire (0 for pty-fast links such as TCP)."""
        return nbytes * 10 / self.baudrate if self.baudrate else 0.0

    def open(self) -> None:
        first = not self._started
        if first:
            self.link.start()
            self._started = True
        if not self.link.wait_online(0.5 if first else 0):
            raise LinkError(f"打不开打印机 {self.url}：{self.link.detail or self.link.state}")

    @property
    def is_open(self) -> bool:
        return self._started and self.link.is_online

    def write(self, data: bytes) -> None:
        from devices.link import LinkDown

        try:
            self.link.write(data)
        except LinkDown as exc:
            raise LinkError(f"写打印机失败：{exc}") from None

    def ask(self, query: bytes, size: int, timeout: float) -> bytes:
        """Send query (maybe a whole ticket ending in one) and collect `size` answer bytes."""
        with self._cond:
            self._answers.clear()  # stale or unsolicited bytes are not answers
        self.write(query)
        with self._cond:
            self._cond.wait_for(lambda: len(self._answers) >= size,
                                timeout + self.line_time(len(query)))
            return bytes(self._answers[:size])

    def close(self) -> None:
        """Close the port; the next open() starts the link afresh."""
        if self._started:
            self.link.close()
            self._started = False


class UsbPort:
    """A USB printer-class device through python-escpos's Usb (needs pyusb)."""

    can_answer = True

    def __init__(self, url: str, write_timeout: float = 5.0):
        self.url = url
        parts = urlsplit(url)
        try:
            vendor, product = parts.netloc.split(":")
            self.vendor, self.product = int(vendor, 16), int(product, 16)
            self.options = {k: int(v, 0) for k, v in parse_qsl(parts.query) if k in USB_OPTIONS}
        except ValueError:
            raise PrinterSettingsError(
                f"USB 打印机地址 {url} 写法不对：应为 usb://厂商ID:产品ID，例如 usb://0x0416:0x5011。"
            ) from None
        self.timeout_ms = int(write_timeout * 1000)
        self._printer = None

    def open(self) -> None:
        try:
            from escpos.printer import Usb

            printer = Usb(self.vendor, self.product, usb_args={}, timeout=self.timeout_ms, **self.options)
            printer.open(raise_not_found=True)
            self._printer = printer
        except Exception as exc:  # pyusb raises many kinds; all mean "not there"
            self._printer = None
            raise LinkError(f"打不开 USB 打印机 {self.url}：{exc}") from None

    @property
    def is_open(self) -> bool:
        return self._printer is not None

    def write(self, data: bytes) -> None:
        if self._printer is None:
            raise LinkError("打印机连接已断开")
        try:
            self._printer._raw(data)
        except Exception as exc:
            raise LinkError(f"写 USB 打印机失败：{exc}") from None

    def ask(self, query: bytes, size: int, timeout: float) -> bytes:
        if self._printer is None:
            raise LinkError("打印机连接已断开")
        self.write(query)
        answer = b""
        deadline = time.monotonic() + timeout
        while len(answer) < size and time.monotonic() < deadline:
            try:
                answer += bytes(self._printer._read())
            except Exception as exc:
                if "timeout" in str(exc).lower():
                    continue
                raise LinkError(f"读 USB 打印机状态失败：{exc}") from None
        return answer

    def close(self) -> None:
        if self._printer is not None:
            try:
                self._printer.close()
            except Exception:
                pass
            self._printer = None


class FilePort:
    """Append the bytes to a file: for spooling and checks; it cannot answer."""

    can_answer = False

    def __init__(self, url: str, write_timeout: float = 5.0):
        self.url = url
        self.path = urlsplit(url).path
        self._file = None

    def open(self) -> None:
        try:
            self._file = open(self.path, "ab")
        except OSError as exc:
            raise LinkError(f"打不开打印文件 {self.path}：{exc}") from None

    @property
    def is_open(self) -> bool:
        return self._file is not None

    def write(self, data: bytes) -> None:
        if self._file is None:
            raise LinkError("打印文件没有打开")
        try:
            self._file.write(data)
            self._file.flush()
        except OSError as exc:
            raise LinkError(f"写打印文件失败：{exc}") from None

    def ask(self, query: bytes, size: int, timeout: float) -> bytes:
        return b""

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def port_for(url: str, write_timeout: float = 5.0, name: str = "printer"):
    """The port for a `link` setting; PrinterSettingsError if it is not one."""
    if not isinstance(url, str) or not url:
        raise PrinterSettingsError(
            "打印机的 link 不能为空：例如 /dev/ttyUSB0?baudrate=9600、socket://192.168.1.50:9100、"
            "usb://0x0416:0x5011 或 file:///tmp/tickets.bin。"
        )
    if url.startswith("usb://"):
        return UsbPort(url, write_timeout)
    if url.startswith("file://"):
        return FilePort(url, write_timeout)
    if "://" in url and url.split("://", 1)[0] not in ("socket", "rfc2217", "loop", "spy", "alt", "hwgrep"):
        raise PrinterSettingsError(
            f"打印机的 link {url} 不认识：只能是串口路径、socket://主机:9100、usb://厂商ID:产品ID 或 file://路径。"
        )
    return LinkPort(url, write_timeout, name)
