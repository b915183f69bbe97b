"""What every screen package shares, and the one way a screen package is made.

A screen family is its own package beside hall/ (kiosk/, counter_terminal/,
display/, board/, assess/, admin/): a blueprint with its own `templates/<name>/`
and `static/`, served at `/<prefix>/static/`. What they all use lives in one
place, hall/, and is served by the app itself:

- hall/static/ at `/static/` (endpoint `static`):
  `hallq.css` (fonts, colours, the language switch, the live status dot),
  `i18n.js` (`HallQ.i18n`: zh/en texts; `HallQ.clock`: the hall's time),
  `live.js` (`HallQ.live`: the Socket.IO link, snapshot then events;
  `HallQ.api`: JSON calls with the session's CSRF token),
  `signin.js` (the sign-in form and sign-out button of the signed-in pages),
  `vendor/socket.io.min.js` (the pinned client; halls often have no internet).
- hall/templates/_macros.html: `lang_toggle()`, and `live_scripts()`, which
  loads the three scripts above in their order with the CSRF token.

A screen package makes its blueprint with `screen_blueprint`, so that the
dependency is said in its first lines and every screen is laid out alike;
tests/test_screens.py checks that each template names only shared files that
exist. A script two screen packages need moves to hall/static, never into
one package for the other to borrow.
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint

SHARED_STATIC = Path(__file__).resolve().parent / "static"
SHARED_TEMPLATES = Path(__file__).resolve().parent / "templates"
SHARED_SCRIPTS = ("vendor/socket.io.min.js", "i18n.js", "live.js")   # live_scripts() loads them in this order


def screen_blueprint(name: str, import_name: str, url_prefix: str) -> Blueprint:
    """The blueprint of one screen package: its templates/ (pages under templates/<name>/) and its
    static/ at `<url_prefix>/static/`, beside the shared pieces above, which its pages use as they are."""
    return Blueprint(name, import_name, template_folder="templates", static_folder="static",
                     static_url_path=f"{url_prefix.rstrip('/')}/static")
