"""The device agent's handshake: a client proves it holds the shared key before any serial byte.

On connect the agent sends `MAGIC` and a fresh random nonce; the client
answers HMAC-SHA256(key, CONTEXT + nonce) within `TIMEOUT` seconds; the
agent answers `OK` and only then bridges to the serial port, or closes the
connection without opening it. The key never crosses the wire, and an
answer recorded from one connection is worthless on the next, whose nonce
differs. Pure functions here; devices/agent.py (the agent side) and
devices/link.py (the hall server side) do the I/O.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import socket
from pathlib import Path

MAGIC = b"HALLQ-AGENT/1 "
NONCE_BYTES = 32
ANSWER_BYTES = hashlib.sha256().digest_size
OK = b"OK"
CONTEXT = b"hallq device-agent v1\n"
TIMEOUT = 3.0
MIN_KEY_CHARS = 16


class AgentAuthError(Exception):
    """The handshake failed; the message says which side to fix."""


def challenge() -> bytes:
    """What the agent sends first: MAGIC + a nonce never used before."""
    return MAGIC + secrets.token_bytes(NONCE_BYTES)


def answer(key: bytes, nonce: bytes) -> bytes:
    return hmac.new(key, CONTEXT + nonce, hashlib.sha256).digest()


def is_right(key: bytes, nonce: bytes, given: bytes) -> bool:
    return hmac.compare_digest(answer(key, nonce), given)


def parse_key(text: str, where: str) -> bytes:
    """A key as written in a file or variable; a short or empty one is a ValueError sentence."""
    key = text.strip()
    if len(key) < MIN_KEY_CHARS:
        raise ValueError(f"设备代理的密钥（{where}）太短，至少 {MIN_KEY_CHARS} 个字符；可以用 "
                         f"openssl rand -hex 32 生成。 (The device agent key in {where} is shorter than "
                         f"{MIN_KEY_CHARS} characters; make one with openssl rand -hex 32.)")
    return key.encode("utf-8")


def read_key_file(path) -> bytes:
    """The shared key from a file (its first line, surrounding blanks ignored)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"读不到设备代理的密钥文件 {path}（{exc.strerror}）。"
                         f" (Cannot read the device agent key file {path}: {exc.strerror}.)") from None
    return parse_key(text.splitlines()[0] if text.strip() else "", str(path))


def key_from_environment() -> bytes | None:
    text = os.environ.get("HALLQ_AGENT_KEY")
    return parse_key(text, "HALLQ_AGENT_KEY") if text is not None else None


def _recv_exactly(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def client_handshake(sock: socket.socket, key: bytes, timeout: float = TIMEOUT) -> None:
    """The hall server's side, on a freshly connected socket; raises AgentAuthError."""
    old = sock.gettimeout()
    sock.settimeout(timeout)
    try:
        hello = _recv_exactly(sock, len(MAGIC) + NONCE_BYTES)
        if not hello.startswith(MAGIC) or len(hello) != len(MAGIC) + NONCE_BYTES:
            raise AgentAuthError("对方没有发来设备代理的认证请求：它不是 hallq device-agent，或者没有设置密钥。"
                                 " (The peer sent no device agent challenge: it is not hallq device-agent,"
                                 " or it runs without a key.)")
        sock.sendall(answer(key, hello[len(MAGIC):]))
        if _recv_exactly(sock, len(OK)) != OK:
            raise AgentAuthError("设备代理拒绝了密钥：请检查两边的密钥文件是否相同。"
                                 " (The device agent refused the key: check both sides hold the same key.)")
    except OSError as exc:
        raise AgentAuthError(f"设备代理认证中断 (the device agent handshake broke off): {exc}") from None
    finally:
        sock.settimeout(old)


def agent_handshake(sock: socket.socket, key: bytes, timeout: float = TIMEOUT) -> bool:
    """The agent's side: True when the client answered right within `timeout` seconds."""
    sock.settimeout(timeout)
    try:
        hello = challenge()
        sock.sendall(hello)
        given = _recv_exactly(sock, ANSWER_BYTES)
        if len(given) != ANSWER_BYTES or not is_right(key, hello[len(MAGIC):], given):
            return False
        sock.sendall(OK)
        return True
    except OSError:  # late (timeout) or gone
        return False
    finally:
        sock.settimeout(None)
