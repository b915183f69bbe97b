"""The kiosk: the touch screen where a citizen takes a number.

One page, /kiosk. The service buttons and their waiting counts come live from
the hall's Socket.IO snapshot; a tap issues a ticket through POST /api/tickets
and shows it full screen until the kiosk returns home by itself.
"""
from flask import Blueprint, current_app, render_template, request

bp = Blueprint("kiosk", __name__, template_folder="templates",
               static_folder="static", static_url_path="/kiosk/static")

DEFAULT_IDLE_SECONDS = 20
MAX_IDLE_SECONDS = 600


def idle_seconds(raw) -> int:
    """Seconds the ticket screen stays before going home: ?idle=N, else the app's
    KIOSK_IDLE_SECONDS, else 20; anything unusable falls back to the default."""
    default = current_app.config.get("KIOSK_IDLE_SECONDS", DEFAULT_IDLE_SECONDS)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return default
    return value if 1 <= value <= MAX_IDLE_SECONDS else default


@bp.get("/kiosk")
def kiosk():
    """The kiosk page."""
    return render_template("kiosk/kiosk.html", idle=idle_seconds(request.args.get("idle")))
