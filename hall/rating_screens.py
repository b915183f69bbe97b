"""What the citizen's rating screens are told, the tablet's one action, and the board's rating figures.

- The window's tablet (`/rater/<window>`): `tablet_state` says which step waits for its
  rating at that window now (hall/ratings.py, `awaiting_at_window`), and `rate_at_tablet`
  rates that step and no other: a page on the hall's LAN cannot rate another ticket.
- The phone page (`/t/<token>`): `phone_rating` says which served steps it may still rate
  (within `[ratings] phone_hours`), or the sentence of `rating_too_late` once it may not.
- The board: `board_figures`, today's rating figures by assess/figures.py.

Everything a public screen gets passes hall/audiences.py's whitelists: no staff names.
"""
from __future__ import annotations

from typing import Optional

from hall import audiences as aud
from hall import ratings
from hall.errors import HallError
from hall.hall import DEFAULT_RATING_TIMEOUT
from hall.model import RATING_LEVELS
from hall.serialize import iso

# The events after which the board's rating figures may have changed: a served step (one more
# unrated), a rating, a case's step, a new day.
FIGURE_EVENTS = frozenset({"ticket_finished", "ticket_transferred", "ticket_rated", "business_day_started"}) | \
    frozenset(name for name in aud.EVENTS[aud.BOARD] if name.startswith("case_"))


def rating_seconds(hall, window: int) -> float:
    """How long a citizen may rate at `window` after a finish: its rater's rating_timeout, or the default."""
    return hall.raters.get(window, (DEFAULT_RATING_TIMEOUT, None))[0]


def reasons_json(hall) -> list[dict]:
    return [{"code": r.code, "name": r.name, "name_en": r.name_en} for r in hall.config.ratings.reasons]


def _window(hall, window: int):
    cfg = hall.config.window(window) if isinstance(window, int) and not isinstance(window, bool) else None
    if cfg is None:
        raise HallError("unknown_window", "没有这个窗口，请检查页面地址。", f"No window {window}.", 404)
    return cfg


def _awaiting(hall, window: int):
    """The step waiting for its rating at `window` now (call under the hall's lock)."""
    return ratings.awaiting_at_window(hall.state.tickets.values(), window, hall.state.rated, hall.clock(),
                                      rating_seconds(hall, window))


def tablet_state(hall, window: int) -> dict:
    """The tablet's snapshot: the hall, its window, and the step waiting for its rating there now (or null)."""
    _window(hall, window)
    with hall._lock:
        now = hall.clock()
        awaiting = _awaiting(hall, window)
        pending = None
        if awaiting is not None:
            t, step = awaiting.ticket, awaiting.step
            pending = {"ticket": aud.public_ticket(hall.ser.ticket(t)), "step": step.step,
                       "until": iso(awaiting.until, hall.engine.tz),
                       "seconds_left": max(0, int((awaiting.until - now).total_seconds() + 0.999))}
        return {"seq": hall.state.last_seq, "now": iso(now, hall.engine.tz),
                "business_day": hall.state.business_day.isoformat(),
                "hall": {"name": hall.config.name, "name_en": hall.config.name_en},
                "window": aud.public_window(hall.window_json(window)),
                "rating_seconds": rating_seconds(hall, window), "pending": pending,
                "reasons": reasons_json(hall), "comment_chars": hall.config.ratings.comment_chars}


def rate_at_tablet(hall, window: int, ticket_id, level, reasons=(), comment=""):
    """The tablet at `window` rates `ticket_id`: only the step waiting for its rating there now
    (finished there, no record yet, within the rating time); anything else is a HallError saying why."""
    _window(hall, window)
    if not isinstance(ticket_id, int) or isinstance(ticket_id, bool):
        raise HallError("invalid_field", "字段 'ticket_id' 缺失或不是整数。", "Field 'ticket_id' must be a whole number.", 400)
    with hall._lock:     # the check and the rating in one hold: no other finish slips in between
        hall.tick()      # what the clock alone changed first (a new day, an "unrated" now due)
        awaiting = _awaiting(hall, window)
        refused = ratings.tablet_refusal(hall.state.tickets.get(ticket_id), window, awaiting, hall.state.rated,
                                         hall.clock(), rating_seconds(hall, window))
        if refused is not None:
            raise refused
        return hall.record_rating(ticket_id, window, None, level, "tablet", None, step=awaiting.step.step,
                                  reasons=reasons, comment=comment)


def phone_rating(hall, t) -> dict:
    """What the phone page of ticket `t` may rate (call under the hall's lock).

    `steps`: the served steps it may still rate, each with `until`; `rated`: the steps rated
    (any channel); `too_late`: the `rating_too_late` sentence when a served step went unrated
    past `[ratings] phone_hours`, else null; `reasons`: the hall's bad-rating reasons, when
    there is a step to rate.
    """
    rules = hall.config.ratings
    if not ratings.may_have_served_steps(t):     # a ticket in the line: nothing to rate yet
        return aud.public_rating({"steps": [], "until": None, "rated": [], "too_late": None, "reasons": [],
                                  "comment_chars": rules.comment_chars})
    if t.business_day == hall.state.business_day:
        rated = hall.state.rated

        def existing_of(step):
            if (t.id, step) not in rated:
                return ratings.NOTHING
            return ratings.UNRATED if rated[(t.id, step)] is None else rated[(t.id, step)]
    else:
        def existing_of(step):
            return hall.store.rating_of_step(t.id, step)
    offer = ratings.phone_offer(t, existing_of, hall.clock(), rules)
    tz = hall.engine.tz
    steps = [dict(_step_json(hall, s), until=iso(until, tz)) for s, until in offer.open]
    late = ratings.too_late(rules).to_dict()["error"] if offer.late else None
    # The reasons only with something to rate: every waiting phone is sent its progress at each change.
    return aud.public_rating({
        "steps": steps, "until": max((s["until"] for s in steps), default=None),
        "rated": [{"step": s.step, "level": level} for s, level in offer.rated],
        "too_late": late, "reasons": reasons_json(hall) if steps else [], "comment_chars": rules.comment_chars})


def phone_fingerprint(hall, t) -> tuple:
    """What of today's ticket `t`'s ratings its phone shows: when it changes, the phone is sent its progress."""
    if not ratings.may_have_served_steps(t):
        return ()
    return tuple(hall.state.rated.get((t.id, s.step), "") for s in ratings.served_steps(t))


def _step_json(hall, s: ratings.ServedStep) -> dict:
    svc = hall.config.service(s.service)
    win = hall.config.window(s.window)
    return {"step": s.step, "service": s.service, "service_name": svc.name if svc else s.service,
            "service_name_en": svc.name_en if svc else s.service, "window": s.window,
            "window_name": win.name if win else str(s.window), "window_name_en": win.name_en if win else str(s.window),
            "ended_at": iso(s.ended_at, hall.engine.tz)}


def board_figures(hall) -> dict:
    """Today's rating figures for the board, by assess/figures.py over today's stored records.

    `rated` and `bad` leave out ratings an upheld appeal excluded; `unrated` counts today's
    served steps with no level yet (a citizen still at the tablet included); `satisfaction`
    is (very satisfied + satisfied + basic) / rated, null when nothing is rated; `open_cases`
    and `overdue_cases` are every bad-rating case not closed, whatever day it opened.
    """
    from assess.figures import figures
    from assess.period import settings_of
    with hall._lock:
        day = hall.state.business_day
    steps, rated, cases = hall.store.figure_records(day, hall.config.code)
    settings = settings_of(hall.config)
    row = figures(steps, rated, cases, by="total", settings=settings, today=day, workdays=hall.workdays)[0]
    return {"business_day": day.isoformat(), "rated": row.rated, "satisfaction": row.satisfaction,
            "unrated": row.unrated, "bad": row.bad, "open_cases": row.cases_opened,   # only open ones were read
            "overdue_cases": row.cases_overdue, "levels": {level: getattr(row, level) for level in RATING_LEVELS}}
