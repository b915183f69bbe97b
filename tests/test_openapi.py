"""docs/openapi.yaml describes every HTTP route of the app, and nothing else.

A route added without documentation fails here, and so does a documented
route the app no longer has. Static files are left out by rule (endpoints
named `static` or `<blueprint>.static`), as are HEAD and OPTIONS. The device
lab (hall/lab.py) is mounted only by `hallq demo`: its operations are tagged
`demo` and checked against an app with the lab's blueprint registered.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate

SPEC_PATH = Path(__file__).resolve().parent.parent / "docs" / "openapi.yaml"
METHODS = {"get", "put", "post", "delete", "patch"}


@pytest.fixture(scope="module")
def spec() -> dict:
    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


def openapi_path(rule: str) -> str:
    """A werkzeug rule as an OpenAPI path template: /api/windows/<int:window_id>/queue -> /api/windows/{window_id}/queue."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def app_operations(app) -> set[tuple[str, str]]:
    """(METHOD, path template) of every route of the app, static files left out."""
    return {(m, openapi_path(r.rule)) for r in app.url_map.iter_rules()
            if r.endpoint.split(".")[-1] != "static"
            for m in r.methods - {"HEAD", "OPTIONS"}}


def documented(spec: dict, demo: bool) -> set[tuple[str, str]]:
    """(METHOD, path) of each operation in the YAML, the `demo`-tagged ones or the others."""
    return {(m.upper(), path) for path, item in spec["paths"].items()
            for m, op in item.items() if m in METHODS and ("demo" in op.get("tags", [])) == demo}


@pytest.fixture
def lab_app(app):
    """The app as `hallq demo` builds it: the device lab's blueprint registered (and --fake-clock's)."""
    from hall.lab import bp as lab_bp, clock_bp
    app.register_blueprint(lab_bp)
    app.register_blueprint(clock_bp)
    return app


def test_the_openapi_description_is_valid(spec):
    validate(spec)


def test_openapi_path_templates():
    assert openapi_path("/api/windows/<int:window_id>/queue") == "/api/windows/{window_id}/queue"
    assert openapi_path("/audio/call/<number>/<int:window>.wav") == "/audio/call/{number}/{window}.wav"
    assert openapi_path("/healthz") == "/healthz"


def test_every_route_is_documented_and_every_documented_route_exists(app, spec):
    routes = app_operations(app)
    assert ("GET", "/api/state") in routes and ("POST", "/api/windows/{window_id}/call-next") in routes
    ops = documented(spec, demo=False)
    assert sorted(routes - ops) == [], "routes of the app missing from docs/openapi.yaml"
    assert sorted(ops - routes) == [], "operations in docs/openapi.yaml the app does not have"


def test_the_demo_lab_routes_are_documented_under_the_demo_tag(lab_app, app, spec):
    lab_routes = app_operations(lab_app) - documented(spec, demo=False)
    assert ("POST", "/api/lab/printer") in lab_routes
    assert sorted(lab_routes ^ documented(spec, demo=True)) == []


def test_every_api_operation_documents_the_error_shape(spec):
    """Each /api operation answers its refusals as {"error": {"code", "message", "message_en"}}."""
    for path, item in spec["paths"].items():
        if not path.startswith("/api/"):
            continue
        for m, op in item.items():
            if m in METHODS:
                assert op["responses"].get("4XX") == {"$ref": "#/components/responses/Refused"}, f"{m} {path}"


def test_state_changes_with_a_cookie_session_need_the_csrf_header(spec):
    for path, item in spec["paths"].items():
        for m, op in item.items():
            if m != "post" or "demo" in op.get("tags", []):
                continue
            for requirement in op.get("security", spec.get("security", [])):
                if "cookieSession" in requirement:
                    assert "csrfHeader" in requirement, f"POST {path}"
