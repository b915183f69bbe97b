"""The bad-rating case rules (差评整改): open, verify, rectify, call back, close; appeal.

A bad rating (dissatisfied, very dissatisfied) opens a case. The national
好差评 rules ask that it be verified, rectified on the spot or put on a ledger
with a deadline of N working days, that the citizen be called back and their
view of the fix recorded, and that an appeal can take a mistaken or malicious
rating out of the figures after review.

    verifying --verify--> rectifying --rectify(on_spot)--> callback --callback--> closed
                                     --rectify(ledger)---> rectifying (deadline set)
                                                           --rectify_done--> callback
    any status but closed --appeal--> (appeal pending) --decide_appeal--> upheld: closed
                                                                          rejected: where it was

Decisions, so the figures can rely on them:

- `verify(valid=False)`: the verifier found no basis for the complaint. The
  case stays `verifying` with the finding in its note: only an upheld appeal
  takes a rating out of the figures, so the clerk concerned appeals (or a
  later verification finds it valid after all).
- A callback view of `dissatisfied` still closes the case. The rules ask to
  record the citizen's view of the fix, not to reach satisfaction, and a case
  that could be reopened forever would never count as rectified; the view
  stays on the case and the figures count it.
- While an appeal is pending the case does not move (a manager decides the
  appeal first), but its clock runs: an appeal must not be a way to run out
  a deadline. One appeal per case.
- `appeal` is refused to anyone but the clerk concerned, and `decide_appeal`
  to the clerk concerned (nobody decides their own appeal): both are facts
  of the case. Roles are the caller's to check, from `ACTION_ROLES`.

Every step returns a `Step`: the new record, one event dict for the hall's
event log (`name`, `at`, `by`, the case's ids, `from`/`to` status and the
words; datetimes and dates are left as objects for the caller's serializer),
and `exclude`, set only when an upheld appeal means the rating must be marked
excluded with that reason. Pure: no SQL, no Flask, no clock.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import NamedTuple, Optional

from assess.records import BAD_LEVELS, CaseRecord, RatingRecord
from hall.errors import HallError
from hall.workdays import Workdays

STATUSES = ("verifying", "rectifying", "callback", "closed")
RECTIFY_MODES = ("on_spot", "ledger")
CALLBACK_VIEWS = ("satisfied", "basic", "dissatisfied")

# The least role each action needs (staff < manager < admin), for the caller to check.
# "appeal" is further limited to the clerk concerned (case.staff), which appeal() checks itself.
ACTION_ROLES = {
    "verify": "manager",
    "rectify": "manager",
    "rectify_done": "manager",
    "callback": "manager",
    "appeal": "staff",
    "decide_appeal": "manager",
}


class Exclusion(NamedTuple):
    """Mark this rating excluded from the figures (kept on record) with this reason."""
    rating_id: int
    reason: str


class Step(NamedTuple):
    case: CaseRecord
    event: dict
    exclude: Optional[Exclusion] = None


_STATUS_ZH = {"verifying": "待核实", "rectifying": "整改中", "callback": "待回访", "closed": "已办结"}
_ACTION_ZH = {"verify": "核实", "rectify": "登记整改方式", "rectify_done": "登记整改完成",
              "callback": "登记回访", "appeal": "申诉", "decide_appeal": "审核申诉"}
_ACTION_EN = {"verify": "verify it", "rectify": "choose how to rectify it", "rectify_done": "mark it rectified",
              "callback": "record the callback", "appeal": "appeal it", "decide_appeal": "decide an appeal"}


def _next_step(case: CaseRecord) -> tuple[str, str]:
    """What should happen to the case next, in Chinese and English."""
    if case.status == "verifying":
        return "请先核实这条差评。", "Verify the bad rating first."
    if case.status == "rectifying" and case.rectify_mode == "ledger":
        return (f"请在台账期限 {case.deadline.isoformat()} 前整改，完成后登记整改完成。",
                f"Rectify it by the ledger deadline {case.deadline.isoformat()}, then mark it rectified.")
    if case.status == "rectifying":
        return "请先整改：当场整改，或列入台账限期整改。", "Rectify it first: on the spot, or on the ledger with a deadline."
    if case.status == "callback":
        return "请先回访群众，记录其对整改的评价。", "Call the citizen back first and record their view of the fix."
    return "这件差评已办结，无需再处理。", "This case is closed; nothing more to do."


def _refuse(case: CaseRecord, action: str) -> HallError:
    zh, en = _next_step(case)
    return HallError("case_wrong_status",
                     f"这件差评{_STATUS_ZH[case.status]}，不能{_ACTION_ZH[action]}。{zh}",
                     f"The case is at {case.status!r}, so you cannot {_ACTION_EN[action]}. {en}")


def _check(case: CaseRecord, action: str, *statuses: str) -> None:
    if case.status not in statuses:
        raise _refuse(case, action)
    if case.appeal == "pending" and action != "decide_appeal":
        raise HallError("case_appeal_pending",
                        f"这件差评的申诉正在审核，请等管理人员作出决定后再{_ACTION_ZH[action]}。",
                        f"An appeal on this case is under review; wait for a manager's decision, "
                        f"then {_ACTION_EN[action]}.")


def _words(value: str, field: str, zh: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise HallError("invalid_field", f"请填写{zh}。", f"Field {field!r} must say something.", 400)
    return value.strip()


def _event(name: str, old: CaseRecord, new: CaseRecord, by: Optional[str], now: datetime, **words) -> dict:
    return {"name": name, "at": now, "by": by, "hall": new.hall, "case_id": new.case_id,
            "rating_id": new.rating_id, "window": new.window, "staff": new.staff,
            "from": old.status if old is not new else None, "to": new.status, **words}


def open_case(rating: RatingRecord, case_id: int, now: datetime) -> Step:
    """A case for a bad rating, in status `verifying`; the rating's own facts are copied onto it."""
    if rating.level not in BAD_LEVELS:
        raise ValueError(f"rating {rating.rating_id} is {rating.level!r}, not a bad rating")
    case = CaseRecord(hall=rating.hall, case_id=case_id, rating_id=rating.rating_id, ticket_id=rating.ticket_id,
                      step=rating.step, business_day=rating.business_day, number=rating.number,
                      service=rating.service, matter=rating.matter, window=rating.window, staff=rating.staff,
                      level=rating.level, opened_at=now, status="verifying")
    return Step(case, _event("case_opened", case, case, None, now, level=rating.level,
                             reasons=list(rating.reasons), comment=rating.comment))


def verify(case: CaseRecord, by: str, now: datetime, note: str = "", valid: bool = True) -> Step:
    """The verifier's finding. Valid: on to rectifying. No basis: stays verifying, for the clerk to appeal."""
    _check(case, "verify", "verifying")
    if not valid:
        note = _words(note, "note", "核实结论（为何认为差评不属实）")
    new = replace(case, status="rectifying" if valid else "verifying", verified_at=now, note=note)
    return Step(new, _event("case_verified", case, new, by, now, valid=valid, note=note))


def rectify(case: CaseRecord, by: str, now: datetime, mode: str, note: str,
            workdays: Workdays, deadline_days: int) -> Step:
    """On the spot: rectified now, on to callback. Ledger: a deadline of `deadline_days` working days
    from the day the case was opened (hall's local date), and the case stays rectifying until rectify_done."""
    _check(case, "rectify", "rectifying")
    if case.rectify_mode == "ledger":
        raise _refuse(case, "rectify")
    if mode not in RECTIFY_MODES:
        raise HallError("invalid_field", "整改方式只能是当场整改（on_spot）或列入台账（ledger）。",
                        f"mode must be on_spot or ledger, not {mode!r}.", 400)
    if mode == "on_spot":
        new = replace(case, status="callback", rectify_mode=mode, rectified_at=now, note=note)
        return Step(new, _event("case_rectified", case, new, by, now, mode=mode, note=note))
    opened = workdays.day_of(case.opened_at)
    deadline = workdays.add(opened, deadline_days)
    new = replace(case, rectify_mode=mode, deadline=deadline, note=note)
    # A deadline counted on a guessed calendar says so, for the caller to show beside it.
    warning = workdays.warning(range(opened.year, deadline.year + 1))
    return Step(new, _event("case_put_on_ledger", case, new, by, now, mode=mode, deadline=deadline, note=note,
                            calendar_warning=warning))


def rectify_done(case: CaseRecord, by: str, now: datetime, note: str) -> Step:
    """A ledger case has been rectified (late or not: `overdue` is judged from the record): on to callback."""
    _check(case, "rectify_done", "rectifying")
    if case.rectify_mode != "ledger":
        raise _refuse(case, "rectify_done")
    new = replace(case, status="callback", rectified_at=now, note=note)
    return Step(new, _event("case_rectified", case, new, by, now, mode="ledger", deadline=case.deadline, note=note))


def callback(case: CaseRecord, by: str, now: datetime, view: str, note: str = "") -> Step:
    """The citizen's view of the fix is recorded and the case closes, whatever the view (see module doc)."""
    _check(case, "callback", "callback")
    if view not in CALLBACK_VIEWS:
        raise HallError("invalid_field", "回访评价只能是满意（satisfied）、基本满意（basic）或不满意（dissatisfied）。",
                        f"view must be satisfied, basic or dissatisfied, not {view!r}.", 400)
    new = replace(case, status="closed", callback_at=now, callback_view=view, closed_at=now, note=note)
    return Step(new, _event("case_called_back", case, new, by, now, view=view, note=note))


def appeal(case: CaseRecord, by: str, now: datetime, reason: str) -> Step:
    """The clerk concerned appeals: once per case, while it is not closed."""
    if case.appeal in ("upheld", "rejected"):
        raise HallError("case_appeal_decided", "这件差评的申诉已有决定，不能再次申诉。",
                        "An appeal on this case has already been decided; it cannot be appealed again.")
    _check(case, "appeal", "verifying", "rectifying", "callback")
    if not case.staff or by != case.staff:
        raise HallError("case_not_clerk_concerned", "只有被评价的工作人员本人可以申诉这条差评。",
                        "Only the clerk who was rated can appeal this bad rating.", 403)
    reason = _words(reason, "reason", "申诉理由")
    new = replace(case, appeal="pending", appeal_reason=reason)
    return Step(new, _event("case_appealed", case, new, by, now, reason=reason))


def decide_appeal(case: CaseRecord, by: str, now: datetime, upheld: bool, decision: str) -> Step:
    """A manager's decision. Upheld: closed, and the rating is to be excluded. Rejected: the case goes on."""
    if case.appeal != "pending":
        raise HallError("case_no_appeal", "这件差评没有待审核的申诉。", "There is no pending appeal on this case.")
    if by == case.staff:
        raise HallError("case_own_appeal", "不能审核自己的申诉，请由其他管理人员审核。",
                        "You cannot decide your own appeal; another manager must.", 403)
    decision = _words(decision, "decision", "审核意见")
    if upheld:
        new = replace(case, appeal="upheld", appeal_decision=decision, status="closed", closed_at=now)
        exclusion = Exclusion(case.rating_id, f"申诉成立：{decision}")
    else:
        new = replace(case, appeal="rejected", appeal_decision=decision)
        exclusion = None
    return Step(new, _event("case_appeal_decided", case, new, by, now, upheld=upheld, decision=decision), exclusion)


def due(case: CaseRecord, workdays: Workdays, deadline_days: int) -> date:
    """The last working day to rectify: the ledger's deadline, or `deadline_days` working days from opening."""
    return case.deadline or workdays.add(workdays.day_of(case.opened_at), deadline_days)


def overdue(case: CaseRecord, today: date, workdays: Workdays, deadline_days: int) -> bool:
    """Not yet rectified (verifying or rectifying) and `today` is past its due day.

    A calendar day past counts: a case due Friday is overdue on Saturday, even though
    `workdays.between(due, today)` (how many working days overdue) is still 0.
    Rectified, called back or closed cases are never overdue; a pending appeal does not stop the clock.
    """
    return case.status in ("verifying", "rectifying") and today > due(case, workdays, deadline_days)
