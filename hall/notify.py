"""Tell the hall's SMS gateway when a ticket is near the front.

When a waiting ticket has `notify.when_ahead` or fewer people ahead, the
gateway at `notify.url` gets one POST (docs/api.md, "SMS gateway webhook").
This runs on its own bus thread with a timeout, so a gateway that fails or
hangs never slows a call; a failure is logged once per run of failures.
Each ticket is told at most once a day, across restarts too: what became of
its message (sent, failed, or skipped because it started near the front) is
recorded in the store (`notices`) as soon as it is known.
"""
from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request

log = logging.getLogger(__name__)

# Events after which tickets may have moved closer to the front.
_MOVES = frozenset({"ticket_called", "ticket_cancelled", "ticket_transferred", "ticket_no_show",
                    "ticket_prioritised", "ticket_rejoined", "window_changed"})


class Notifier:
    """The gateway's address, when to tell, the timeout and the progress links' base are read from the
    hall's [notify] section in force at each event: a new configuration takes effect at the next one."""

    def __init__(self, hall):
        self.hall = hall
        self.day = hall.state.business_day
        self.told: set[int] = set(hall.store.notices_of_day(self.day))
        self.failing = False
        self.sent = 0
        self.failed = 0

    @property
    def url(self):
        return self.hall.config.notify.url

    @property
    def when_ahead(self) -> int:
        return self.hall.config.notify.when_ahead

    @property
    def timeout(self) -> float:
        return self.hall.config.notify.timeout_seconds

    @property
    def base_url(self) -> str:
        return (self.hall.config.notify.base_url or "").rstrip("/")

    def handle(self, event: dict) -> None:
        if not self.url:
            return       # no gateway: nothing is told, nothing recorded (a gateway added later starts then)
        if event["event"] == "business_day_started":
            self.told.clear()
            self.day = self.hall.state.business_day
        if event["event"] == "ticket_issued":
            # A ticket that starts near the front belongs to someone still at the kiosk: no message.
            t = self.hall.state.tickets.get(event["ticket"]["id"])
            if t is not None and self.hall.ahead_of(t) <= self.when_ahead:
                self._record(t.id, "skipped")
            return
        if event["event"] not in _MOVES:
            return
        for ticket_id, body in self._due():
            self._record(ticket_id, "sent" if self._post(body) else "failed")

    def _record(self, ticket_id: int, outcome: str) -> None:
        self.told.add(ticket_id)
        try:
            self.hall.store.put_notice(ticket_id, self.day, outcome, self.hall.clock())
        except Exception:            # the message is out; a store that cannot record it must not stop the bus
            log.exception("could not record the SMS notice of ticket %s", ticket_id)

    def _due(self) -> list[tuple[int, dict]]:
        hall = self.hall
        out = []
        hall._forecast()          # worked out before the lock (Hall._forecast); the reads below use it
        with hall._lock:
            for t in hall.state.waiting():
                if t.id in self.told:
                    continue
                ahead = hall.ahead_of(t)
                if ahead <= self.when_ahead:
                    self.told.add(t.id)
                    svc = hall.config.service(t.service)
                    out.append((t.id, {"event": "ticket_near", "hall": hall.config.name, "number": t.number,
                                "service": t.service, "service_name": svc.name if svc else t.service,
                                "ahead": ahead, "wait_minutes": hall.wait_minutes(t), "token": t.token,
                                "progress_url": f"{self.base_url}/t/{t.token}" if self.base_url else None}))
        return out

    def _post(self, body: dict) -> bool:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        req = urllib.request.Request(self.url, data=data, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                resp.read()
            self.sent += 1
            if self.failing:
                log.warning("SMS gateway %s answers again", self.url)
            self.failing = False
            return True
        except (OSError, urllib.error.URLError, ValueError) as exc:
            self.failed += 1
            if not self.failing:
                log.warning("SMS gateway %s failed (%s); ticket %s not told; logged once until it answers",
                            self.url, exc, body["number"])
            self.failing = True
            return False
