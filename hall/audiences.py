"""Who may hear what over Socket.IO: the audiences, their rooms, and a whitelist of events and fields.

Pure: no Flask, no sockets. hall/push.py asks `room_events(payload)` for the
rooms an event goes to and the exact dict each gets; tests generate every
event kind and check that the public audiences get no personal data.

- screens: the hall display, window screens, the kiosk (public)
- counter: the counter page of one window (a signed-in clerk of that window, or a manager)
- board: the managers' board (manager, admin)
- rater: the citizen-facing tablet rater of one window (public); its snapshot says which step
  waits for its rating there (hall/rating_screens.py, `tablet_state`)
- phone: one ticket's phone page, joined with the ticket's unguessable token (public);
  it gets `progress` messages built by push.py, never the hall's events

Public audiences carry no usernames, no names, no phone numbers and no ID data,
masked or not (DOMAIN.md: the hall's network as an attacker sees it).
"""
from __future__ import annotations

from typing import Iterable, Optional

from hall.events import EVENT_NAMES

SCREENS, COUNTER, BOARD, RATER, PHONE = "screens", "counter", "board", "rater", "phone"
AUDIENCES = (SCREENS, COUNTER, BOARD, RATER, PHONE)
PUBLIC = frozenset({SCREENS, RATER, PHONE})
# Audiences that need a signed-in session, and the least role each needs.
SIGNED_IN = {COUNTER: "staff", BOARD: "manager"}
# Audiences bound to one window (a counter is checked against the window's holder when it joins).
PER_WINDOW = frozenset({COUNTER, RATER})

_TICKET_CHANGES = (
    "ticket_issued", "ticket_called", "ticket_started", "ticket_finished", "ticket_no_show",
    "ticket_cancelled", "ticket_expired", "ticket_rated", "ticket_transferred", "ticket_prioritised",
    "ticket_rejoined", "ticket_printed",
)
_HALL_CHANGES = ("window_changed", "queue_changed", "business_day_started", "business_day_ended", "device_changed",
                 "config_changed")

# The events each audience receives. Anything not listed is not sent to it.
EVENTS: dict[str, frozenset] = {
    SCREENS: frozenset(_TICKET_CHANGES + _HALL_CHANGES) - {"ticket_rated", "ticket_printed"},
    COUNTER: frozenset(_TICKET_CHANGES + _HALL_CHANGES),
    BOARD: frozenset(EVENT_NAMES),  # every event
    RATER: frozenset({"ticket_called", "ticket_finished", "ticket_rated", "window_changed",
                      "business_day_started", "business_day_ended", "config_changed"}),
    PHONE: frozenset(),
}

# The fields of a ticket a public audience sees: its place and progress, nothing about a person.
PUBLIC_TICKET_FIELDS = (
    "id", "number", "service", "service_name", "service_name_en", "business_day", "status", "issued_at",
    "calls", "started_at", "finished_at", "window", "priority", "priority_name", "priority_name_en",
    "matter", "matter_name", "matter_name_en", "queued_at", "target_window",
    "real_name",   # whether an ID number was given, never which
    "print_status",
)
PUBLIC_STEP_FIELDS = ("service", "queued_at", "calls", "started_at", "ended_at", "outcome", "window")
# The top-level fields of an event a public audience may see; any other field (a username, a
# masked ID, an appointment code, one added later) is left out.
PUBLIC_EVENT_FIELDS = frozenset({
    "event", "seq", "at", "number", "service", "window", "window_name", "window_name_en", "recall", "ticket",
    "audio_url", "implicit_start", "channel", "from_service", "from_window", "to_service", "to_window",
    "priority", "status", "reason", "reprint", "waiting", "longest_waiting_since", "business_day", "previous",
    "device", "kind", "state", "detail",
    "version", "changed",   # config_changed: which version, which sections; never by whom or why
})
PUBLIC_CALL_FIELDS = ("number", "service", "window", "window_name", "window_name_en", "at", "seq", "recall", "status")
# What the phone page is told of its ticket's ratings (hall/rating_screens.py): which served steps
# it may still rate and until when, which are rated and at what level; never by whom it was served.
PUBLIC_RATING_FIELDS = ("steps", "until", "rated", "too_late", "reasons", "comment_chars")
PUBLIC_RATING_STEP_FIELDS = ("step", "service", "service_name", "service_name_en", "window", "window_name",
                             "window_name_en", "ended_at", "until")


def room(audience: str, key: object = None) -> str:
    """The Socket.IO room of an audience: `screens`, `board`, `counter`, `rater:3`, `phone:<token>`."""
    return audience if key is None else f"{audience}:{key}"


def public_ticket(t: Optional[dict]) -> Optional[dict]:
    if t is None:
        return None
    out = {k: t.get(k) for k in PUBLIC_TICKET_FIELDS if k in t}
    if "steps" in t:
        out["steps"] = [{k: s.get(k) for k in PUBLIC_STEP_FIELDS if k in s} for s in t["steps"]]
    return out


def public_rating(r: dict) -> dict:
    """A ticket's rating offer as its phone page may see it."""
    out = {k: r.get(k) for k in PUBLIC_RATING_FIELDS}
    out["steps"] = [{k: s.get(k) for k in PUBLIC_RATING_STEP_FIELDS} for s in r.get("steps", [])]
    out["rated"] = [{"step": x.get("step"), "level": x.get("level")} for x in r.get("rated", [])]
    return out


def public_window(w: Optional[dict]) -> Optional[dict]:
    """A window as the public sees it: whether it is staffed, never by whom."""
    if w is None:
        return None
    out = {k: v for k, v in w.items() if k not in ("staff", "current")}
    out["staffed"] = bool(w.get("staff"))
    out["current"] = public_ticket(w.get("current"))
    return out


def public_event(e: dict) -> dict:
    """An event with everything personal taken out: for screens and raters."""
    out = {k: v for k, v in e.items() if k in PUBLIC_EVENT_FIELDS}
    if "ticket" in out:
        out["ticket"] = public_ticket(out["ticket"])
    if isinstance(out.get("window"), dict):
        out["window"] = public_window(out["window"])
    return out


def _window_of(e: dict) -> Optional[int]:
    w = e.get("window")
    if isinstance(w, dict):
        return w.get("id")
    return w if isinstance(w, int) else None


def room_events(e: dict, windows: Iterable[int]) -> list[tuple[str, dict]]:
    """The (room, payload) pairs one committed event is pushed as; `windows` are the hall's window ids."""
    name = e["event"]
    out: list[tuple[str, dict]] = []
    if name in EVENTS[BOARD]:
        out.append((room(BOARD), e))
    public = None
    if name in EVENTS[SCREENS]:
        public = public_event(e)
        out.append((room(SCREENS), public))
    if name in EVENTS[COUNTER]:
        # Every counter hears of every ticket and queue (its page lists the lines it calls and the
        # tickets it can call by number), so all counters share one room and one encoding of each
        # event; only the personal events stay with the board.
        out.append((room(COUNTER), e))
    if name in EVENTS[RATER]:
        w = _window_of(e)
        targets = windows if w is None else [w] if w in set(windows) else []
        if targets:
            public = public if public is not None else public_event(e)
            for wid in targets:
                out.append((room(RATER, wid), public))
    return out


def public_snapshot(s: dict) -> dict:
    """The hall snapshot for the screens: the same shape, without staff or personal fields."""
    out = dict(s)
    out["windows"] = [public_window(w) for w in s.get("windows", [])]
    out["waiting"] = [public_ticket(t) for t in s.get("waiting", [])]
    out["recent_calls"] = [{k: c.get(k) for k in PUBLIC_CALL_FIELDS} for c in s.get("recent_calls", [])]
    return out
