"""Window rater commands on the FF 68 frame (devices/ff68.py). Pure.

Host -> rater:    CMD 20  DATA = ASCII ticket number   arm: "please rate A001"
                  CMD 22                               disarm (thanks / timed out)
                  CMD A1  DATA = key                   ack of a press
                  CMD 00                               poll
Rater -> host:    CMD 21  DATA = key (1..5)            a button was pressed (unprompted)
                  CMD A0 / A2 / 80                     answers to arm / disarm / poll

Which key means which of the five national levels is the driver's setting,
so 4- and 3-key raters work too.
"""
from __future__ import annotations

from devices import ff68

POLL, POLL_REPLY = 0x00, 0x80
ARM, ARM_REPLY = 0x20, 0xA0
PRESS, PRESS_ACK = 0x21, 0xA1
DISARM, DISARM_REPLY = 0x22, 0xA2

LEVELS = ("very_satisfied", "satisfied", "basic", "dissatisfied", "very_dissatisfied")
LEVEL_NAMES = {"very_satisfied": "非常满意", "satisfied": "满意", "basic": "基本满意",
               "dissatisfied": "不满意", "very_dissatisfied": "非常不满意"}
FIVE_KEYS = {1: "very_satisfied", 2: "satisfied", 3: "basic", 4: "dissatisfied", 5: "very_dissatisfied"}


def arm(address: int, number: str) -> bytes:
    return ff68.encode(address, ARM, number.encode("ascii", errors="replace")[:16])


def disarm(address: int) -> bytes:
    return ff68.encode(address, DISARM)


def press(address: int, key: int) -> bytes:
    """The frame a rater sends when button `key` is pressed."""
    return ff68.encode(address, PRESS, bytes((key,)))


def parse_press(frame: ff68.Frame) -> int | None:
    if frame.command != PRESS or len(frame.data) != 1:
        return None
    return frame.data[0]


def press_ack(address: int, key: int) -> bytes:
    return ff68.encode(address, PRESS_ACK, bytes((key,)))


def poll(address: int) -> bytes:
    return ff68.encode(address, POLL)


def reply(address: int, command: int, data: bytes = b"") -> bytes:
    return ff68.encode(address, command | 0x80, data)
