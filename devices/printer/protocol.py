"""ESC/POS bytes for a ticket, and the DLE EOT status answers. Pure: bytes out.

python-escpos's Dummy printer produces the command bytes (alignment, bold,
GS ! size, GS ( k QR code, GS v 0 raster, cut). Text is encoded here, not by
python-escpos: its code-page guessing turns a line made only of Chinese
punctuation into "??", and it never switches the printer to Chinese mode.
So a ticket starts with ESC @ then FS & and every line goes out as GB18030.
"""
from __future__ import annotations

from escpos.constants import QR_ECLEVEL_M
from escpos.printer import Dummy

import copy

from .layout import Feed, QrCode, Rule, TextLine

ESC, GS, FS, DLE, EOT = b"\x1b", b"\x1d", b"\x1c", b"\x10", b"\x04"
INIT = ESC + b"@"
CHINESE_ON = FS + b"&"
CHINESE_OFF = FS + b"."

# Dots across the head for each paper width (203 dpi heads).
DOT_WIDTHS = {58: 384, 80: 576}
FONT_A_DOTS = 12  # one column of font A; a Hanzi takes two

# DLE EOT n: 1 printer, 2 offline cause, 4 paper roll sensor; asked together
# so one round trip gives the whole picture.
STATUS_KINDS = (1, 2, 4)
STATUS_QUERY = b"".join(DLE + EOT + bytes([n]) for n in STATUS_KINDS)

# States a ticket can be printed in; everything else means "do not print".
PRINTABLE_STATES = frozenset({"online", "paper_near_end"})
STATUS_STATES = ("online", "paper_near_end", "paper_out", "cover_open", "offline", "unknown")


def dot_width(paper_width_mm: int) -> int:
    """Printable dots across for a 58 or 80 mm printer."""
    try:
        return DOT_WIDTHS[int(paper_width_mm)]
    except (KeyError, ValueError, TypeError):
        raise ValueError(
            f"paper_width_mm 只能是 58 或 80，不能是 {paper_width_mm!r}。"
        ) from None


def columns(paper_width_mm: int) -> int:
    """Columns of font A across the paper (32 on 58 mm, 48 on 80 mm)."""
    return dot_width(paper_width_mm) // FONT_A_DOTS


def encode_line(text: str) -> bytes:
    """One line of text as the printer reads it in Chinese mode (GB18030)."""
    return text.encode("gb18030", errors="replace") + b"\n"


def _size_byte(size: int) -> int:
    return ((size - 1) << 4) | (size - 1)


def _dummy(width: int) -> Dummy:
    """A Dummy printer whose profile knows the paper width in dots."""
    p = Dummy()
    # A private copy: python-escpos profiles share one capabilities table.
    p.profile.profile_data = copy.deepcopy(p.profile.profile_data)
    p.profile.profile_data["media"]["width"]["pixels"] = width
    return p


def encode_text_ticket(blocks: list, paper_width_mm: int = 80) -> bytes:
    """A whole ticket in text mode: init, Chinese mode, the blocks, cut."""
    p = _dummy(dot_width(paper_width_mm))
    p._raw(INIT + CHINESE_ON)
    for block in blocks:
        if isinstance(block, TextLine):
            p.set(align=block.align, bold=block.bold, custom_size=True,
                  width=block.size, height=block.size)
            p._raw(encode_line(block.text))
        elif isinstance(block, Rule):
            p.set(align="left", bold=False, custom_size=True, width=1, height=1)
            p._raw(encode_line(block.char * columns(paper_width_mm)))
        elif isinstance(block, QrCode):
            p.set(align=block.align)
            p.qr(block.payload, size=block.size, ec=QR_ECLEVEL_M, native=True)
        elif isinstance(block, Feed):
            p._raw(b"\n" * block.lines)
    # Back to plain settings so the next job (maybe another program's)
    # does not inherit a 4x size; then feed past the cutter and cut.
    p.set(align="left", bold=False, custom_size=True, width=1, height=1)
    p.cut()
    return p.output


def encode_raster_ticket(image) -> bytes:
    """A whole ticket as one GS v 0 raster image (Pillow image), then cut."""
    p = _dummy(image.width)
    p._raw(INIT)
    p.image(image, impl="bitImageRaster")
    p.cut()
    return p.output


def status_byte(kind: int, *, paper: str = "ok", cover_open: bool = False,
                offline: bool = False, error: bool = False) -> int:
    """The byte a printer answers to DLE EOT kind (used by the simulator)."""
    byte = 0x12  # bits 1 and 4 are always set, bits 0 and 7 always clear
    stopped = paper == "out" or cover_open or offline or error
    if kind == 1 and stopped:
        byte |= 0x08
    elif kind == 2:
        byte |= (0x04 if cover_open else 0) | (0x20 if paper == "out" else 0)
        byte |= 0x40 if error else 0
    elif kind == 3 and error:
        byte |= 0x40
    elif kind == 4:
        byte |= (0x0C if paper in ("near_end", "out") else 0) | (0x60 if paper == "out" else 0)
    return byte


def decode_status(answer: bytes) -> tuple[str, str]:
    """(state, detail) from the answers to STATUS_QUERY.

    No answer, a short answer or bytes that are not status bytes give
    "unknown": python-escpos reports "paper OK" when nothing answers, and a
    kiosk must not promise a ticket on that.
    """
    if len(answer) < len(STATUS_KINDS):
        return "unknown", (f"打印机没有应答状态查询（收到 {len(answer)}/{len(STATUS_KINDS)} 字节） / "
                           f"the printer did not answer the status query ({len(answer)}/{len(STATUS_KINDS)} bytes)")
    answer = answer[: len(STATUS_KINDS)]
    if any(b & 0x93 != 0x12 for b in answer):
        return "unknown", f"打印机的状态应答无法识别：{answer.hex(' ')} / unreadable status answer: {answer.hex(' ')}"
    printer, cause, paper = answer
    if paper & 0x60:
        return "paper_out", "打印机缺纸 / out of paper"
    if cause & 0x04:
        return "cover_open", "打印机纸仓盖打开 / the paper cover is open"
    if printer & 0x08:
        return "offline", "打印机脱机" + ("（故障）" if cause & 0x40 else "") + " / offline" + (" (error)" if cause & 0x40 else "")
    if paper & 0x0C:
        return "paper_near_end", "打印纸快用完了 / paper is running out"
    return "online", "打印机正常 / printer OK"
