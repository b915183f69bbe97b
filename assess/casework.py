"""Bad-rating cases (差评整改) as the case pages show them: the list overdue first, one case with its
rating and every step taken, and the next steps the signed-in person may take.

The rules are hall/cases.py's and the writing is the hall's (`Hall.case_action`);
this module only reads, through assess/reader.py's read-only connection.
"""
from __future__ import annotations

import json
from typing import Optional

from hall import cases as rules
from hall.auth import _RANK
from hall.errors import HallError
from hall.store import case_to_json

STATUS_NAMES = {"verifying": ("待核实", "To verify"), "rectifying": ("整改中", "Rectifying"),
                "callback": ("待回访", "To call back"), "closed": ("已办结", "Closed")}
FILTERS = ("open", "overdue", "appeal") + rules.STATUSES     # the list's filters besides "all"
CHANNEL_NAMES = {"rater": ("评价器", "Rater"), "tablet": ("评价平板", "Tablet"), "phone": ("手机", "Phone")}
VIEW_NAMES = {"satisfied": ("满意", "Satisfied"), "basic": ("基本满意", "Basically satisfied"),
              "dissatisfied": ("不满意", "Dissatisfied")}
EVENT_NAMES = {"case_opened": ("差评生成工单", "Case opened"), "case_verified": ("核实", "Verified"),
               "case_put_on_ledger": ("列入整改台账", "Put on the ledger"), "case_rectified": ("整改完成", "Rectified"),
               "case_called_back": ("回访", "Called back"), "case_appealed": ("申诉", "Appealed"),
               "case_appeal_decided": ("申诉审核", "Appeal decided")}


def is_reader(user: dict) -> bool:
    """Assessors, managers and admins see every case; staff their own."""
    return user["role"] in ("assessor", "manager", "admin")


def visible(case, user: dict) -> bool:
    return is_reader(user) or case.staff == user["username"]


def next_actions(case, user: dict) -> list[str]:
    """The steps this person may take on the case now (the hall checks them again when taken)."""
    rank = _RANK.get(user["role"], -1)
    out = []
    if case.status == "closed":
        return out
    pending = case.appeal == "pending"
    if rank >= _RANK["manager"] and not pending:
        if case.status == "verifying":
            out.append("verify")
        elif case.status == "rectifying":
            out.append("rectify_done" if case.rectify_mode == "ledger" else "rectify")
        elif case.status == "callback":
            out.append("callback")
    if pending and rank >= _RANK["manager"] and user["username"] != case.staff:
        out.append("decide_appeal")
    if case.appeal is None and rank >= _RANK["staff"] and case.staff and user["username"] == case.staff:
        out.append("appeal")
    return out


class Casebook:
    """The cases of one hall as of `today`, read through a Reader."""

    def __init__(self, reader, config, workdays, today, tz):
        self.reader, self.config, self.workdays, self.today, self.tz = reader, config, workdays, today, tz
        self.deadline_days = config.ratings.case_deadline_days
        self._names = None

    def staff_name(self, username: Optional[str]) -> Optional[str]:
        if self._names is None:
            self._names = self.reader.staff_names()
        return self._names.get(username, username) if username else None

    def case_json(self, case, user: dict) -> dict:
        out = case_to_json(case)
        for k in ("opened_at", "verified_at", "rectified_at", "callback_at", "closed_at"):
            at = getattr(case, k)
            out[k] = at.astimezone(self.tz).isoformat(timespec="seconds") if at else None
        w = self.config.window(case.window)
        s = self.config.service(case.service)
        out.update(status_name=STATUS_NAMES[case.status][0], status_name_en=STATUS_NAMES[case.status][1],
                   due=rules.due(case, self.workdays, self.deadline_days).isoformat(),
                   overdue=rules.overdue(case, self.today, self.workdays, self.deadline_days),
                   staff_name=self.staff_name(case.staff),
                   window_name=w.name if w else str(case.window), window_name_en=w.name_en if w else str(case.window),
                   service_name=s.name if s else case.service, service_name_en=s.name_en if s else case.service,
                   actions=next_actions(case, user))
        return out

    def list(self, user: dict, status: Optional[str] = None) -> list[dict]:
        """The cases this person may see, overdue first, then open ones by due day, then closed ones."""
        if status not in (None, "", "all") and status not in FILTERS:
            raise HallError("invalid_field", "状态筛选无效，请选择全部、未办结、逾期、申诉中、待核实、整改中、待回访或已办结。",
                            f"status must be all or one of {', '.join(FILTERS)}.", 400)
        shown = [self.case_json(c, user) for c in self.reader.cases() if visible(c, user)]
        if status == "open":
            shown = [c for c in shown if c["status"] != "closed"]
        elif status == "overdue":
            shown = [c for c in shown if c["overdue"]]
        elif status == "appeal":
            shown = [c for c in shown if c["appeal"] == "pending"]
        elif status in rules.STATUSES:
            shown = [c for c in shown if c["status"] == status]
        return sorted(shown, key=lambda c: (not c["overdue"], c["status"] == "closed", c["due"], c["case_id"]))

    def case(self, case_id: int, user: dict):
        found = next((c for c in self.reader.cases() if c.case_id == case_id), None)
        if found is None or not visible(found, user):
            # Someone else's case is answered as no case at all: its existence is not a clerk's business.
            raise HallError("unknown_case", "找不到这件差评。", f"No case {case_id}.", 404)
        return found

    def detail(self, case_id: int, user: dict) -> dict:
        """One case: its record, the rating that opened it, every step taken (who, when, what)."""
        case = self.case(case_id, user)
        rating = next((r for r in self.reader.ratings(case.business_day, case.business_day)
                       if r.rating_id == case.rating_id), None)
        return {"case": self.case_json(case, user), "rating": self._rating_json(rating),
                "history": self.history(case)}

    def _rating_json(self, r) -> Optional[dict]:
        if r is None:
            return None
        from assess.period import LEVEL_NAMES
        reasons = []
        for code in r.reasons:
            reason = self.config.ratings.reason(code)
            reasons.append({"code": code, "name": reason.name if reason else code,
                            "name_en": reason.name_en if reason else code})
        channel = CHANNEL_NAMES.get(r.channel, (r.channel, r.channel))
        level = LEVEL_NAMES.get(r.level, (r.level, r.level))
        return {"rating_id": r.rating_id, "ticket_id": r.ticket_id, "step": r.step, "number": r.number,
                "business_day": r.business_day.isoformat(), "level": r.level, "level_name": level[0],
                "level_name_en": level[1], "reasons": reasons, "comment": r.comment, "channel": r.channel,
                "channel_name": channel[0], "channel_name_en": channel[1], "window": r.window, "staff": r.staff,
                "staff_name": self.staff_name(r.staff), "at": r.at.astimezone(self.tz).isoformat(timespec="seconds"),
                "excluded": r.excluded, "exclusion_reason": r.exclusion_reason}

    def history(self, case) -> list[dict]:
        """The case's events from the hall's log, in order: each step with who took it and when."""
        rows = self.reader.conn.execute(
            "SELECT seq, payload FROM events WHERE business_day >= ? AND name IN (%s)"
            " AND json_extract(payload, '$.case') = ? ORDER BY seq" % ",".join("?" * len(EVENT_NAMES)),
            (case.business_day.isoformat(), *EVENT_NAMES, case.case_id)).fetchall()
        out = []
        for seq, payload in rows:
            e = json.loads(payload)
            zh, en = EVENT_NAMES[e["event"]]
            words = {k: e[k] for k in ("note", "valid", "mode", "deadline", "view", "reason", "upheld", "decision",
                                       "from", "to", "level", "reasons", "comment") if k in e}
            out.append({"seq": seq, "event": e["event"], "name": zh, "name_en": en, "at": e.get("at"),
                        "by": e.get("by"), "by_name": self.staff_name(e.get("by")), **words})
        return out
