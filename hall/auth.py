"""Staff accounts, roles, and the sessions the hall keeps for them.

Passwords are argon2id hashes (argon2-cffi). Hashes of the earlier scrypt
scheme (werkzeug) are still accepted and replaced by argon2 at the next
successful sign-in.

A session lives in the hall's SQLite (`sessions`, hall/store.py); the browser's
cookie holds only its random token, signed with the key in the data directory.
The hall ends a session when its clerk signs out, when the account is removed,
disabled or changed (`hallq user add`/`remove`, the admin's accounts page: a new
role or password), when another sign-in takes its window, and when it is older
than PERMANENT_SESSION_LIFETIME. An ended session is refused everywhere:
`current_user()` answers None for it, and every callable in `on_session_end` is
told (by the store, once the change that ended it committed), so the push can
close its sockets.

Every state-changing request passes `init_app`'s guard first: its Origin,
when the browser sent one, must be the hall's own (or a configured address),
and a request made with a live session must carry the session's CSRF token in
the `X-HallQ-CSRF` header. Sign-ins are throttled per account and per address
(`LoginThrottle`).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable, Optional

import argon2
from flask import Flask, current_app, g, jsonify, request, session
from werkzeug.security import check_password_hash

from hall.errors import HallError

ROLES = ("staff", "manager", "admin", "assessor")
# A manager may do what staff may; an admin what a manager may. An assessor stands outside that
# line: it reads the assessments and enters the star-rating inputs, and can do nothing at a window.
_RANK = {"assessor": -1, "staff": 0, "manager": 1, "admin": 2}
ASSESSMENT_ROLES = frozenset({"assessor", "manager", "admin"})

CSRF_HEADER = "X-HallQ-CSRF"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The body types a change may carry; a browser's plain form (urlencoded, multipart, text/plain)
# is none of them, so it never reaches a handler, with or without a body.
_CHANGE_TYPES = frozenset({"", "application/json", "text/csv"})

# -- passwords -----------------------------------------------------------------------

# OWASP's argon2id setting (19 MiB, 2 passes, 1 lane): about 20 ms on the hall's 2-core server,
# so a sign-in does not hold the server up, while a stolen hash costs a guesser as much each try.
_HASHER = argon2.PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
_dummy_hash: Optional[str] = None


def hash_password(password: str) -> str:
    """The argon2id hash of `password`, to store for an account."""
    return _HASHER.hash(password)


def check_password(stored_hash: str, password: str) -> bool:
    """True when `password` matches `stored_hash` (argon2, or a legacy werkzeug scrypt/pbkdf2 hash)."""
    if stored_hash.startswith("$argon2"):
        try:
            return _HASHER.verify(stored_hash, password)
        except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
            return False
    try:
        return check_password_hash(stored_hash, password)
    except ValueError:      # not a hash werkzeug knows
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True for a hash of an older scheme or weaker argon2 parameters than today's."""
    if not stored_hash.startswith("$argon2"):
        return True
    try:
        return _HASHER.check_needs_rehash(stored_hash)
    except argon2.exceptions.InvalidHashError:
        return True


def verify_account(account: Optional[dict], password: str) -> bool:
    """Check a sign-in's password; an unknown account costs as long as a known one, and fails.

    argon2 works for about 20 ms in C (without the GIL): on a native thread under gevent, so
    that a sign-in does not stop every socket and request meanwhile.
    """
    from hall.server import run_in_thread
    global _dummy_hash
    if account is None:
        if _dummy_hash is None:
            _dummy_hash = run_in_thread(hash_password, secrets.token_urlsafe(16))
        run_in_thread(check_password, _dummy_hash, password)
        return False
    return run_in_thread(check_password, account["password_hash"], password)


PASSWORD_CHARS = (8, 256)      # the shortest and longest password taken
USERNAME_CHARS = 64


def validate_new_user(username: str, role: str, password: str) -> None:
    """Refuse, in one sentence, a username, role or password an account may not have."""
    if (not isinstance(username, str) or not username or len(username) > USERNAME_CHARS
            or not username.replace("_", "").replace("-", "").replace(".", "").isalnum()):
        raise HallError("invalid_username", f"用户名只能由字母、数字、点、横线和下划线组成，最多 {USERNAME_CHARS} 个字符。",
                        f"A username may hold only letters, digits, '.', '-' and '_', at most {USERNAME_CHARS}.", 400)
    validate_role(role)
    validate_password(password)


def validate_role(role: str) -> None:
    if role not in ROLES:
        raise HallError("invalid_role", f"角色 {role!r} 无效，请选择 staff、manager、admin 或 assessor。",
                        f"Role {role!r} is not valid; choose staff, manager, admin or assessor.", 400)


def validate_password(password: str) -> None:
    shortest, longest = PASSWORD_CHARS
    if not isinstance(password, str) or len(password) < shortest:
        raise HallError("weak_password", f"密码至少需要 {shortest} 个字符。",
                        f"A password needs at least {shortest} characters.", 400)
    if len(password) > longest:
        raise HallError("weak_password", f"密码最多 {longest} 个字符，请换一个短一些的。",
                        f"A password may have at most {longest} characters; choose a shorter one.", 400)


def secret_key(data_dir: Path) -> bytes:
    """The session signing key of this hall, created once in the data directory."""
    path = Path(data_dir) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(secrets.token_bytes(32))
        tmp.chmod(0o600)
        tmp.replace(path)
    return path.read_bytes()


# -- sessions --------------------------------------------------------------------------

# Callables taking a session id, called after a session ended (whatever ended it, in this process).
on_session_end: list[Callable[[str], None]] = []
_COOKIE_KEY = "sid"
_TOUCH_EVERY = timedelta(minutes=1)   # last_seen is written at most this often: a request is not a write


def _hall():
    return current_app.extensions["hallq"]


def _session_id(token: str) -> str:
    """The stored id of a cookie's token: its SHA-256, so the database alone opens no session."""
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(account: dict, window: Optional[int]) -> dict:
    """Sign `account` in on this browser (at `window`, or none): a new session, its token in the cookie."""
    hall = _hall()
    token = secrets.token_urlsafe(32)
    sid, csrf = _session_id(token), secrets.token_urlsafe(32)
    hall.store.open_session(sid, account["username"], account["role"], window, csrf, hall.clock())
    session.clear()
    session.permanent = True
    session[_COOKIE_KEY] = token
    g.hallq_session = {"id": sid, "username": account["username"], "name": account["name"],
                       "role": account["role"], "window": window, "csrf": csrf}
    return g.hallq_session


def end_sessions(reason: str, *, session_id: Optional[str] = None, username: Optional[str] = None,
                 window: Optional[int] = None) -> list[str]:
    """End the live sessions matching all given criteria (`reason` is stored); the store tells
    `on_session_end` (`init_app` binds it), as it does for a session any account change ended."""
    ended = _hall().store.end_sessions(reason, _hall().clock(), session_id=session_id, username=username,
                                       window=window)
    forget_ended(ended)
    return ended


def forget_ended(ended: list[str]) -> None:
    """This request's session is no longer signed in if it is one of `ended`."""
    if "hallq_session" in g and g.hallq_session is not None and g.hallq_session["id"] in ended:
        g.hallq_session = None


def _tell_ended(app: Flask, ended: list[str]) -> None:
    """Every `on_session_end` hook is told of each session the store ended (its listener, in this process)."""
    for sid in ended:
        for hook in list(on_session_end):
            try:
                hook(sid)
            except Exception:  # one listener's fault must not keep the session alive elsewhere
                app.logger.exception("on_session_end hook %r failed", hook)


def end_this_session(reason: str) -> None:
    """End the session of this request, if any, and forget its cookie."""
    s = current_session()
    if s is not None:
        end_sessions(reason, session_id=s["id"])
    session.clear()
    g.hallq_session = None


def _lookup(sid: str) -> tuple[Optional[dict], Optional[str]]:
    """(the live session, None) or (None, why it is not live, ending it now when it should end)."""
    hall = _hall()
    row = hall.store.get_session(sid)
    if row is None:
        return None, "unknown"
    if row["ended_at"] is not None:
        return None, row["end_reason"]
    now = hall.clock()
    reason = None
    if row["account_role"] is None:
        reason = "account_removed"
    elif row["account_role"] != row["role"]:
        reason = "account_changed"
    elif now - datetime.fromisoformat(row["created"]) > current_app.permanent_session_lifetime:
        reason = "expired"
    if reason is not None:
        hall.store.end_sessions(reason, now, session_id=sid)    # the store tells on_session_end
        return None, reason
    if now - datetime.fromisoformat(row["last_seen"]) >= _TOUCH_EVERY:
        hall.store.touch_session(sid, now)
    return {"id": sid, "username": row["username"], "name": row["name"], "role": row["role"],
            "window": row["window"], "csrf": row["csrf"]}, None


def current_session() -> Optional[dict]:
    """This request's live session {id, username, name, role, window, csrf}, or None (looked up once)."""
    if "hallq_session" not in g:
        token = session.get(_COOKIE_KEY)
        live = None
        if isinstance(token, str):
            live, _ = _lookup(_session_id(token))
            if live is None:
                session.clear()
        g.hallq_session = live
    return g.hallq_session


def current_session_id() -> Optional[str]:
    """The id of this request's live session (what `on_session_end` hooks are later told), or None."""
    s = current_session()
    return s["id"] if s else None


def session_of(session_id: str) -> Optional[dict]:
    """What the push needs to know of a session: {"user": {username, name, role}, "role", "window",
    "alive"}; None for an id the hall never issued.

    Call it inside an app context, with the id from `current_session_id()` taken when the socket
    connected; `alive` False means the session ended (sign-out, removed or changed account, another
    clerk took its window, too old): close that socket. Sessions ended by `hallq user remove`/`add`
    run beside the server show here as not alive, though no `on_session_end` hook ran for them in the
    server's process until the next request that looks them up.
    """
    live, _ = _lookup(session_id)
    if live is None:
        row = _hall().store.get_session(session_id)
        if row is None:
            return None
        return {"user": {"username": row["username"], "name": row["name"], "role": row["role"]},
                "role": row["role"], "window": row["window"], "alive": False}
    return {"user": {"username": live["username"], "name": live["name"], "role": live["role"]},
            "role": live["role"], "window": live["window"], "alive": True}


def current_user() -> Optional[dict]:
    """The signed-in user of this request {username, name, role}, or None for none or an ended session."""
    s = current_session()
    return None if s is None else {"username": s["username"], "name": s["name"], "role": s["role"]}


def current_window() -> Optional[int]:
    s = current_session()
    return None if s is None else s["window"]


def require_role(role: str) -> dict:
    """The signed-in user if their role is at least `role`; otherwise an error for the API."""
    user = current_user()
    if user is None:
        raise HallError("not_signed_in", "请先登录。", "Please sign in first.", 401)
    if _RANK.get(user.get("role"), -1) < _RANK[role]:
        raise HallError("forbidden", "您的账号没有此权限。", "Your account may not do this.", 403)
    return user


def require_assessment_reader() -> dict:
    """The signed-in user if they may read the assessments: an assessor, a manager or an admin."""
    user = current_user()
    if user is None:
        raise HallError("not_signed_in", "请先登录。", "Please sign in first.", 401)
    if user.get("role") not in ASSESSMENT_ROLES:
        raise HallError("forbidden", "您的账号不能查看考评数据，请用考评员或管理员账号登录。",
                        "Your account may not read the assessments; sign in as an assessor or a manager.", 403)
    return user


def require_window(window_id: int) -> dict:
    """The signed-in clerk who holds `window_id` now: this session signed in there and the hall's
    window is open in their name. A manager may act on any window."""
    user = require_role("staff")
    if _RANK[user["role"]] >= _RANK["manager"]:
        return user
    w = _hall().state.windows.get(window_id)
    if current_window() != window_id or w is None or w.staff != user["username"]:
        raise HallError("forbidden", f"您没有登录 {window_id} 号窗口，请在该窗口登录后再操作。",
                        f"You are not signed in at window {window_id}.", 403)
    return user


# -- sign-in throttling ---------------------------------------------------------------------

class LoginThrottle:
    """Failed sign-ins per account and per address, on the hall's clock.

    After `limit` failures (each within `window` of the one before or of the end of
    the last refusal) a key is refused for a delay that doubles with every further
    failure, from `base` up to `most`. A refused attempt is not checked and does
    not count, so a guesser cannot lengthen a clerk's wait by hammering; a
    successful sign-in clears its account's count (not its address's).
    """

    def __init__(self, clock: Callable[[], datetime], limit: int, window: timedelta = timedelta(minutes=15),
                 base: timedelta = timedelta(minutes=1), most: timedelta = timedelta(hours=1)):
        self.clock, self.limit, self.window, self.base, self.most = clock, limit, window, base, most
        self._keys: dict[str, list] = {}      # key -> [failures, last failure, refused until]
        self._lock = threading.Lock()

    def refused_until(self, key: str) -> Optional[datetime]:
        now = self.clock()
        with self._lock:
            k = self._keys.get(key)
            return k[2] if k is not None and k[2] is not None and now < k[2] else None

    def failed(self, key: str) -> None:
        now = self.clock()
        with self._lock:
            k = self._keys.get(key)
            if k is None or now - max(k[1], k[2] or k[1]) > self.window:
                k = self._keys[key] = [0, now, None]
            k[0] += 1
            k[1] = now
            if k[0] >= self.limit:
                k[2] = now + min(self.base * 2 ** (k[0] - self.limit), self.most)
            if len(self._keys) > 100_000:    # a flood of names: forget what no longer refuses anyone
                self._prune(now)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._keys.pop(key, None)

    def _prune(self, now: datetime) -> None:
        for key in [k for k, v in self._keys.items() if now - max(v[1], v[2] or v[1]) > self.window]:
            del self._keys[key]


ACCOUNT_LIMIT, ADDRESS_LIMIT = 5, 20


def _throttles() -> tuple[LoginThrottle, LoginThrottle]:
    return current_app.extensions["hallq_login_throttle"]


def check_throttle(username: str):
    """None when this sign-in may be checked; else the 429 answer saying when to try again."""
    accounts, addresses = _throttles()
    until = max((u for u in (accounts.refused_until("user:" + username.lower()),
                             addresses.refused_until("addr:" + str(request.remote_addr))) if u), default=None)
    if until is None:
        return None
    hall = _hall()
    seconds = max(1, int((until - hall.clock()).total_seconds() + 0.999))
    minutes = (seconds + 59) // 60
    at = until.astimezone(hall.engine.tz).strftime("%H:%M:%S")
    body = {"error": {"code": "too_many_attempts",
                      "message": f"登录失败次数过多，请在 {at}（约 {minutes} 分钟后）再试；届时输入正确的密码即可登录。",
                      "message_en": f"Too many failed sign-ins: try again after {at} (in about {minutes} min); "
                                    f"the right password will work then.",
                      "retry_after": seconds}}
    return jsonify(body), 429, {"Retry-After": str(seconds)}


def record_login(username: str, ok: bool) -> None:
    accounts, addresses = _throttles()
    if ok:
        accounts.succeeded("user:" + username.lower())
    else:
        accounts.failed("user:" + username.lower())
        addresses.failed("addr:" + str(request.remote_addr))


# -- cross-site request forgery ------------------------------------------------------------

def csrf_token() -> str:
    """This request's session's CSRF token ('' with no live session), for pages to send back."""
    s = current_session()
    return s["csrf"] if s else ""


def _csrf_refusal(message: str, message_en: str) -> HallError:
    return HallError("csrf", message, message_en, 403)


def _guard_change():
    """Before every request: a change must come from the hall's own pages (see the module docstring)."""
    if request.method in _SAFE_METHODS:
        return None
    from hall.origins import allowed
    origin = request.headers.get("Origin")
    if origin is not None and not allowed(origin, request.environ, getattr(_hall().config, "origins", ())):
        raise _csrf_refusal("此请求来自其他网页，已拒绝；请在本大厅的页面上操作。",
                            f"This request came from another page ({origin[:100]}) and was refused; "
                            "use the hall's own pages.")
    if request.path.startswith("/api/") and request.mimetype not in _CHANGE_TYPES:
        raise HallError("unsupported_media_type", "请求内容类型无效：请以 JSON（application/json）发送。",
                        f"Content-Type {request.mimetype!r} is not taken; send application/json.", 415)
    if request.endpoint == "api.login":
        return None      # a sign-in replaces whatever session the browser had: its Origin was checked
    s = current_session()
    if s is not None:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), s["csrf"].encode()):
            raise _csrf_refusal("页面已过期或请求不是来自本大厅的页面，请刷新页面后重试。",
                                f"The {CSRF_HEADER} header is missing or wrong: reload the page and try again.")
    return None


def init_app(app: Flask) -> None:
    """Bind sessions, throttling and the CSRF guard to the app (called once by create_app)."""
    clock = app.extensions["hallq"].clock
    # Whatever ends a session in this process (a sign-out, a changed or removed account) tells the push.
    app.extensions["hallq"].store.on_sessions_ended.append(lambda ended: _tell_ended(app, ended))
    app.extensions["hallq_login_throttle"] = (LoginThrottle(clock, ACCOUNT_LIMIT), LoginThrottle(clock, ADDRESS_LIMIT))
    app.before_request(_guard_change)
    app.jinja_env.globals["csrf_token"] = csrf_token   # a global: imported macros see it too
