"""A month's star-rating inputs go through the one writer: the star_months row and its stars_entered event together."""
import json

import pytest

from hall.errors import HallError

ASSESSOR = {"username": "liu", "role": "assessor"}
FULL = {"dedication": 95, "conduct": 90, "quality": 92, "integrity": 100, "satisfaction": 88}


def _rows(store):
    return [tuple(r) for r in store.conn.execute("SELECT hall, month, inputs, entered_by FROM star_months")]


def test_entered_stars_are_stored_with_their_event(hall, store):
    got = hall.enter_stars("2026-11", ASSESSOR, FULL, {"score": 85, "findings": ["窗口3 工作时间玩手机", "  "]})
    assert got.inspection.findings == ("窗口3 工作时间玩手机",)
    inputs = {"self_assessment": FULL, "inspection": {"score": 85, "findings": ["窗口3 工作时间玩手机"]}}
    assert [(h, m, json.loads(i), by) for h, m, i, by in _rows(store)] == [("demo-city", "2026-11", inputs, "liu")]
    event = store.events_since(0)[-1]
    assert (event["event"], event["hall"], event["month"], event["inputs"], event["by"]) == \
           ("stars_entered", "demo-city", "2026-11", inputs, "liu")


def test_entering_a_month_again_replaces_its_inputs_and_logs_both(hall, store):
    hall.enter_stars("2026-11", ASSESSOR, FULL)
    hall.enter_stars("2026-11", {"username": "manager", "role": "manager"}, None, {"score": 70})
    assert [(m, json.loads(i), by) for _, m, i, by in _rows(store)] == \
           [("2026-11", {"self_assessment": None, "inspection": {"score": 70, "findings": []}}, "manager")]
    assert [e["event"] for e in store.events_since(0)].count("stars_entered") == 2


@pytest.mark.parametrize("by, month, own, inspection, code", [
    ({"username": "zhang", "role": "staff"}, "2026-11", FULL, None, "forbidden"),
    (ASSESSOR, "2026/11", FULL, None, "invalid_field"),
    (ASSESSOR, "2026-11", {"honesty": 90}, None, "invalid_field"),
    (ASSESSOR, "2026-11", {"dedication": 101}, None, "invalid_field"),
    (ASSESSOR, "2026-11", FULL, {"score": "high"}, "invalid_field"),
    (ASSESSOR, "2026-11", FULL, {"score": 80, "findings": "none"}, "invalid_field"),
    (ASSESSOR, "2026-11", [90, 90], None, "invalid_field"),
])
def test_wrong_star_inputs_are_refused_and_nothing_is_stored(hall, store, by, month, own, inspection, code):
    with pytest.raises(HallError) as err:
        hall.enter_stars(month, by, own, inspection)
    assert err.value.code == code
    assert _rows(store) == []
