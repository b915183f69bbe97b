"""The steps of a visit beyond one call: appointments, the green channel, rejoining, transfers.

Part of the engine (hall/engine.py's Engine inherits these rules) and pure
like it: each takes the hall's state and `now` and returns a Change.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Optional

from hall import policy
from hall.errors import HallError
from hall.events import Event
from hall.model import APPOINTMENT, CALLED, NO_SHOW, SERVING, WAITING, Appointment, Step, Ticket
from hall.state import Change, HallState


class VisitRules:
    def check_in(self, state: HallState, appt: Appointment, now: datetime, *, token: str = "") -> Change:
        """An appointment holder arrives: a ticket called first within the slot, or a clear refusal."""
        rules_ = self.config.appointments
        local = now.astimezone(self.tz)
        if appt.status == "checked_in":
            t = state.tickets.get(appt.ticket_id)
            raise HallError("already_checked_in", f"该预约已签到，号码是 {t.number if t else ''}。",
                            f"This appointment is already checked in{' as ' + t.number if t else ''}.")
        start = datetime.combine(appt.day, appt.slot_start, self.tz)
        end = datetime.combine(appt.day, appt.slot_end, self.tz)
        opens = start - timedelta(minutes=rules_.checkin_before_minutes)
        closes = end + timedelta(minutes=rules_.checkin_after_minutes)
        # Today's appointment already swept as missed (hall.py _commit_missed) is late, not unknown.
        if appt.day == state.business_day and (appt.status == "no_show" or (
                appt.status == "booked" and local > closes and not rules_.late_becomes_ordinary)):
            raise self._too_late(appt, closes)
        if appt.status != "booked" or appt.day != state.business_day:
            raise HallError("appointment_not_found", "没有找到今天的这个预约，请核对预约码或身份证号。",
                            "No appointment for today matches; check the code or ID number.", 404)
        if local < opens:
            raise HallError("appointment_too_early", f"您预约的时段是 {appt.slot_start:%H:%M}-{appt.slot_end:%H:%M}，"
                            f"请于 {opens:%H:%M} 后再来签到。",
                            f"Your slot is {appt.slot_start:%H:%M}-{appt.slot_end:%H:%M}; check in from {opens:%H:%M}.")
        priority = APPOINTMENT if local <= closes else None   # later: an ordinary ticket (late_becomes_ordinary)
        change = self.issue_ticket(state, appt.service, now, token=token, priority=priority,
                                   id_hash=appt.id_hash, id_masked=appt.id_masked, appointment=appt.code,
                                   matter=appt.matter)
        ticket = change.result
        done = replace(appt, status="checked_in", ticket_id=ticket.id)
        return Change(tickets=change.tickets, events=change.events, appointments=(done,),
                      result=(ticket, priority == APPOINTMENT))

    @staticmethod
    def _too_late(appt: Appointment, closes: datetime) -> HallError:
        slot = f"{appt.slot_start:%H:%M}-{appt.slot_end:%H:%M}"
        return HallError("appointment_too_late", f"您预约的时段 {slot} 签到截止于 {closes:%H:%M}，现已过时，预约已失效；"
                         "今天办理请取普通号排队，或重新预约。",
                         f"Check-in for your slot {slot} closed at {closes:%H:%M}; the appointment has lapsed. "
                         "Take an ordinary ticket to be served today, or book again.")

    def miss_appointments(self, state: HallState, missed: list[Appointment], earlier: dict[str, int],
                          now: datetime) -> Change:
        """Appointments never checked in become no-shows; repeated ones put the ID on the block list."""
        rules_ = self.config.appointments
        appts, events, blocks = [], [], []
        counts = dict(earlier)
        for a in missed:
            appts.append(replace(a, status="no_show"))
            events.append(Event("appointment_missed", now, data={
                "appointment": a.code, "service": a.service, "day": a.day.isoformat(),
                "slot": f"{a.slot_start:%H:%M}-{a.slot_end:%H:%M}", "id_masked": a.id_masked}))
            if a.id_hash and rules_.block_after_no_shows:
                counts[a.id_hash] = counts.get(a.id_hash, 0) + 1
                if counts[a.id_hash] >= rules_.block_after_no_shows and a.id_hash not in dict(blocks):
                    until = state.business_day + timedelta(days=rules_.block_days)
                    blocks.append((a.id_hash, until))
                    events.append(Event("id_blocked", now, data={"id_masked": a.id_masked, "until": until.isoformat(),
                                                                 "missed": counts[a.id_hash]}))
        return Change(appointments=tuple(appts), events=tuple(events), blocks=tuple(blocks))

    def mark_priority(self, state: HallState, number: str, category: str, now: datetime) -> Change:
        """A clerk puts a waiting ticket on the green channel."""
        if self.config.queue.category(category) is None:
            raise HallError("unknown_priority", "没有这个优先类别，请重新选择。", f"No priority category {category!r}.", 404)
        t = self._ticket_by_number(state, number)
        if t.status != WAITING:
            raise self._wrong_state(t, "设为优先", "made priority")
        nt = replace(t, priority=category)
        return Change(tickets=(nt,), events=(Event("ticket_prioritised", now, ticket=nt, data={"priority": category}),),
                      result=nt)

    def rejoin(self, state: HallState, number: str, now: datetime) -> Change:
        """A no-show comes back in time (过号重排): behind the configured number of waiting tickets."""
        q = self.config.queue
        t = self._ticket_by_number(state, number)
        if t.status != NO_SHOW:
            raise self._wrong_state(t, "重新排队", "rejoined")
        if t.finished_at is None or now - t.finished_at > timedelta(minutes=q.rejoin_minutes):
            raise HallError("rejoin_expired", f"{t.number} 过号已超过 {q.rejoin_minutes} 分钟，请重新取号。",
                            f"{t.number} missed its call more than {q.rejoin_minutes} minutes ago; take a new ticket.")
        place = policy.place_after(state.waiting((t.service,)), q.rejoin_after, now)
        nt = replace(t, status=WAITING, queued_at=place, joined_at=now, calls=(), started_at=None, finished_at=None,
                     window=None, staff=None, post=None, steps=t.steps + (self._step(t, "no_show", t.finished_at),))
        return Change(tickets=(nt,), events=(Event("ticket_rejoined", now, ticket=nt),
                                             self._queue_event(state, t.service, now, plus=nt)), result=nt)

    def transfer(self, state: HallState, window_id: int, service_code: str, target_window: Optional[int],
                 now: datetime) -> Change:
        """Send the current ticket on to another service (and maybe a window); it keeps its number."""
        w = self._open_window(state, window_id, allow_paused=True)
        t = self._current(state, w, "转移", "transfer")
        if t.status not in (CALLED, SERVING):
            raise self._wrong_state(t, "转移", "transferred")
        service = self._service(service_code)
        if target_window is not None:
            cfg = self._window_cfg(target_window)
            if service.code not in cfg.services + cfg.helps:
                raise HallError("not_served_here", f"{cfg.name}不办理{service.name}。",
                                f"{cfg.name_en} does not serve {service.name_en}.")
        waiting = state.waiting((service.code,))
        place = t.issued_at if self.config.queue.transfer_keeps_place else policy.head_of_line(waiting, now)
        nt = replace(t, status=WAITING, service=service.code, queued_at=place, joined_at=now, calls=(), started_at=None,
                     finished_at=None, window=None, staff=None, post=None, target_window=target_window,
                     steps=t.steps + (self._step(t, "transferred", now),))
        nw = replace(w, current=None)
        return Change(tickets=(nt,), windows=(nw,), events=(
            Event("ticket_transferred", now, ticket=nt, data={"from_service": t.service, "from_window": w.id,
                                                             "to_service": service.code,
                                                             "to_window": target_window}),
            Event("window_changed", now, window=nw),
            self._queue_event(state, service.code, now, plus=nt)), result=nt)

    def _step(self, t: Ticket, outcome: str, ended: datetime) -> Step:
        return Step(service=t.service, queued_at=t.place, calls=t.calls, started_at=t.started_at, ended_at=ended,
                    outcome=outcome, window=t.window, staff=t.staff, joined_at=t.joined_at, post=t.post)


