"""The city's pages (三级联动): every hall on one overview, a hall's windows and staff, rankings of
windows and staff across halls, bad-rating cases across halls overdue first, and the monthly star
rating of every township centre with the year's reward or warning.

Server-rendered, zh-CN first with English beside it (as the hall's assessment
pages write it), large type for a supervision room's screen, charts drawn by
the locally served Apache ECharts (assess/vendor.py). Every page needs a city
account (city/accounts.py); without one it is the sign-in form. What is shown
is city/book.py's, which is assess/'s code over the city's records, worked out
in a helper process under gevent (city/offline.py) so the halls' ingest never waits behind a page.
`init_app(app)` registers the blueprint; the app names its database in
`app.config["HALLQ_CITY_DSN"]` (else the environment's HALLQ_CITY_DSN).
"""
from __future__ import annotations

import json
import os
import secrets
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import (Blueprint, abort, current_app, g, redirect, render_template, request, send_from_directory,
                   session, url_for)

from assess import vendor
from assess.period import LEVEL_NAMES, month_range
from assess.views import rate_text, time_text
from city import accounts, book, offline
from city.reader import connect
from hall.offloop import run_off_loop
from hall.screens import SHARED_STATIC
from hall.errors import HallError

bp = Blueprint("city", __name__, url_prefix="/city", template_folder="templates", static_folder="static",
               static_url_path="/static")
CHINA = ZoneInfo("Asia/Shanghai")
RANK_NAMES = {"satisfaction": ("满意率", "Satisfaction"), "avg_wait": ("平均等候", "Average wait"),
              "served": ("办结量", "Served"), "bad": ("差评数", "Bad ratings"),
              "service_level": ("及时叫号率", "Service level"), "avg_service": ("平均办理时长", "Average service")}
CASE_FILTERS = (("open", "未办结", "Open"), ("overdue", "逾期", "Overdue"), ("all", "全部", "All"))


def init_app(app) -> None:
    """Register the city's pages on the city's app; the account tables are made if missing."""
    app.register_blueprint(bp)
    app.teardown_appcontext(_close_db)


def _dsn() -> str:
    dsn = current_app.config.get("HALLQ_CITY_DSN") or os.environ.get("HALLQ_CITY_DSN")
    if not dsn:
        raise RuntimeError("the city's pages need HALLQ_CITY_DSN (the city's PostgreSQL)")
    return dsn


def db():
    """This request's connection to the city's database."""
    if "city_db" not in g:
        g.city_db = connect(_dsn())
        if not current_app.extensions.get("city_accounts_ready"):
            accounts.ensure_tables(g.city_db)
            current_app.extensions["city_accounts_ready"] = True
    return g.city_db


def _close_db(_exc=None) -> None:
    conn = g.pop("city_db", None)
    if conn is not None:
        conn.close()


def _now() -> datetime:
    return datetime.now(CHINA)


def _off(fn, *args):
    """A page's figures from city/offline.py, in the "city" helper process under gevent."""
    return run_off_loop(fn, _dsn(), *args, helper="city")


# Rates and times written as the hall's assessment pages write them.
bp.add_app_template_filter(rate_text, "city_rate")
bp.add_app_template_filter(time_text, "city_time")


@bp.app_template_filter("city_lag")
def _lag(seconds) -> str:
    if seconds is None:
        return "—"
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} 秒"
    if s < 3600:
        return f"{s // 60} 分钟"
    if s < 86400:
        return f"{s // 3600} 小时 {s % 3600 // 60} 分"
    return f"{s // 86400} 天 {s % 86400 // 3600} 小时"


def _user():
    if "city_user" not in g:
        g.city_user = accounts.account_of(db(), session.get("city_session"))
    return g.city_user


def _page(template: str, http_status: int = 200, **context):
    return render_template(template, user=_user(), echarts=vendor.installed(), **context), http_status


def _signed_in(view):
    """The page for a signed-in city account; the sign-in form otherwise (no figures without an account)."""
    from functools import wraps

    @wraps(view)
    def wrapper(*args, **kwargs):
        if _user() is None:
            session.setdefault("city_csrf", secrets.token_urlsafe(16))
            return _page("city/signin.html", 401, next=request.full_path.rstrip("?"), error=None)
        return view(*args, **kwargs)
    return wrapper


def _chart(data) -> str:
    return json.dumps(data, ensure_ascii=False)


# -- signing in and out ---------------------------------------------------------------

@bp.post("/signin")
def signin():
    expected = session.get("city_csrf")
    if not expected or request.form.get("csrf") != expected:
        session["city_csrf"] = secrets.token_urlsafe(16)
        return _page("city/signin.html", 400, next=url_for("city.overview_page"),
                     error=("页面已过期，请重新登录。", "The page had expired; please sign in again."))
    token, why = accounts.sign_in(db(), request.form.get("username", "").strip()[:64],
                                  request.form.get("password", "")[:256], request.remote_addr or "")
    nxt = request.form.get("next") or url_for("city.overview_page")
    if not nxt.startswith("/city"):
        nxt = url_for("city.overview_page")
    if token is None:
        return _page("city/signin.html", 401, next=nxt, error=why)
    session.clear()
    session["city_session"] = token
    session["city_csrf"] = secrets.token_urlsafe(16)
    return redirect(nxt)


@bp.post("/signout")
def signout():
    if request.form.get("csrf") == session.get("city_csrf"):
        accounts.sign_out(db(), session.get("city_session"))
        session.clear()
    return redirect(url_for("city.overview_page"))


# -- assets served by the city itself ------------------------------------------------

@bp.get("/shared/<name>")
def shared(name):
    """The hall's shared page files the city's pages use (the hall's fonts and colours)."""
    if name not in ("hallq.css",):
        abort(404)
    return send_from_directory(SHARED_STATIC, name)


@bp.get("/vendor/echarts.min.js")
def echarts():
    if not vendor.installed():
        abort(404)
    return send_from_directory(vendor.VENDOR, "echarts.min.js", mimetype="text/javascript")


# -- the pages -----------------------------------------------------------------------

@bp.get("/")
@_signed_in
def overview_page():
    """Every hall: tier, link state, how far behind its records are, and today's figures."""
    now = _now()
    view = _off(offline.overview, now)
    halls, rows = view["halls"], view["rows"]
    chart = {"labels": [r["hall"].name for r in rows], "tickets": [r["row"].tickets for r in rows],
             "served": [r["row"].served for r in rows]}
    totals = {k: sum(getattr(r["row"], k) for r in rows) for k in ("tickets", "served", "bad", "cases_overdue")}
    return _page("city/overview.html", rows=rows, today=now.date(), chart=_chart(chart), totals=totals,
                 online=sum(1 for h in halls if h.link == "online"), count=len(halls))


def _month_arg(today: date) -> tuple[str, date, date]:
    month = request.args.get("month") or f"{today.year:04d}-{today.month:02d}"
    try:
        start, end = month_range(month)
    except HallError as err:
        abort(400, err.message)
    return month, start, end


@bp.get("/halls/<code>")
@_signed_in
def hall_page(code):
    """One hall's month by window and by staff, with its daily trend."""
    now = _now()
    month, start, end = _month_arg(now.date())
    view = _off(offline.hall, code[:40], start, end, now)
    if view is None:
        return _page("city/missing.html", 404, code=code[:40])
    hall, data = view["hall"], view["data"]
    chart = {"labels": [label[0] for label, _ in data["window"]],
             "served": [r.served for _, r in data["window"]],
             "satisfaction": [None if r.satisfaction is None else round(100 * r.satisfaction, 1)
                              for _, r in data["window"]]}
    return _page("city/hall.html", hall=hall, month=month, data=data, chart=_chart(chart))


@bp.get("/rankings")
@_signed_in
def rankings_page():
    """Windows or staff of every hall ranked by a figure, over a month."""
    now = _now()
    month, start, end = _month_arg(now.date())
    by = request.args.get("by") or "window"
    figure = request.args.get("figure") or "satisfaction"
    if by not in ("window", "staff") or figure not in book.RANK_FIGURES:
        abort(400)
    rows = _off(offline.rankings, start, end, by, figure, now)
    return _page("city/rankings.html", rows=rows, by=by, figure=figure, month=month, rank_names=RANK_NAMES)


@bp.get("/cases")
@_signed_in
def cases_page():
    """Bad-rating cases of every hall, overdue first."""
    now = _now()
    status = request.args.get("status") or "open"
    if status not in {f for f, _, _ in CASE_FILTERS}:
        abort(400)
    rows = _off(offline.cases, status, now)
    return _page("city/cases.html", rows=rows, status=status, filters=CASE_FILTERS, level_names=LEVEL_NAMES,
                 status_names=_case_status_names())


def _case_status_names():
    from assess.casework import STATUS_NAMES
    return STATUS_NAMES


@bp.get("/stars")
@_signed_in
def stars_page():
    """Each township centre's star rating month by month, and the year's reward or warning."""
    now = _now()
    try:
        year = int(request.args.get("year") or now.year)
        if not 2000 <= year <= 2100:
            raise ValueError
    except ValueError:
        abort(400)
    rows = _off(offline.stars, year, now)
    months = [f"{year:04d}-{m:02d}" for m in range(1, 13)]
    chart = {"labels": [r["hall"].name for r in rows],
             "five_star": [r["year"]["verdict"]["five_star"] for r in rows],
             "below_five": [r["year"]["verdict"]["below_five"] for r in rows]}
    return _page("city/stars.html", rows=rows, year=year, months=months, chart=_chart(chart))
