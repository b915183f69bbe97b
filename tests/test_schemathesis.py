"""schemathesis fuzzes every operation of docs/openapi.yaml against the app in-process: no 5xx, ever.

Each operation is fuzzed twice, anonymously and with a signed-in manager's
session (the manager may act on every window, so the window actions reach
the hall's rules rather than stopping at the sign-in), on a hall with
windows 1 and 2 open and a few tickets waiting. Each run generates valid
requests (positive) and invalid ones (negative) and checks, for every answer:

- `not_a_server_error`: no 5xx (docs/api.md: malformed input never produces a 500);
- the answer's status code, content type and body conform to docs/openapi.yaml.

The runs are derandomized (the same requests every run) and bounded: about
a minute on the CI machine (20 examples per operation and mode).
`HALLQ_FUZZ_LONG=1` runs 200 (about five minutes), for a fuzzing session by hand:

    HALLQ_FUZZ_LONG=1 .venv/bin/python -m pytest -q tests/test_schemathesis.py

A failure prints the failing request as a curl command. The device lab
(tag `demo`) is fuzzed separately, against an app with simulated devices.

Uses the schemathesis 4.x Python API (pinned in pyproject.toml's [test] extras).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

from tests.conftest import PASSWORD

SPEC_PATH = Path(__file__).resolve().parent.parent / "docs" / "openapi.yaml"
LONG = os.environ.get("HALLQ_FUZZ_LONG") == "1"
EXAMPLES = 200 if LONG else 20
CSRF_HEADER = "X-HallQ-CSRF"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

SCHEMA = schemathesis.openapi.from_path(SPEC_PATH)


def _operations(demo: bool) -> list[str]:
    ops = [r.ok() for r in SCHEMA.get_all_operations()]
    return sorted(op.label for op in ops if ("demo" in (op.tags or [])) == demo)


OPERATIONS = _operations(demo=False)
LAB_OPERATIONS = _operations(demo=True)


def _operation(label: str):
    method, path = label.split(" ", 1)
    return SCHEMA[path][method]


class Session:
    """A test client of the app, signed in as `username` (or anonymous), with the CSRF header when the hall gives one."""

    def __init__(self, app, username: str | None):
        self.app = app
        self.username = username
        self.client = app.test_client()
        self.headers: dict = {}
        self.sign_in()

    def sign_in(self) -> None:
        self.headers = {}
        if self.username is None:
            return
        r = self.client.post("/api/login", json={"username": self.username, "password": PASSWORD})
        assert r.status_code == 200, r.get_json()
        body = r.get_json()
        token = body.get("csrf") or body.get("csrf_token")
        if token is None and isinstance(body.get("session"), dict):
            token = body["session"].get("csrf")
        if token:
            self.headers = {CSRF_HEADER: token}


def _busy_hall(app) -> None:
    """Windows 1 and 2 open (zhang, li), a ticket being called at 1 and a few waiting."""
    for username, window in (("zhang", 1), ("li", 2)):
        clerk = Session(app, None)
        clerk.username = username
        r = clerk.client.post("/api/login", json={"username": username, "password": PASSWORD, "window": window})
        assert r.status_code == 200, r.get_json()
    hall = app.extensions["hallq"]
    for service in ("A", "A", "B", "C", "A"):
        hall.issue_ticket(service)
    hall.call_next(1)


def fuzz(app, label: str, session: Session, modes=(GenerationMode.POSITIVE, GenerationMode.NEGATIVE)) -> None:
    """Run schemathesis over one operation with `session`; raises on the first failed check."""
    op = _operation(label)
    ends_session = label in ("POST /api/logout",)
    for mode in modes:
        @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                  phases=[Phase.explicit, Phase.generate, Phase.shrink],
                  suppress_health_check=list(HealthCheck))
        @given(case=op.as_strategy(generation_mode=mode))
        def run(case):
            response = case.call(session=session.client, app=app, headers=session.headers)
            case.validate_response(response, checks=CHECKS, headers=session.headers)
            if ends_session and session.username is not None:
                session.sign_in()

        try:
            run()
        except Unsatisfiable:
            # Nothing of the operation can be made invalid (no parameters, no body): no negative cases.
            assert mode is GenerationMode.NEGATIVE, label


@pytest.mark.slow
@pytest.mark.parametrize("who", ["anonymous", "manager"])
@pytest.mark.parametrize("label", OPERATIONS)
def test_no_request_answers_a_server_error(app, label, who):
    _busy_hall(app)
    fuzz(app, label, Session(app, None if who == "anonymous" else "manager"))


@pytest.fixture
def lab_app(tmp_path, config, clock):
    """The app as `hallq demo --fake-clock` builds it: simulated devices attached, the device lab
    and the hand-moved clock mounted."""
    from hall.app import create_app
    from hall.demo import start_simulators
    from hall.lab import bp as lab_bp, clock_bp
    sims = start_simulators(config, tmp_path)
    app = create_app(config, data_dir=tmp_path / "data", clock=clock, testing=True, devices=sims.settings)
    app.extensions["hallq_simulators"] = sims
    app.extensions["hallq_clock"] = clock
    app.register_blueprint(lab_bp)
    app.register_blueprint(clock_bp)
    yield app
    app.extensions["hallq_devices"].stop()
    sims.stop()
    app.extensions["hallq"].bus.close()


@pytest.mark.slow
@pytest.mark.parametrize("label", LAB_OPERATIONS)
def test_no_lab_request_answers_a_server_error(lab_app, label):
    fuzz(lab_app, label, Session(lab_app, None))
