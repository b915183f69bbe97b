"""Read an ESC/POS byte stream back into printed tickets. Pure: bytes in.

The simulated printer (sim.py) feeds whatever arrives on its pty or socket
into an `EscposReader`; tests can also feed bytes straight in. Commands may
be split across reads, so unfinished commands wait in a buffer.

What it understands: ESC @, FS & / FS ., ESC a, ESC E, ESC !, GS !, ESC d,
text (GB18030 in Chinese mode, CP437 otherwise), GS ( k QR codes, GS v 0
raster images, GS V cut and DLE EOT status queries; other common commands
are skipped by their length, and anything unknown is noted in `unknown`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from PIL import Image

ESC, FS, GS, DLE = 0x1B, 0x1C, 0x1D, 0x10
_INVERT = bytes(255 - i for i in range(256))
# ESC / FS / GS commands with one parameter byte that we only skip.
_ESC_ONE = set(b"-MRVtU{G 3e")
_ESC_NONE = set(b"2SL<")
_GS_ONE = set(b"BbHhwfrIaT")
_GS_TWO = set(b"LWP")


@dataclass
class PrintedLine:
    """One printed line and the look it was printed with."""

    text: str
    align: str = "left"
    bold: bool = False
    size: tuple[int, int] = (1, 1)  # width, height multipliers


@dataclass
class PrintedTicket:
    """What came out of the printer between two cuts.

    items keeps the order: ("line", PrintedLine), ("qr", payload),
    ("image", PIL image). complete is False for a stub left behind when the
    stream stopped (unplugged) or the paper ran out before the cut.
    """

    items: list = field(default_factory=list)
    complete: bool = True

    @property
    def lines(self) -> list[PrintedLine]:
        return [v for k, v in self.items if k == "line"]

    @property
    def texts(self) -> list[str]:
        """The text of every printed line, blank lines included."""
        return [line.text for line in self.lines]

    @property
    def qr(self) -> list[str]:
        return [v for k, v in self.items if k == "qr"]

    @property
    def images(self) -> list[Image.Image]:
        return [v for k, v in self.items if k == "image"]

    def image(self) -> Image.Image | None:
        """All raster images of the ticket stacked top to bottom, or None."""
        images = self.images
        if not images:
            return None
        out = Image.new("1", (max(i.width for i in images), sum(i.height for i in images)), 1)
        y = 0
        for img in images:
            out.paste(img, (0, y))
            y += img.height
        return out


class EscposReader:
    """Turns ESC/POS bytes into tickets, calling back as things happen.

    on_ticket(PrintedTicket) at each cut (and at interrupt()),
    on_status(n) for each DLE EOT n, can_print() before anything is put on
    paper: when it says False the data is dropped, as a printer with no
    paper or an open cover drops it.
    """

    def __init__(self, on_ticket: Callable[[PrintedTicket], None],
                 on_status: Callable[[int], None] | None = None,
                 can_print: Callable[[], bool] | None = None):
        self._on_ticket = on_ticket
        self._on_status = on_status or (lambda n: None)
        self._can_print = can_print or (lambda: True)
        self._buf = bytearray()
        self.unknown: list[bytes] = []
        self.cuts = 0
        self._reset_modes()
        self._ticket = PrintedTicket()
        self._text = bytearray()  # raw text of the line being built
        self._pieces: list[str] = []
        self._line_look: tuple | None = None
        self._qr_store = b""

    def _reset_modes(self) -> None:
        self.chinese = False
        self.align = "left"
        self.bold = False
        self.size = (1, 1)

    # -- text -------------------------------------------------------------
    def _decode_pending(self) -> None:
        if self._text:
            codec = "gb18030" if self.chinese else "cp437"
            self._pieces.append(bytes(self._text).decode(codec, errors="replace"))
            self._text.clear()

    def _add_text(self, data: bytes) -> None:
        if self._line_look is None:
            self._line_look = (self.align, self.bold, self.size)
        self._text += data

    def _end_line(self, blank_if_empty: bool) -> None:
        self._decode_pending()
        text = "".join(self._pieces)
        look = self._line_look or (self.align, self.bold, self.size)
        self._pieces, self._line_look = [], None
        if not text and not blank_if_empty:
            return
        if self._can_print():
            self._ticket.items.append(("line", PrintedLine(text, *look)))

    def _put(self, kind: str, value) -> None:
        self._end_line(blank_if_empty=False)
        if self._can_print():
            self._ticket.items.append((kind, value))

    # -- tickets ----------------------------------------------------------
    def _cut(self) -> None:
        self._end_line(blank_if_empty=False)
        self.cuts += 1
        ticket, self._ticket = self._ticket, PrintedTicket()
        if not ticket.items:
            return
        ticket.complete = self._can_print()
        self._on_ticket(ticket)

    def interrupt(self) -> None:
        """The stream stopped (unplugged): what was printed so far is a stub."""
        self._buf.clear()
        self._text.clear()
        self._pieces, self._line_look = [], None
        ticket, self._ticket = self._ticket, PrintedTicket()
        if ticket.items:
            ticket.complete = False
            self._on_ticket(ticket)

    # -- the stream -------------------------------------------------------
    def feed(self, data: bytes) -> None:
        """Take the next bytes of the stream; complete commands act at once."""
        self._buf += data
        i, buf = 0, self._buf
        while i < len(buf):
            used = self._one(buf, i)
            if used == 0:
                break  # command not complete yet
            i += used
        del buf[:i]

    def _one(self, buf: bytearray, i: int) -> int:
        """Handle the command at buf[i]; bytes used, or 0 when incomplete."""
        b = buf[i]
        n = len(buf) - i
        if b == 0x0A:
            self._end_line(blank_if_empty=True)
            return 1
        if b == ESC:
            return self._esc(buf, i, n)
        if b == GS:
            return self._gs(buf, i, n)
        if b == FS:
            return self._fs(buf, i, n)
        if b == DLE:
            return self._dle(buf, i, n)
        if b < 0x20 and b != 0x09:
            return 1  # CR and other controls move nothing on a ticket
        # A run of text up to the next command byte.
        j = i
        while j < len(buf) and (buf[j] >= 0x20 or buf[j] == 0x09):
            j += 1
        self._add_text(bytes(buf[i:j]))
        return j - i

    def _esc(self, buf, i, n) -> int:
        if n < 2:
            return 0
        c = buf[i + 1]
        if c == ord("@"):
            # Initialise: unprinted text is discarded, modes go back to default.
            self._text.clear()
            self._pieces, self._line_look = [], None
            self._reset_modes()
            return 2
        if c in _ESC_NONE:
            return 2
        if c == ord("p"):
            return 5 if n >= 5 else 0
        if c == ord("*"):
            if n < 5:
                return 0
            dots = buf[i + 3] + 256 * buf[i + 4]
            total = 5 + dots * (3 if buf[i + 2] in (32, 33) else 1)
            return total if n >= total else 0
        if n < 3:
            return 0
        v = buf[i + 2]
        if c == ord("a"):
            self.align = {0: "left", 1: "center", 2: "right"}.get(v % 48, "left")
        elif c == ord("E"):
            self.bold = bool(v & 1)
        elif c == ord("!"):
            self.bold = bool(v & 0x08)
            self.size = (2 if v & 0x20 else 1, 2 if v & 0x10 else 1)
        elif c in (ord("d"), ord("J")):
            self._end_line(blank_if_empty=False)
        elif c in _ESC_ONE:
            pass
        else:
            self.unknown.append(bytes(buf[i:i + 2]))
            return 2
        return 3

    def _fs(self, buf, i, n) -> int:
        if n < 2:
            return 0
        c = buf[i + 1]
        if c in (ord("&"), ord(".")):
            self._decode_pending()  # text so far keeps the mode it came in
            self.chinese = c == ord("&")
            return 2
        if c in (ord("!"), ord("C"), ord("W"), ord("-")):
            return 3 if n >= 3 else 0
        self.unknown.append(bytes(buf[i:i + 2]))
        return 2

    def _dle(self, buf, i, n) -> int:
        if n < 2:
            return 0
        c = buf[i + 1]
        if c in (0x04, 0x05):  # DLE EOT n: status; DLE ENQ n: recover
            if n < 3:
                return 0
            if c == 0x04:
                self._on_status(buf[i + 2])
            return 3
        if c == 0x14:
            return 5 if n >= 5 else 0
        return 1

    def _gs(self, buf, i, n) -> int:
        if n < 2:
            return 0
        c = buf[i + 1]
        if c == ord("!"):
            if n < 3:
                return 0
            v = buf[i + 2]
            self.size = ((v >> 4) + 1, (v & 0x0F) + 1)
            return 3
        if c == ord("V"):
            if n < 3:
                return 0
            total = 4 if buf[i + 2] in (65, 66, 97, 98, 103, 104) else 3
            if n < total:
                return 0
            self._cut()
            return total
        if c == ord("("):
            if n < 5:
                return 0
            total = 5 + buf[i + 3] + 256 * buf[i + 4]
            if n < total:
                return 0
            if buf[i + 2] == ord("k"):
                self._qr(bytes(buf[i + 5:i + total]))
            return total
        if c == ord("v"):
            if n < 8:
                return 0
            xbytes = buf[i + 4] + 256 * buf[i + 5]
            height = buf[i + 6] + 256 * buf[i + 7]
            total = 8 + xbytes * height
            if n < total:
                return 0
            raw = bytes(buf[i + 8:i + total]).translate(_INVERT)  # 1 bits are black dots
            self._put("image", Image.frombytes("1", (xbytes * 8, height), raw))
            return total
        if c == ord("k"):
            return self._barcode(buf, i, n)
        if c in _GS_ONE:
            return 3 if n >= 3 else 0
        if c in _GS_TWO:
            return 4 if n >= 4 else 0
        self.unknown.append(bytes(buf[i:i + 2]))
        return 2

    def _barcode(self, buf, i, n) -> int:
        if n < 3:
            return 0
        if buf[i + 2] <= 6:  # NUL-terminated form
            end = buf.find(0, i + 3)
            return end - i + 1 if end >= 0 else 0
        if n < 4:
            return 0
        total = 4 + buf[i + 3]
        return total if n >= total else 0

    def _qr(self, body: bytes) -> None:
        # body: cn fn [m] data; cn 49 is the QR code.
        if len(body) < 2 or body[0] != 49:
            return
        fn = body[1]
        if fn == 80:
            self._qr_store = body[3:]
        elif fn == 81:
            self._put("qr", self._qr_store.decode("utf-8", errors="replace"))
