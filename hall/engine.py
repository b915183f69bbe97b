"""The queue rules. Pure: no Flask, no SQL, no clock — `now` is handed in.

Each action takes the hall's state and returns a `Change`: the tickets and
window states that are new or different, and the events that say what
happened. Nothing is applied here; the hall applies a change only after the
store has committed it, so a refused or failed action leaves no trace.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Callable, Optional
from zoneinfo import ZoneInfo

from hall import cases, policy, ratings, rules
from hall.errors import HallError
from hall.events import Event
from assess.records import CaseRecord, RatingRecord, case_to_json
from hall.model import (APPOINTMENT, BAD_LEVELS, CALLED, CANCELLED, CLOSED, EXPIRED, FINISHED, NO_SHOW, OPEN,
                        PAUSE_REASONS, PAUSED, RATING_LEVELS, SERVING, WAITING, Call, HallConfig, Rating,
                        Ticket, WindowState)
from hall.state import Change, HallState
from hall.visits import VisitRules


_FROM_STATE = object()


def case_event(step_event: dict, case: CaseRecord, ticket: Optional[Ticket] = None) -> Event:
    """A case step's event dict (hall/cases.py) as an event of the hall's log, with the case as it is
    now (`record`): the log alone rebuilds every case figure (assess/replay.py, the city link)."""
    data = {("case" if k == "case_id" else k): (v.isoformat() if isinstance(v, date) and not isinstance(v, datetime)
                                                 else v)
            for k, v in step_event.items() if k not in ("name", "at")}
    data["record"] = case_to_json(case)
    return Event(step_event["name"], step_event["at"], ticket=ticket, data=data)


class Engine(VisitRules):
    """The hall's rules (the steps of a visit beyond one call: hall/visits.py).

    `config` is a HallConfig, or a function that returns the one in force (the hall's: a new
    version applied mid-day counts from the next action, with no engine of its own to rebuild).
    """

    def __init__(self, config: HallConfig | Callable[[], HallConfig]):
        self._config = config if callable(config) else (lambda: config)
        self._tz: tuple = (None, None)

    @property
    def config(self) -> HallConfig:
        return self._config()

    @property
    def tz(self) -> ZoneInfo:
        config = self._config()
        if self._tz[0] is not config:
            self._tz = (config, ZoneInfo(config.timezone))
        return self._tz[1]

    def business_day(self, now: datetime) -> date:
        return now.astimezone(self.tz).date()

    # -- the day -------------------------------------------------------------

    def roll_day(self, state: HallState, now: datetime) -> Change:
        """Start a new business day if `now` is past the current one.

        Tickets still open from the old day are closed as expired (never
        deleted); windows keep their staff but lose their current ticket.
        """
        today = self.business_day(now)
        if today <= state.business_day:
            return Change()
        expiry = self._expire_open(state, now)
        return expiry.then(Change(events=(Event("business_day_started", now, data={
            "business_day": today.isoformat(), "previous": state.business_day.isoformat()}),), new_day=today))

    def close_day(self, state: HallState, now: datetime) -> Change:
        """At the configured day end, tickets still open are closed as expired (never deleted)."""
        end = self.config.queue.day_end
        local = now.astimezone(self.tz)
        if state.day_closed or end is None or local.date() != state.business_day or local.time() < end:
            return Change()
        return self._expire_open(state, now).then(Change(events=(Event("business_day_ended", now, data={
            "business_day": state.business_day.isoformat()}),), day_closed=True))

    def _expire_open(self, state: HallState, now: datetime) -> Change:
        tickets, events, windows = [], [], []
        for t in sorted(state.tickets.values(), key=lambda t: t.id):
            if t.is_open:
                expired = replace(t, status=EXPIRED, finished_at=now)
                tickets.append(expired)
                events.append(Event("ticket_expired", now, ticket=expired))
        for w in sorted(state.windows.values(), key=lambda w: w.id):
            if w.current is not None:
                nw = replace(w, current=None)
                windows.append(nw)
                events.append(Event("window_changed", now, window=nw))
        return Change(tickets=tuple(tickets), windows=tuple(windows), events=tuple(events))

    # -- tickets -------------------------------------------------------------

    def issue_ticket(self, state: HallState, service_code: str, now: datetime, *, token: str = "",
                     priority: Optional[str] = None, matter: Optional[str] = None,
                     id_hash: Optional[str] = None, id_masked: Optional[str] = None,
                     appointment: Optional[str] = None) -> Change:
        """A new ticket at the back of a service's queue: prefix + daily number.

        Refused (with a sentence the kiosk shows) outside hours, past the
        quota, past the person's daily limit, for a blocked ID, or without the
        ID number a real-name service needs.
        """
        service = self._service(service_code)
        if matter is not None and service.matter(matter) is None:
            raise HallError("unknown_matter", f"{service.name}没有这个事项，请重新选择。",
                            f"{service.name_en} has no matter {matter!r}.", 404)
        if priority not in (None, APPOINTMENT) and self.config.queue.category(priority) is None:
            raise HallError("unknown_priority", "没有这个优先类别，请重新选择。", f"No priority category {priority!r}.", 404)
        today = state.tickets.values()
        rules.check_open(self.config, service, now.astimezone(self.tz), state.day_closed)
        rules.check_quota(service, today)
        rules.check_person(service, today, id_hash, state.blocked.get(id_hash) if id_hash else None,
                           state.business_day)
        serial = state.last_serial(service.prefix) + 1
        if serial >= 10 ** service.digits:
            raise HallError("quota_exhausted", f"{service.name}今日号已取完，请明天再来或预约。",
                            f"All of today's tickets for {service.name_en} are taken.")
        ticket = Ticket(id=state.next_ticket_id, business_day=state.business_day, service=service.code,
                        number=f"{service.prefix}{serial:0{service.digits}d}", serial=serial,
                        status=WAITING, issued_at=now, queued_at=now, token=token, priority=priority,
                        matter=matter, id_hash=id_hash, id_masked=id_masked, appointment=appointment)
        return Change(tickets=(ticket,),
                      events=(Event("ticket_issued", now, ticket=ticket),
                              self._queue_event(state, service.code, now, plus=ticket)),
                      result=ticket)

    def record_print(self, state: HallState, ticket_id: int, status: str, reason: Optional[str],
                     reprint: bool, now: datetime) -> Change:
        """What the printer made of a ticket: printed, or not (then it waits for a reprint)."""
        t = state.tickets.get(ticket_id)
        if t is None:
            raise HallError("unknown_ticket", "今天没有这个号。", "No such ticket today.", 404)
        nt = replace(t, print_status=status)
        return Change(tickets=(nt,), events=(Event("ticket_printed", now, ticket=nt, data={
            "status": status, "reason": reason, "reprint": reprint}),), result=nt)

    def device_changed(self, state: HallState, device: str, kind: str, dstate: str, detail: str,
                       now: datetime) -> Change:
        """A device's state changed (online, faulted, paper_out…): logged, shown on the board."""
        return Change(events=(Event("device_changed", now, data={"device": device, "kind": kind, "state": dstate,
                                                                  "detail": detail}),))

    def cancel(self, state: HallState, number: str, now: datetime) -> Change:
        """Withdraw a waiting ticket (the citizen left or asked)."""
        ticket = self._ticket_by_number(state, number)
        if ticket.status != WAITING:
            raise self._wrong_state(ticket, "取消", "cancelled")
        t = replace(ticket, status=CANCELLED, finished_at=now)
        return Change(tickets=(t,), events=(Event("ticket_cancelled", now, ticket=t),
                                            self._queue_event(state, t.service, now, minus=t)), result=t)

    # -- windows -------------------------------------------------------------

    def open_window(self, state: HallState, window_id: int, staff: str, staff_name: str, now: datetime) -> Change:
        """A staff member signs in at a window, holding its A or B post (AB岗) if they are one of its
        holders; anyone else may sign in too (post None), so a window is never left closed for want of them."""
        cfg = self._window_cfg(window_id)
        w = self._window(state, window_id)
        if w.status != CLOSED and w.staff not in (None, staff):
            raise HallError("window_taken", f"{self._wname(window_id)}已由{w.staff_name or w.staff}登录，请先在该窗口退出。",
                            f"Window {window_id} is signed in by {w.staff}; sign out there first.")
        if w.status != CLOSED and w.staff == staff:
            return Change(result=w)
        nw = replace(w, status=OPEN, staff=staff, staff_name=staff_name, pause_reason=None, since=now,
                     post=cfg.post_of(staff))
        return Change(windows=(nw,), events=(Event("window_changed", now, window=nw),), result=nw)

    def close_window(self, state: HallState, window_id: int, now: datetime) -> Change:
        """The staff member signs out. A current ticket stays with the window for the next clerk."""
        w = self._window(state, window_id)
        if w.status == CLOSED:
            return Change(result=w)
        nw = replace(w, status=CLOSED, staff=None, staff_name=None, pause_reason=None, since=now, post=None)
        return Change(windows=(nw,), events=(Event("window_changed", now, window=nw),), result=nw)

    def pause(self, state: HallState, window_id: int, reason: str, now: datetime) -> Change:
        w = self._open_window(state, window_id, allow_paused=True)
        if reason not in PAUSE_REASONS:
            raise HallError("invalid_reason", f"暂停原因 {reason!r} 无效，请选择：休息、会议、协助群众或其他。",
                            f"Pause reason {reason!r} is not valid; choose one of {', '.join(PAUSE_REASONS)}.", 400)
        if w.status == PAUSED:
            raise HallError("wrong_state", f"{self._wname(window_id)}已经暂停，请按“恢复”继续叫号。",
                            f"Window {window_id} is already paused; press resume to go on.")
        if w.current is not None:
            cur = state.tickets.get(w.current)
            raise HallError("wrong_state", f"请先办结或处理当前号 {cur.number if cur else ''} 再暂停。",
                            "Finish or settle the current ticket before pausing.")
        nw = replace(w, status=PAUSED, pause_reason=reason, since=now)
        return Change(windows=(nw,), events=(Event("window_changed", now, window=nw),), result=nw)

    def resume(self, state: HallState, window_id: int, now: datetime) -> Change:
        w = self._window(state, window_id)
        if w.status != PAUSED:
            raise HallError("wrong_state", f"{self._wname(window_id)}没有暂停，无需恢复。",
                            f"Window {window_id} is not paused.")
        nw = replace(w, status=OPEN, pause_reason=None, since=now)
        return Change(windows=(nw,), events=(Event("window_changed", now, window=nw),), result=nw)

    # -- calling and serving ---------------------------------------------------

    def call_next(self, state: HallState, window_id: int, now: datetime) -> Change:
        """Call the oldest waiting ticket among the services this window serves.

        A ticket being served is finished first, so one press serves the next
        citizen; a ticket that was called but not yet started must be settled
        (start, recall or no-show) before the next call.
        """
        w = self._open_window(state, window_id)
        cfg = self._window_cfg(window_id)
        before = self._settle_current(state, w, now)
        ticket = policy.pick_next(state.waiting(), cfg, w, self.config.queue.priority_ratio)
        if ticket is None:
            raise HallError("queue_empty", f"{self._wname(window_id)}所办业务暂无等候的号。",
                            f"No tickets are waiting for window {window_id}.")
        return before.then(self._call(state, replace(w, current=None) if before.windows else w, ticket, now))

    def call(self, state: HallState, window_id: int, number: str, now: datetime) -> Change:
        """Call one chosen waiting ticket (the clerk picked it from the list)."""
        w = self._open_window(state, window_id)
        cfg = self._window_cfg(window_id)
        ticket = self._ticket_by_number(state, number)
        if ticket.status != WAITING:
            raise self._wrong_state(ticket, "呼叫", "called")
        if ticket not in [t for tier in policy.candidates([ticket], cfg) for t in tier]:
            raise HallError("not_served_here", f"{ticket.number} 办理的业务不在{self._wname(window_id)}的办理范围内。",
                            f"{ticket.number} is for a service window {window_id} does not serve.")
        before = self._settle_current(state, w, now)
        return before.then(self._call(state, replace(w, current=None) if before.windows else w, ticket, now))

    def recall(self, state: HallState, window_id: int, now: datetime) -> Change:
        """Call the current ticket again; it keeps its place at this window."""
        w = self._open_window(state, window_id)
        t = self._current(state, w, "重呼", "recall")
        if t.status != CALLED:
            raise self._wrong_state(t, "重呼", "recalled")
        if len(t.calls) > self.config.queue.max_recalls:
            # Recalled as often as the hall allows: the citizen is not here.
            return self.no_show(state, window_id, now)
        nt = replace(t, calls=t.calls + (Call(now, window_id),))
        return Change(tickets=(nt,), events=(self._called_event(nt, w, now, recall=True),), result=nt)

    def no_show(self, state: HallState, window_id: int, now: datetime) -> Change:
        """The called citizen did not come: the ticket is closed as a no-show."""
        w = self._open_window(state, window_id, allow_paused=True)
        t = self._current(state, w, "过号", "mark as no-show")
        if t.status != CALLED:
            raise self._wrong_state(t, "过号", "marked as no-show")
        nt = replace(t, status=NO_SHOW, finished_at=now)
        nw = replace(w, current=None)
        return Change(tickets=(nt,), windows=(nw,), events=(Event("ticket_no_show", now, ticket=nt),
                                                             Event("window_changed", now, window=nw)), result=nt)

    def start(self, state: HallState, window_id: int, now: datetime) -> Change:
        """The citizen is at the window: service starts."""
        w = self._open_window(state, window_id, allow_paused=True)
        t = self._current(state, w, "开始办理", "start")
        if t.status != CALLED:
            raise self._wrong_state(t, "开始办理", "started")
        nt = replace(t, status=SERVING, started_at=now)
        return Change(tickets=(nt,), events=(Event("ticket_started", now, ticket=nt),), result=nt)

    def finish(self, state: HallState, window_id: int, now: datetime) -> Change:
        """Service is done. A called ticket finished without a start counts from its last call."""
        w = self._open_window(state, window_id, allow_paused=True)
        t = self._current(state, w, "办结", "finish")
        if t.status not in (CALLED, SERVING):
            raise self._wrong_state(t, "办结", "finished")
        implicit = t.status == CALLED
        nt = replace(t, status=FINISHED, finished_at=now,
                     started_at=t.started_at or (t.calls[-1].at if t.calls else now))
        nw = replace(w, current=None)
        return Change(tickets=(nt,), windows=(nw,),
                      events=(Event("ticket_finished", now, ticket=nt, data={"implicit_start": implicit}),
                              Event("window_changed", now, window=nw)), result=nt)

    def rate(self, state: HallState, ticket_id: int, window_id: Optional[int], level: Optional[str],
             channel: str, device: Optional[str], now: datetime, *, step: Optional[int] = None, reasons=(),
             comment: str = "", ticket: Optional[Ticket] = None, existing=_FROM_STATE) -> Change:
        """Record the citizen's rating of a served step (hall/ratings.py); a bad rating opens a case.

        `ticket` and `existing` come from the store for a ticket of an earlier business day
        (the phone rates the next morning); today's are read from the state.
        """
        t = ticket or state.tickets.get(ticket_id)
        if t is None:
            raise HallError("unknown_ticket", "找不到要评价的号。", "No such ticket.", 404)
        if existing is _FROM_STATE:
            existing = self._existing_rating(state, t, step, window_id)
        r = ratings.rate(t, level=level, channel=channel, now=now, rules=self.config.ratings, existing=existing,
                         step=step, window=window_id, device=device, reasons=reasons, comment=comment)
        event = Event("ticket_rated", now, ticket=t, data={
            "step": r.step, "level": level, "channel": channel, "device": device, "window": r.window,
            "staff": r.staff, "service": r.service, "matter": r.matter, "reasons": list(r.reasons),
            "comment": r.comment})
        change = Change(ratings=(r,), events=(event,), result=r)
        if level in BAD_LEVELS:
            record = RatingRecord(hall=self.config.code, rating_id=0, ticket_id=t.id, step=r.step,
                                  business_day=t.business_day, number=t.number, service=r.service, matter=r.matter,
                                  window=r.window, staff=r.staff, level=level, channel=channel, device=device,
                                  reasons=r.reasons, comment=r.comment, at=now)
            opened = cases.open_case(record, state.next_case_id, now)
            change = change.then(Change(cases=(opened.case,), events=(case_event(opened.event, opened.case, t),), result=r))
        return change

    @staticmethod
    def _existing_rating(state: HallState, t: Ticket, step: Optional[int], window_id: Optional[int]):
        """What today's state holds for the step a rating would go to (ratings.NOTHING, UNRATED or a level)."""
        if step is None:
            served = [s for s in ratings.served_steps(t) if window_id is None or s.window == window_id]
            if not served:
                return ratings.NOTHING
            step = served[-1].step
        if (t.id, step) not in state.rated:
            return ratings.NOTHING
        level = state.rated[(t.id, step)]
        return ratings.UNRATED if level is None else level

    # -- helpers ---------------------------------------------------------------

    def _call(self, state: HallState, w: WindowState, ticket: Ticket, now: datetime) -> Change:
        nt = replace(ticket, status=CALLED, calls=ticket.calls + (Call(now, w.id),), window=w.id, staff=w.staff,
                     post=w.post)
        streak = policy.streak_after(w, ticket, state.waiting(), self._window_cfg(w.id))
        nw = replace(w, current=nt.id, priority_streak=streak)
        return Change(tickets=(nt,), windows=(nw,),
                      events=(self._called_event(nt, nw, now, recall=False),
                              Event("window_changed", now, window=nw),
                              self._queue_event(state, nt.service, now, minus=ticket)), result=nt)

    def _settle_current(self, state: HallState, w: WindowState, now: datetime) -> Change:
        if w.current is None:
            return Change()
        t = state.tickets.get(w.current)
        if t is None or not t.is_open:
            return Change(windows=(replace(w, current=None),))
        if t.status == SERVING:
            nt = replace(t, status=FINISHED, finished_at=now)
            return Change(tickets=(nt,), windows=(replace(w, current=None),),
                          events=(Event("ticket_finished", now, ticket=nt, data={"implicit_start": False}),))
        raise HallError("ticket_pending", f"{t.number} 已呼叫但未开始办理：请先开始办理、重呼或标记过号。",
                        f"{t.number} was called but not started: start, recall or mark it as a no-show first.")

    def _called_event(self, t: Ticket, w: WindowState, now: datetime, recall: bool) -> Event:
        return Event("ticket_called", now, ticket=t, window=w, data={"recall": recall})

    def _queue_event(self, state: HallState, service: str, now: datetime, plus: Ticket | None = None,
                     minus: Ticket | None = None) -> Event:
        waiting = [t for t in state.waiting((service,)) if minus is None or t.id != minus.id]
        if plus is not None:
            waiting.append(plus)
        oldest = min((t.place for t in waiting), default=None)
        return Event("queue_changed", now, data={"service": service, "waiting": len(waiting),
                                                 "longest_waiting_since": oldest})

    def _service(self, code):
        """The service a ticket may join (be issued for, or transferred to) now."""
        service = self.config.service(code) if isinstance(code, str) else None
        if service is not None and service.retired:
            raise HallError("service_retired", f"{service.name}已停办，不再取号或转入；请选择其他业务。",
                            f"{service.name_en} is no longer offered; choose another service.", 409)
        if service is None:
            codes = ", ".join(s.code for s in self.config.services)
            raise HallError("unknown_service", f"没有代码为 {code!r} 的业务，请选择：{codes}。",
                            f"There is no service {code!r}; choose one of {codes}.", 404)
        return service

    def _window_cfg(self, window_id):
        cfg = self.config.window(window_id)
        if cfg is None:
            raise HallError("unknown_window", f"没有 {window_id} 号窗口。", f"There is no window {window_id}.", 404)
        return cfg

    def _window(self, state: HallState, window_id: int) -> WindowState:
        self._window_cfg(window_id)
        return state.windows.get(window_id) or WindowState(id=window_id)

    def _open_window(self, state, window_id, allow_paused=False) -> WindowState:
        w = self._window(state, window_id)
        if w.status == CLOSED:
            raise HallError("window_closed", f"{self._wname(window_id)}尚未登录开窗，请先登录。",
                            f"Window {window_id} is closed; sign in first.")
        if w.status == PAUSED and not allow_paused:
            raise HallError("window_paused", f"{self._wname(window_id)}已暂停，请先按“恢复”再叫号。",
                            f"Window {window_id} is paused; resume it before calling.")
        return w

    def _current(self, state, w: WindowState, verb_zh: str, verb_en: str) -> Ticket:
        t = state.tickets.get(w.current) if w.current is not None else None
        if t is None:
            raise HallError("no_current_ticket", f"{self._wname(w.id)}当前没有号，无法{verb_zh}。",
                            f"Window {w.id} has no current ticket to {verb_en}.")
        return t

    def _ticket_by_number(self, state, number) -> Ticket:
        t = state.ticket_of_number(number) if isinstance(number, str) else None
        if t is None:
            raise HallError("unknown_ticket", f"今天没有 {number} 号。", f"There is no ticket {number} today.", 404)
        return t

    def _wrong_state(self, t: Ticket, verb_zh: str, verb_en: str) -> HallError:
        names = {WAITING: "等候中", CALLED: "已呼叫", SERVING: "办理中", FINISHED: "已办结", NO_SHOW: "已过号",
                 CANCELLED: "已取消", EXPIRED: "已过期"}
        return HallError("wrong_state", f"{t.number} 当前{names[t.status]}，不能{verb_zh}。",
                         f"{t.number} is {t.status.replace('_', ' ')} and cannot be {verb_en}.")

    def _wname(self, window_id: int) -> str:
        cfg = self.config.window(window_id)
        return cfg.name if cfg else f"{window_id}号窗口"
