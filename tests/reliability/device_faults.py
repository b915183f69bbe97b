"""A busy hour with every simulated device's cable pulled and put back, again and again.

The wires, as a hall has them: the ticket printer on TCP, the LED strips and the main screen
on one RS-485 line, the keypads and raters on another, the wireless receiver on its own serial
port. Each round pulls one wire while the windows go on calling (so calls happen while a strip
is dark), puts it back, feeds random bytes down it from the device's side, and checks: the
server answered every request, every device on the wire is back online on the board's device
list (/api/state `devices`), each window strip shows its window's current call again and the
main screen the newest call, a keypad's or the wireless remote's key calls a ticket again.
Once, the printer runs out of paper: the ticket issued then is listed for reprint.
At the end the hall's own fault record (its `device_changed` events, what the board and the
device_fault alarm are built from) must count exactly the faults injected, device by device.

`run_hour(root, replugs, seed)` returns the counts; a fault not recovered is an AssertionError.
"""
from __future__ import annotations

import random
import time
from collections import Counter
from pathlib import Path

from tests.reliability.harness import (ACCOUNTS, MAIN_SCREEN, WINDOWS, WIRELESS_REMOTE, WIRELESS_WINDOW,
                                       Person, ReliableHall, SimulatedDevices)

WIRES = ("printer", "led", "rs485", "wireless")
OK_STATES = ("online",)


class Hour:
    def __init__(self, root: Path, seed: int):
        self.rng = random.Random(seed)
        self.devices = SimulatedDevices(rating_timeout=8)
        self.hall = ReliableHall(root, self.devices).start()
        self.kiosk = Person(self.hall)
        self.clerks = {w: Person(self.hall, u, w) for u, _, _, w in ACCOUNTS if w in WINDOWS}
        self.manager = Person(self.hall, "manager")
        for p in list(self.clerks.values()) + [self.manager]:
            p.sign_in()
        self.on_wire = {
            "printer": ["printer"],
            "led": [f"strip-{w}" for w in WINDOWS] + ["main-screen"],
            "rs485": [f"rater-{w}" for w in WINDOWS] + [f"keypad-{w}" for w in WINDOWS],
            "wireless": ["wireless"],
        }
        self.unplugs: Counter = Counter()       # wire -> times pulled
        self.garbage: Counter = Counter()       # wire -> random bytes fed
        self.requests = Counter()
        self.start_seq = self.manager.get("/api/state").json()["seq"]
        self.wait_states(self.devices.ids(), online=True)

    # -- the busy hour ----------------------------------------------------------------------

    def _ok(self, kind: str, r) -> dict | None:
        assert r.status_code < 500, (kind, r.status_code, r.text[:300])
        self.requests[kind] += 1
        return r.json() if r.status_code < 300 else None

    def traffic(self, n: int) -> None:
        """Tickets flowing: kiosks issue, windows call, start and finish."""
        for _ in range(n):
            if self.rng.random() < 0.4:
                self._ok("issue", self.kiosk.post("/api/tickets", {"service": self.rng.choice("ABF")}))
                continue
            w = self.rng.choice(WINDOWS)
            window = next(x for x in self.state()["windows"] if x["id"] == w)
            status = (window["current"] or {}).get("status")
            action = {"called": "start", "serving": "finish"}.get(status, "call-next")
            self._ok(action, self.clerks[w].post(f"/api/windows/{w}/{action}"))

    def state(self) -> dict:
        r = self.manager.get("/api/state")
        assert r.status_code == 200, r.text[:300]
        return r.json()

    def wait_states(self, ids, online: bool, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            states = {d["device"]: d["state"] for d in self.state()["devices"]}
            wrong = [i for i in ids if (states.get(i) in OK_STATES) != online]
            if not wrong:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"devices {wrong} did not come {'back online' if online else 'off line'}"
                                     f" within {timeout} s: {states}")
            time.sleep(0.1)

    # -- the faults -------------------------------------------------------------------------

    def pull(self, wire: str) -> None:
        d = self.devices
        if wire == "printer":
            d.printer_carrier.unplug(for_seconds=2.0)    # the simulated printer's cable comes back by itself
        elif wire == "led":
            d.led.endpoint.unplug()
        elif wire == "rs485":
            d.line.endpoint.unplug()
        else:
            d.wireless.endpoint.unplug()
        self.unplugs[wire] += 1

    def put_back(self, wire: str) -> None:
        d = self.devices
        if wire == "led":
            d.led.endpoint.replug()
        elif wire == "rs485":
            d.line.endpoint.replug()
        elif wire == "wireless":
            d.wireless.endpoint.replug()

    def feed_garbage(self, wire: str) -> None:
        """Random bytes from the device's side of the wire: line noise, a device gone mad."""
        endpoint = {"led": self.devices.led.endpoint, "rs485": self.devices.line.endpoint,
                    "wireless": self.devices.wireless.endpoint}.get(wire)
        if endpoint is None:
            return      # the simulated printer answers only what it is asked
        noise = bytes(self.rng.randrange(256) for _ in range(self.rng.randint(1, 64)))
        if endpoint.send(noise):
            self.garbage[wire] += len(noise)

    def check_strips(self, timeout: float = 30) -> None:
        """Each strip shows its window's current call, the main screen the hall's newest call."""
        deadline = time.monotonic() + timeout
        while True:
            s = self.state()
            calls = {w["id"]: w["current"]["number"] for w in s["windows"] if w["id"] in WINDOWS and w["current"]}
            missing = [(w, n, self.devices.led.text(w)) for w, n in calls.items() if n not in self.devices.led.text(w)]
            main = self.devices.led.text(MAIN_SCREEN)
            # The main screen shows the newest calls, as many as it has rows: the newest must be there.
            newest = s["recent_calls"][0]["number"] if s["recent_calls"] else None
            if newest and newest not in main:
                missing.append(("main", newest, main))
            if not missing:
                self.requests["strips_checked"] += 1
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"calls missing from the LED strips after their reconnect: {missing}")
            time.sleep(0.2)

    def round(self, wire: str) -> None:
        ids = self.on_wire[wire]
        self.pull(wire)
        self.wait_states(ids, online=False)
        self.traffic(self.rng.randint(1, 4))          # calls while the wire is down
        self.put_back(wire)
        self.wait_states(ids, online=True)
        for _ in range(self.rng.randint(1, 3)):
            self.feed_garbage(wire)
        self.traffic(self.rng.randint(1, 3))
        if wire == "led":
            self.check_strips()
        elif wire in ("rs485", "wireless"):
            self.press_works(wire)

    def free_window(self, w: int) -> None:
        """Window `w` with nothing at it and a ticket waiting for it."""
        for _ in range(3):
            status = (self.window(w)["current"] or {}).get("status")
            if status is None:
                break
            self._ok("make_free", self.clerks[w].post(f"/api/windows/{w}/{'start' if status == 'called' else 'finish'}"))
        self._ok("issue", self.kiosk.post("/api/tickets", {"service": "B" if w in (3, 4) else "A"}))

    def window(self, w: int) -> dict:
        return next(x for x in self.state()["windows"] if x["id"] == w)

    def press_works(self, wire: str, timeout: float = 30) -> None:
        """A key pressed on the device after its replug reaches the hall: the window calls."""
        w = WIRELESS_WINDOW if wire == "wireless" else self.rng.choice(WINDOWS)
        self.free_window(w)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if wire == "wireless":
                self.devices.wireless.press(WIRELESS_REMOTE, 1)      # key 1: call
            else:
                self.devices.keypads.press(w, "call")
            until = time.monotonic() + 3
            while time.monotonic() < until:
                if self.window(w)["current"] is not None:
                    self.requests[f"{wire}_key_called"] += 1
                    return
                time.sleep(0.1)
        raise AssertionError(f"a {wire} key press at window {w} after the replug called nothing")

    def paper_out(self) -> str:
        """The roll runs out: the ticket issued now is listed for reprint."""
        self.devices.printer.set_state(paper="out")
        self.wait_states(["printer"], online=False)
        body = self._ok("issue", self.kiosk.post("/api/tickets", {"service": "A"}))
        assert body["print"]["status"] == "not_printed" and body["print"]["reason"] == "paper_out", body["print"]
        number = body["ticket"]["number"]
        listed = [t["number"] for t in self.clerks[1].get("/api/reprints").json()["tickets"]]
        assert number in listed, (number, listed)
        self.devices.printer.set_state(paper="ok")
        self.wait_states(["printer"], online=True)
        return number

    def faults_recorded(self) -> Counter:
        """Times each device went from online to any other state, by the hall's event log."""
        events, since = [], self.start_seq
        while True:
            batch = self.manager.get(f"/api/events?since={since}&limit=5000").json()["events"]
            if not batch:
                break
            events += batch
            since = batch[-1]["seq"]
        out, last = Counter(), {}
        for e in events:
            if e["event"] != "device_changed":
                continue
            if last.get(e["device"], "online") == "online" and e["state"] != "online":
                out[e["device"]] += 1
            last[e["device"]] = e["state"]
        return out

    def close(self) -> None:
        self.hall.kill()
        self.devices.close()


def run_hour(root: Path, replugs: int, seed: int, log=print) -> dict:
    hour = Hour(root, seed)
    try:
        hour.traffic(20)
        for n in range(replugs):
            for wire in WIRES:
                hour.round(wire)
            if (n + 1) % 10 == 0 or n + 1 == replugs:
                log(f"round {n + 1}/{replugs}: every wire pulled and put back {n + 1} times, all back online")
        reprint = hour.paper_out()
        recorded = hour.faults_recorded()
        expected = Counter({d: hour.unplugs[w] + (1 if d == "printer" else 0)
                            for w, ids in hour.on_wire.items() for d in ids})
        assert recorded == expected, f"the hall's fault record {dict(recorded)} is not what was injected {dict(expected)}"
        assert hour.manager.get("/healthz").json()["ok"] is True
        return {"seed": seed, "unplugs_per_wire": dict(hour.unplugs), "devices": len(hour.devices.ids()),
                "faults_recorded": sum(recorded.values()), "faults_injected": sum(expected.values()),
                "random_bytes": dict(hour.garbage), "requests": dict(hour.requests),
                "reprint_listed": reprint, "lost_calls": 0}
    finally:
        hour.close()
