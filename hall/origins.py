"""Which origins may open the hall's sockets and make its changes: its own, and its configured addresses.

A page on the hall's LAN at another host or port (a citizen's laptop, a printer's web
page) must not drive the hall with a clerk's cookie or open its sockets.
"""
from __future__ import annotations


def own_origin(environ: dict) -> str:
    """The origin this request was addressed to: scheme://host[:port], as the browser names it."""
    return f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}".lower()


def allowed(origin: str | None, environ: dict, addresses: tuple[str, ...] = ()) -> bool:
    """True for no Origin header (not a browser's cross-site request), the request's own origin,
    or one of the hall's configured `[hall] addresses`."""
    if not origin:
        return True
    origin = origin.lower()
    return origin == own_origin(environ) or origin in addresses
