"""Administration in the browser (admin role): accounts and roles at /admin/accounts, the audit
log at /admin/audit, the hall's configuration at /admin/config (admin/config_views.py); and every
account's own password at /account/password.

`init_app(app)` registers the pages (admin/views.py) and their JSON API (admin/api.py).
"""
from __future__ import annotations


def init_app(app) -> None:
    """Register the administration pages and API on the hall's app."""
    from admin import api, views
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    from admin import config_views
    config_views.init_app(app)   # the hall's configuration: /admin/config and /api/admin/config
