"""The window clerk's page, /counter: sign in at a window, then call, recall,
mark no-show, start, finish, pause and resume from buttons or the keyboard,
with the current ticket's time and the window's waiting list kept live.

The key bindings live in static/counter.js (KEYS) and are drawn on the buttons.
"""
from flask import render_template

from hall.screens import screen_blueprint

bp = screen_blueprint("counter_terminal", __name__, "/counter")


@bp.get("/counter")
def counter():
    """The counter page; signing in happens on the page through /api/login."""
    return render_template("counter_terminal/counter.html")
