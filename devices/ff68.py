"""The FF 68 frame used by window raters and caller keypads on RS-485.

    FF 68 L L 68 ADDR CMD DATA.. CS 16

L (one byte, sent twice) counts ADDR through the end of DATA; CS is the sum
of ADDR..DATA modulo 256. 9600 baud, 8N1. What CMD means is up to the device
kind (devices/keypad/protocol.py, devices/rater/protocol.py); this module
only frames and unframes. Pure: bytes in, bytes out.
"""
from __future__ import annotations

from dataclasses import dataclass, field

START = b"\xff\x68"
END = 0x16
MAX_BODY = 0xFF


class FrameError(ValueError):
    """Bytes that are not one good FF 68 frame."""


@dataclass(frozen=True)
class Frame:
    address: int
    command: int
    data: bytes = b""

    def encode(self) -> bytes:
        return encode(self.address, self.command, self.data)


def checksum(body: bytes) -> int:
    """Sum of ADDR..DATA modulo 256."""
    return sum(body) & 0xFF


def encode(address: int, command: int, data: bytes = b"") -> bytes:
    """The wire bytes of one frame."""
    if not 0 <= address <= 0xFF or not 0 <= command <= 0xFF:
        raise FrameError(f"address {address} and command {command} must each fit in one byte")
    body = bytes((address, command)) + bytes(data)
    if len(body) > MAX_BODY:
        raise FrameError(f"frame data too long ({len(data)} bytes, at most {MAX_BODY - 2})")
    n = len(body)
    return START + bytes((n, n, 0x68)) + body + bytes((checksum(body), END))


def decode(raw: bytes) -> Frame:
    """Decode exactly one frame; raises FrameError saying what is wrong."""
    if len(raw) < 9 or raw[:2] != START or raw[4] != 0x68:
        raise FrameError("not an FF 68 frame")
    n = raw[2]
    if raw[3] != n or n < 2:
        raise FrameError("length bytes disagree")
    if len(raw) != 5 + n + 2:
        raise FrameError("frame length does not match L")
    body = raw[5:5 + n]
    if raw[-1] != END:
        raise FrameError("missing end byte 16")
    if raw[-2] != checksum(body):
        raise FrameError("bad checksum")
    return Frame(body[0], body[1], bytes(body[2:]))


@dataclass
class FrameParser:
    """Feed it any bytes; it returns the good frames and counts the dropped ones.

    It looks for FF 68, checks the header, and waits for the whole frame. A
    frame that fails (bad checksum, no 16) is dropped and the search restarts
    one byte after its FF, so a good frame that a truncated one swallowed is
    still found. `gap()` (the line went quiet) drops a half frame that will
    never be finished. `feed()` never raises.
    """
    frames: int = 0
    bad_checksum: int = 0
    malformed: int = 0          # header bytes that are not a frame, missing 16
    truncated: int = 0
    garbage_bytes: int = 0
    _buf: bytearray = field(default_factory=bytearray)

    def feed(self, data: bytes) -> list[Frame]:
        self._buf += data
        out: list[Frame] = []
        buf = self._buf
        while True:
            start = buf.find(START)
            if start < 0:
                # Keep a trailing FF: it may be the first half of FF 68.
                keep = 1 if buf[-1:] == b"\xff" else 0
                self.garbage_bytes += len(buf) - keep
                del buf[:len(buf) - keep]
                break
            if start:
                self.garbage_bytes += start
                del buf[:start]
            if len(buf) < 5:
                break
            n = buf[2]
            if buf[3] != n or buf[4] != 0x68 or n < 2:
                self.malformed += 1
                del buf[:1]
                continue
            total = 5 + n + 2
            if len(buf) < total:
                break
            body = bytes(buf[5:5 + n])
            if buf[total - 1] != END:
                self.malformed += 1
                del buf[:1]
                continue
            if buf[total - 2] != checksum(body):
                self.bad_checksum += 1
                del buf[:1]
                continue
            out.append(Frame(body[0], body[1], body[2:]))
            self.frames += 1
            del buf[:total]
        return out

    def gap(self) -> list[Frame]:
        """The line went quiet: drop a half frame and look again behind its start."""
        out: list[Frame] = []
        while self._buf:
            if self._buf.find(START) < 0:
                self.garbage_bytes += len(self._buf)
                self._buf.clear()
                break
            self.truncated += 1
            del self._buf[:self._buf.find(START) + 1]
            out += self.feed(b"")
        return out

    @property
    def dropped(self) -> int:
        return self.bad_checksum + self.malformed + self.truncated
