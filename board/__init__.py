"""The manager's board: /board, the hall's control room, and /board/alarms, the alarms' history.

/board shows every window (clerk and post, state, current ticket, serving
time against its limit), every service, every device, today's figures and
the open alarms, live from the board audience's Socket.IO snapshot and
events (hall/push.py); `?tv=1` lays it out for a wall TV at 1920×1080.
/board/alarms lists the alarms (GET /api/alarms) by kind, dates and open or
all. Both pages ask for a manager's sign-in themselves (POST /api/login) and
build on the shared page pieces of hall/screens.py.
"""
from flask import current_app, render_template, request

from hall.screens import screen_blueprint

bp = screen_blueprint("board", __name__, "/board")


@bp.get("/board")
def board():
    """The manager's live board; ?tv=1 the wall TV's layout, ?tv=0 the desk's (the default)."""
    return render_template("board/board.html", tv=request.args.get("tv") == "1")


@bp.get("/board/alarms")
def alarms():
    """The alarms' history: filters by kind, dates and open or all over GET /api/alarms; asks for a manager."""
    from hall.alarms import KINDS
    hall = current_app.extensions["hallq"]
    return render_template("board/alarms.html", today=hall.state.business_day.isoformat(), kinds=KINDS)
