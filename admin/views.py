"""The administration pages: /admin/accounts, /admin/audit, /account/password.

Server-rendered; their buttons and forms call admin/api.py through HallQ.api
(hall/static/live.js, which sends the session's CSRF token). Without a session a
page is its sign-in form; an account without the role a page needs gets a 403
page that says whose account to use.
"""
from __future__ import annotations

from flask import current_app, render_template

from admin import api
from hall import auth
from hall.errors import HallError
from hall.screens import screen_blueprint

bp = screen_blueprint("admin", __name__, "/admin")

ROLE_NAMES = {"staff": ("工作人员", "Staff"), "manager": ("管理人员", "Manager"), "admin": ("系统管理员", "Admin"),
              "assessor": ("考评员", "Assessor")}
# The audit log's actions as the page names them; an action not listed (another page's) shows its code.
ACTION_NAMES = {
    "account_added": ("添加账号", "Account added"),
    "account_updated": ("更新账号", "Account updated"),
    "account_disabled": ("停用账号", "Account disabled"),
    "account_enabled": ("启用账号", "Account enabled"),
    "account_removed": ("删除账号", "Account removed"),
    "role_changed": ("更改角色", "Role changed"),
    "password_reset": ("重置密码", "Password reset"),
    "password_changed": ("修改本人密码", "Own password changed"),
    "config_changed": ("修改大厅配置", "Configuration changed"),
    "personal_data_purged": ("清除过期个人信息", "Old personal data cleared"),
}


def _page(template: str, http_status: int = 200, **context):
    hall = current_app.extensions["hallq"]
    return render_template(template, hall_name=hall.config.name, user=auth.current_user(), role_names=ROLE_NAMES,
                           action_names=ACTION_NAMES, **context), http_status


ACCOUNTS_WORK = ("管理账号或查看审计日志", "manage accounts or read the audit log")


def _gate(role: str | None, work: tuple[str, str] = ACCOUNTS_WORK):
    """(user, None) when this account may open the page (`role` None: any account); else (None, the
    sign-in form or the 403 page saying which `work` (zh, en) the page is for)."""
    user = auth.current_user()
    if user is None:
        return None, _page("admin/signin.html")
    if role is not None and user["role"] != role:
        return None, _page("admin/forbidden.html", 403, work=work)
    return user, None


@bp.get("/admin/accounts")
def accounts_page():
    """Every account, who is signed in now; add one, change its role, reset its password, disable,
    enable or remove it."""
    user, refused = _gate("admin")
    if refused:
        return refused
    return _page("admin/accounts.html", accounts=api.account_rows(), roles=auth.ROLES)


@bp.get("/admin/audit")
def audit_page():
    """The audit log, newest first, filtered by who, action and a range of days."""
    user, refused = _gate("admin")
    if refused:
        return refused
    who, actions = current_app.extensions["hallq"].store.audit_choices()
    try:
        found, error = api.audit_query(), None
    except HallError as err:
        found, error = {"entries": [], "filters": {}, "older": None}, err
    older_args = {k: v for k, v in found["filters"].items() if v}
    older_args["before"] = found["older"]
    return _page("admin/audit.html", who=who, actions=actions, error=error, changes=changes, older_args=older_args,
                 **found)


@bp.get("/account/password")
def password_page():
    """The signed-in account's own password: the current one, then the new one twice."""
    user, refused = _gate(None)
    if refused:
        return refused
    return _page("admin/password.html")


def changes(before, after) -> list[tuple[str, str, str]]:
    """(key, before, after) of each value an audit entry changed, for the page (the API has it whole)."""
    if not isinstance(before, dict) or not isinstance(after, dict):
        before = before if isinstance(before, dict) else {}
        after = after if isinstance(after, dict) else {}
    keys = list(dict.fromkeys([*before, *after]))
    return [(k, _short(before.get(k)), _short(after.get(k))) for k in keys if before.get(k) != after.get(k)]


def _short(value, most: int = 120) -> str:
    if value is None:
        text = "—"
    elif isinstance(value, bool):
        text = "是 yes" if value else "否 no"
    else:
        text = str(value)
    return text if len(text) <= most else text[:most - 1] + "…"
