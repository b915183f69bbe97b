"""The hall's public screens: /display, the hall board for a TV, and /rater/<window>, the
citizen's rating tablet at one window. (The manager's board is its own package, board/.)

Both are thin pages fed by the hall's Socket.IO snapshot and events through
the shared page pieces (hall/screens.py).
"""
from flask import current_app, render_template, request

from hall.screens import screen_blueprint

bp = screen_blueprint("display", __name__, "/display")


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    """A small integer from the query string, or the default when absent or out of range."""
    try:
        value = int(request.args.get(name, ""))
    except ValueError:
        return default
    return value if low <= value <= high else default


@bp.get("/display")
def display():
    """The hall board: ?flash=seconds the latest call flashes (6), ?calls=N earlier calls listed (8)."""
    return render_template("display/display.html",
                           flash=_int_arg("flash", 6, 0, 60),
                           calls=_int_arg("calls", 8, 1, 20))


@bp.get("/rater/<int:window>")
def rater(window):
    """The citizen-facing rating tablet of one window (public: it rates only what waits there)."""
    hall = current_app.extensions["hallq"]
    cfg = hall.config.window(window)
    if cfg is None:
        return render_template("display/rater_missing.html", hall_name=hall.config.name, window=window), 404
    return render_template("display/rater.html", window=cfg, hall_name=hall.config.name,
                           hall_name_en=hall.config.name_en)
