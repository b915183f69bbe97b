"""The accounts and audit API: `/api/admin/accounts...`, `/api/admin/audit`, `/api/account/password`.

docs/api.md documents each. An admin adds, changes, disables and removes
accounts through hall/accounts.py, the rules `hallq user` follows too; every
change is audited by the store in its own transaction. A change that ends an
account's sessions (a new role or password, disabled, removed) also closes the
windows it held, as a sign-out does, so the board does not show them staffed.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Optional

from flask import Blueprint, current_app, jsonify, request

from hall import accounts, auth
from hall.errors import HallError
from hall.jsonbody import json_object
from hall.model import CLOSED

bp = Blueprint("admin_api", __name__, url_prefix="/api")
AUDIT_LIMIT = 500


@bp.errorhandler(HallError)
def _hall_error(err: HallError):
    return jsonify(err.to_dict()), err.status


def _hall():
    return current_app.extensions["hallq"]


def _text(data: dict, key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise HallError("invalid_field", f"字段 {key!r} 缺失或不是文字。", f"Field {key!r} is missing or not a text.", 400)
    return value


# -- reading ------------------------------------------------------------------------------

def account_rows() -> list[dict]:
    """Every account not removed, with who is signed in now and at which windows."""
    hall = _hall()
    live = hall.store.live_sessions(hall.clock() - current_app.permanent_session_lifetime)
    out = []
    for a in hall.store.list_users():
        mine = live.get(a["username"], [])
        out.append({"username": a["username"], "name": a["name"], "role": a["role"], "active": bool(a["active"]),
                    "signed_in": bool(mine), "sessions": len(mine),
                    "windows": sorted({s["window"] for s in mine if s["window"] is not None})})
    return out


def _account(username: str) -> dict:
    return next(a for a in account_rows() if a["username"] == username)


def _day_arg(name: str) -> Optional[date]:
    raw = request.args.get(name) or None
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise HallError("invalid_field", f"参数 {name} 必须是日期，写成 YYYY-MM-DD，例如 2026-11-27；收到的是 {raw[:30]!r}。",
                        f"{name} must be a date written YYYY-MM-DD, e.g. 2026-11-27; got {raw[:30]!r}.", 400) from None


def _int_arg(name: str, default: Optional[int], low: int, high: int) -> Optional[int]:
    raw = request.args.get(name) or None
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18 and low <= int(raw) <= high):
        raise HallError("invalid_field", f"参数 {name} 必须是 {low} 到 {high} 的整数；收到的是 {raw[:30]!r}。",
                        f"{name} must be a whole number from {low} to {high}; got {raw[:30]!r}.", 400)
    return int(raw)


def audit_query() -> dict:
    """The audit log as this request's arguments filter it: who, action, from..to (the hall's days,
    both included), before (an entry's id: the next older page), limit. Newest first."""
    hall = _hall()
    tz = hall.engine.tz
    start, end = _day_arg("from"), _day_arg("to")
    if start and end and end < start:
        raise HallError("invalid_field", f"结束日期 {end} 早于开始日期 {start}，请重新选择。",
                        f"The range ends ({end}) before it starts ({start}); choose again.", 400)
    filters = {"who": request.args.get("who") or None, "action": request.args.get("action") or None,
               "from": start.isoformat() if start else None, "to": end.isoformat() if end else None}
    limit = _int_arg("limit", 100, 1, AUDIT_LIMIT)
    entries = hall.store.audit_entries(
        who=filters["who"], action=filters["action"], before_id=_int_arg("before", None, 1, 2 ** 62),
        start=datetime.combine(start, time(0), tz) if start else None,
        end=datetime.combine(end + timedelta(days=1), time(0), tz) if end else None, limit=limit + 1)
    more = len(entries) > limit
    entries = entries[:limit]
    for e in entries:
        e["at"] = datetime.fromisoformat(e["at"]).astimezone(tz).isoformat(timespec="seconds")
    return {"entries": entries, "filters": filters, "older": entries[-1]["id"] if more else None}


@bp.get("/admin/accounts")
def list_accounts():
    """Every account: username, name, role, active, whether (and where) it is signed in now."""
    auth.require_role("admin")
    return jsonify({"accounts": account_rows(), "roles": list(auth.ROLES)})


@bp.get("/admin/audit")
def audit():
    """The audit log, newest first: ?who=&action=&from=YYYY-MM-DD&to=YYYY-MM-DD&before=<id>&limit=."""
    auth.require_role("admin")
    who, actions = _hall().store.audit_choices()
    return jsonify({**audit_query(), "who": who, "actions": actions})


# -- changing -----------------------------------------------------------------------------

def _close_windows_of(username: str, keep: Optional[int] = None) -> None:
    """The windows `username` holds are closed (but `keep`): their sessions ended, as at a sign-out."""
    hall = _hall()
    held = [w.id for w in list(hall.state.windows.values())
            if w.staff == username and w.status != CLOSED and w.id != keep]
    for wid in held:
        hall.close_window(wid)


def _change_another(username: str, admin: dict, zh: str, en: str, change) -> None:
    """A change that ends `username`'s sessions, made by `admin` on another account only:
    `change(store, now, by)` writes it (hall/accounts.py), then the windows it held close."""
    accounts.not_on_oneself(username, admin["username"], zh, en)
    hall = _hall()
    change(hall.store, hall.clock(), admin["username"])
    _close_windows_of(username)


def _changed(username: str, status: int = 200):
    return jsonify({"account": _account(username)}), status


@bp.post("/admin/accounts")
def add_account():
    """A new account: {username, name, role, password} (its first password, to be changed by its holder)."""
    admin = auth.require_role("admin")
    data = json_object()
    hall = _hall()
    username = _text(data, "username").strip()
    accounts.add(hall.store, username, _text(data, "name"), _text(data, "role"), _text(data, "password"),
                 hall.clock(), by=admin["username"])
    return _changed(username, 201)


@bp.post("/admin/accounts/<username>/role")
def set_role(username):
    """{role}: another role for the account; its sessions end and its windows close."""
    admin = auth.require_role("admin")
    role = _text(json_object(), "role")
    _change_another(username, admin, "更改", "change the role of",
                    lambda store, now, by: accounts.set_role(store, username, role, now, by=by))
    return _changed(username)


@bp.post("/admin/accounts/<username>/password")
def reset_password(username):
    """{password}: a new password the admin gives the account's holder; its sessions end."""
    admin = auth.require_role("admin")
    password = _text(json_object(), "password")
    _change_another(username, admin, "重置", "reset the password of",
                    lambda store, now, by: accounts.reset_password(store, username, password, now, by=by))
    return _changed(username)


@bp.post("/admin/accounts/<username>/disable")
def disable(username):
    """The account can no longer sign in; its sessions end and its windows close. Enabled again later."""
    admin = auth.require_role("admin")
    json_object()
    _change_another(username, admin, "停用", "disable",
                    lambda store, now, by: accounts.set_active(store, username, False, now, by=by))
    return _changed(username)


@bp.post("/admin/accounts/<username>/enable")
def enable(username):
    """A disabled account may sign in again."""
    admin = auth.require_role("admin")
    json_object()
    hall = _hall()
    accounts.set_active(hall.store, username, True, hall.clock(), by=admin["username"])
    return _changed(username)


@bp.post("/admin/accounts/<username>/remove")
def remove(username):
    """The account is removed: not listed, cannot sign in; tickets and ratings keep its username."""
    admin = auth.require_role("admin")
    json_object()
    _change_another(username, admin, "删除", "remove",
                    lambda store, now, by: accounts.remove(store, username, now, by=by))
    return jsonify({"removed": username})


@bp.post("/account/password")
def change_own_password():
    """{current_password, new_password}: the signed-in account's own new password. Throttled as a
    sign-in is (a wrong current password counts as a failed sign-in); ends the account's other
    sessions, keeps this one."""
    s = auth.current_session()
    if s is None:
        raise HallError("not_signed_in", "请先登录。", "Please sign in first.", 401)
    data = json_object()
    current, new = _text(data, "current_password"), _text(data, "new_password")
    refused = auth.check_throttle(s["username"])
    if refused is not None:
        return refused
    hall = _hall()
    ok = auth.verify_account(hall.store.get_user(s["username"]), current)
    auth.record_login(s["username"], ok)
    if not ok:
        raise HallError("wrong_password", "当前密码不正确，请重新输入。", "The current password is wrong; type it again.", 403)
    auth.validate_password(new)
    if new == current:
        raise HallError("unchanged", "新密码与当前密码相同，请换一个新密码。",
                        "The new password is the current one; choose a new one.", 409)
    ended = hall.store.set_password(s["username"], auth.hash_password(new), hall.clock(), by=s["username"],
                                    action="password_changed", keep_session=s["id"])
    if ended is None:        # removed or disabled meanwhile
        raise HallError("not_signed_in", "请先登录。", "Please sign in first.", 401)
    _close_windows_of(s["username"], keep=s["window"])
    return jsonify({"ok": True, "sessions_ended": len(ended)})
