"""The assessment API: figures, drilling down, exports, bad-rating cases, star ratings. docs/api.md has each.

Reads go through assess/reader.py's own read-only connection, never under the
hall's lock: the long ones (figures, drill-down, exports) in the "assess" helper
process (assess/offline.py), the short ones (cases, star inputs) on a real OS
thread under gevent (`hall.server.run_in_thread`);
changes (a case's step, a month's star inputs) go through the hall's one writer.
"""
from __future__ import annotations

import io
from datetime import date
from typing import Callable

from flask import Blueprint, current_app, jsonify, request, send_file

from assess import exports as X
from assess.casework import Casebook
from assess.period import month_range, parse_key, parse_range, parse_slice
from hall import auth
from hall.errors import HallError
from hall.jsonbody import json_object

bp = Blueprint("assess_api", __name__, url_prefix="/api")


@bp.errorhandler(HallError)
def _hall_error(err: HallError):
    return jsonify(err.to_dict()), err.status


def _hall():
    return current_app.extensions["hallq"]


def today() -> date:
    hall = _hall()
    return hall.engine.business_day(hall.clock())


def with_reader(fn: Callable):
    """fn(reader) on an OS thread (under gevent), with a Reader of the hall's file opened and closed there."""
    from assess.reader import Reader, ReaderError
    from hall.server import run_in_thread
    hall = _hall()
    app = current_app._get_current_object()

    def work():
        try:
            reader = Reader(hall.store.path, hall.config.code)
        except ReaderError as exc:
            raise HallError("records_unavailable", exc.message, exc.message_en, 503) from None
        with reader, app.app_context():     # an OS thread of its own: the app is named again there
            return fn(reader)
    return run_in_thread(work)


def offline(fn, start: date, end: date, *args):
    """An answer of assess/offline.py, worked out in the "assess" helper process under gevent
    (a plain call otherwise): a long read never holds the hall's process."""
    from hall.offloop import run_off_loop
    hall = _hall()
    answer = run_off_loop(fn, hall.store.path, hall.config.code, hall.config, start, end, today(), hall.workdays,
                          *args, helper="assess")
    if answer[0] == "error":
        raise HallError(answer[1], answer[2], answer[3], 503)
    return answer[1]


def casebook(reader) -> Casebook:
    hall = _hall()
    return Casebook(reader, hall.config, hall.workdays, today(), hall.engine.tz)


# -- figures -------------------------------------------------------------------------

@bp.get("/assess/figures")
def figures():
    """The figures of a range by a slice, with the total and the charts' series."""
    auth.require_assessment_reader()
    start, end = parse_range(request.args, today())
    by = parse_slice(request.args.get("by"))
    from assess import offline as O
    return jsonify(offline(O.figures, start, end, by))


@bp.get("/assess/drill")
def drill():
    """The tickets, ratings or cases behind one figure of one row."""
    auth.require_assessment_reader()
    start, end = parse_range(request.args, today())
    by = request.args.get("by") or "total"
    if by != "total":
        by = parse_slice(by)
    key = "total" if by == "total" else parse_key(by, request.args.get("key", ""))
    figure = request.args.get("figure") or ""
    from assess import offline as O
    return jsonify(offline(O.drill, start, end, by, key, figure, _hall().engine.tz))


# -- exports -------------------------------------------------------------------------

def _filename(by: str, start: date, end: date, fmt: str) -> str:
    return f"hallq-{_hall().config.code}-{by}-{start.isoformat()}-{end.isoformat()}.{X.FORMATS[fmt][1]}"


@bp.get("/assess/export")
def export():
    """The figures table as a file, at once (a long one: POST /api/assess/exports)."""
    auth.require_assessment_reader()
    start, end = parse_range(request.args, today())
    by = parse_slice(request.args.get("by"))
    fmt = X.parse_format(request.args.get("format"))

    from assess import offline as O
    data = offline(O.export, start, end, by, fmt)
    return send_file(io.BytesIO(data), mimetype=X.FORMATS[fmt][0], as_attachment=True,
                     download_name=_filename(by, start, end, fmt))


def _exports() -> X.Exports:
    return current_app.extensions["hallq_exports"]


@bp.post("/assess/exports")
def start_export():
    """Start an export job; poll its `url` for progress, then fetch its `file_url`."""
    user = auth.require_assessment_reader()
    data = json_object()
    start, end = parse_range({k: data.get(k) for k in ("from", "to", "preset") if isinstance(data.get(k), str)},
                             today())
    by = parse_slice(data.get("by") if isinstance(data.get("by"), str) else None)
    fmt = X.parse_format(data.get("format") if isinstance(data.get("format"), str) else None)
    from assess import offline as O
    from hall.offloop import run_off_loop
    hall = _hall()
    day, workdays, config, path = today(), hall.workdays, hall.config, hall.store.path

    def work(job: X.Job) -> None:
        def progress(phase, done, total):
            job.progress(phase)(done, total)
            if phase == "figuring":
                job.phase = "figuring"
        # In the "assess" helper process under gevent, like the pages' figures: a long export never
        # holds the hall's process; its progress comes back as it goes.
        answer = run_off_loop(O.export_job, path, config.code, config, start, end, day, workdays, by, fmt,
                              str(job.path), helper="assess", on_progress=progress)
        if answer[0] == "error":
            raise HallError(answer[1], answer[2], answer[3], 503)
    job = _exports().start(user["username"], fmt, _filename(by, start, end, fmt), work)
    return jsonify(job.json()), 202


@bp.get("/assess/exports/<job_id>")
def export_progress(job_id):
    user = auth.require_assessment_reader()
    return jsonify(_exports().get(job_id, user["username"]).json())


@bp.get("/assess/exports/<job_id>/file")
def export_file(job_id):
    user = auth.require_assessment_reader()
    job = _exports().get(job_id, user["username"])
    if job.phase != "done":
        raise HallError("export_not_ready", "导出尚未完成，请稍候。", "The export is not finished yet; wait a moment.",
                        409)
    return send_file(job.path, mimetype=X.FORMATS[job.format][0], as_attachment=True, download_name=job.filename)


# -- bad-rating cases ----------------------------------------------------------------------

def _signed_in() -> dict:
    user = auth.current_user()
    if user is None:
        raise HallError("not_signed_in", "请先登录。", "Please sign in first.", 401)
    return user


@bp.get("/cases")
def list_cases():
    """The cases this account may see (staff: their own), overdue first; ?status= filters."""
    user = _signed_in()
    status = request.args.get("status")
    return jsonify({"today": today().isoformat(), "cases": with_reader(lambda r: casebook(r).list(user, status))})


@bp.get("/cases/<int:case_id>")
def get_case(case_id):
    """One case with its rating and every step taken."""
    user = _signed_in()
    return jsonify(with_reader(lambda r: casebook(r).detail(case_id, user)))


MAX_ID = 2 ** 63 - 1          # SQLite's largest integer: a larger id names no case

# The words each step takes: name -> (type, required). hall/cases.py's functions take exactly these.
ACTION_WORDS = {
    "verify": {"note": (str, False), "valid": (bool, False)},
    "rectify": {"mode": (str, True), "note": (str, True)},
    "rectify_done": {"note": (str, True)},
    "callback": {"view": (str, True), "note": (str, False)},
    "appeal": {"reason": (str, True)},
    "decide_appeal": {"upheld": (bool, True), "decision": (str, True)},
}


@bp.post("/cases/<int:case_id>/<action>")
def case_action(case_id, action):
    """A step of the case by the signed-in account; the hall checks the role and the case's rules."""
    user = _signed_in()
    if action not in ACTION_WORDS:
        raise HallError("invalid_field", f"没有“{action[:30]}”这一步。",
                        f"Unknown case action {action[:30]!r}; one of {', '.join(ACTION_WORDS)}.", 400)
    from hall.cases import ACTION_ROLES
    auth.require_role(ACTION_ROLES[action])     # who asks, before what they sent is looked at
    if case_id > MAX_ID:
        raise HallError("unknown_case", "找不到这件差评。", f"No case {case_id}.", 404)
    data = json_object()
    words = {}
    for name, (kind, required) in ACTION_WORDS[action].items():
        value = data.get(name)
        if value is None:
            if required:
                raise HallError("invalid_field", f"请填写 {name}。", f"Field {name!r} is required for {action}.", 400)
            continue
        if not isinstance(value, kind) or (kind is str and len(value) > 2000):
            kind_zh = "是或否" if kind is bool else "不超过 2000 字的文字"
            raise HallError("invalid_field", f"字段 {name} 应为{kind_zh}。",
                            f"Field {name!r} must be {'true or false' if kind is bool else 'text of at most 2000 characters'}.",
                            400)
        words[name] = value
    _hall().case_action(case_id, action, by=user, **words)
    return jsonify(with_reader(lambda r: casebook(r).detail(case_id, user)))


# -- star ratings ----------------------------------------------------------------------------

def _year(raw) -> int:
    if raw is None or raw == "":
        return today().year
    if not (isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) == 4 and "1970" <= raw <= "9998"):
        raise HallError("invalid_field", f"年份应为四位数字，例如 2026，而不是 {str(raw)[:10]!r}。",
                        f"year must be four digits, such as 2026, not {str(raw)[:10]!r}.", 400)
    return int(raw)


@bp.get("/assess/stars")
def stars():
    """A year's star rating: each month's inputs, citizens' part, points and stars; the year's verdict."""
    auth.require_assessment_reader()
    from assess.starbook import year_json
    year = _year(request.args.get("year"))
    hall = _hall()
    day = today()
    return jsonify(with_reader(lambda r: year_json(r, year, day, hall.workdays)))


@bp.post("/assess/stars")
def enter_stars():
    """Enter (or enter again) a month's self-assessment and inspection results."""
    user = auth.require_assessment_reader()
    data = json_object()
    month = data.get("month")
    if not isinstance(month, str):
        raise HallError("invalid_field", "请填写月份（month，YYYY-MM）。", "Field 'month' (YYYY-MM) is required.", 400)
    month_range(month)                   # a month of the calendar (1970..9998), or its sentence
    year = _year(month[:4])
    own, inspection = data.get("self_assessment"), data.get("inspection")
    _hall().enter_stars(month, by=user, self_assessment=own, inspection=inspection)
    from assess.starbook import year_json
    hall = _hall()
    day = today()
    view = with_reader(lambda r: year_json(r, year, day, hall.workdays))
    return jsonify({"month": next(m for m in view["months"] if m["month"] == month), "year": view})

