"""Raster mode: draw a whole ticket with Pillow and a CJK font.

For printers with no Chinese font: the ticket becomes one black-and-white
image exactly as wide as the print head (384 dots on 58 mm, 576 on 80 mm),
sent as GS v 0 by protocol.encode_raster_ticket.
"""
from __future__ import annotations

import functools
import glob
import os

import qrcode
from PIL import Image, ImageDraw, ImageFont

from .layout import Feed, QrCode, Rule, TextLine

# Debian's fonts-noto-cjk; face 2 of the .ttc is Simplified Chinese (SC).
FONT_GLOBS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-{weight}.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK*{weight}*.tt[cf]",
    "/usr/share/fonts/**/NotoSansCJK*{weight}*.tt[cf]",
)
SC_FACE = 2
BASE_DOTS = 24  # font A and the printer's Hanzi are 24 dots high
LINE_GAP = 6
MARGIN = 8


class FontMissing(RuntimeError):
    """No CJK font: raster mode cannot print Chinese."""


def find_font(weight: str = "Regular") -> str:
    """Path of the Noto Sans CJK font file (Debian package fonts-noto-cjk)."""
    for pattern in FONT_GLOBS:
        found = sorted(glob.glob(pattern.format(weight=weight), recursive=True))
        if found:
            return found[0]
    raise FontMissing(
        "找不到中文字体 Noto Sans CJK：请安装 Debian 软件包 fonts-noto-cjk "
        "（apt-get install fonts-noto-cjk），或把打印机改成 text_mode = \"text\"。"
    )


@functools.lru_cache(maxsize=32)
def _font(size_px: int, bold: bool) -> ImageFont.FreeTypeFont:
    path = find_font("Bold" if bold else "Regular")
    index = SC_FACE if path.endswith(".ttc") else 0
    return ImageFont.truetype(path, size_px, index=index)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    """Greedy wrap by pixel width, character by character (Chinese has no spaces)."""
    lines, current = [], ""
    for ch in text:
        if current and draw.textlength(current + ch, font=font) > width:
            lines.append(current)
            current = ""
        current += ch
    lines.append(current)
    return lines


def _fit(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> str:
    """Cut text to one line of `width` pixels, ending with …."""
    text = text.rstrip("…")
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


def _x(align: str, item_width: int, width: int) -> int:
    if align == "center":
        return max(0, (width - item_width) // 2)
    if align == "right":
        return max(0, width - item_width)
    return 0


def _qr_image(payload: str, size: int) -> Image.Image:
    code = qrcode.QRCode(box_size=size, border=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(payload)
    code.make(fit=True)
    return code.make_image(fill_color="black", back_color="white").get_image().convert("L")


def render_ticket(blocks: list, width: int) -> Image.Image:
    """The ticket as a mode "1" image exactly `width` dots wide."""
    inner = width - 2 * MARGIN
    scratch = ImageDraw.Draw(Image.new("L", (1, 1)))
    pieces: list[tuple] = []  # (kind, payload, align, height)
    for block in blocks:
        if isinstance(block, Feed):
            pieces.append(("gap", None, "left", block.lines * (BASE_DOTS + LINE_GAP)))
        elif isinstance(block, QrCode):
            img = _qr_image(block.payload, block.size)
            if img.width > inner:  # a long URL at a large module size
                img = img.resize((inner, inner), Image.NEAREST)
            pieces.append(("image", img, block.align, img.height + LINE_GAP))
        elif isinstance(block, Rule):
            pieces.append(("rule", None, "left", BASE_DOTS // 2 + LINE_GAP))
        elif isinstance(block, TextLine):
            font = _font(BASE_DOTS * block.size, block.bold)
            height = font.getbbox("国A")[3] + LINE_GAP
            lines = _wrap(scratch, block.text, font, inner)
            if block.one_line and len(lines) > 1:
                lines = [_fit(scratch, block.text, font, inner)]
            for line in lines:
                pieces.append(("text", (line, font), block.align, height))
    total = sum(p[3] for p in pieces) + 2 * MARGIN
    img = Image.new("L", (width, total), 255)
    draw = ImageDraw.Draw(img)
    y = MARGIN
    for kind, payload, align, height in pieces:
        if kind == "image":
            img.paste(payload, (MARGIN + _x(align, payload.width, inner), y))
        elif kind == "rule":
            draw.line((MARGIN, y + height // 2, width - MARGIN, y + height // 2), fill=0, width=2)
        elif kind == "text":
            line, font = payload
            draw.text((MARGIN + _x(align, int(draw.textlength(line, font=font)), inner), y),
                      line, font=font, fill=0)
        y += height
    # A hard threshold, not dithering: thermal heads print dots, not grey.
    return img.point(lambda v: 255 if v >= 128 else 0, mode="1")


def font_available() -> bool:
    """True when a CJK font for raster mode is installed."""
    try:
        return os.path.exists(find_font())
    except FontMissing:
        return False
