"""Chinese resident ID numbers (GB 11643-1999): check, mask, and keyed hash.

A real-name ticket keeps only a keyed hash (to match the same person again
today) and a masked form (to show a clerk); the full number is never stored.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_FORM = re.compile(r"^\d{17}[\dX]$")


def normalise(raw: str) -> str:
    """Strip spaces and accept a lower-case x, as card readers and people type it."""
    return re.sub(r"\s+", "", raw or "").upper()


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


def mask(raw: str) -> str:
    """1101********1234: the first four and last four characters."""
    n = normalise(raw)
    return n[:4] + "*" * 8 + n[-4:]


def keyed_hash(raw: str, key: bytes) -> str:
    """HMAC-SHA256 under the hall's secret: matchable here, useless elsewhere."""
    return hmac.new(key, normalise(raw).encode("ascii"), hashlib.sha256).hexdigest()
