"""Reading a request's JSON body within bounds: its size, and how deep it nests.

Python's json parser recurses once per level, so a body of 100,000 `[` ends
in RecursionError (a 500). The depth is measured first by scanning the bytes,
without recursion and skipping strings; only a body within the bound is parsed.
The size is bounded by `request.max_content_length`: a Content-Length above
it is refused before anything is read, a chunked body is cut off at it.
"""
from __future__ import annotations

import json
import re

from flask import request
from werkzeug.exceptions import RequestEntityTooLarge

from hall.errors import HallError

JSON_LIMIT = 1 << 20      # bytes of an ordinary JSON body
UPLOAD_LIMIT = 2 << 20    # bytes of an appointments import (CSV or JSON); also the app's MAX_CONTENT_LENGTH
MAX_DEPTH = 32            # nesting of arrays and objects
# The endpoints that take UPLOAD_LIMIT (files); every other body is held to JSON_LIMIT.
UPLOAD_ENDPOINTS = {"api.add_appointments": "appointments", "admin_config_api.import_config": "configuration"}


def limit_of(endpoint) -> tuple[int, str | None]:
    """The body limit of an endpoint, and what it uploads (None: an ordinary JSON body)."""
    what = UPLOAD_ENDPOINTS.get(endpoint)
    return (UPLOAD_LIMIT, what) if what else (JSON_LIMIT, None)

# A JSON string (possibly unterminated: then it runs to the end), or one bracket.
_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]', re.DOTALL)


def nesting_depth_exceeds(data: bytes, bound: int = MAX_DEPTH) -> bool:
    """True when arrays and objects in `data` nest deeper than `bound` (brackets inside strings do not count)."""
    if data.count(b"[") + data.count(b"{") <= bound:
        return False
    depth = 0
    for m in _TOKEN.finditer(data):
        c = m.group()
        if c in (b"[", b"{"):
            depth += 1
            if depth > bound:
                return True
        elif c in (b"]", b"}"):
            depth -= 1
    return False


def _not_an_object() -> HallError:
    return HallError("invalid_json", "请求内容不是有效的 JSON 对象，请发送如 {\"service\": \"A\"} 的内容。",
                     "The request body is not a JSON object; send e.g. {\"service\": \"A\"}.", 400)


def read_body(limit: int) -> bytes:
    """The request's body, at most `limit` bytes; more is a RequestEntityTooLarge (413) and is never read.

    A Content-Length over the limit is refused from the header. A chunked body
    is read one byte past the limit at most: werkzeug stops quietly at its
    max_content_length, so a body cut off there would look complete.
    """
    limit = min(limit, request.max_content_length or limit)
    if request.content_length is not None and request.content_length > limit:
        request.max_content_length = limit    # the 413's sentence names it
        raise RequestEntityTooLarge()
    request.max_content_length = limit + 1
    data = request.get_data(cache=True)
    request.max_content_length = limit
    if len(data) > limit:
        raise RequestEntityTooLarge()
    return data


def json_object(limit: int = JSON_LIMIT) -> dict:
    """The request's JSON object, at most `limit` bytes and MAX_DEPTH levels deep; an empty body counts as {}.

    Anything else is a HallError `invalid_json` (400); a body over the limit is a 413.
    """
    data = read_body(limit)
    if not data:
        return {}
    if not request.is_json:
        raise _not_an_object()
    if nesting_depth_exceeds(data):
        raise HallError("invalid_json", f"请求内容嵌套超过 {MAX_DEPTH} 层，无法处理；请发送简单的 JSON 对象。",
                        f"The JSON nests deeper than {MAX_DEPTH} levels; send a plain JSON object.", 400)
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):   # not JSON, not UTF-8, an integer of too many digits
        raise _not_an_object() from None
    if not isinstance(value, dict):
        raise _not_an_object()
    if _may_hold_surrogates(data) and has_lone_surrogate(value):
        raise HallError("invalid_json", "请求内容含有无效的字符（不成对的 Unicode 代理码位，如 \\ud800），请检查输入后重试。",
                        "The JSON holds a string with an unpaired surrogate (such as \\ud800), which is no "
                        "character; send valid Unicode text.", 400)
    return value


def _may_hold_surrogates(data: bytes) -> bool:
    """Whether the raw body could hold a surrogate: a \\uD800-\\uDFFF escape, or its UTF-8-like bytes
    (the json module decodes bytes with surrogatepass). Most bodies hold neither and are not walked."""
    return re.search(rb"\\u[dD][89abAB]|\\u[dD][c-fC-F]|\xed[\xa0-\xbf]", data) is not None


def has_lone_surrogate(value) -> bool:
    """True when a string anywhere in `value` (keys too) holds a surrogate code point on its own:
    no character, and every encoder (SQLite's, hashing, the JSON answer) fails on it."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return False
