"""Who hears what: every event kind, generated from the event list, and the public rooms' fields."""
from __future__ import annotations

import json

import pytest

from hall import audiences as aud
from hall.events import EVENT_NAMES
from hall.model import Ticket, WindowState

# What a person is known by in the hall: none of it may reach a public audience.
PERSONAL = ("zhang", "张敏", "110101********1234", "13800138000", "王小明", "APT-7Q2K")


def _payload(name: str, hall) -> dict:
    """An event of kind `name` as the hall serialises it, carrying every personal field it could carry."""
    t = Ticket(id=7, number="A007", serial=7, service="A", business_day=hall.state.business_day, issued_at=hall.clock(),
               status="serving", window=3, staff="zhang", token="secret-token", id_hash="h", id_masked="110101********1234",
               appointment="APT-7Q2K")
    w = WindowState(id=3, status="open", staff="zhang", staff_name="张敏", current=None, since=hall.clock())
    ticket = hall.ser.ticket(t)
    e = {"event": name, "seq": 41, "at": "2026-11-27T09:00:00+08:00", "number": "A007", "service": "A",
         "window": 3, "ticket": ticket, "staff": "zhang", "id_masked": "110101********1234",
         "appointment": "APT-7Q2K", "name": "王小明", "phone": "13800138000", "staff_name": "张敏"}
    if name == "window_changed":
        e["window"] = hall.ser.window(w, lambda _id: t)
    return e


def _public_rooms(pairs):
    return [(room, p) for room, p in pairs if room.split(":")[0] in aud.PUBLIC]


@pytest.mark.parametrize("name", EVENT_NAMES)
def test_public_rooms_get_no_personal_data_for_any_event(name, hall):
    e = _payload(name, hall)
    assert "张敏" in json.dumps(e, ensure_ascii=False)  # the generated event does carry it
    pairs = aud.room_events(e, [w.id for w in hall.config.windows])
    for room, payload in _public_rooms(pairs):
        text = json.dumps(payload, ensure_ascii=False)
        for value in PERSONAL:
            assert value not in text, (name, room, value)
        assert "secret-token" not in text


@pytest.mark.parametrize("name", EVENT_NAMES)
def test_each_event_goes_to_exactly_the_rooms_whitelisted(name, hall):
    pairs = aud.room_events(_payload(name, hall), [1, 2, 3])
    rooms = sorted(room for room, _ in pairs)
    want = []
    if name in aud.EVENTS[aud.BOARD]:
        want.append("board")
    if name in aud.EVENTS[aud.COUNTER]:
        want.append("counter")
    if name in aud.EVENTS[aud.RATER]:
        want.append("rater:3")   # the event's window only
    if name in aud.EVENTS[aud.SCREENS]:
        want.append("screens")
    assert rooms == sorted(want)
    assert "board" in rooms  # managers hear of everything


def test_personal_events_stay_with_the_board():
    for name in ("appointment_missed", "id_blocked", "alarm_raised", "alarm_acknowledged", "alarm_cleared"):
        assert name not in aud.EVENTS[aud.SCREENS] | aud.EVENTS[aud.COUNTER] | aud.EVENTS[aud.RATER]
    assert aud.EVENTS[aud.PHONE] == frozenset()


def test_public_window_says_staffed_not_by_whom(hall):
    w = WindowState(id=3, status="open", staff="zhang", staff_name="张敏", current=None, since=hall.clock())
    out = aud.public_window(hall.ser.window(w, lambda _id: None))
    assert out["staffed"] is True and "staff" not in out
    assert out["id"] == 3 and out["status"] == "open" and out["name"] == "3号窗口"


def test_public_ticket_keeps_its_place_and_drops_the_person(hall):
    t = Ticket(id=7, number="A007", serial=7, service="A", business_day=hall.state.business_day, issued_at=hall.clock(),
               status="waiting", staff="zhang", id_hash="h", id_masked="110101********1234", appointment="APT-7Q2K")
    out = aud.public_ticket(hall.ser.ticket(t))
    assert out["number"] == "A007" and out["status"] == "waiting" and out["service_name"] == "行政审批"
    assert out["real_name"] is True   # that an ID was given, never which
    for key in ("staff", "appointment", "id_masked", "id_hash", "token"):
        assert key not in out
