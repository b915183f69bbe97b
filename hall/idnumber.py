"""Chinese resident ID numbers (GB 11643-1999): check, mask, and keyed hash.

A real-name ticket keeps only a keyed hash (to match the same person again
today) and a masked form (to show a clerk); the full number is never stored.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_FORM = re.compile(r"^[0-9]{17}[0-9X]$")


def normalise(raw: str) -> str:
    """Strip spaces, accept a lower-case x and full-width characters (１１０１…Ｘ), as people and IMEs type them.

    NFKC folds full-width digits and Ｘ/ｘ to ASCII; other scripts' digits
    (٣, ३) stay as they are, and problem() refuses them as "characters".
    """
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw or "")).upper()


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS)) % 11]


def problem(raw: str) -> str | None:
    """None for a valid ID number, else what is wrong with it (an English key)."""
    n = normalise(raw)
    if len(n) != 18:
        return "length"
    if not _FORM.match(n):
        return "characters"
    try:
        date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
    except ValueError:
        return "birth_date"
    if check_digit(n[:17]) != n[17]:
        return "check_digit"
    return None


def is_valid(raw: str) -> bool:
    return problem(raw) is None


_WRONG = ("身份证号码有误，请核对后重新输入（18位，最后一位可能是X）。",
          "The ID number is not valid: 18 characters with a correct check digit.")
_PROBLEMS = {
    "length": _WRONG, "birth_date": _WRONG, "check_digit": _WRONG,
    "characters": ("身份证号码只能由数字 0-9 和最后一位的 X 组成，请用数字键重新输入。",
                   "An ID number is the digits 0-9, with an X only as the last character; enter it again."),
}


def explain(raw: str) -> tuple[str, str] | None:
    """None for a valid ID number, else what is wrong with it as a sentence in Chinese and in English."""
    p = problem(raw)
    return None if p is None else _PROBLEMS[p]


def mask(raw: str) -> str:
    """1101********1234: the first four and last four characters."""
    n = normalise(raw)
    return n[:4] + "*" * 8 + n[-4:]


def keyed_hash(raw: str, key: bytes) -> str:
    """HMAC-SHA256 under the hall's secret: matchable here, useless elsewhere."""
    # UTF-8 so that a number not checked first cannot raise here; a valid one is ASCII (the same bytes).
    return hmac.new(key, normalise(raw).encode("utf-8"), hashlib.sha256).hexdigest()
