"""Tickets, windows, events and the snapshot as JSON-ready dicts.

One place decides how the hall looks from outside, so the API, the socket
events, the event log and the devices all see the same shapes.
"""
from __future__ import annotations

from datetime import datetime
from typing import Callable, Optional

from hall.alarms import service_limit
from hall.events import Event
from hall.model import APPOINTMENT, HallConfig, Ticket, WindowState


def iso(dt: Optional[datetime], tz) -> Optional[str]:
    return dt.astimezone(tz).isoformat(timespec="seconds") if dt else None


class Serializer:
    """`config`: a HallConfig, or a function that returns the one in force (the hall's)."""

    def __init__(self, config: HallConfig | Callable[[], HallConfig], tz=None):
        self._config = config if callable(config) else (lambda: config)
        self._tz = (None, tz)
        self.audio = False  # a voice device serves each call's joined announcement

    @property
    def config(self) -> HallConfig:
        return self._config()

    @property
    def tz(self):
        """The hall's time zone: the one given, else the configuration's."""
        config = self._config()
        if self._tz[0] is not config and (self._tz[0] is not None or self._tz[1] is None):
            from zoneinfo import ZoneInfo
            self._tz = (config, ZoneInfo(config.timezone))
        return self._tz[1]

    def ticket(self, t: Ticket) -> dict:
        """A ticket as the public sees it: never its token or ID number."""
        config, tz = self.config, self.tz     # the version in force, read once for the whole ticket
        svc = config.service(t.service)
        matter = svc.matter(t.matter) if svc and t.matter else None
        cat = config.queue.category(t.priority) if t.priority else None
        return {
            "id": t.id, "number": t.number, "service": t.service,
            "service_name": svc.name if svc else t.service,
            "service_name_en": svc.name_en if svc else t.service,
            "business_day": t.business_day.isoformat(), "status": t.status,
            "issued_at": iso(t.issued_at, tz),
            "calls": [{"at": iso(c.at, tz), "window": c.window} for c in t.calls],
            "started_at": iso(t.started_at, tz), "finished_at": iso(t.finished_at, tz),
            "window": t.window, "staff": t.staff, "post": t.post,
            "priority": t.priority,
            "priority_name": "预约" if t.priority == APPOINTMENT else cat.name if cat else None,
            "priority_name_en": "Appointment" if t.priority == APPOINTMENT else cat.name_en if cat else None,
            "matter": t.matter, "matter_name": matter.name if matter else None,
            "matter_name_en": matter.name_en if matter else None,
            "appointment": t.appointment, "queued_at": iso(t.place, tz), "target_window": t.target_window,
            "real_name": bool(t.id_hash), "print_status": t.print_status, "joined_at": iso(t.joined_at, tz),
            # The minutes this step may be served (限时), as the alarms judge it: the board shows its serving time against it.
            "limit_minutes": service_limit(config, t.service, t.matter_of(t.service)),
            "steps": [{"service": s.service, "queued_at": iso(s.queued_at, tz),
                       "calls": [{"at": iso(c.at, tz), "window": c.window} for c in s.calls],
                       "started_at": iso(s.started_at, tz), "ended_at": iso(s.ended_at, tz),
                       "outcome": s.outcome, "window": s.window, "staff": s.staff, "post": s.post,
                       "joined_at": iso(s.joined_at, tz)} for s in t.steps],
        }

    def window(self, w: WindowState, lookup: Callable[[int], Optional[Ticket]]) -> dict:
        cfg = self.config.window(w.id)
        current = lookup(w.current) if w.current is not None else None
        return {
            "id": w.id, "name": cfg.name if cfg else str(w.id), "name_en": cfg.name_en if cfg else str(w.id),
            "services": list(cfg.services) if cfg else [], "helps": list(cfg.helps) if cfg else [],
            "status": w.status, "pause_reason": w.pause_reason,
            "staff": {"username": w.staff, "name": w.staff_name or w.staff, "post": w.post} if w.staff else None,
            "current": self.ticket(current) if current else None, "since": iso(w.since, self.tz),
        }

    def event(self, e: Event, lookup: Callable[[int], Optional[Ticket]]) -> dict:
        """The event as pushed and logged, without its seq (the store gives that)."""
        out: dict = {"event": e.name, "at": iso(e.at, self.tz)}
        t = e.ticket
        if e.name == "ticket_called":
            cfg = self.config.window(e.window.id)
            out.update(number=t.number, service=t.service, window=e.window.id,
                       window_name=cfg.name, window_name_en=cfg.name_en, staff=e.window.staff, post=e.window.post,
                       recall=bool(e.data.get("recall")), ticket=self.ticket(t))
            if self.audio:
                out["audio_url"] = f"/audio/call/{t.number}/{e.window.id}.wav"
            return out
        if t is not None:
            out.update(number=t.number, service=t.service, window=t.window, ticket=self.ticket(t))
        if e.name == "window_changed":
            out["window"] = self.window(e.window, lookup)
        for k, v in e.data.items():
            out[k] = iso(v, self.tz) if isinstance(v, datetime) else v
        return out


def ticket_from_json(d: dict) -> Ticket:
    """A ticket back from its JSON (`Serializer.ticket`), as far as the JSON carries it: everything
    the figures need (its steps, calls, times, windows and clerks), never a token or an ID."""
    from datetime import date
    from hall.model import Call, Step

    def at(text):
        return datetime.fromisoformat(text) if text else None

    def calls(items):
        return tuple(Call(at(c["at"]), c["window"]) for c in items or ())
    steps = tuple(Step(service=s["service"], queued_at=at(s.get("queued_at")), calls=calls(s.get("calls")),
                       started_at=at(s.get("started_at")), ended_at=at(s.get("ended_at")), outcome=s["outcome"],
                       window=s.get("window"), staff=s.get("staff"), joined_at=at(s.get("joined_at")),
                       post=s.get("post"))
                  for s in d.get("steps") or ())
    number = d["number"]
    digits = "".join(ch for ch in number if ch.isdigit())
    return Ticket(id=d["id"], business_day=date.fromisoformat(d["business_day"]), service=d["service"], number=number,
                  serial=int(digits) if digits else 0, status=d["status"], issued_at=at(d["issued_at"]),
                  calls=calls(d.get("calls")), started_at=at(d.get("started_at")), finished_at=at(d.get("finished_at")),
                  window=d.get("window"), staff=d.get("staff"), queued_at=at(d.get("queued_at")),
                  priority=d.get("priority"), matter=d.get("matter"), appointment=d.get("appointment"),
                  target_window=d.get("target_window"), steps=steps, print_status=d.get("print_status"),
                  joined_at=at(d.get("joined_at")), post=d.get("post"))
