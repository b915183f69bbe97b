"""Every route of the app's URL map × every kind of caller, against a declared table of who may call it.

A route missing from REQUIRED (or an entry naming no route) fails the first test, so a new
endpoint cannot ship without saying who may use it.
"""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, login

PUBLIC, STAFF, WINDOW, MANAGER = "public", "staff", "window", "manager"
# The assessments: READER (assessor, manager, admin), SIGNED_IN (any account: staff see their own cases);
# their pages answer a sign-in form without a session and, READER_PAGE, a 403 page to staff.
READER, SIGNED_IN, READER_PAGE, SIGNED_IN_PAGE = "reader", "signed_in", "reader_page", "signed_in_page"
# Administration (admin/): the admin alone; its pages answer a sign-in form without a session, a 403 page to others.
ADMIN, ADMIN_PAGE = "admin", "admin_page"

REQUIRED = {
    # pages and files: anyone; their scripts sign in through the API
    "index": PUBLIC, "healthz": PUBLIC, "favicon": PUBLIC, "call_audio": PUBLIC, "static": PUBLIC,
    "kiosk.kiosk": PUBLIC, "kiosk.static": PUBLIC,
    "counter_terminal.counter": PUBLIC, "counter_terminal.static": PUBLIC,
    "display.display": PUBLIC, "display.rater": PUBLIC, "display.static": PUBLIC,
    "board.board": PUBLIC, "board.alarms": PUBLIC, "board.static": PUBLIC,
    "progress.progress_page": PUBLIC, "progress.progress_qr": PUBLIC,
    # the public API: the kiosk, the hall's screens, the phone page, signing in and out
    "api.services": PUBLIC, "api.state": PUBLIC, "api.issue_ticket": PUBLIC, "api.check_in": PUBLIC,
    "api.progress": PUBLIC, "api.progress_rejoin": PUBLIC, "api.login": PUBLIC, "api.logout": PUBLIC,
    "api.window_queue": PUBLIC,
    # the citizen's rating screens: the window's tablet rates only what waits at it, the phone its own ticket
    "api.progress_rating": PUBLIC, "api.rater_state": PUBLIC, "api.rater_rating": PUBLIC,
    # any signed-in staff member
    "api.me": STAFF, "api.reprint": STAFF, "api.reprints": STAFF, "api.mark_priority": STAFF,
    "api.rejoin": STAFF, "api.cancel_ticket": STAFF,
    # the clerk holding the window now (or a manager)
    "api.call": WINDOW, "api.call_next": WINDOW, "api.recall": WINDOW, "api.no_show": WINDOW,
    "api.start": WINDOW, "api.finish": WINDOW, "api.transfer": WINDOW, "api.pause": WINDOW,
    "api.resume": WINDOW,
    # managers
    "api.add_appointments": MANAGER, "api.list_appointments": MANAGER, "api.events": MANAGER,
    # electronic supervision (电子监察): the alarms and their acknowledgement
    "api.list_alarms": MANAGER, "api.acknowledge_alarm": MANAGER,
    # the link to the city centre (三级联动)
    "api.city_link": MANAGER,
    # the assessment pages (assess/views.py) and their API (assess/api.py)
    "assess.static": PUBLIC, "assess.figures_page": READER_PAGE, "assess.stars_page": READER_PAGE,
    "assess.report_page": READER_PAGE, "assess.cases_page": SIGNED_IN_PAGE, "assess.case_page": SIGNED_IN_PAGE,
    "assess_api.figures": READER, "assess_api.drill": READER, "assess_api.export": READER,
    "assess_api.start_export": READER, "assess_api.export_progress": READER, "assess_api.export_file": READER,
    "assess_api.stars": READER, "assess_api.enter_stars": READER,
    "assess_api.list_cases": SIGNED_IN, "assess_api.get_case": SIGNED_IN,
    # a case's steps: the hall checks each step's role (hall/cases.py); an assessor takes none
    "assess_api.case_action": STAFF,
    # administration (admin/): accounts and roles and the audit log; every account's own password
    "admin.static": PUBLIC, "admin.accounts_page": ADMIN_PAGE, "admin.audit_page": ADMIN_PAGE,
    "admin.password_page": SIGNED_IN_PAGE,
    "admin_api.list_accounts": ADMIN, "admin_api.add_account": ADMIN, "admin_api.set_role": ADMIN,
    "admin_api.reset_password": ADMIN, "admin_api.disable": ADMIN, "admin_api.enable": ADMIN,
    "admin_api.remove": ADMIN, "admin_api.audit": ADMIN,
    "admin_api.change_own_password": SIGNED_IN,
    # the hall's configuration (admin/config_views.py, admin/config_api.py): the admin alone
    **{f"admin_config.{page}": ADMIN_PAGE for page in ("overview", "services", "windows", "hours", "thresholds",
                                                        "ratings", "devices", "hall")},
    "admin_config_api.get_config": ADMIN, "admin_config_api.put_config": ADMIN, "admin_config_api.import_config": ADMIN,
    "admin_config_api.versions": ADMIN, "admin_config_api.export": ADMIN,
}

CALLERS = ("anonymous", "staff_of_this_window", "staff_of_another_window", "manager", "admin", "assessor")
STAFF_CALLERS = ("staff_of_this_window", "staff_of_another_window")
REFUSED = {  # (requirement, caller) -> the exact refusal; any other pair must not be refused
    **{(need, "anonymous"): (401, "not_signed_in") for need in (STAFF, WINDOW, MANAGER, READER, SIGNED_IN)},
    # the read-only assessor reads the assessments and can do nothing at a window or as a manager
    **{(need, "assessor"): (403, "forbidden") for need in (STAFF, WINDOW, MANAGER)},
    **{(READER, who): (403, "forbidden") for who in STAFF_CALLERS},
    **{(READER_PAGE, who): (403, None) for who in STAFF_CALLERS},     # a page: the 403 sentence is HTML
    (WINDOW, "staff_of_another_window"): (403, "forbidden"),
    (ADMIN, "anonymous"): (401, "not_signed_in"),
    **{(ADMIN, who): (403, "forbidden") for who in STAFF_CALLERS + ("manager", "assessor")},
    **{(ADMIN_PAGE, who): (403, None) for who in STAFF_CALLERS + ("manager", "assessor")},
    (MANAGER, "staff_of_this_window"): (403, "forbidden"),
    (MANAGER, "staff_of_another_window"): (403, "forbidden"),
}


def _rules(app):
    return [r for r in app.url_map.iter_rules()]


def test_every_route_says_who_may_call_it(app):
    endpoints = {r.endpoint for r in _rules(app)}
    assert sorted(endpoints - set(REQUIRED)) == [], "add these routes to REQUIRED"
    assert sorted(set(REQUIRED) - endpoints) == [], "these REQUIRED entries name no route"


def _url(rule, token):
    """The rule's path for window 1, ticket A001 (its token), account "nobody", and a file that is not there."""
    return rule.rule.replace("<username>", "nobody").replace("<int:window_id>", "1").replace("<int:window>", "1").replace(
        "<number>", "A001").replace("<token>", token).replace("<path:filename>", "none.js").replace(
        "<int:case_id>", "1").replace("<int:alarm_id>", "1").replace("<action>", "appeal").replace("<job_id>", "none")


def _caller(app, who):
    c = app.test_client()
    if who == "staff_of_this_window":
        login(c, "zhang", window=1)
    elif who == "staff_of_another_window":
        login(c, "li", window=2)
    elif who in ("manager", "admin", "assessor"):
        login(c, who, window=None)
    return c


@pytest.mark.parametrize("who", CALLERS)
def test_each_route_answers_each_caller_as_the_table_says(app, clock, who):
    from hall import auth
    app.extensions["hallq"].store.put_user("admin", "管理员", "admin", auth.hash_password(PASSWORD), clock())
    app.extensions["hallq"].store.put_user("assessor", "刘考评", "assessor", auth.hash_password(PASSWORD), clock())
    token = app.test_client().post("/api/tickets", json={"service": "A"}).get_json()["token"]
    wrong = []
    for rule in sorted(_rules(app), key=lambda r: r.rule):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            client = _caller(app, who)
            kwargs = {"json": {}} if method != "GET" else {}
            r = client.open(_url(rule, token), method=method, **kwargs)
            body = r.get_json(silent=True) or {}
            got = (r.status_code, body.get("error", {}).get("code"))
            expected = REFUSED.get((REQUIRED[rule.endpoint], who))
            if expected is not None:
                ok = got == expected
            else:
                ok = r.status_code not in (401, 403) and r.status_code < 500
            if not ok:
                wrong.append(f"{method} {rule.rule} as {who}: {got}, expected {expected or 'not refused'}")
    assert wrong == []
