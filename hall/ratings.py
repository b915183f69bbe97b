"""The rating rules, one set for every channel (the serial rater, the window's tablet, the phone).

Pure: no SQL, no clock. GB/T 39734-2020 一次一评: one rating per ticket per
served step, only after that step is served, never forced. A rating is
attributed to the step itself (its window, clerk, service and matter), not to
whoever reports it. "Unrated" (level None) is recorded by the hall when the
window's rating time passes; the phone may still rate that step within its
time, replacing the "unrated", never a rating.

What the rating screens may offer comes from here too: `awaiting_at_window`
(the one step a window's tablet may rate now, `tablet_refusal` for anything
else) and `phone_offer` (the steps the phone page may still rate).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Iterable, NamedTuple, Optional

from hall.errors import HallError
from hall.model import BAD_LEVELS, FINISHED, RATING_CHANNELS, RATING_LEVELS, RATING_NAMES, Rating, RatingRules, Ticket

UNRATED = object()    # `existing` when the step has an "unrated" record
NOTHING = None        # `existing` when the step has no record at all


@dataclass(frozen=True)
class ServedStep:
    """A step of a visit that was served and is over, so it can be rated."""
    step: int
    service: str
    matter: Optional[str]
    window: int
    staff: Optional[str]
    started_at: datetime
    ended_at: datetime
    outcome: str          # finished, transferred


def may_have_served_steps(t: Ticket) -> bool:
    """False when `served_steps(t)` is surely empty: no earlier step and not finished (most of a line)."""
    return bool(t.steps) or t.status == FINISHED


def served_steps(t: Ticket) -> list[ServedStep]:
    """The ticket's steps that were served: each transferred-on step that had begun, then its finish."""
    out = []
    for i, s in enumerate(t.steps):
        if s.outcome == "transferred" and s.started_at is not None and s.window is not None:
            out.append(ServedStep(i, s.service, t.matter_of(s.service), s.window, s.staff,
                                  s.started_at, s.ended_at, s.outcome))
    if t.status == FINISHED and t.window is not None and t.finished_at is not None:
        out.append(ServedStep(len(t.steps), t.service, t.matter_of(t.service), t.window, t.staff,
                              t.started_at or t.finished_at, t.finished_at, FINISHED))
    return out


def rate(t: Ticket, *, level: Optional[str], channel: str, now: datetime, rules: RatingRules,
         existing, step: Optional[int] = None, window: Optional[int] = None, device: Optional[str] = None,
         reasons=(), comment: str = "") -> Rating:
    """The rating of one served step of `t`, or a HallError saying why not.

    `existing` is what the store holds for that step: NOTHING, UNRATED, or the level already
    given. `window` is the window a rater or tablet stands at: it may rate only that window's step.
    """
    if channel not in RATING_CHANNELS:
        raise HallError("invalid_channel", f"评价渠道 {channel!r} 无效。",
                        f"The rating channel must be one of {', '.join(RATING_CHANNELS)}.", 400)
    if level is not None and level not in RATING_LEVELS:
        raise HallError("invalid_level", f"评价等级 {level!r} 无效，应为五个等级之一。",
                        f"Rating level must be one of {', '.join(RATING_LEVELS)}.", 400)
    if level is None and channel != "rater":
        raise HallError("invalid_level", "请选择一个评价等级。", "Choose one of the five rating levels.", 400)
    reasons, comment = _bad_rating_words(level, reasons, comment, channel, rules)
    served = served_steps(t)
    chosen = _chosen_step(t, served, step, window)
    if existing is not NOTHING and not (existing is UNRATED and level is not None and channel == "phone"):
        raise already_rated(t)
    if channel == "phone" and now - chosen.ended_at > timedelta(hours=rules.phone_hours):
        raise too_late(rules)
    return Rating(ticket_id=t.id, business_day=t.business_day, window=chosen.window, staff=chosen.staff,
                  level=level, channel=channel, device=device, at=now, step=chosen.step, number=t.number,
                  service=chosen.service, matter=chosen.matter, reasons=reasons, comment=comment)


def _chosen_step(t: Ticket, served: list[ServedStep], step: Optional[int], window: Optional[int]) -> ServedStep:
    if step is None:
        if window is not None:
            served = [s for s in served if s.window == window]
        if not served:
            raise not_served(t)
        return served[-1]
    found = next((s for s in served if s.step == step), None)
    if found is None:
        raise HallError("not_served", f"{t.number} 的这一步还没有办理完成，不能评价。",
                        f"Step {step} of {t.number} has not been served; only a served step can be rated.")
    if window is not None and found.window != window:
        raise HallError("wrong_window", f"{t.number} 不是在{window}号窗口办理的，请在办理的窗口评价。",
                        f"{t.number} was not served at window {window}; rate it at the window that served it.")
    return found


def _bad_rating_words(level, reasons, comment, channel, rules: RatingRules) -> tuple[tuple[str, ...], str]:
    """A bad rating's reasons and free text, checked; other ratings carry none."""
    if reasons is None:
        reasons = ()
    if not isinstance(reasons, (list, tuple)) or not all(isinstance(r, str) for r in reasons):
        raise HallError("invalid_reasons", "差评原因应为原因代码的列表。", "reasons must be a list of reason codes.", 400)
    if comment is None:
        comment = ""
    if not isinstance(comment, str):
        raise HallError("invalid_comment", "意见应为文字。", "comment must be text.", 400)
    comment = comment.strip()
    if level not in BAD_LEVELS:
        if reasons or comment:
            raise HallError("reasons_for_bad_rating_only",
                            f"只有“{RATING_NAMES[BAD_LEVELS[0]]}”和“{RATING_NAMES[BAD_LEVELS[1]]}”才填写原因。",
                            "Reasons and comments go with a bad rating (dissatisfied or very dissatisfied) only.", 400)
        return (), ""
    unknown = [r for r in reasons if rules.reason(r) is None]
    if unknown:
        known = "、".join(f"{r.code}（{r.name}）" for r in rules.reasons)
        raise HallError("invalid_reasons", f"差评原因 {', '.join(unknown)} 不在本大厅的原因列表中：{known}。",
                        f"Unknown reason {', '.join(unknown)}; this hall's reasons are "
                        f"{', '.join(r.code for r in rules.reasons)}.", 400)
    if len(comment) > rules.comment_chars:
        raise HallError("comment_too_long", f"意见最多{rules.comment_chars}个字，请删减后再提交。",
                        f"The comment is longer than {rules.comment_chars} characters; shorten it and send again.", 400)
    return tuple(dict.fromkeys(reasons)), comment


# -- the refusals every channel shares ------------------------------------------------

def already_rated(t: Ticket) -> HallError:
    return HallError("already_rated", f"{t.number} 的这次办理已经评价过，每次办理只能评价一次。",
                     f"{t.number} has already been rated for this service; one rating per service.")


def not_served(t: Ticket) -> HallError:
    return HallError("not_served", f"{t.number} 还没有办理完成，办理完成后才能评价。",
                     f"{t.number} has not been served yet; it can be rated once service ends.")


def too_late(rules: RatingRules) -> HallError:
    """The phone's refusal past `phone_hours`; the phone page shows this sentence instead of its buttons."""
    hours = f"{rules.phone_hours:g}"
    return HallError("rating_too_late", f"办理结束已超过{hours}小时，不能再在手机上评价。"
                     "如有意见或建议，请拨打12345政务服务便民热线或到大厅服务台反映。",
                     f"The service ended more than {hours} hours ago, so it can no longer be rated on the phone;"
                     " for comments call the 12345 hotline or ask at the hall's service desk.")


# -- the window's tablet --------------------------------------------------------------

class Awaiting(NamedTuple):
    """The step that waits for its rating at a window now, and until when."""
    ticket: Ticket
    step: ServedStep
    until: datetime


def awaiting_at_window(tickets: Iterable[Ticket], window: int, rated, now: datetime,
                       seconds: float) -> Optional[Awaiting]:
    """The step a window's tablet offers now, or None.

    It is the finish of the ticket finished last at `window` (a later finish there means the
    next citizen stands at the window), while that step has no record (`rated`: today's
    (ticket id, step) pairs with a rating or an "unrated") and its rating time, `seconds`
    after the finish (the window's rating_timeout), runs. As for the serial rater, only a
    finish is offered: a step transferred on is rated on the phone.
    """
    last = None
    for t in tickets:
        if t.status == FINISHED and t.window == window and t.finished_at is not None:
            if last is None or (t.finished_at, t.id) > (last.finished_at, last.id):
                last = t
    if last is None or (last.id, len(last.steps)) in rated:
        return None
    until = last.finished_at + timedelta(seconds=seconds)
    if now >= until:
        return None
    return Awaiting(last, served_steps(last)[-1], until)


def tablet_refusal(t: Optional[Ticket], window: int, awaiting: Optional[Awaiting], rated, now: datetime,
                   seconds: float) -> Optional[HallError]:
    """Why a window's tablet may not rate ticket `t` now; None when `t` is the step awaiting there.

    The tablet is a public page on the hall's LAN: it may rate the one step `awaiting_at_window`
    offers, never another ticket, whatever it sends.
    """
    if t is not None and awaiting is not None and awaiting.ticket.id == t.id:
        return None
    if t is None:
        return HallError("unknown_ticket", "找不到要评价的号。", "No such ticket today.", 404)
    n = t.number
    phone, phone_en = "请扫描号票上的二维码在手机上评价。", "rate it on the phone through the QR code on the ticket."
    if t.status != FINISHED:
        if any(s.window == window for s in served_steps(t)):
            return HallError("not_rating_now", f"{n} 已转到其他业务继续办理，本窗口的这次办理{phone}",
                             f"{n} went on to another service; {phone_en}")
        return not_served(t)
    if t.window != window:
        return HallError("wrong_window", f"{n} 不是在本窗口办理的，请在办理的窗口评价，或{phone}",
                         f"{n} was not served at window {window}; rate it at the window that served it, or {phone_en}")
    if (t.id, len(t.steps)) in rated:
        return already_rated(t)
    if now >= t.finished_at + timedelta(seconds=seconds):
        return HallError("rating_time_over", f"{n} 在窗口评价的时间已过（办理结束后{seconds:g}秒内）。如需评价，{phone}",
                         f"The time to rate {n} at the window ({seconds:g} s after service) is over; {phone_en}")
    return HallError("not_rating_now", f"本窗口已在为下一位群众办理，{n} {phone}",
                     f"The window has served the next citizen since; {phone_en}")


# -- the phone -------------------------------------------------------------------------

class PhoneOffer(NamedTuple):
    """What the phone page may rate of a ticket: open steps (with until when), rated ones, late ones."""
    open: list            # [(ServedStep, until)]: no rating yet (or "unrated"), within phone_hours
    rated: list           # [(ServedStep, level)]
    late: list            # [ServedStep]: no rating, and phone_hours have passed


def phone_offer(t: Ticket, existing_of: Callable[[int], object], now: datetime, rules: RatingRules) -> PhoneOffer:
    """Each served step of `t` as the phone sees it; `existing_of(step)` is the store's record
    (NOTHING, UNRATED or a level). The same limits as `rate` with channel "phone"."""
    offer = PhoneOffer([], [], [])
    for s in served_steps(t):
        existing = existing_of(s.step)
        if existing is NOTHING or existing is UNRATED:
            until = s.ended_at + timedelta(hours=rules.phone_hours)
            if now - s.ended_at > timedelta(hours=rules.phone_hours):
                offer.late.append(s)
            else:
                offer.open.append((s, until))
        else:
            offer.rated.append((s, existing))
    return offer
