"""The device lab: what the simulated devices show and print, and their buttons.

Halls use it to try wiring and configuration; it makes the demo complete.
Only mounted when the hall runs on simulators (`hallq demo`).
"""
from __future__ import annotations

import base64
import io
import ipaddress

from flask import Blueprint, current_app, jsonify, render_template

from hall.errors import HallError
from hall.jsonbody import json_object

bp = Blueprint("lab", __name__)

# The lab presses keypads and raters with no sign-in: a demo started with
# --host 0.0.0.0 must not let the whole LAN press them. `hallq demo
# --lab-from-anywhere` sets this to True.
FROM_ANYWHERE = "HALLQ_LAB_FROM_ANYWHERE"


def _is_loopback(addr) -> bool:
    try:
        ip = ipaddress.ip_address(str(addr or "").split("%")[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


@bp.before_request
def _loopback_only():
    from flask import request
    if current_app.config.get(FROM_ANYWHERE):
        return None
    if _is_loopback(request.remote_addr):
        return None
    raise HallError("lab_local_only",
                    "设备实验室只能在运行演示大厅的这台电脑上打开；要从其他电脑打开，请用 hallq demo --lab-from-anywhere 启动。",
                    "The device lab answers only on the PC that runs the demo; start it with "
                    "hallq demo --lab-from-anywhere to open it from other machines.", 403)


def _sims():
    return current_app.extensions["hallq_simulators"]


@bp.get("/devices")
def lab_page():
    hall = current_app.extensions["hallq"]
    return render_template("lab.html", hall_name=hall.config.name)


def _printed(t) -> dict:
    images = []
    for img in t.images:
        buf = io.BytesIO()
        img.save(buf, format="PNG")
        images.append("data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii"))
    items, n = [], 0
    for kind, value in t.items:
        if kind == "line":
            items.append({"kind": "line", "text": value.text, "size": list(value.size), "bold": value.bold,
                          "align": value.align})
        elif kind == "qr":
            items.append({"kind": "qr", "payload": value})
        elif kind == "image":
            items.append({"kind": "image", "src": images[n]})
            n += 1
    return {"lines": [{"text": line.text, "size": list(line.size), "bold": line.bold, "align": line.align}
                      for line in t.lines], "qr": t.qr, "images": images, "items": items, "complete": t.complete}


@bp.get("/api/lab")
def lab_state():
    sims = _sims()
    p = sims.printer
    body = {"printer": None, "serial": sims.serial.state() if sims.serial else None}
    if p is not None:
        body["printer"] = {"paper": p.paper, "cover_open": p.cover_open, "offline": p.offline, "silent": p.silent,
                           "tickets": [_printed(t) for t in p.tickets[-20:]][::-1], "count": len(p.tickets)}
    return jsonify(body)


@bp.post("/api/lab/printer")
def lab_printer():
    """Set the simulated printer's state: {"paper": "ok"|"near_end"|"out", "cover_open", "offline", "silent"}."""
    data = json_object()
    for name in ("cover_open", "offline", "silent"):
        # The printer keeps what it is given: a non-boolean would make every later status poll wrong.
        if data.get(name) is not None and not isinstance(data[name], bool):
            raise HallError("invalid_field", f"字段 {name!r} 必须是 true 或 false。", f"{name} must be true or false.", 400)
    p = _sims().printer
    try:
        p.set_state(paper=data.get("paper"), cover_open=data.get("cover_open"), offline=data.get("offline"),
                    silent=data.get("silent"))
    except ValueError as exc:
        raise HallError("invalid_field", f"打印机状态无效：{exc}", str(exc), 400) from None
    return lab_state()


@bp.post("/api/lab/<kind>/<device>/press")
def lab_press(kind, device):
    """Press a key on a simulated rater, keypad or wireless remote: {"key": ...}."""
    sims = _sims()
    if sims.serial is None:
        raise HallError("no_device", "没有模拟的串口设备。", "No simulated serial devices.", 404)
    data = json_object()   # a list, a string or deep nesting is a 400 sentence, not a 500
    try:
        sims.serial.press(kind, device, data.get("key"))
    except KeyError:
        raise HallError("no_device", f"没有设备 {kind}/{device}。", f"No device {kind}/{device}.", 404) from None
    except ValueError as exc:
        raise HallError("invalid_field", f"按键无效：{exc}", str(exc), 400) from None
    return lab_state()


# -- the demo's hand-moved clock (`hallq demo --fake-clock`), for browser tests ----------------
#
# The hall then runs on a FakeClock set to the time it started. Moving it forward and ticking
# the hall lets a test see what only time brings (a long wait's alarm, a rating timing out)
# without waiting for it. Like the lab, it answers the demo's own PC only.

clock_bp = Blueprint("lab_clock", __name__)
clock_bp.before_request(_loopback_only)


@clock_bp.post("/api/lab/clock")
def lab_clock():
    """Move the hall's clock forward by {"minutes": n} (0 to 1440, default 0), then tick the hall at once."""
    data = json_object()
    minutes = data.get("minutes", 0)
    if isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or not 0 <= minutes <= 24 * 60:
        raise HallError("invalid_field", "minutes 应为 0 到 1440 之间的分钟数。",
                        "minutes must be a number of minutes from 0 to 1440.", 400)
    clock = current_app.extensions["hallq_clock"]
    hall = current_app.extensions["hallq"]
    clock.advance(minutes=minutes)
    hall.tick()
    return jsonify({"now": clock().astimezone(hall.engine.tz).isoformat(timespec="seconds")})
