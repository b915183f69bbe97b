"""Lines from a 433 MHz (EV1527-style) receiver: which remote, which key. Pure.

EV1527 remotes send a 20-bit id and 4 key bits; the common UART receiver
modules print one line per received code, repeated while the key is held:

    A1B2C,1\r\n        id (5-6 hex digits), comma, key (1 hex digit)
    A1B2C:1  /  A1B2C 1  /  RX:A1B2C,1   the same, as other modules print it

`LineParser.feed(bytes)` returns (remote_id, key) pairs; lines that do not
parse are dropped and counted, overlong lines are cut. Never raises.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_LINE = 64
_LINE = re.compile(r"^(?:[A-Z]{1,4}:)?\s*([0-9A-F]{5,6})\s*[,: ]\s*([0-9A-F])$")


def parse_line(line: str) -> tuple[str, int] | None:
    """(remote id in upper-case hex, key number) or None."""
    m = _LINE.match(line.strip().upper())
    if not m:
        return None
    return m.group(1), int(m.group(2), 16)


def encode_line(remote_id: str, key: int) -> bytes:
    """What a receiver prints for one code."""
    return f"{remote_id.upper()},{key:X}\r\n".encode("ascii")


@dataclass
class LineParser:
    codes: int = 0
    dropped: int = 0
    _buf: bytearray = field(default_factory=bytearray)

    def feed(self, data: bytes) -> list[tuple[str, int]]:
        out = []
        self._buf += data
        while True:
            end = min((i for i in (self._buf.find(b"\n"), self._buf.find(b"\r")) if i >= 0), default=-1)
            if end < 0:
                if len(self._buf) > MAX_LINE:
                    self.dropped += 1
                    self._buf.clear()
                break
            raw = bytes(self._buf[:end])
            del self._buf[:end + 1]
            if not raw.strip():
                continue
            code = parse_line(raw.decode("ascii", errors="replace"))
            if code is None:
                self.dropped += 1
            else:
                self.codes += 1
                out.append(code)
        return out
