"""The kiosk: the touch screen where a citizen takes a number.

One page, /kiosk. The service buttons, their waiting counts and estimated
waits come live from the hall's Socket.IO snapshot and GET /api/services
(open or why not, matters, real-name). A tap goes through as few screens as
the service needs -- its matters and their one-time notice (一次性告知), the
ID number on an on-screen keypad for a real-name service -- then issues the
ticket (POST /api/tickets) and shows it full screen with the phone page's QR
code until the kiosk returns home by itself. The green channel and appointment
check-in (POST /api/appointments/check-in) have their own big buttons.
"""
from flask import current_app, render_template, request

from hall.screens import screen_blueprint

bp = screen_blueprint("kiosk", __name__, "/kiosk")

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
