"""What an announcement says, as a list of clip names. Pure: no files, no sound.

A template per language holds literal text and two fields, {number} (the
ticket number) and {window} (the window number). Each stretch of literal
text is one clip, named by the text itself: Chinese keeps the Hanzi without
punctuation (请, 号到, 号窗口办理); English is lower-cased, punctuation
dropped and words joined by "_" (number, please_go_to_window). The ticket
number is read letter by letter, then its digits one by one ("digits", the
default: A 零 零 一) or as one natural number ("natural": A 一); the window
is read as a natural number (三, 十二, 二十, 一百).
"""
from __future__ import annotations

import re
import string
import unicodedata

from . import numbers

LANGUAGES = ("zh", "en")
DEFAULT_TEMPLATES = {
    "zh": "请{number}号到{window}号窗口办理",
    "en": "Number {number}, please go to window {window}",
}
NUMBER_READINGS = ("digits", "natural")
FIELDS = ("number", "window")

_TICKET_PART = re.compile(r"[A-Z]|[0-9]+")


def template_parts(language: str, template: str | None = None) -> list[tuple[str, str]]:
    """Split a template into ("clip", name) and ("field", "number"|"window") parts, in order."""
    _check_language(language)
    template = DEFAULT_TEMPLATES[language] if template is None else template
    parts: list[tuple[str, str]] = []
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(f"播报模板 {template!r} 写错了（{exc}）；字段只能写 {{number}} 和 {{window}}。") from None
    for literal, field, spec, conversion in parsed:
        name = literal_clip_name(language, literal)
        if name:
            parts.append(("clip", name))
        if field is None:
            continue
        if field not in FIELDS or spec or conversion:
            raise ValueError(f"播报模板 {template!r} 里的字段 {{{field}}} 不认识；只能用 {{number}} 和 {{window}}。")
        parts.append(("field", field))
    if ("field", "number") not in parts:
        raise ValueError(f"播报模板 {template!r} 里没有 {{number}}：播报必须念出票号。")
    return parts


def literal_clip_name(language: str, text: str) -> str:
    """The clip name of a stretch of template text ("" when it is only spaces and punctuation)."""
    kept = "".join(" " if _is_separator(ch) else ch for ch in text)
    words = kept.split()
    if language == "zh":
        return "".join(words)
    return "_".join(w.lower() for w in words)


def ticket_clips(language: str, number: str, reading: str = "digits") -> list[str]:
    """Clip names for a ticket number: "A001" → A 零 零 一 (digits) or A 一 (natural)."""
    if reading not in NUMBER_READINGS:
        raise ValueError(f"票号读法只能是 \"digits\"（逐位读）或 \"natural\"（按数读），不能是 {reading!r}。")
    text = str(number).strip().upper()
    if not text or "".join(_TICKET_PART.findall(text)) != text:
        raise ValueError(f"票号 {number!r} 只能由字母 A-Z 和数字组成，例如 A001。")
    clips: list[str] = []
    for part in _TICKET_PART.findall(text):
        if part.isalpha():
            clips.append(part)
        elif reading == "natural" and int(part) <= numbers.LARGEST_NATURAL:
            clips += numbers.natural(language, int(part))
        else:
            clips += numbers.digits(language, part)
    return clips


def window_clips(language: str, window: int | str) -> list[str]:
    """Clip names for a window number read as a natural number: 12 → 十二 / twelve."""
    try:
        n = int(str(window).strip())
    except ValueError:
        raise ValueError(f"窗口号 {window!r} 必须是 1 到 {numbers.LARGEST_NATURAL} 的整数。") from None
    if not 1 <= n <= numbers.LARGEST_NATURAL:
        raise ValueError(f"窗口号 {window!r} 必须是 1 到 {numbers.LARGEST_NATURAL} 的整数。")
    return numbers.natural(language, n)


def phrase_clips(language: str, number: str, window: int | str, reading: str = "digits",
                 template: str | None = None) -> list[str]:
    """The clip names of one call in one language, in speaking order.

    phrase_clips("zh", "A001", 3) → ["请", "A", "零", "零", "一", "号到", "三", "号窗口办理"]
    """
    clips: list[str] = []
    for kind, value in template_parts(language, template):
        if kind == "clip":
            clips.append(value)
        elif value == "number":
            clips += ticket_clips(language, number, reading)
        else:
            clips += window_clips(language, window)
    return clips


def required_clips(language: str, template: str | None = None) -> list[str]:
    """Every clip name a call in this language can need, sorted: the set a clip set must hold."""
    names = {value for kind, value in template_parts(language, template) if kind == "clip"}
    names.update(numbers.LETTERS)
    names.update(numbers.number_vocabulary(language))
    return sorted(names)


def _is_separator(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch).startswith("P")


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"播报语言只能是 {', '.join(LANGUAGES)} 之一，不能是 {language!r}。")
