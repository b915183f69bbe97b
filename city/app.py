"""The city centre's service (`hallq city serve`): one Flask app over the city's PostgreSQL.

`create_app(dsn)` builds it: the halls' ingest endpoint (city/ingest.py) and the city's
pages (city/pages.py). The DSN comes from the caller (configuration or HALLQ_CITY_DSN)
and is kept in the app's config only: it is never logged or shown.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Optional

import psycopg
from flask import Flask

SCHEMA = Path(__file__).with_name("schema.sql")


def create_app(dsn: Optional[str] = None, test_config: Optional[dict] = None) -> Flask:
    """The city's app on the database `dsn` (default: the environment's HALLQ_CITY_DSN)."""
    dsn = dsn or os.environ.get("HALLQ_CITY_DSN")
    if not dsn:
        raise RuntimeError("市中心服务需要数据库连接：请设置 HALLQ_CITY_DSN 或 --dsn。"
                           " (The city service needs its database: set HALLQ_CITY_DSN or give --dsn.)")
    app = Flask("hallq_city")
    app.config.update(SECRET_KEY=secrets.token_bytes(32), HALLQ_CITY_DSN=dsn, SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax")
    app.config.update(test_config or {})

    from city import ingest
    ingest.init_app(app)
    # The city's pages (14B's city/pages.py) register here, on the same app and database.
    from city import pages
    pages.init_app(app)
    app.add_url_rule("/healthz", "healthz", lambda: "ok")
    return app


def ensure_schema(dsn: str) -> None:
    """Load city/schema.sql (idempotent: loading it twice changes nothing)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(SCHEMA.read_text(encoding="utf-8"))


def add_hall(dsn: str, code: str, name: str, tier: str, parent: Optional[str], key: str, name_en: str = "") -> None:
    """Register a hall (or give a registered one its new name, tier, parent and key)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("INSERT INTO halls (code, name, name_en, tier, parent, key) VALUES (%s, %s, %s, %s, %s, %s)"
                     " ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, name_en = EXCLUDED.name_en,"
                     " tier = EXCLUDED.tier, parent = EXCLUDED.parent, key = EXCLUDED.key",
                     (code, name, name_en or name, tier, parent, key))


def serve(dsn: str, host: str, port: int) -> None:
    """Serve the city's app until stopped: a thread per request (psycopg blocks; a hall's batch is one request)."""
    import logging
    from werkzeug.serving import make_server
    logging.getLogger("werkzeug").setLevel(logging.WARNING)     # not a line per hall's batch
    ensure_schema(dsn)
    server = make_server(host, port, create_app(dsn), threaded=True)
    print(f"HallQ 市中心服务 / city centre: http://{host}:{port}/city/", flush=True)
    server.serve_forever()
