"""Bad input never becomes a 500: every JSON endpoint fed arbitrary bodies (hypothesis)."""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hall.jsonbody import nesting_depth_exceeds
from tests.conftest import login

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
                    max_leaves=12)
FIELDS = st.fixed_dictionaries({}, optional={
    "service": JSON | st.sampled_from(["A", "B", "E", "Z"]), "priority": JSON | st.sampled_from(["elderly", "x"]),
    "matter": JSON, "id_number": JSON | st.sampled_from(["11010519491231002X", "123", "１１０１０５１９４９１２３１００２Ｘ",
                                          "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X"]),
    "ticket": JSON | st.sampled_from(["A001", "B001"]), "reason": JSON | st.sampled_from(["break", "nap"]),
    "window": JSON | st.sampled_from([1, 2, 99]), "code": JSON, "category": JSON,
    "username": JSON, "password": JSON, "appointments": JSON,
})
PATHS = ["/api/tickets", "/api/appointments/check-in", "/api/appointments", "/api/windows/1/call",
         "/api/windows/1/call-next", "/api/windows/1/transfer", "/api/windows/1/pause", "/api/windows/1/resume",
         "/api/windows/1/recall", "/api/windows/1/no-show", "/api/windows/1/start", "/api/windows/1/finish",
         "/api/tickets/A001/priority", "/api/tickets/A001/rejoin", "/api/tickets/A001/cancel",
         "/api/tickets/A001/reprint", "/api/windows/99/call-next", "/api/login"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(PATHS), body=JSON | FIELDS, raw=st.booleans())
def test_no_body_makes_a_500(app, path, body, raw):
    client = app.test_client()
    login(client, "manager", window=None)
    client.post("/api/tickets", json={"service": "A"})
    if raw:  # bytes that may not even be JSON
        data = json.dumps(body)[:-1] if isinstance(body, (dict, list)) and body else json.dumps(body)
        r = client.post(path, data=data, content_type="application/json")
    else:
        r = client.post(path, json=body)
    assert r.status_code < 500, (path, body, r.get_data(as_text=True))
    payload = r.get_json()
    assert isinstance(payload, dict)
    if r.status_code >= 400:
        assert payload["error"]["code"] and payload["error"]["message"]


def _depth(value) -> int:
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


BRACKETY = st.recursive(st.none() | st.integers() | st.text(alphabet='[]{}"\\ :,a\u4e00', max_size=20),
                        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                            st.text(alphabet='[]{}"\\a', max_size=6), inner, max_size=3),
                        max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(value=BRACKETY | JSON, ascii_only=st.booleans())
def test_the_depth_scan_agrees_with_the_parsed_depth(value, ascii_only):
    """Strings full of brackets, quotes and backslashes never fool the scan that runs before parsing."""
    data = json.dumps(value, ensure_ascii=ascii_only).encode()
    for bound in range(6):
        assert nesting_depth_exceeds(data, bound) == (_depth(value) > bound), (data, bound)
