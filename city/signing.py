"""Signed requests from a hall to the city (三级联动): HMAC-SHA256 with the hall's own key.

The signature covers the method, the path, the timestamp, a nonce and the body's SHA-256,
so a request cannot be moved to another path, altered, or sent again later: the city
refuses a timestamp outside WINDOW_SECONDS and a nonce it has seen within it.
Pure: no clock, no network; both sides call the same function.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

WINDOW_SECONDS = 300          # a signed request is good for five minutes either side of the city's clock
HEADER_HALL = "X-HallQ-Hall"
HEADER_TIME = "X-HallQ-Timestamp"
HEADER_NONCE = "X-HallQ-Nonce"
HEADER_SIGNATURE = "X-HallQ-Signature"


def new_key() -> str:
    """A fresh per-hall key, 32 random bytes as hex: `hallq city hall add` prints it once."""
    return secrets.token_hex(32)


def signature(key: str, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of the request's method, path, timestamp, nonce and body digest."""
    message = "\n".join((method.upper(), path, timestamp, nonce, hashlib.sha256(body).hexdigest())).encode()
    return hmac.new(bytes.fromhex(key), message, hashlib.sha256).hexdigest()


def signed_headers(hall_code: str, key: str, method: str, path: str, body: bytes, now: float) -> dict[str, str]:
    """The headers a hall sends with a request: its code, the time, a fresh nonce and the signature."""
    timestamp, nonce = str(int(now)), secrets.token_hex(16)
    return {HEADER_HALL: hall_code, HEADER_TIME: timestamp, HEADER_NONCE: nonce,
            HEADER_SIGNATURE: signature(key, method, path, timestamp, nonce, body)}


def valid(key: str, method: str, path: str, timestamp: str, nonce: str, body: bytes, given: str) -> bool:
    """Whether `given` is the signature of this request under `key` (compared in constant time)."""
    try:
        expected = signature(key, method, path, timestamp, nonce, body)
    except ValueError:          # a key that is not hex
        return False
    return hmac.compare_digest(expected, given or "")
