"""The hall's screens: /display, the hall board for a TV, and /board, the
manager's live board of every window and service.

Both are thin pages fed by the hall's Socket.IO snapshot and events through
the live link every page shares (hall/static/live.js).
"""
from flask import Blueprint, render_template, request

bp = Blueprint("display", __name__, template_folder="templates",
               static_folder="static", static_url_path="/display/static")


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


@bp.get("/board")
def board():
    """The manager's live board; the page itself asks for a manager login."""
    return render_template("display/board.html")
