"""A scripted busy day against the real server, killed with SIGKILL at random moments.

Kiosks issue tickets, windows call, recall, transfer and finish, citizens rate on the serial
rater, the window's tablet and the phone, managers work the bad-rating cases, an admin changes
the configuration. A killer thread sends SIGKILL to the server's process group at a random
moment; the day notices (a request fails), checks the database file as the power cut left it,
starts the server again and checks what every client sees. Only what a client was told
(a 2xx answer, a serial rater's disarm after its press) is held against the hall: the request
in flight at the kill may or may not have happened.

`run_day(root, kills, seed)` returns the counts; any loss is an AssertionError naming it.
"""
from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import requests
import socketio

from tests.reliability.harness import (ACCOUNTS, RATER_BASE, WINDOWS, Person, ReliableHall,
                                       SimulatedDevices)

LEVELS = ["very_satisfied", "satisfied", "basic", "dissatisfied", "very_dissatisfied"]
RATER_KEY = {level: i + 1 for i, level in enumerate(LEVELS)}   # the default key map: 1 非常满意 … 5
SERVICES = ["A", "B", "F"]
DOWN = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


class Lost(AssertionError):
    """Something a client was told is not there after a restart."""


class Watcher:
    """A Socket.IO client of one audience that reconnects by itself and keeps its last snapshot."""

    def __init__(self, url: str, auth: dict, http: requests.Session | None = None):
        self.url, self.auth = url, auth
        self.snapshots: list[dict] = []
        self.sio = socketio.Client(reconnection=True, reconnection_delay=0.3, reconnection_delay_max=1.0,
                                   randomization_factor=0.1, http_session=http)
        self.sio.on("snapshot", self._snapshot, namespace="/hall")

    def _snapshot(self, data):
        self.snapshots.append(data)

    def connect(self) -> None:
        self.sio.connect(self.url, namespaces=["/hall"], auth=self.auth, transports=["websocket"],
                         wait_timeout=30)

    def fresh_snapshot(self, timeout: float = 60) -> dict:
        """Ask for a snapshot now and wait for it (the client reconnects first if it must)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            n = len(self.snapshots)
            try:
                self.sio.emit("snapshot_request", namespace="/hall")
            except Exception:
                time.sleep(0.3)
                continue
            end = time.monotonic() + 5
            while time.monotonic() < end and len(self.snapshots) == n:
                time.sleep(0.05)
            if len(self.snapshots) > n:
                return self.snapshots[-1]
        raise Lost(f"socket {self.auth} did not resynchronise within {timeout} s")

    def close(self) -> None:
        try:
            self.sio.disconnect()
        except Exception:
            pass


# What the clock alone moves, with no event: the time of the answer, and the estimated waits (they
# count the minutes already served at each window). Two views of one seq differ only there.
CLOCK_FIELDS = ("now", "prev", "wait_minutes")


def _stable(value):
    """A JSON value without the fields the clock moves."""
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in CLOCK_FIELDS}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def _differences(a, b, path="") -> list[str]:
    """Where two JSON values differ, as paths (the first few), for a readable failure."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            out += _differences(a.get(k, "<absent>"), b.get(k, "<absent>"), f"{path}.{k}")
        return out[:8]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += _differences(x, y, f"{path}[{i}]")
        return out[:8]
    return [] if a == b else [f"{path}: {str(a)[:120]} != {str(b)[:120]}"]


class Day:
    def __init__(self, root: Path, seed: int, rating_timeout: float = 8):
        self.rng = random.Random(seed)
        self.seed = seed
        self.devices = SimulatedDevices(rating_timeout=rating_timeout, printer=False, led=False,
                                        keypads=False, wireless=False)
        self.hall = ReliableHall(root, self.devices).start()
        self.kiosks = [Person(self.hall) for _ in range(3)]
        self.citizen = Person(self.hall)          # the phones and the tablets: anonymous
        self.clerks = {w: Person(self.hall, u, w) for u, _, role, w in ACCOUNTS if w in WINDOWS}
        self.managers = [Person(self.hall, u) for u, _, role, _ in ACCOUNTS if role == "manager"]
        self.admin = next(Person(self.hall, u) for u, _, role, _ in ACCOUNTS if role == "admin")
        for p in list(self.clerks.values()) + self.managers + [self.admin]:
            p.sign_in()
        self.ops: Counter = Counter()             # acknowledged operations by kind
        self.refused: Counter = Counter()         # 4xx answers by code (the hall said no: nothing lost)
        self.tickets: dict[tuple[str, str], dict] = {}   # (day, number) -> {"id", "token"} told to a kiosk
        self.ratings: dict[tuple[int, int], tuple[str | None, str]] = {}   # (ticket id, step) -> (level, channel)
        self.case_steps: dict[int, str] = {}      # event seq -> event name, of each acknowledged case step
        self.config_versions: set[int] = set()
        self.finished: list[dict] = []            # {"ticket", "window", "at"} of acknowledged finishes
        self.kills = 0
        self.in_flight: list[str] = []            # the ops since the last /api/state read
        self.state: dict | None = None            # /api/state as the manager saw it last
        self.kill_at = None
        self.watchers: list[Watcher] = []

    # -- the day's operations ------------------------------------------------------------

    def _ok(self, kind: str, r: requests.Response) -> dict | None:
        if 200 <= r.status_code < 300:
            self.ops[kind] += 1
            return r.json()
        assert r.status_code < 500, (kind, r.status_code, r.text[:500])
        code = (r.json().get("error") or {}).get("code") if r.headers.get("content-type", "").startswith(
            "application/json") else str(r.status_code)
        self.refused[code] += 1
        return None

    def issue(self) -> None:
        kiosk = self.rng.choice(self.kiosks)
        body = self._ok("issue", kiosk.post("/api/tickets", {"service": self.rng.choice(SERVICES)}))
        if body:
            t = body["ticket"]
            key = (t["business_day"], t["number"])
            if key in self.tickets and self.tickets[key]["id"] != t["id"]:
                raise Lost(f"number {t['number']} was given twice on {t['business_day']}")
            self.tickets[key] = {"id": t["id"], "token": body["token"], "number": t["number"]}

    def window_step(self) -> None:
        w = self.rng.choice(WINDOWS)
        clerk = self.clerks[w]
        current = next(x for x in self.state["windows"] if x["id"] == w)["current"] if self.state else None
        status = current["status"] if current else None
        roll = self.rng.random()
        if status == "called":
            action = "start" if roll < 0.75 else "recall" if roll < 0.92 else "no-show"
        elif status == "serving":
            action = "finish" if roll < 0.8 else "transfer"
        else:
            action = "call-next"
        body = {"service": self.rng.choice([s for s in SERVICES if s not in ("F",)])} if action == "transfer" else None
        answer = self._ok(action, clerk.post(f"/api/windows/{w}/{action}", body))
        if answer and action == "finish" and answer.get("ticket"):
            self.finished.append({"ticket": answer["ticket"], "window": w, "at": time.monotonic()})

    def rate(self) -> None:
        recent = [f for f in self.finished[-12:] if not f.get("rated")]
        if not recent:
            return
        f = self.rng.choice(recent)
        t, w = f["ticket"], f["window"]
        level = self.rng.choice(LEVELS + LEVELS[3:])      # bad ratings often enough to give the managers cases
        step = len(t.get("steps") or [])
        channel = self.rng.choice(["rater", "tablet", "phone"])
        f["rated"] = True
        if channel == "tablet":
            body = {"ticket_id": t["id"], "level": level}
            if level in LEVELS[3:]:
                body["reasons"] = ["slow"]
            if self._ok("rate_tablet", self.citizen.post(f"/api/rater/{w}/rating", body)):
                self.ratings[(t["id"], step)] = (level, "tablet")
        elif channel == "phone":
            token = self.tickets.get((t["business_day"], t["number"]), {}).get("token")
            if token and self._ok("rate_phone", self.citizen.post(f"/api/progress/{token}/rating", {"level": level})):
                self.ratings[(t["id"], step)] = (level, "phone")
        else:
            raters, address = self.devices.raters, RATER_BASE + w
            if raters.armed.get(address) != t["number"]:
                return                            # the rater moved on (the next finish, or its time ran out)
            acks = len(raters.acks[address])
            if not raters.press(address, RATER_KEY[level]):
                return
            # The host acks the press, records the rating, then disarms: a disarm after our ack is its answer.
            if raters.wait(lambda: len(raters.acks[address]) > acks and raters.armed.get(address) is None, 5):
                self.ops["rate_rater"] += 1
                self.ratings[(t["id"], step)] = (level, "rater")

    def work_case(self) -> None:
        manager = self.rng.choice(self.managers)
        listed = self._ok("cases_read", manager.get("/api/cases?status=open"))
        if not listed:
            return
        cases = [c for c in listed["cases"] if set(c.get("actions") or []) & {"verify", "rectify", "rectify_done",
                                                                                 "callback"}]
        if not cases:
            return
        case = self.rng.choice(cases)
        action = next(a for a in ("verify", "rectify", "rectify_done", "callback") if a in case["actions"])
        body = {"verify": {"note": "已核实"}, "rectify": {"mode": self.rng.choice(["on_spot", "ledger"]),
                                                          "note": "当场整改"},
                "rectify_done": {"note": "整改完成"}, "callback": {"view": "satisfied", "note": "回访满意"}}[action]
        answer = self._ok("case_" + action, manager.post(f"/api/cases/{case['case_id']}/{action}", body))
        if answer:
            last = answer["history"][-1]
            self.case_steps[last["seq"]] = last["event"]

    def change_config(self) -> None:
        current = self._ok("config_read", self.admin.get("/api/admin/config"))
        if not current:
            return
        config = current["config"]
        config["alarms"]["wait_minutes"] = self.rng.choice([25, 30, 35, 40, 45])
        answer = self._ok("config_change", self.admin.put("/api/admin/config", {
            "version": current["version"], "config": config, "note": f"crash test, seed {self.seed}"}))
        if answer and answer.get("changed"):
            self.config_versions.add(answer["version"])

    def read_state(self) -> None:
        r = self.managers[0].get("/api/state")
        assert r.status_code == 200, r.text[:300]
        self.state, self.in_flight = r.json(), []

    def step(self) -> None:
        op = self.rng.choices([self.issue, self.window_step, self.rate, self.work_case, self.change_config],
                              weights=[20, 50, 18, 8, 2])[0]
        self.in_flight.append(op.__name__)
        op()
        self.read_state()

    # -- the kills -----------------------------------------------------------------------

    def arm_killer(self, low: float, high: float) -> threading.Thread:
        delay = self.rng.uniform(low, high)
        done = threading.Event()

        def kill():
            time.sleep(delay)
            self.hall.kill()
            done.set()
        threading.Thread(target=kill, name="killer", daemon=True).start()
        return done

    def run_until_killed(self, killed: threading.Event) -> None:
        while not killed.is_set():
            try:
                self.step()
            except DOWN:
                break
        killed.wait(60)
        self.kills += 1

    # -- the checks ----------------------------------------------------------------------

    def check_file(self) -> None:
        """The database as the power cut left it: everything acknowledged is there."""
        rows = self.hall.read("SELECT business_day, number, id, status, steps FROM tickets")
        stored = {(d, n): (i, s, json.loads(steps or "[]")) for d, n, i, s, steps in rows}
        counts = Counter((d, n) for d, n, *_ in rows)
        twice = [k for k, c in counts.items() if c > 1]
        if twice:
            raise Lost(f"numbers repeated within a business day: {twice}")
        missing = [k for k, t in self.tickets.items() if stored.get(k, (None,))[0] != t["id"]]
        if missing:
            raise Lost(f"tickets a kiosk was given are missing after the kill: {missing}")
        ratings = {(t, s): (lvl, ch) for t, s, lvl, ch in self.hall.read("SELECT ticket_id, step, level, channel FROM ratings")}
        gone = [k for k, v in self.ratings.items() if ratings.get(k) != v]
        if gone:
            raise Lost(f"acknowledged ratings missing or changed: {[(k, self.ratings[k], ratings.get(k)) for k in gone]}")
        per_step = Counter((t, s) for t, s, *_ in self.hall.read("SELECT ticket_id, step FROM ratings"))
        double = [k for k, c in per_step.items() if c > 1]
        if double:
            raise Lost(f"steps with more than one rating record: {double}")
        self.check_unrated_not_early()
        events = dict(self.hall.read("SELECT seq, name FROM events"))
        steps_gone = [(seq, name) for seq, name in self.case_steps.items() if events.get(seq) != name]
        if steps_gone:
            raise Lost(f"acknowledged case steps missing from the event log: {steps_gone}")
        if self.config_versions:
            versions = {v for (v,) in self.hall.read("SELECT version FROM config_versions")}
            if not self.config_versions <= versions:
                raise Lost(f"acknowledged configuration versions missing: {sorted(self.config_versions - versions)}")

    def check_unrated_not_early(self) -> None:
        """An "unrated" is recorded only once the rating time is over: the rater's timeout after the
        finish, or a later finish at that window (the rater is armed with the next citizen then).
        Judged from the event log, in its order (its times are to the second)."""
        finished: dict[int, tuple[int, datetime, int]] = {}     # ticket id -> (seq, at, window) of its finish
        later: dict[int, list[int]] = {}                         # window -> seqs of its finishes
        early = []
        for seq, at, name, ticket, window, level in self.hall.read(
                "SELECT seq, at, name, ticket_id, json_extract(payload, '$.window'), json_extract(payload, '$.level')"
                " FROM events WHERE name IN ('ticket_finished', 'ticket_rated') ORDER BY seq"):
            if name == "ticket_finished":
                finished[ticket] = (seq, datetime.fromisoformat(at), window)
                later.setdefault(window, []).append(seq)
            elif level is None and ticket in finished:
                f_seq, f_at, f_window = finished[ticket]
                over = datetime.fromisoformat(at) >= f_at + timedelta(seconds=self.devices.rating_timeout - 1)
                moved_on = any(f_seq < s < seq for s in later.get(f_window, []))
                if not over and not moved_on:
                    early.append((ticket, f_seq, seq))
        if early:
            raise Lost(f"'unrated' recorded before the rating time was over (ticket id, finish seq, unrated seq): {early}")

    def check_state(self, before: dict | None, in_flight: list[str]) -> dict:
        """/api/state after the restart against the last one read before the kill."""
        r = self.managers[0].get("/api/state")
        if r.status_code != 200:
            raise Lost(f"/api/state after the restart answered {r.status_code}: {r.text[:300]}")
        after = r.json()
        if before is None:
            return after
        b = [t["number"] for t in before["waiting"]]
        a = [t["number"] for t in after["waiting"]]
        may_add = sum(op in ("issue", "window_step") for op in in_flight)    # a ticket issued, transferred, no-show
        may_remove = sum(op == "window_step" for op in in_flight)           # a ticket called
        added = [n for n in a if n not in b]
        kept = [n for n in b if n in a]
        if len(added) > may_add or len(b) - len(kept) > may_remove or kept != [n for n in a if n in b]:
            raise Lost(f"the waiting order changed over the kill (in flight: {in_flight}):\n before {b}\n after  {a}")
        touched = may_remove
        changed = [w["id"] for w, v in zip(before["windows"], after["windows"])
                   if (w["current"] or {}).get("number") != (v["current"] or {}).get("number")
                   or (w["current"] or {}).get("status") != (v["current"] or {}).get("status")]
        if len(changed) > touched:
            raise Lost(f"windows changed over the kill with no op in flight at them: {changed}")
        return after

    def connect_watchers(self) -> None:
        url = self.hall.url
        token = next(iter(self.tickets.values()))["token"]
        self.watchers = [Watcher(url, {"audience": "screens"}),
                         Watcher(url, {"audience": "counter", "window": 1}, http=self.clerks[1].http),
                         Watcher(url, {"audience": "phone", "token": token})]
        for w in self.watchers:
            w.connect()

    def check_watchers(self) -> None:
        """Each socket, reconnected by itself, shows what HTTP shows (its audience's view)."""
        display, counter, phone = self.watchers
        token = phone.auth["token"]
        views = [(display, lambda: self.citizen.get("/api/state").json()),
                 (counter, lambda: self.clerks[1].get("/api/state").json()),
                 (phone, lambda: self.citizen.get(f"/api/progress/{token}").json())]
        for watcher, http_view in views:
            for attempt in range(20):
                snap = watcher.fresh_snapshot()
                seen = http_view()
                if snap.get("seq") != seen.get("seq"):
                    continue                      # the hall's ticker moved on in between: ask again
                diff = _differences(_stable(snap), _stable(seen))
                if diff:
                    raise Lost(f"socket {watcher.auth['audience']} resynchronised to another state than "
                               f"HTTP's (socket != HTTP): {diff}")
                self.ops["socket_resync"] += 1
                break
            else:
                raise Lost(f"socket {watcher.auth['audience']} never matched /api/state")

    def check_every_finish_rated_once(self, wait: float) -> None:
        """After the rating time: each finished ticket's last step has exactly one record."""
        deadline = time.monotonic() + wait
        while True:
            rows = self.hall.read("SELECT t.id, t.number, t.steps, (SELECT count(*) FROM ratings r WHERE"
                                  " r.ticket_id = t.id AND r.step = json_array_length(t.steps)) FROM tickets t"
                                  " WHERE t.status = 'finished'")
            wrong = [(n, c) for _, n, _, c in rows if c != 1]
            if not wrong or time.monotonic() > deadline:
                break
            time.sleep(1)
        if wrong:
            raise Lost(f"finished tickets without exactly one rating or unrated record: {wrong}")
        self.ops["finished_rated_once"] = len(rows)

    def close(self) -> None:
        for w in self.watchers:
            w.close()
        self.hall.kill()
        self.devices.close()


def run_day(root: Path, kills: int, seed: int, log=print) -> dict:
    day = Day(root, seed)
    try:
        for _ in range(8):
            day.issue()
        day.read_state()
        day.connect_watchers()
        for n in range(kills):
            killed = day.arm_killer(0.5, 4.0)
            day.run_until_killed(killed)
            before, in_flight = day.state, day.in_flight
            day.check_file()
            day.hall.start()
            day.state = day.check_state(before, in_flight)
            day.in_flight = []
            day.check_watchers()
            log(f"kill {n + 1}/{kills}: {sum(day.ops.values())} operations acknowledged so far, nothing lost")
        # The day ends quietly: every rating time runs out, then every finish has its one record.
        day.check_every_finish_rated_once(wait=day.devices.rating_timeout + 60)
        day.check_file()
        return {"seed": seed, "kills": day.kills, "operations": sum(day.ops.values()), "by_kind": dict(day.ops),
                "refused": dict(day.refused), "tickets": len(day.tickets), "ratings": len(day.ratings),
                "case_steps": len(day.case_steps), "config_versions": len(day.config_versions), "lost": 0}
    finally:
        day.close()
