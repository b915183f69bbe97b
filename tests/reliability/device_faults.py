"""A busy hour with every simulated device's cable pulled and put back, again and again.

The wires, as a hall has them: the ticket printer on TCP, the LED strips and the main screen
on one RS-485 line, the keypads and raters on another, the wireless receiver on its own serial
port, the voice on the hall PC's sound server (a PulseAudio server of the test's own, its null
sink recorded). Each round pulls one wire while the windows go on calling (so calls happen while a strip
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
import re
import time
from collections import Counter
from pathlib import Path

from tests.reliability.harness import (ACCOUNTS, MAIN_SCREEN, WINDOWS, WIRELESS_REMOTE, WIRELESS_WINDOW,
                                       Person, ReliableHall, SimulatedDevices, Speaker)

WIRES = ("printer", "led", "rs485", "wireless", "voice")
OK_STATES = ("online",)


class Hour:
    def __init__(self, root: Path, seed: int):
        self.rng = random.Random(seed)
        self.speaker = Speaker(root / "speaker")
        self.speaker.plug()
        self.devices = SimulatedDevices(rating_timeout=8, speaker=self.speaker)
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
            "voice": ["voice"],
        }
        self.silenced: list[str] = []            # calls made while the speaker was away
        self.unplugs: Counter = Counter()       # wire -> times pulled
        self.garbage: Counter = Counter()       # wire -> random bytes fed
        self.requests = Counter()
        self.wait_states(self.devices.ids(), online=True)
        self.start_seq = self.manager.get("/api/state").json()["seq"]     # faults are counted from here

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
        elif wire == "wireless":
            d.wireless.endpoint.unplug()
        else:
            self.speaker.unplug()
        self.unplugs[wire] += 1

    def put_back(self, wire: str) -> None:
        d = self.devices
        if wire == "led":
            d.led.endpoint.replug()
        elif wire == "rs485":
            d.line.endpoint.replug()
        elif wire == "wireless":
            d.wireless.endpoint.replug()
        elif wire == "voice":
            self.speaker.plug()

    def feed_garbage(self, wire: str) -> None:
        """Random bytes from the device's side of the wire: line noise, a device gone mad."""
        if wire == "voice":
            return      # a sound output sends nothing back
        endpoint = {"led": self.devices.led.endpoint, "rs485": self.devices.line.endpoint,
                    "wireless": self.devices.wireless.endpoint, "printer": self.devices.printer_carrier}[wire]
        noise = bytes(self.rng.randrange(256) for _ in range(self.rng.randint(1, 64)))
        sent = endpoint.send_unasked(noise) if wire == "printer" else endpoint.send(noise)
        if sent:
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
        if wire == "voice":
            self.silenced.append(self.call_somewhere())
            self.settle_voice(self.silenced[-1])
        self.put_back(wire)
        self.wait_states(ids, online=True)
        for _ in range(self.rng.randint(1, 3)):
            self.feed_garbage(wire)
        self.traffic(self.rng.randint(1, 3))
        if wire == "led":
            self.check_strips()
        elif wire in ("rs485", "wireless"):
            self.press_works(wire)
        elif wire == "printer":
            self.prints()
        else:
            self.heard()

    def call_somewhere(self) -> str:
        """A call at some window; its label as the voice device names it (number-window)."""
        w = self.rng.choice(WINDOWS)
        self.free_window(w)
        body = self._ok("call-next", self.clerks[w].post(f"/api/windows/{w}/call-next"))
        assert body is not None and self.window(w)["current"], f"window {w} called nothing"
        return f"{self.window(w)['current']['number']}-{w}"

    def not_announced(self) -> list[str]:
        """The calls the server's log says were not announced (number-window), in order."""
        text = self.hall.server.log.read_text(encoding="utf-8", errors="replace")
        return re.findall(r"voice: (\S+) not announced", text)

    def settle_voice(self, label: str, timeout: float = 60) -> None:
        """The call `label` has had its turn at the voice, which found the speaker away."""
        deadline = time.monotonic() + timeout
        while label not in self.not_announced():
            if time.monotonic() > deadline:
                raise AssertionError(f"the call {label}, made while the speaker was away, is not in the log "
                                     f"as not announced within {timeout} s")
            time.sleep(0.2)

    def heard(self) -> None:
        """A call after the speaker came back is heard on it: libvlc plays into the new server."""
        self.call_somewhere()
        assert self.speaker.hear(timeout=60), "no sound on the speaker after it was plugged back"
        self.requests["voice_heard"] += 1

    def prints(self) -> None:
        """A ticket issued after the replug and the noise prints."""
        body = self._ok("issue", self.kiosk.post("/api/tickets", {"service": "A"}))
        assert body["print"]["status"] == "printed", ("a ticket after the printer's replug", body["print"])
        self.requests["printed_after_replug"] += 1

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
        self.history: dict[str, list] = {}
        for e in events:
            if e["event"] != "device_changed":
                continue
            if last.get(e["device"], "online") == "online" and e["state"] != "online":
                out[e["device"]] += 1
            last[e["device"]] = e["state"]
            self.history.setdefault(e["device"], []).append((e["state"], e.get("detail", "")[:80]))
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
        wrong = {d: hour.history.get(d) for d in set(recorded) | set(expected) if recorded[d] != expected[d]}
        assert recorded == expected, (f"the hall's fault record {dict(recorded)} is not what was injected "
                                      f"{dict(expected)}; the states of those that differ: {wrong}")
        assert hour.manager.get("/healthz").json()["ok"] is True
        not_announced = hour.not_announced()
        unrecorded = [c for c in hour.silenced if c not in not_announced]
        assert not unrecorded, f"calls made while the speaker was away, played to no one and not logged: {unrecorded}"
        return {"seed": seed, "unplugs_per_wire": dict(hour.unplugs), "devices": len(hour.devices.ids()),
                "faults_recorded": sum(recorded.values()), "faults_injected": sum(expected.values()),
                "random_bytes": dict(hour.garbage), "requests": dict(hour.requests),
                "reprint_listed": reprint, "lost_calls": 0, "calls_while_speaker_away": len(hour.silenced),
                "not_announced_logged": len(not_announced)}
    finally:
        hour.close()
