"""The configuration's pages (admin role) at /admin/config: one page per part of the hall.

Each page is a form over the configuration in force (the data of the hall
file, config/writer.py); admin/static/config.js builds the whole new
configuration from it and sends it to `PUT /api/admin/config`
(admin/config_api.py), which puts it in effect at once through
Hall.apply_config. A refusal comes back as its sentence and the field it is
about, and is shown next to that field. Every page extends the accounts'
admin/base.html, so they share its sign-in, 403 page and navigation.
"""
from __future__ import annotations

import json

from flask import Blueprint, current_app

from admin import config_api
from admin.views import _gate, _page

bp = Blueprint("admin_config", __name__)

# The pages, in the order of their tabs: (endpoint, path, Chinese, English).
PAGES = (
    ("overview", "", "版本与导入导出", "Versions, import, export"),
    ("services", "/services", "业务与材料", "Services and materials"),
    ("windows", "/windows", "窗口与工作配置", "Windows and work profiles"),
    ("hours", "/hours", "时间、休息与节假日", "Hours, breaks, holidays"),
    ("thresholds", "/thresholds", "告警阈值", "Alarm thresholds"),
    ("ratings", "/ratings", "评价", "Ratings"),
    ("devices", "/devices", "设备", "Devices"),
    ("hall", "/hall", "大厅与排队规则", "Hall and queue rules"),
)
KIND_NAMES = {"printer": ("取号打印机", "Ticket printer"), "voice": ("语音播报", "Voice"),
              "led": ("LED 屏", "LED display"), "keypad": ("呼叫器", "Keypad"), "rater": ("评价器", "Rater"),
              "wireless": ("无线呼叫器接收器", "Wireless receiver")}
SOURCE_NAMES = {"seed": ("首次启动", "first start"), "browser": ("浏览器", "browser"), "import": ("导入文件", "import")}


def _config_page(name: str, **context):
    user, refused = _gate("admin", ("查看或修改大厅配置", "read or change the hall's configuration"))
    if refused:
        return refused
    hall = current_app.extensions["hallq"]
    now = config_api.current()
    return _page(f"admin/config_{name}.html", pages=PAGES, page=name, current=now, config=now["config"],
                 config_json=json.dumps({"version": now["version"], "config": now["config"]}, ensure_ascii=False),
                 kind_names=KIND_NAMES, source_names=SOURCE_NAMES, hall_obj=hall, **context)


@bp.get("/admin/config")
def overview():
    """The version in force, every earlier one, export and import."""
    versions = [config_api.version_json(r) for r in current_app.extensions["hallq"].store.config_versions()]
    return _config_page("overview", versions=versions)


@bp.get("/admin/config/services")
def services():
    """Services, their matters and the materials of each (zh and en)."""
    return _config_page("services")


@bp.get("/admin/config/windows")
def windows():
    """Windows and their work profiles: the services each calls as its own, those it helps, its A and B holders."""
    return _config_page("windows")


@bp.get("/admin/config/hours")
def hours():
    """Issuing hours of each service, the day's end, windows' breaks, the hall's opening hours, holidays."""
    return _config_page("hours")


@bp.get("/admin/config/thresholds")
def thresholds():
    """The alarm thresholds of the hall, of each service and of each window."""
    return _config_page("thresholds")


@bp.get("/admin/config/ratings")
def ratings():
    """The bad-rating reasons and the rating rules."""
    return _config_page("ratings")


@bp.get("/admin/config/devices")
def devices():
    """Each device's settings and its state now."""
    manager = current_app.extensions["hallq"].devices
    states = {d["device"]: d for d in manager.snapshot()} if manager else {}
    return _config_page("devices", states=states, simulated=bool(manager and manager.override is not None),
                        values=_setting_text)


@bp.get("/admin/config/hall")
def hall():
    """The hall's names and addresses, the queue rules, appointments and the SMS gateway."""
    return _config_page("hall")


def _setting_text(value) -> str:
    """A device setting as its field shows it: a text as it is, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def init_app(app) -> None:
    """Register the configuration's pages and API."""
    app.register_blueprint(bp)
    app.register_blueprint(config_api.bp)
