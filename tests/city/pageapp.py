"""The city's pages on a Flask app of their own, for the tests of the pages (and their browser tests).

`python -m tests.city.pageapp --dsn DSN --port N` serves them on 127.0.0.1 until killed.
"""
from __future__ import annotations

import argparse
import secrets

from flask import Flask

from city import pages


def make_app(dsn: str) -> Flask:
    app = Flask("hallq_city_pages")
    app.config.update(SECRET_KEY=secrets.token_bytes(32), HALLQ_CITY_DSN=dsn, SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax")
    pages.init_app(app)
    app.add_url_rule("/healthz", "healthz", lambda: "ok")
    return app


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--port", type=int, required=True)
    args = ap.parse_args()
    make_app(args.dsn).run("127.0.0.1", args.port, threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
