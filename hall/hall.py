"""The hall: one entry point for every action, whoever asks.

The counter page, the keypads, the raters and the CLI all call these
methods. Each runs the engine under one lock, commits the result, applies it
to memory, and only then publishes its events — so nothing is told before it
is stored, and numbers are unique however many kiosks issue at once.
"""
from __future__ import annotations

import threading
from datetime import datetime
from typing import Callable, Optional

from hall.bus import Bus
from hall.clock import system_now
from hall.engine import Change, Engine, apply
from hall.model import HallConfig, Ticket
from hall.serialize import Serializer
from hall.store import Store


class Hall:
    def __init__(self, config: HallConfig, store: Store, bus: Optional[Bus] = None,
                 clock: Callable[[], datetime] = system_now):
        self.config = config
        self.store = store
        self.bus = bus or Bus()
        self.clock = clock
        self.engine = Engine(config)
        self.ser = Serializer(config, self.engine.tz)
        self._lock = threading.RLock()
        self.state = store.load_state(self.engine.business_day(clock()))
        self._roll()

    # -- the mechanism ---------------------------------------------------------

    def _run(self, action: Callable[..., Change], *args):
        with self._lock:
            now = self.clock()
            change = self.engine.roll_day(self.state, now)
            if change.new_day is not None:
                self._commit(change)
            change = action(self.state, *args, now)
            self._commit(change)
            return change.result

    def _commit(self, change: Change) -> None:
        if not (change.tickets or change.windows or change.events or change.ratings or change.new_day):
            return
        fresh = {t.id: t for t in change.tickets}

        def lookup(tid):
            return fresh.get(tid) or self.state.tickets.get(tid)

        payloads = [self.ser.event(e, lookup) for e in change.events]
        seqs = self.store.commit(change, payloads, self.state.business_day)
        apply(self.state, change)
        for payload, seq in zip(payloads, seqs):
            payload["seq"] = seq
            self.state.last_seq = seq
            self.bus.publish(payload)

    def _roll(self) -> None:
        with self._lock:
            self._commit(self.engine.roll_day(self.state, self.clock()))

    # -- actions ---------------------------------------------------------------

    def issue_ticket(self, service: str) -> Ticket:
        return self._run(self.engine.issue_ticket, service)

    def cancel(self, number: str) -> Ticket:
        return self._run(self.engine.cancel, number)

    def open_window(self, window_id: int, staff: str, staff_name: str):
        return self._run(self.engine.open_window, window_id, staff, staff_name)

    def close_window(self, window_id: int):
        return self._run(self.engine.close_window, window_id)

    def call_next(self, window_id: int) -> Ticket:
        return self._run(self.engine.call_next, window_id)

    def call(self, window_id: int, number: str) -> Ticket:
        return self._run(self.engine.call, window_id, number)

    def recall(self, window_id: int) -> Ticket:
        return self._run(self.engine.recall, window_id)

    def no_show(self, window_id: int) -> Ticket:
        return self._run(self.engine.no_show, window_id)

    def start(self, window_id: int) -> Ticket:
        return self._run(self.engine.start, window_id)

    def finish(self, window_id: int) -> Ticket:
        return self._run(self.engine.finish, window_id)

    def pause(self, window_id: int, reason: str):
        return self._run(self.engine.pause, window_id, reason)

    def resume(self, window_id: int):
        return self._run(self.engine.resume, window_id)

    def record_rating(self, ticket_id: int, window_id: int, staff: Optional[str], level: str,
                      channel: str = "rater", device: Optional[str] = None):
        return self._run(self.engine.rate, ticket_id, window_id, staff, level, channel, device)

    def record_unrated(self, ticket_id: int, window_id: int, staff: Optional[str], device: Optional[str] = None):
        """The citizen did not rate in time: kept as its own figure, never counted as satisfied."""
        return self._run(self.engine.rate, ticket_id, window_id, staff, None, "rater", device)

    # -- reading ---------------------------------------------------------------

    def ticket_json(self, t: Ticket) -> dict:
        return self.ser.ticket(t)

    def window_json(self, window_id: int) -> dict:
        with self._lock:
            w = self.engine._window(self.state, window_id)
            return self.ser.window(w, self.state.tickets.get)

    def ahead_of(self, t: Ticket) -> int:
        """How many tickets of the same service wait before this one."""
        with self._lock:
            return sum(1 for x in self.state.waiting((t.service,)) if (x.issued_at, x.id) < (t.issued_at, t.id))

    def waiting_for_window(self, window_id: int) -> list[dict]:
        with self._lock:
            cfg = self.engine._window_cfg(window_id)
            return [self.ser.ticket(t) for t in self.state.waiting(cfg.services)]

    def services_json(self) -> list[dict]:
        with self._lock:
            counts = {s.code: 0 for s in self.config.services}
            for t in self.state.waiting():
                counts[t.service] += 1
        return [{"code": s.code, "prefix": s.prefix, "name": s.name, "name_en": s.name_en,
                 "waiting": counts[s.code], "open": True} for s in self.config.services]

    def snapshot(self) -> dict:
        """Everything a screen needs to draw the hall, with the seq it is current to."""
        with self._lock:
            st = self.state
            waiting = st.waiting()
            services = []
            for s in self.config.services:
                mine = [t for t in waiting if t.service == s.code]
                services.append({"code": s.code, "prefix": s.prefix, "name": s.name, "name_en": s.name_en,
                                 "waiting": len(mine),
                                 "longest_waiting_since": self.ser.ticket(mine[0])["issued_at"] if mine else None})
            windows = [self.ser.window(self.engine._window(st, w.id), st.tickets.get) for w in self.config.windows]
            recent = [{k: c.get(k) for k in ("number", "service", "window", "window_name", "window_name_en",
                                              "at", "seq", "recall")}
                      for c in self.store.recent_calls(10)]
            return {"seq": st.last_seq, "business_day": st.business_day.isoformat(),
                    "now": self.clock().astimezone(self.engine.tz).isoformat(timespec="seconds"),
                    "hall": {"name": self.config.name, "name_en": self.config.name_en},
                    "services": services, "windows": windows,
                    "waiting": [self.ser.ticket(t) for t in waiting], "recent_calls": recent}
