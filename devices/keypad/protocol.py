"""Caller keypad commands on the FF 68 frame (devices/ff68.py). Pure.

Keypad -> host, unprompted:   CMD 01  DATA = key code [+ ASCII argument]
Host -> keypad:               CMD 81  DATA = key code        (ack of a key frame)
                              CMD 10  DATA = ASCII text       (show on the digits)
                              CMD 00  (poll)
Keypad -> host, answers:      CMD 90  (text shown)  CMD 80 (poll answer)

The host acknowledges every key frame; a keypad that hears no ack repeats
the key. Key codes are listed in KEYS; the transfer key may carry the target
service code typed on the keypad ("B").
"""
from __future__ import annotations

from devices import ff68

POLL, POLL_REPLY = 0x00, 0x80
KEY, KEY_ACK = 0x01, 0x81
SHOW, SHOW_REPLY = 0x10, 0x90
MAX_DIGITS = 8

# key code -> the hall action it stands for
KEYS = {
    0x01: "call",        # 呼叫下一位
    0x02: "recall",      # 重呼
    0x03: "pause",       # 暂停 / 恢复
    0x04: "transfer",    # 转移
    0x05: "finish",      # 办结
    0x06: "give_up",     # 弃号（过号）
    0x07: "rate",        # 请评价
    0x08: "start",       # 开始办理
}
KEY_CODES = {name: code for code, name in KEYS.items()}


def key(address: int, name: str, argument: str = "") -> bytes:
    """The frame a keypad sends when key `name` is pressed."""
    return ff68.encode(address, KEY, bytes((KEY_CODES[name],)) + argument.encode("ascii"))


def parse_key(frame: ff68.Frame) -> tuple[str, str] | None:
    """(action, argument) of a key frame, or None if it is not a known key."""
    if frame.command != KEY or not frame.data or frame.data[0] not in KEYS:
        return None
    return KEYS[frame.data[0]], frame.data[1:].decode("ascii", errors="replace")


def key_ack(address: int, code: int) -> bytes:
    return ff68.encode(address, KEY_ACK, bytes((code,)))


def show(address: int, text: str) -> bytes:
    """Show `text` (digits, letters, '-' and spaces) on the keypad's display."""
    shown = "".join(c if c.isascii() and c.isprintable() else "-" for c in text)[:MAX_DIGITS]
    return ff68.encode(address, SHOW, shown.encode("ascii"))


def poll(address: int) -> bytes:
    return ff68.encode(address, POLL)


def reply(address: int, command: int, data: bytes = b"") -> bytes:
    """The keypad's answer to a host command (command | 0x80)."""
    return ff68.encode(address, command | 0x80, data)
