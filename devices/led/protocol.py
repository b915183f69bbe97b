"""Onbon BX-5K/6K LED controller protocol: pure frames, bytes in and bytes out.

A frame on the wire:

    A5 x8 | DST(2 LE) SRC(2 LE) 00 00 00 00 CHK DISP FE 02 LEN(2 LE) DATA.. CRC(2 LE) | 5A

The CRC is CRC-16/ARC (poly 0x8005 reflected, init 0) over DST..DATA. After
the CRC is appended, every A5/A6/5A/5B between preamble and end byte is
escaped (A5 -> A6 02, A6 -> A6 01, 5A -> 5B 02, 5B -> 5B 01), so A5 and 5A
on the wire always mean "frame starts" / "frame ends".

DATA starts with CmdGroup Cmd Response R R (Response 01: the controller must
answer). Commands built here:

    A2 00  ping (status query)
    A3 10  clear the screen (delete all dynamic areas)
    A3 06  update dynamic areas: real-time text in GB2312

The controller answers with a frame whose DST/SRC are swapped and whose data
is `A0 CMD ERR 00 00`: CMD 00 = ACK, 01 = NACK; ERR is the error code.
docs/protocols.md shows every frame in hex.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

PREAMBLE = b"\xa5" * 8
END = 0x5A
DEVICE_TYPE = 0xFE
PROTOCOL_VERSION = 0x02
HOST_ADDRESS = 0x8000
BROADCAST = 0xFFFF
HEADER_LEN = 14
MAX_FRAME = 8192   # longer than any text update: a runaway frame is dropped

PING = (0xA2, 0x00)
CLEAR = (0xA3, 0x10)
DYNAMIC_AREA = (0xA3, 0x06)
REPLY_GROUP = 0xA0
ACK, NACK = 0x00, 0x01

# Text colour escapes understood by the controller's font card.
COLORS = {"red": 1, "green": 2, "yellow": 3}

_ESCAPE = {0xA5: b"\xa6\x02", 0xA6: b"\xa6\x01", 0x5A: b"\x5b\x02", 0x5B: b"\x5b\x01"}
_UNESCAPE = {(0xA6, 0x02): 0xA5, (0xA6, 0x01): 0xA6, (0x5B, 0x02): 0x5A, (0x5B, 0x01): 0x5B}


def crc16_arc(data: bytes) -> int:
    """CRC-16/ARC: reflected poly 0x8005 (0xA001), init 0, no final xor."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def escape(body: bytes) -> bytes:
    """Escape A5/A6/5A/5B so they never appear raw between preamble and end."""
    out = bytearray()
    for b in body:
        out += _ESCAPE.get(b, bytes((b,)))
    return bytes(out)


def unescape(body: bytes) -> bytes:
    """Undo `escape`; raises ValueError on a dangling or unknown escape."""
    out = bytearray()
    i = 0
    while i < len(body):
        b = body[i]
        if b in (0xA6, 0x5B):
            if i + 1 >= len(body) or (b, body[i + 1]) not in _UNESCAPE:
                raise ValueError(f"bad escape at {i}")
            out.append(_UNESCAPE[(b, body[i + 1])])
            i += 2
        else:
            out.append(b)
            i += 1
    return bytes(out)


@dataclass(frozen=True)
class Frame:
    """A decoded BX frame (the part covered by the CRC)."""
    dst: int
    src: int
    data: bytes
    checksum_mode: int = 0
    display_mode: int = 0

    @property
    def address(self) -> int:
        """The device end of the frame: the source of a reply, the destination of a command."""
        return self.src if self.dst == HOST_ADDRESS else self.dst

    @property
    def command(self) -> tuple[int, int]:
        return (self.data[0], self.data[1]) if len(self.data) >= 2 else (-1, -1)


def encode(dst: int, data: bytes, *, src: int = HOST_ADDRESS, checksum_mode: int = 0,
           display_mode: int = 0) -> bytes:
    """The whole wire frame for `data` sent from `src` to `dst`."""
    header = struct.pack("<HHBBBBBBBBH", dst, src, 0, 0, 0, 0, checksum_mode, display_mode,
                         DEVICE_TYPE, PROTOCOL_VERSION, len(data))
    body = header + data
    return PREAMBLE + escape(body + struct.pack("<H", crc16_arc(body))) + bytes((END,))


def decode_body(escaped: bytes) -> Frame:
    """Decode what lies between the preamble and 5A; ValueError if it is not a good frame."""
    body = unescape(escaped)
    if len(body) < HEADER_LEN + 2:
        raise ValueError("too short")
    (dst, src, _r1, _r2, _r3, _opt, chk, disp, dev, ver, length) = struct.unpack_from("<HHBBBBBBBBH", body)
    if len(body) != HEADER_LEN + length + 2:
        raise ValueError("length field does not match")
    (crc,) = struct.unpack_from("<H", body, len(body) - 2)
    if crc != crc16_arc(body[:-2]):
        raise ValueError("bad CRC")
    if dev != DEVICE_TYPE:
        raise ValueError("not a BX device frame")
    return Frame(dst=dst, src=src, data=body[HEADER_LEN:-2], checksum_mode=chk, display_mode=disp)


def decode(frame: bytes) -> Frame:
    """Decode one complete wire frame (preamble .. 5A)."""
    stripped = frame.lstrip(b"\xa5")
    if len(stripped) == len(frame) or not stripped.endswith(bytes((END,))):
        raise ValueError("not a BX frame: it must start with A5 and end with 5A")
    return decode_body(stripped[:-1])


# -- commands -------------------------------------------------------------------

def _command(group: int, cmd: int, payload: bytes = b"", *, answer: bool = True) -> bytes:
    return bytes((group, cmd, 0x01 if answer else 0x02, 0, 0)) + payload


def ping(address: int) -> bytes:
    """Status query; the controller answers with an ACK frame."""
    return encode(address, _command(*PING))


def clear_screen(address: int) -> bytes:
    """Blank the display."""
    return encode(address, _command(*CLEAR))


@dataclass(frozen=True)
class TextArea:
    """One dynamic area: a rectangle of the display showing one text.

    x and width are sent in pixels unless `byte_units` (older BX-5K firmware
    counts them in bytes of 8 pixels). `timeout` is how many seconds the text
    stays after the controller stops hearing from the host (0 = forever).
    """
    text: str
    x: int = 0
    y: int = 0
    width: int = 64
    height: int = 16
    area_id: int = 0
    run_mode: int = 0
    timeout: int = 0
    single_line: bool = True
    display_mode: int = 1    # 1 = show at once; 3 = scroll left
    speed: int = 0
    stay: int = 10           # in 0.5 s units
    byte_units: bool = False


def encode_text(text: str) -> bytes:
    """GB2312 bytes of the text; raises ValueError naming the first character it cannot show."""
    try:
        return text.encode("gb2312")
    except UnicodeEncodeError as exc:
        raise ValueError(f"LED 屏无法显示字符 {text[exc.start]!r}（GB2312 字库之外）。"
                         f" / The LED cannot show {text[exc.start]!r}: it is not in GB2312.") from None


def colored(*parts: tuple[str, str]) -> str:
    """Text with colour escapes: colored(("red", "A001"), ("green", " 请到3号窗口"))."""
    out = []
    for color, text in parts:
        out.append(f"\\C{COLORS[color]}{text}")
    return "".join(out)


def strip_colors(text: str) -> str:
    """The text without `\\Cn` colour escapes (what a person reads on the display)."""
    out, i = [], 0
    while i < len(text):
        if text.startswith("\\C", i) and i + 2 < len(text) and text[i + 2].isdigit():
            i += 3
            continue
        out.append(text[i])
        i += 1
    return "".join(out)


def area_bytes(area: TextArea) -> bytes:
    """The AreaData block of one dynamic area."""
    text = encode_text(area.text)
    unit = 8 if area.byte_units else 1
    return struct.pack(
        "<BHHHHBBBH3sBBBBBBI",
        0x00,                      # area type: dynamic text
        area.x // unit, area.y, area.width // unit, area.height,
        area.area_id,
        0,                         # line spacing
        area.run_mode,
        area.timeout,
        b"\x00\x00\x00",           # reserved (sound mode, extension length)
        0x02 if area.single_line else 0x01,
        0x02,                      # new line: automatic
        area.display_mode,
        0x00,                      # exit mode
        area.speed,
        area.stay,
        len(text),
    ) + text


def dynamic_areas(address: int, areas: list[TextArea], delete: tuple[int, ...] = ()) -> bytes:
    """Update one or more dynamic areas at once (command A3 06)."""
    payload = bytearray((len(delete),)) + bytes(delete) + bytes((len(areas),))
    for area in areas:
        block = area_bytes(area)
        payload += struct.pack("<H", len(block)) + block
    return encode(address, _command(*DYNAMIC_AREA, bytes(payload)))


def show_text(address: int, text: str, *, width: int, height: int, **options) -> bytes:
    """One dynamic area covering the whole display, showing `text`."""
    return dynamic_areas(address, [TextArea(text, width=width, height=height, **options)])


def reply(frame: Frame, *, error: int = 0) -> bytes:
    """The controller's answer to `frame`: ACK when error is 0, else NACK with the code."""
    data = bytes((REPLY_GROUP, ACK if error == 0 else NACK, error, 0, 0))
    return encode(frame.src, data, src=frame.dst)


def is_ack(frame: Frame) -> bool:
    return len(frame.data) >= 3 and frame.data[0] == REPLY_GROUP and frame.data[1] == ACK


# -- reading dynamic-area commands (the simulator, tests) ------------------------

@dataclass
class AreaUpdate:
    area_id: int
    text: str
    x: int
    y: int
    width: int
    height: int


def parse_dynamic_areas(data: bytes) -> tuple[tuple[int, ...], list[AreaUpdate]]:
    """Read the payload of an A3 06 command: (deleted area ids, updated areas)."""
    pos = 5
    (ndel,) = struct.unpack_from("<B", data, pos)
    deleted = tuple(data[pos + 1: pos + 1 + ndel])
    pos += 1 + ndel
    (narea,) = struct.unpack_from("<B", data, pos)
    pos += 1
    areas = []
    for _ in range(narea):
        (blen,) = struct.unpack_from("<H", data, pos)
        block = data[pos + 2: pos + 2 + blen]
        if len(block) != blen:
            raise ValueError("area block truncated")
        fields = struct.unpack_from("<BHHHHBBBH3sBBBBBBI", block)
        text_len = fields[-1]
        header = struct.calcsize("<BHHHHBBBH3sBBBBBBI")
        raw = block[header: header + text_len]
        if len(raw) != text_len:
            raise ValueError("area text truncated")
        areas.append(AreaUpdate(area_id=fields[5], text=raw.decode("gb2312", errors="replace"),
                                x=fields[1], y=fields[2], width=fields[3], height=fields[4]))
        pos += 2 + blen
    return deleted, areas


# -- the streaming parser ----------------------------------------------------------

@dataclass
class FrameParser:
    """Feed it any bytes; it returns the good frames and counts what it dropped.

    Because A5 and 5A never appear inside an escaped frame, a new A5 always
    restarts the search, so garbage, truncated frames and bad CRCs cost at
    most the frame they hit. `feed()` never raises.
    """
    frames: int = 0
    dropped: int = 0            # bad CRC, bad escape, bad length, truncated
    garbage_bytes: int = 0      # bytes outside any frame
    _buf: bytearray = field(default_factory=bytearray)
    _in_frame: bool = False

    def feed(self, data: bytes) -> list[Frame]:
        out: list[Frame] = []
        for b in data:
            if b == 0xA5:
                if self._in_frame and self._buf:
                    self.dropped += 1   # a frame started before the last one ended
                self._in_frame = True
                self._buf.clear()
            elif not self._in_frame:
                self.garbage_bytes += 1
            elif b == END:
                self._in_frame = False
                body, self._buf = bytes(self._buf), bytearray()
                try:
                    out.append(decode_body(body))
                    self.frames += 1
                except (ValueError, struct.error):
                    self.dropped += 1
            else:
                self._buf.append(b)
                if len(self._buf) > MAX_FRAME:
                    self.dropped += 1
                    self._in_frame = False
                    self._buf.clear()
        return out

    def gap(self) -> list[Frame]:
        """The line went quiet: a half frame will not be finished."""
        if self._in_frame and self._buf:
            self.dropped += 1
        self._in_frame = False
        self._buf.clear()
        return []
