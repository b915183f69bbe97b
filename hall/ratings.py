"""The rating rules, one set for every channel (the serial rater, the window's tablet, the phone).

Pure: no SQL, no clock. GB/T 39734-2020 一次一评: one rating per ticket per
served step, only after that step is served, never forced. A rating is
attributed to the step itself (its window, clerk, service and matter), not to
whoever reports it. "Unrated" (level None) is recorded by the hall when the
window's rating time passes; the phone may still rate that step within its
time, replacing the "unrated", never a rating.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

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


def served_steps(t: Ticket) -> list[ServedStep]:
    """The ticket's steps that were served: each transferred-on step that had begun, then its finish."""
    out = []
    for i, s in enumerate(t.steps):
        if s.outcome == "transferred" and s.started_at is not None and s.window is not None:
            out.append(ServedStep(i, s.service, t.matter if s.service == t.service else None, s.window, s.staff,
                                  s.started_at, s.ended_at, s.outcome))
    if t.status == FINISHED and t.window is not None and t.finished_at is not None:
        out.append(ServedStep(len(t.steps), t.service, t.matter, t.window, t.staff,
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
        raise HallError("already_rated", f"{t.number} 的这次办理已经评价过，每次办理只能评价一次。",
                        f"{t.number} has already been rated for this service; one rating per service.")
    if channel == "phone" and now - chosen.ended_at > timedelta(hours=rules.phone_hours):
        hours = f"{rules.phone_hours:g}"
        raise HallError("rating_too_late", f"办理结束已超过{hours}小时，不能再在手机上评价。"
                        "如有意见或建议，请拨打12345政务服务便民热线或到大厅服务台反映。",
                        f"The service ended more than {hours} hours ago, so it can no longer be rated on the phone;"
                        " for comments call the 12345 hotline or ask at the hall's service desk.")
    return Rating(ticket_id=t.id, business_day=t.business_day, window=chosen.window, staff=chosen.staff,
                  level=level, channel=channel, device=device, at=now, step=chosen.step, number=t.number,
                  service=chosen.service, matter=chosen.matter, reasons=reasons, comment=comment)


def _chosen_step(t: Ticket, served: list[ServedStep], step: Optional[int], window: Optional[int]) -> ServedStep:
    if step is None:
        if window is not None:
            served = [s for s in served if s.window == window]
        if not served:
            raise HallError("not_served", f"{t.number} 还没有办理完成，办理完成后才能评价。",
                            f"{t.number} has not been served yet; it can be rated once service ends.")
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
