"""The HTTP JSON API: `/api/...`. docs/api.md documents every endpoint.

Every refusal is JSON `{"error": {"code", "message", "message_en"}}` with a
4xx status; a malformed request never becomes a 500.
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from hall import auth
from hall.errors import HallError
from hall.jsonbody import JSON_LIMIT, UPLOAD_LIMIT, json_object, read_body

bp = Blueprint("api", __name__, url_prefix="/api")


def _hall():
    return current_app.extensions["hallq"]


@bp.before_request
def _bounded_body():
    """A body announced larger than any endpoint takes is refused (413) before a byte of it is read."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit is not None and request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge()


def _body(limit: int = JSON_LIMIT) -> dict:
    """The request's JSON object (at most `limit` bytes, MAX_DEPTH deep); an empty body counts as {}."""
    return json_object(limit)


def _field(data: dict, key: str, kind=str, required=True):
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, kind) or isinstance(value, bool):
        kind_zh = "文字" if kind is str else "整数"
        raise HallError("invalid_field", f"字段 {key!r} 缺失或不是{kind_zh}。",
                        f"Field {key!r} is missing or not a {kind.__name__}.", 400)
    return value


@bp.errorhandler(HallError)
def _hall_error(err: HallError):
    return jsonify(err.to_dict()), err.status


@bp.get("/services")
def services():
    """Services with waiting counts, estimated waits, whether they issue now, matters; and the green channel."""
    hall = _hall()
    return jsonify({"services": hall.services_json(),
                    "priority_categories": [{"code": c.code, "name": c.name, "name_en": c.name_en}
                                            for c in hall.config.queue.priority_categories]})


@bp.get("/state")
def state():
    """The hall's snapshot: as the screens see it (no staff, nothing personal) unless staff are signed in."""
    from hall.audiences import public_snapshot
    snap = _hall().snapshot()
    return jsonify(snap if auth.current_user() is not None else public_snapshot(snap))


@bp.post("/tickets")
def issue_ticket():
    data = _body()
    hall = _hall()
    code = data.get("service")
    if not isinstance(code, str):
        raise HallError("unknown_service", "请选择要办理的业务。", "Choose a service.", 400)
    ticket = hall.issue_ticket(code, priority=_field(data, "priority", required=False),
                               matter=_field(data, "matter", required=False),
                               id_number=_field(data, "id_number", required=False))
    return _issued(ticket)


def _issued(ticket, **extra):
    """The kiosk's answer for a new ticket: its place, estimated wait, progress link, and print result."""
    hall = _hall()
    low, high = hall.wait_range(ticket)
    body = {"ahead": hall.ahead_of(ticket), "wait_minutes": hall.wait_minutes(ticket), "wait_low_minutes": low,
            "wait_high_minutes": high, "token": ticket.token,
            "progress_url": request.host_url.rstrip("/") + f"/t/{ticket.token}", **extra}
    body["print"] = current_app.extensions["hallq_printer"](ticket, body)
    # Printing records its outcome on the ticket (print_status): answer the ticket as it is now.
    printed = hall.state.tickets.get(ticket.id, ticket)
    return jsonify({"ticket": hall.ticket_json(printed), **body}), 201


@bp.post("/appointments/check-in")
def check_in():
    """An appointment holder checks in with `code` or `id_number` and gets a ticket."""
    data = _body()
    ticket, kept = _hall().check_in(code=_field(data, "code", required=False),
                                    id_number=_field(data, "id_number", required=False))
    return _issued(ticket, appointment_priority=kept)


@bp.post("/appointments")
def add_appointments():
    """Managers: import appointments as JSON {"appointments": [...]} or as a CSV body (text/csv)."""
    auth.require_role("manager")
    from hall.appointments import read_csv
    if request.mimetype == "text/csv":
        try:
            rows = read_csv(read_body(UPLOAD_LIMIT).decode("utf-8"))
        except UnicodeDecodeError:
            raise HallError("invalid_appointment", "预约文件必须是 UTF-8 编码的 CSV。", "The CSV must be UTF-8.", 400)
    else:
        rows = _body(UPLOAD_LIMIT).get("appointments")
        if not isinstance(rows, list):
            raise HallError("invalid_field", "字段 'appointments' 缺失或不是列表。", "Field 'appointments' must be a list.", 400)
    added = _hall().add_appointments(rows)
    return jsonify({"added": len(added), "codes": [a.code for a in added]}), 201


@bp.get("/appointments")
def list_appointments():
    auth.require_role("manager")
    hall = _hall()
    day = hall.state.business_day
    return jsonify({"appointments": [
        {"code": a.code, "service": a.service, "date": a.day.isoformat(),
         "slot": f"{a.slot_start:%H:%M}-{a.slot_end:%H:%M}", "name": a.name, "id_masked": a.id_masked,
         "status": a.status, "ticket_id": a.ticket_id, "matter": a.matter} for a in hall.store.appointments_of_day(day)]})


@bp.post("/tickets/<number>/reprint")
def reprint(number):
    """Staff: print a ticket again (after paper ran out, or for a citizen who lost it)."""
    auth.require_role("staff")
    hall = _hall()
    ticket = hall.ticket_by_number(number)
    body = {"ahead": hall.ahead_of(ticket), "wait_minutes": hall.wait_minutes(ticket) if ticket.status == "waiting" else None,
            "progress_url": request.host_url.rstrip("/") + f"/t/{ticket.token}"}
    devices = current_app.extensions["hallq_devices"]
    if devices.printer is None:
        raise HallError("no_printer", "本大厅未配置小票打印机。", "This hall has no ticket printer.", 404)
    result = devices.print_ticket(ticket, body, reprint=True)
    return jsonify({"ticket": hall.ticket_json(hall.ticket_by_number(number)), "print": result})


@bp.get("/reprints")
def reprints():
    """Staff: today's tickets the printer did not print, still open."""
    auth.require_role("staff")
    hall = _hall()
    with hall._lock:
        todo = [hall.ticket_json(t) for t in sorted(hall.state.tickets.values(), key=lambda t: t.id)
                if t.print_status == "not_printed" and t.is_open]
    return jsonify({"tickets": todo})


@bp.post("/tickets/<number>/priority")
def mark_priority(number):
    auth.require_role("staff")
    category = _field(_body(), "category")
    return jsonify({"ticket": _hall().ticket_json(_hall().mark_priority(number, category))})


@bp.post("/tickets/<number>/rejoin")
def rejoin(number):
    auth.require_role("staff")
    t = _hall().rejoin(number)
    return jsonify({"ticket": _hall().ticket_json(t), "ahead": _hall().ahead_of(t)})


@bp.get("/progress/<token>")
def progress(token):
    """A ticket's progress for the phone page: its place, people ahead, estimated wait."""
    return jsonify(_hall().progress(token))


@bp.post("/progress/<token>/rejoin")
def progress_rejoin(token):
    """The citizen missed the call and rejoins from the phone page (within the allowed time)."""
    hall = _hall()
    t = hall.ticket_by_token(token)
    if t is None:
        raise HallError("unknown_ticket", "找不到这个号，请核对链接。", "No such ticket.", 404)
    hall.rejoin(t.number)
    return jsonify(hall.progress(token))


@bp.post("/progress/<token>/rating")
def progress_rating(token):
    """The citizen rates a served step from the phone page, within `[ratings] phone_hours` after it
    ended: `{level, step?, reasons?, comment?}`; answers like `GET /api/progress/<token>`."""
    data = _body()
    step = data.get("step")
    if step is not None and (not isinstance(step, int) or isinstance(step, bool) or not 0 <= step <= 999):
        raise HallError("invalid_field", "字段 'step' 必须是办理步骤的序号（0 起的整数）。",
                        "Field 'step' must be the number of a step of the visit (a whole number from 0).", 400)
    hall = _hall()
    hall.rate_by_token(token, data.get("level"), step=step, reasons=data.get("reasons"), comment=data.get("comment"))
    return jsonify(hall.progress(token))


@bp.get("/rater/<int:window_id>")
def rater_state(window_id):
    """The window's tablet: the step waiting for its rating there now (or null), the reasons, the time left."""
    from hall.rating_screens import tablet_state
    return jsonify(tablet_state(_hall(), window_id))


@bp.post("/rater/<int:window_id>/rating")
def rater_rating(window_id):
    """The window's tablet rates the step waiting for its rating there now, and no other:
    `{ticket_id, level, reasons?, comment?}`."""
    from hall.rating_screens import rate_at_tablet, tablet_state
    data = _body()
    hall = _hall()
    r = rate_at_tablet(hall, window_id, data.get("ticket_id"), data.get("level"), reasons=data.get("reasons"),
                       comment=data.get("comment"))
    return jsonify({"rated": {"ticket_id": r.ticket_id, "number": r.number, "step": r.step, "level": r.level},
                    "state": tablet_state(hall, window_id)})


@bp.post("/tickets/<number>/cancel")
def cancel_ticket(number):
    auth.require_role("staff")
    return jsonify({"ticket": _hall().ticket_json(_hall().cancel(number))})


@bp.post("/login")
def login():
    """Sign in, at `window` when given. Throttled per account and per address (429); the answer
    carries the new session's CSRF token, which every later change must send in X-HallQ-CSRF."""
    data = _body()
    username = _field(data, "username")
    password = _field(data, "password")
    window = data.get("window")
    refused = auth.check_throttle(username)
    if refused is not None:
        return refused
    hall = _hall()
    user = hall.store.get_user(username)
    ok = auth.verify_account(user, password)   # as slow for an unknown name as for a known one
    auth.record_login(username, ok)
    if not ok:
        raise HallError("bad_credentials", "用户名或密码不正确，请重新输入。", "Wrong username or password.", 401)
    if auth.needs_rehash(user["password_hash"]):
        hall.store.set_password_hash(user["username"], auth.hash_password(password))
    previous = auth.current_session()
    if window is not None:
        if not isinstance(window, int) or isinstance(window, bool):
            raise HallError("invalid_field", "窗口号必须是整数。", "window must be a whole number.", 400)
        # A window left open by an account removed since is free at once, not only at the next tick.
        hall.close_windows_of_removed_accounts()
        hall.open_window(window, user["username"], user["name"])
        # A session that still names this window (its window was closed under it) holds it no more.
        auth.end_sessions("window_taken", window=window)
    if previous is not None:
        old = previous["window"]
        if old is not None and old != window and previous["username"] == user["username"]:
            w = hall.state.windows.get(old)
            if w is not None and w.staff == user["username"]:
                hall.close_window(old)
        auth.end_sessions("signed_in_again", session_id=previous["id"])
    s = auth.start_session(user, window)
    return jsonify({"user": auth.current_user(), "window": window, "csrf": s["csrf"]})


@bp.post("/logout")
def logout():
    """Sign out: the window this session holds is closed and the session ends everywhere."""
    s = auth.current_session()
    if s is not None and s["window"] is not None:
        w = _hall().state.windows.get(s["window"])
        if w is not None and w.staff == s["username"]:
            _hall().close_window(s["window"])
    auth.end_this_session("signed_out")
    return jsonify({"ok": True})


@bp.get("/me")
def me():
    """Who is signed in on this browser, at which window, and the session's CSRF token."""
    user = auth.require_role("staff")
    return jsonify({"user": user, "window": auth.current_window(), "csrf": auth.csrf_token()})


@bp.get("/windows/<int:window_id>/queue")
def window_queue(window_id):
    return jsonify({"waiting": _hall().waiting_for_window(window_id)})


def _window_action(window_id: int, act):
    auth.require_window(window_id)
    hall = _hall()
    ticket = act(hall)
    w = hall.window_json(window_id)
    t = hall.ticket_json(ticket) if ticket is not None and hasattr(ticket, "number") else w["current"]
    return jsonify({"window": w, "ticket": t})


@bp.post("/windows/<int:window_id>/call-next")
def call_next(window_id):
    return _window_action(window_id, lambda h: h.call_next(window_id))


@bp.post("/windows/<int:window_id>/call")
def call(window_id):
    auth.require_window(window_id)    # who asks, before what they sent is looked at
    number = _field(_body(), "ticket")
    return _window_action(window_id, lambda h: h.call(window_id, number))


@bp.post("/windows/<int:window_id>/recall")
def recall(window_id):
    return _window_action(window_id, lambda h: h.recall(window_id))


@bp.post("/windows/<int:window_id>/no-show")
def no_show(window_id):
    return _window_action(window_id, lambda h: h.no_show(window_id))


@bp.post("/windows/<int:window_id>/start")
def start(window_id):
    return _window_action(window_id, lambda h: h.start(window_id))


@bp.post("/windows/<int:window_id>/finish")
def finish(window_id):
    return _window_action(window_id, lambda h: h.finish(window_id))


@bp.post("/windows/<int:window_id>/transfer")
def transfer(window_id):
    auth.require_window(window_id)    # who asks, before what they sent is looked at
    data = _body()
    service = _field(data, "service")
    target = data.get("window")
    if target is not None and (not isinstance(target, int) or isinstance(target, bool)):
        raise HallError("invalid_field", "窗口号必须是整数。", "window must be a whole number.", 400)
    hall = _hall()
    t = hall.transfer(window_id, service, target)
    return jsonify({"window": hall.window_json(window_id), "ticket": hall.ticket_json(t)})


@bp.post("/windows/<int:window_id>/pause")
def pause(window_id):
    reason = _body().get("reason", "other")
    return _window_action(window_id, lambda h: (h.pause(window_id, reason), None)[1])


@bp.post("/windows/<int:window_id>/resume")
def resume(window_id):
    return _window_action(window_id, lambda h: (h.resume(window_id), None)[1])


@bp.get("/events")
def events():
    """The event log after `since` (a seq), in order: for replay and audits. Managers only."""
    auth.require_role("manager")
    since = _int_arg("since", 0, 0, 2 ** 63 - 1)
    limit = min(_int_arg("limit", 1000, 1, None), 5000)   # more than 5,000 is answered with 5,000
    return jsonify({"events": _hall().store.events_since(since, limit)})


@bp.get("/city-link")
def city_link():
    """Managers: the link to the city centre (三级联动, hall/sender.py): its state, the seq the city
    acknowledged, how many events and seconds the city is behind; `{"state": "none"}` without a link."""
    auth.require_role("manager")
    import time
    from hall.sender import read_status
    sender = current_app.extensions.get("hallq_city_link")
    status = sender.status() if sender is not None else read_status(current_app.config["HALLQ_DATA_DIR"])
    if status is None:
        return jsonify({"state": "none"})
    # A status file no sender has written for a minute: nothing is sending.
    if sender is None and time.time() - float(status.get("at") or 0) > 60:
        status = dict(status, state="stopped")
    return jsonify({k: status.get(k) for k in ("state", "url", "acked", "behind", "lag_seconds", "error")})


@bp.get("/alarms")
def list_alarms():
    """Managers: the alarms (电子监察), open ones first, newest first; `status=open|all`, `kind`, `from`, `to`
    (business days), `limit`."""
    auth.require_role("manager")
    from hall.alarms import KINDS
    status = request.args.get("status", "open")
    if status not in ("open", "all"):
        raise HallError("invalid_field", "参数 status 只能是 open（未消除的告警）或 all（全部告警）。",
                        f"status must be open or all, not {status[:20]!r}.", 400)
    kind = request.args.get("kind") or None
    if kind is not None and kind not in KINDS:
        raise HallError("invalid_field", f"没有“{kind[:20]}”这类告警，请选择：{'、'.join(KINDS)}。",
                        f"kind must be one of {', '.join(KINDS)}, not {kind[:20]!r}.", 400)
    start, end = _date_arg("from"), _date_arg("to")
    if start and end and end < start:
        raise HallError("invalid_field", "结束日期（to）不能早于开始日期（from）。", "to must not be before from.", 400)
    limit = min(_int_arg("limit", 500, 1, None), 5000)
    hall = _hall()
    found = hall.store.alarms(open_only=status == "open", kind=kind, start=start, end=end, limit=limit)
    return jsonify({"alarms": [hall.alarm_json(a) for a in found]})


@bp.post("/alarms/<int:alarm_id>/acknowledge")
def acknowledge_alarm(alarm_id):
    """Managers: acknowledge an alarm, `{note?}`: who and when are the session's."""
    user = auth.require_role("manager")
    note = _body().get("note", "")
    hall = _hall()
    return jsonify({"alarm": hall.alarm_json(hall.acknowledge_alarm(alarm_id, user, note))})


def _date_arg(name: str):
    """A business day query argument (YYYY-MM-DD), or None when absent or empty."""
    from datetime import date
    raw = request.args.get(name) or None
    if raw is None:
        return None
    try:
        if len(raw) != 10:
            raise ValueError
        return date.fromisoformat(raw)
    except ValueError:
        raise HallError("invalid_field", f"参数 {name} 应为日期，如 2026-11-27，收到的是 {raw[:30]!r}。",
                        f"{name} must be a date such as 2026-11-27; got {raw[:30]!r}.", 400) from None


def _int_arg(name: str, default: int, low: int, high: int | None) -> int:
    """A whole-number query argument within [low, high] (SQLite's integers end below 2**63)."""
    raw = request.args.get(name)
    if raw is None:
        return default
    digits = raw[1:] if raw.startswith("-") else raw
    value = int(raw) if digits.isascii() and digits.isdigit() and len(digits) <= 20 else None
    if value is None or value < low or (high is not None and value > high):
        most = f"且不大于 {high} " if high is not None else ""
        most_en = f" and at most {high}" if high is not None else ""
        raise HallError("invalid_field", f"参数 {name} 必须是不小于 {low} {most}的整数，收到的是 {raw[:30]!r}。",
                        f"{name} must be a whole number of at least {low}{most_en}; got {raw[:30]!r}.", 400)
    return value
