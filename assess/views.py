"""The assessment pages: /assess (figures and charts), /assess/cases (bad-rating cases), /assess/stars
(the star rating), /assess/report (the monthly report, for printing).

Assessors, managers and admins read them all; a staff member sees the case
pages with their own cases, to appeal. Without a session a page is its
sign-in form; with another account, a 403 page that says whose account to use.
`init_app(app)` registers the pages, their API (assess/api.py) and the export jobs.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import current_app, render_template, request

from assess import api, vendor
from assess.period import PRESET_NAMES, PRESETS, SLICE_NAMES, SLICES, month_range
from hall import auth
from hall.errors import HallError
from hall.screens import screen_blueprint

bp = screen_blueprint("assess", __name__, "/assess")
ROLE_NAMES = {"staff": "工作人员", "manager": "管理人员", "admin": "系统管理员", "assessor": "考评员"}


@bp.app_template_filter("assess_rate")
def rate_text(value) -> str:
    """A rate as the pages write it: 95.2%, or — with nothing to divide (the city's pages too)."""
    return "—" if value is None else f"{100 * value:.1f}%"


@bp.app_template_filter("assess_time")
def time_text(value) -> str:
    """Seconds as m:ss (h:mm:ss past an hour), or —."""
    if value is None:
        return "—"
    s = round(value)
    h, rest = divmod(s, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


def init_app(app) -> None:
    """Register the assessment pages and API on the hall's app."""
    from assess.exports import Exports
    app.extensions["hallq_exports"] = Exports(Path(app.config["HALLQ_DATA_DIR"]) / "exports")
    app.register_blueprint(bp)
    app.register_blueprint(api.bp)


def _page(template: str, http_status: int = 200, **context):
    hall = current_app.extensions["hallq"]
    return render_template(template, hall_name=hall.config.name, hall_name_en=hall.config.name_en,
                           user=auth.current_user(), role_names=ROLE_NAMES, **context), http_status


def _gate(staff_too: bool = False):
    """(user, None) when this account may open the page; else (None, the sign-in or the 403 page)."""
    user = auth.current_user()
    if user is None:
        return None, _page("assess/signin.html")
    if user["role"] in auth.ASSESSMENT_ROLES or (staff_too and user["role"] == "staff"):
        return user, None
    return None, _page("assess/forbidden.html", 403)


def _error_page(err: HallError):
    return _page("assess/error.html", err.status if err.status >= 400 else 400, error=err)


@bp.get("/assess")
def figures_page():
    """The figures of a range by a slice, with the charts; the page reads /api/assess/figures."""
    user, refused = _gate()
    if refused:
        return refused
    return _page("assess/figures.html", presets=[(p, *PRESET_NAMES[p]) for p in PRESETS],
                 slices=[(s, *SLICE_NAMES[s]) for s in SLICES], echarts=vendor.installed(),
                 today=api.today().isoformat())


@bp.get("/assess/cases")
def cases_page():
    """The case list, overdue first; ?status= filters (open, overdue, appeal, or one status)."""
    user, refused = _gate(staff_too=True)
    if refused:
        return refused
    status = request.args.get("status") or "open"
    try:
        cases = api.with_reader(lambda r: api.casebook(r).list(user, status))
    except HallError as err:
        return _error_page(err)
    return _page("assess/cases.html", cases=cases, status=status, today=api.today())


@bp.get("/assess/cases/<int:case_id>")
def case_page(case_id):
    """One case: the rating, every step with who and when, and the next steps' buttons."""
    user, refused = _gate(staff_too=True)
    if refused:
        return refused
    try:
        detail = api.with_reader(lambda r: api.casebook(r).detail(case_id, user))
    except HallError as err:
        return _error_page(err)
    hall = current_app.extensions["hallq"]
    return _page("assess/case.html", detail=detail, case=detail["case"], rating=detail["rating"],
                 deadline_days=hall.config.ratings.case_deadline_days)


@bp.get("/assess/stars")
def stars_page():
    """The year's star rating and the form for a month's inputs."""
    user, refused = _gate()
    if refused:
        return refused
    from assess.starbook import year_json
    hall = current_app.extensions["hallq"]
    day = api.today()
    try:
        year = api._year(request.args.get("year"))
        view = api.with_reader(lambda r: year_json(r, year, day, hall.workdays))
    except HallError as err:
        return _error_page(err)
    return _page("assess/stars.html", view=view, this_month=f"{day.year:04d}-{day.month:02d}")


@bp.get("/assess/report")
def report_page():
    """The month's report on A4, in zh-CN: figures by window and staff, ratings, cases, the star rating."""
    user, refused = _gate()
    if refused:
        return refused
    from assess import offline as O
    hall = current_app.extensions["hallq"]
    day = api.today()
    last_month = (day.replace(day=1).toordinal() - 1)
    month = request.args.get("month") or date.fromordinal(last_month).strftime("%Y-%m")
    try:
        start, end = month_range(month)
        end = max(start, min(end, day))      # this month: up to today
        report = api.offline(O.month_report, start, end, month, hall.engine.tz)
    except HallError as err:
        return _error_page(err)
    return _page("assess/report.html", report=report, month=month)
