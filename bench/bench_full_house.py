"""A full house: 2,000 Socket.IO clients on one hall server while 20 windows call and 4 kiosks issue.

The real server (`hallq serve`, gevent) on a hall of six services and twenty
windows. Two processes measure it, so that neither side's loop delays the
other's clock:

- this process is the hall's load: 20 windows (each signed in, calling the
  next ticket every 4 s: 5 calls/s in all) and 4 kiosks (5 tickets/s in all),
  over HTTP with keep-alive, as the counter pages and kiosks do;
- a child process holds the sockets in one asyncio loop: 50 hall screens, 20
  counters (each signed in at its window), and phones, each following one
  ticket (a phone is opened for every new ticket and the phone of a finished
  ticket closes, so there are always 2,000 sockets).

Before the sockets connect, the same load runs for a minute alone: the kiosk's
issue p99 "without sockets". The clock is CLOCK_MONOTONIC, the same for both
processes. Call to screen: from the call-next request to each screen's
`ticket_called`. Phone update: from a call to the first `progress` message of
each phone still waiting in that line that reflects it (its seq at or above the
call's). Missed: an event whose `prev` is above the last seq its client knew,
or a call a screen never got. Server memory is its resident set (VmRSS).

Run: .venv/bin/python bench/bench_full_house.py     (about 8 minutes)
     BENCH_SECONDS=1800 .venv/bin/python bench/bench_full_house.py   the long run (issue 13): 30 minutes,
         with the percentiles of each 5-minute slice (BENCH_SLICE_SECONDS) and the server's memory
         and threads every minute (BENCH_SAMPLE_SECONDS)
     BENCH_SECONDS=60 BENCH_SOCKETS=500 ... for a shorter look (not the figure).
     BENCH_DAY=10000 ... starts from a day of 10,000 tickets (the end of the long run's day).
CI's short version of the long run, tests/reliability/test_load_short.py, imports run_full_house()
and asserts on what it returns; main() prints it with report().
"""
from __future__ import annotations

import asyncio
import json
import multiprocessing as mp
import os
import random
import threading
import re
import time
from pathlib import Path

import aiohttp
import requests

from _common import PASSWORD, percentile, scratch_dir
from hall import auth
from hall.clock import system_now
from hall.store import Store
from tests.server import ServerProcess

SECONDS = float(os.environ.get("BENCH_SECONDS", "300"))
ALONE_SECONDS = float(os.environ.get("BENCH_ALONE_SECONDS", "60"))
SOCKETS = int(os.environ.get("BENCH_SOCKETS", "2000"))
SLICE_SECONDS = float(os.environ.get("BENCH_SLICE_SECONDS", "300"))   # latency percentiles per slice
SAMPLE_SECONDS = float(os.environ.get("BENCH_SAMPLE_SECONDS", "60"))  # server memory and threads every ...
SCREENS, COUNTERS = 50, 20
WINDOWS, KIOSKS = 20, 4
CALL_EVERY_S = 4.0          # per window: 20 windows -> 5 calls/s
ISSUE_RATE = 5.0            # tickets/s from the 4 kiosks together
WAITING = 300               # the line the hall starts the measurement with
# The day so far before the measurement: at least one ticket a phone; BENCH_DAY=10000 measures a
# late hour of a busy day (the long run ends near 11,000), where per-ticket work that grows with
# the day would show.
DAY = int(os.environ.get("BENCH_DAY", "0"))
SERVICES = [("A", "行政审批", 4), ("B", "社会保障", 4), ("C", "不动产登记", 3), ("D", "税务", 3),
            ("E", "户籍", 3), ("F", "公积金", 3)]


def now() -> float:
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def hall_file(path) -> None:
    lines = ['[hall]', 'name = "满员测试大厅"', 'name_en = "Full House Hall"', 'timezone = "Asia/Shanghai"', '']
    for code, name, _ in SERVICES:
        lines += ['[[services]]', f'code = "{code}"', f'prefix = "{code}"', f'name = "{name}"',
                  f'name_en = "Service {code}"', 'average_minutes = 6',
                  # Four digits: the long run issues 10,000 tickets in its day, over 999 a service.
                  'digits = 4', '']
    wid = 0
    for code, _, count in SERVICES:
        for _ in range(count):
            wid += 1
            lines += ['[[windows]]', f'id = {wid}', f'name = "{wid}号窗口"', f'name_en = "Window {wid}"',
                      f'services = ["{code}"]', '']
    path.write_text("\n".join(lines), encoding="utf-8")


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def threads_of(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return 0


# -- the load: windows and kiosks ---------------------------------------------------------------

class Load:
    def __init__(self, url: str, tokens_out):
        self.url = url
        self.tokens_out = tokens_out      # new tickets' (token, service) to the socket process
        self.calls: list[tuple[float, str, str]] = []   # (t0, number, service)
        self.issues: list[float] = []     # latency in ms
        self.issued_at: list[float] = []  # when each of those was asked for
        self.errors: list[str] = []
        self.idle = 0                     # call-next answered "queue_empty"
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.clerks = []
        for w in range(1, WINDOWS + 1):
            s = requests.Session()
            r = s.post(url + "/api/login", json={"username": f"clerk{w}", "password": PASSWORD, "window": w})
            r.raise_for_status()
            s.headers["X-HallQ-CSRF"] = r.json().get("csrf", "")
            self.clerks.append(s)

    def window_service(self, w: int) -> str:
        n = 0
        for code, _, count in SERVICES:
            n += count
            if w <= n:
                return code
        raise ValueError(w)

    def window(self, w: int) -> None:
        s = self.clerks[w - 1]
        time.sleep(random.uniform(0, CALL_EVERY_S))
        next_at = now()
        while not self.stop.is_set():
            t0 = now()
            r = s.post(f"{self.url}/api/windows/{w}/call-next")
            if r.status_code == 200 and r.json().get("ticket"):
                with self.lock:
                    self.calls.append((t0, r.json()["ticket"]["number"], self.window_service(w)))
            elif r.status_code == 409 and r.json()["error"]["code"] == "queue_empty":
                with self.lock:
                    self.idle += 1      # its line was empty for a moment: a window with nothing to call
            else:
                with self.lock:
                    self.errors.append(f"call-next {r.status_code} {r.text[:200]}")
            # The citizen walks up: service starts; the next call-next finishes it.
            self.stop.wait(1.0)
            s.post(f"{self.url}/api/windows/{w}/start")
            next_at += CALL_EVERY_S
            self.stop.wait(max(0.0, next_at - now()))

    def kiosk(self, k: int, record: bool) -> None:
        s = requests.Session()
        every = KIOSKS / ISSUE_RATE
        time.sleep(k * every / KIOSKS)
        next_at = now()
        i = k
        while not self.stop.is_set():
            code = SERVICES[i % len(SERVICES)][0]
            i += KIOSKS
            t0 = now()
            r = s.post(self.url + "/api/tickets", json={"service": code})
            ms = (now() - t0) * 1000
            if r.status_code != 201:
                with self.lock:
                    self.errors.append(f"issue {r.status_code} {r.text[:200]}")
            else:
                with self.lock:
                    self.issues.append(ms)
                    self.issued_at.append(t0)
                if record and self.tokens_out is not None:
                    self.tokens_out.put((r.json()["token"], code))
            next_at += every
            self.stop.wait(max(0.0, next_at - now()))

    def run(self, seconds: float, record: bool) -> None:
        self.stop.clear()
        threads = [threading.Thread(target=self.window, args=(w,)) for w in range(1, WINDOWS + 1)]
        threads += [threading.Thread(target=self.kiosk, args=(k, record)) for k in range(KIOSKS)]
        for t in threads:
            t.start()
        self.stop.wait(seconds)
        self.stop.set()
        for t in threads:
            t.join()


# -- the sockets: screens, counters, phones --------------------------------------------------------

def sockets_main(url, cookies, phones, tokens_in, ready, results, sockets=SOCKETS) -> None:
    asyncio.run(_sockets(url, cookies, phones, tokens_in, ready, results, sockets))


SEQ = re.compile(rb'"seq":\s*(\d+)')
PREV = re.compile(rb'"prev":\s*(\d+)')


class RawClient:
    """One Socket.IO client speaking the protocol's text frames itself over aiohttp's websocket.

    python-socketio's client decodes every packet in full; two thousand of them in one loop would
    measure the client, not the hall. This one reads a frame's event name, seq and prev with a
    regular expression and decodes JSON only for what it records (calls, a phone's progress).
    """

    def __init__(self, kind: str, on_event):
        self.kind, self.on_event = kind, on_event
        self.last = None
        self.ws = None
        self.task = None
        self.joined = asyncio.get_event_loop().create_future()
        self.refusal = None

    async def connect(self, session, url: str, auth_data: dict, headers=None) -> None:
        self.ws = await session.ws_connect(url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket",
                                           headers=headers or {}, max_msg_size=0, autoping=False)
        opened = await self.ws.receive_str(timeout=30)
        if not opened.startswith("0"):
            raise RuntimeError(f"engine.io did not open: {opened[:80]}")
        await self.ws.send_str("40/hall," + json.dumps(auth_data))
        self.task = asyncio.ensure_future(self.read())
        await asyncio.wait_for(self.joined, 30)
        if self.refusal:
            raise RuntimeError(f"refused: {self.refusal[:200]}")

    async def read(self) -> None:
        try:
            await self._read()
        except Exception as exc:  # a reader that dies would leave connect() waiting
            if not self.joined.done():
                self.refusal = f"reader failed: {exc!r}"
                self.joined.set_result(False)
            else:
                print(f"{self.kind} reader failed: {exc!r}", flush=True)

    async def _read(self) -> None:
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                break
            data = msg.data
            if data == "2":
                await self.ws.send_str("3")
                continue
            if data.startswith("40/hall") or data.startswith("44/hall"):
                if data.startswith("44/hall"):
                    self.refusal = data
                if not self.joined.done():
                    self.joined.set_result(True)
                continue
            if not data.startswith("42/hall,"):
                continue
            t = now()
            raw = data.encode()
            name = raw[10:raw.index(b'"', 10)].decode()
            m = SEQ.search(raw)
            seq = int(m.group(1)) if m else None
            if name == "snapshot":
                self.last = seq
            elif seq is not None:
                if self.last is not None and seq <= self.last:
                    continue
                p = PREV.search(raw)
                if self.last is not None and p is not None and int(p.group(1)) > self.last:
                    MISSED[self.kind] += 1
                self.last = seq
            self.on_event(name, raw, seq, t)

    async def close(self) -> None:
        try:
            if not self.joined.done():
                self.joined.cancel()
            await self.ws.close()
        except Exception:
            pass


MISSED = {"screens": 0, "counters": 0, "phones": 0}


async def _sockets(url, cookies, phones, tokens_in, ready, results, sockets=SOCKETS) -> None:
    screen_calls: dict[str, list[float]] = {}     # number -> receive times, one per screen
    call_seq: dict[str, int] = {}                 # number -> seq of its ticket_called
    phone_msgs: dict[str, list[tuple[int, float]]] = {}   # token -> [(seq, t)]
    phone_number: dict[str, str] = {}             # token -> its ticket's number
    phone_joined: dict[str, float] = {}           # token -> when its phone was connected
    phone_service: dict[str, str] = {t: s for t, s in phones}   # token -> its service, every phone opened
    refused = []
    open_phones: dict[str, tuple] = {}            # token -> (client, service)
    finished: list[str] = []
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))

    def on_screen(name, raw, seq, t):
        if name == "ticket_called":
            number = json.loads(raw[8:])[1]["number"]
            screen_calls.setdefault(number, []).append(t)
            call_seq[number] = seq

    def on_counter(name, raw, seq, t):
        pass

    def on_phone(token):
        def handle(name, raw, seq, t):
            if name not in ("progress", "snapshot"):
                return
            p = json.loads(raw[8:])[1]
            phone_number[token] = p["ticket"]["number"]
            if name == "progress":
                phone_msgs.setdefault(token, []).append((seq or 0, t))
            if p["ticket"]["status"] in ("finished", "no_show", "cancelled", "expired"):
                finished.append(token)
        return handle

    async def connect(kind, on_event, auth_data, headers=None):
        c = RawClient(kind, on_event)
        try:
            await c.connect(session, url, auth_data, headers)
        except Exception as exc:  # counted, and the run goes on
            refused.append(f"{kind}: {exc}")
            return None
        return c

    async def open_phone(token, service):
        c = await connect("phones", on_phone(token), {"audience": "phone", "token": token})
        if c is not None:
            open_phones[token] = (c, service)
            phone_joined[token] = now()
            phone_service[token] = service

    clients = []
    for i in range(SCREENS):
        clients.append(await connect("screens", on_screen, {"audience": "screens"}))
    for w in range(1, COUNTERS + 1):
        clients.append(await connect("counters", on_counter, {"audience": "counter", "window": w},
                                     {"Cookie": cookies[w - 1]}))
    budget = sockets - SCREENS - COUNTERS
    for token, service in phones[-budget:]:
        await open_phone(token, service)
    lags: list[float] = []

    async def probe():
        # The sockets' own loop: a late wake-up here delays every receive time measured in it.
        while True:
            t = now()
            await asyncio.sleep(0.02)
            lags.append((now() - t - 0.02) * 1000)
    prober = asyncio.ensure_future(probe())
    ready.set()
    loop = asyncio.get_running_loop()
    # Follow the kiosks' new tickets; close the phones of finished tickets to stay at SOCKETS.
    while True:
        item = await loop.run_in_executor(None, tokens_in.get)
        if item is None:
            break
        await open_phone(*item)
        while len(open_phones) > budget:
            victim = finished.pop(0) if finished else next(iter(open_phones))
            c = open_phones.pop(victim, (None,))[0]
            if c is not None:
                await c.close()
    await asyncio.sleep(1.0)
    prober.cancel()
    results.put({"client_lag": lags, "screen_calls": screen_calls, "call_seq": call_seq, "phone_msgs": phone_msgs,
                 "phone_number": phone_number, "phone_joined": phone_joined,
                 # every phone's, the ones closed during the run too: their updates count
                 "phone_service": phone_service,
                 "missed": dict(MISSED), "refused": refused,
                 "connected": len([c for c in clients if c]) + len(open_phones)})
    for c in clients + [v[0] for v in open_phones.values()]:
        if c is not None:
            await c.close()
    await session.close()


# -- the run ---------------------------------------------------------------------------------

def run_full_house(seconds: float = SECONDS, sockets: int = SOCKETS, alone_seconds: float = ALONE_SECONDS,
                   sample_seconds: float = SAMPLE_SECONDS, root=None, log=print) -> dict:
    """The full house on a hall of its own (under `root`, else a scratch directory): the load alone
    for `alone_seconds`, then with `sockets` sockets open for `seconds`, the server's memory and
    threads sampled every `sample_seconds`. Returns what report() prints from."""
    data = (Path(root) if root is not None else scratch_dir("hallq-fullhouse-")) / "data"
    cfg = data.parent / "full_house.toml"
    hall_file(cfg)
    store = Store(data / "hallq.db")
    for w in range(1, WINDOWS + 1):
        store.put_user(f"clerk{w}", f"clerk{w}", "staff", auth.hash_password(PASSWORD), system_now())
    store.close()
    server = ServerProcess(data, extra=["--config", str(cfg)]).start()
    pid = server.proc.pid
    try:
        url = server.url
        kiosk = requests.Session()
        # The day so far: tickets whose phones are still open, most of them served already.
        phones = []
        for i in range(max(sockets - SCREENS - COUNTERS, DAY)):
            code = SERVICES[i % len(SERVICES)][0]
            r = kiosk.post(url + "/api/tickets", json={"service": code})
            r.raise_for_status()
            phones.append((r.json()["token"], code))
        load = Load(url, None)
        # Each service's line served down to its share of WAITING, by its own windows in turn.
        wid = 0
        for code, _, count in SERVICES:
            issued = sum(1 for _, c in phones if c == code)
            for n in range(max(0, issued - WAITING // len(SERVICES))):
                w = wid + 1 + n % count
                load.clerks[w - 1].post(f"{url}/api/windows/{w}/call-next")
                load.clerks[w - 1].post(f"{url}/api/windows/{w}/start")
            wid += count
        waiting = len(kiosk.get(url + "/api/state").json()["waiting"])
        log(f"hall ready: {len(phones)} tickets issued, {waiting} waiting, {WINDOWS} windows signed in", flush=True)

        load.run(alone_seconds, record=False)
        alone = list(load.issues)
        alone_p99 = percentile(alone, 99)
        log(f"alone: {len(alone)} tickets issued, issue p50 {percentile(alone, 50):.1f} ms "
            f"p99 {alone_p99:.1f} ms", flush=True)
        load.issues.clear()
        load.issued_at.clear()
        load.calls.clear()

        ctx = mp.get_context("spawn")
        tokens, ready, results = ctx.Queue(), ctx.Event(), ctx.Queue()
        cookies = ["; ".join(f"{k}={v}" for k, v in s.cookies.items()) for s in load.clerks]
        proc = ctx.Process(target=sockets_main, args=(url, cookies, phones, tokens, ready, results, sockets))
        proc.start()
        if not ready.wait(300) or not proc.is_alive():
            raise SystemExit("the sockets did not connect within 10 minutes")
        time.sleep(2)
        threads_start, rss_start = threads_of(pid), rss_mb(pid)
        log(f"{sockets} sockets open: server {rss_start:.0f} MB, {threads_start} threads", flush=True)
        load.tokens_out = tokens
        mid = {}
        samples = []      # (seconds into the run, MB, threads)
        started = now()
        sampling = threading.Event()

        def sample():
            while not sampling.wait(min(sample_seconds, seconds / 2)):
                samples.append((now() - started, rss_mb(pid), threads_of(pid)))
                if "rss" not in mid and now() - started >= seconds / 2:
                    mid["rss"], mid["threads"] = samples[-1][1], samples[-1][2]
        sampler = threading.Thread(target=sample)
        sampler.start()
        load.run(seconds, record=True)
        sampling.set()
        sampler.join()
        rss_end, threads_end = rss_mb(pid), threads_of(pid)
        time.sleep(1.0)
        tokens.put(None)
        r = results.get(timeout=120)
        proc.join(60)
    finally:
        server.stop()
    # The server's account of its cycle collector (hall/gc_freeze.py): every 5 minutes and at the end.
    collector = [line for line in server.log.read_text(errors="replace").splitlines()
                 if "cycle collector" in line or "full collection" in line]
    return {"load": load, "r": r, "alone_p99": alone_p99, "rss": (rss_start, mid.get("rss", 0), rss_end),
            "threads": (threads_start, mid.get("threads", 0), threads_end), "samples": samples,
            "started": started, "collector": collector}


def main() -> None:
    run = run_full_house()
    report(run["load"], run["r"], run["alone_p99"], run["rss"], run["threads"], run["samples"], run["started"],
           run["collector"])


def report(load: Load, r: dict, alone_p99: float, rss: tuple, threads: tuple, samples: list,
           started: float, collector: tuple = ()) -> None:
    screen_lat, missing_calls = [], 0
    screen_at, phone_at = [], []          # (when the call was made, latency ms) for the slices
    for t0, number, _ in load.calls:
        got = r["screen_calls"].get(number, [])
        missing_calls += SCREENS - len(got)
        screen_lat += [(t - t0) * 1000 for t in got]
        screen_at += [(t0, (t - t0) * 1000) for t in got]
    # Phones: each call, to the first message of each phone of that line still waiting then.
    call_at = {number: (t0, service, r["call_seq"].get(number)) for t0, number, service in load.calls}
    phone_service = r["phone_service"]
    # A phone still waiting when a call of its line was made gets a message at or after that call's
    # seq (one fewer ahead); a phone whose ticket was done before gets none, and is not counted.
    phone_lat = []
    by_service: dict[str, list[tuple[int, float]]] = {}
    for _, (t0, service, seq) in call_at.items():
        if seq is not None:
            by_service.setdefault(service, []).append((seq, t0))
    for token, msgs in r["phone_msgs"].items():
        service = phone_service.get(token)
        if not msgs or service is None:
            continue
        msgs.sort()
        own = r["call_seq"].get(r["phone_number"].get(token))   # when its own ticket was called
        joined = r["phone_joined"].get(token, 0.0)
        for seq, t0 in by_service.get(service, []):
            if own is not None and own <= seq:
                continue   # done with the line by then
            if t0 < joined:
                continue   # the phone was not there yet
            first = next((t for s, t in msgs if s >= seq), None)
            if first is None or first < t0:
                continue
            phone_lat.append((first - t0) * 1000)
            phone_at.append((t0, (first - t0) * 1000))
    issue = load.issues
    print(f"{len(load.calls)} calls and {len(issue)} tickets in {SECONDS:.0f} s with {r['connected']} sockets "
          f"({SCREENS} screens, {COUNTERS} counters, the rest phones); refused connections: {len(r['refused'])}"
          + (f" (first: {r['refused'][0]})" if r["refused"] else ""))
    print(f"call-next with an empty line: {load.idle}")
    print(f"the sockets' own loop woke late by p50={percentile(r['client_lag'], 50):.1f} ms "
          f"p99={percentile(r['client_lag'], 99):.1f} ms (their receive times are that much late)")
    if load.errors:
        print(f"HTTP errors: {len(load.errors)} (first: {load.errors[0]})")
    print(f"call_to_screen p50={percentile(screen_lat, 50):.1f} ms p99={percentile(screen_lat, 99):.1f} ms "
          f"over {len(screen_lat)} deliveries; screen deliveries missing: {missing_calls}")
    if phone_lat:
        print(f"phone_update p50={percentile(phone_lat, 50):.1f} ms p99={percentile(phone_lat, 99):.1f} ms "
              f"over {len(phone_lat)} updates")
    p99 = percentile(issue, 99)
    print(f"kiosk issue p50={percentile(issue, 50):.1f} ms p99={p99:.1f} ms with the sockets; "
          f"p99={alone_p99:.1f} ms without ({p99 / alone_p99:.2f}x)")
    print(f"server memory: {rss[0]:.0f} MB at start, {rss[1]:.0f} MB in the middle, {rss[2]:.0f} MB at the end; "
          f"threads {threads[0]}, {threads[1]}, {threads[2]}")
    if SECONDS >= 2 * SLICE_SECONDS:
        print_slices(started, screen_at, phone_at, list(zip(load.issued_at, load.issues)))
    if samples:
        print("server memory and threads over the run: " +
              ", ".join(f"{t / 60:.0f} min {mb:.0f} MB/{n}" for t, mb, n in samples))
        after = [mb for t, mb, _ in samples if t >= SLICE_SECONDS] or [mb for _, mb, _ in samples]
        print(f"after the first {SLICE_SECONDS / 60:.0f} minutes (warm-up) the server's memory moved within "
              f"{min(after):.0f}..{max(after):.0f} MB ({max(after) - min(after):.0f} MB); "
              f"threads at most {max(n for _, _, n in samples)}")
    for line in collector:
        print(f"server log: {line}")
    missed = r["missed"]
    print(f"events missed: screens {missed['screens']}, counters {missed['counters']}, phones {missed['phones']}")
    print(f"full_house_call_to_screen_p99={percentile(screen_lat, 99):.1f} ms")


def print_slices(started: float, screen_at: list, phone_at: list, issue_at: list) -> None:
    """The latency percentiles of each SLICE_SECONDS of the run: the long run's figures over time."""
    print(f"per {SLICE_SECONDS / 60:.0f}-minute slice (ms):   screens p50   p99 | phones p99 | issue p99")
    n = int(SECONDS // SLICE_SECONDS)
    for i in range(n):
        lo, hi = started + i * SLICE_SECONDS, started + (i + 1) * SLICE_SECONDS

        def part(pairs):
            return [ms for t, ms in pairs if lo <= t < hi]
        sc, ph, iss = part(screen_at), part(phone_at), part(issue_at)

        def pct(v, q):
            return f"{percentile(v, q):6.1f}" if v else "     —"
        print(f"  {i * SLICE_SECONDS / 60:3.0f}–{(i + 1) * SLICE_SECONDS / 60:<3.0f} min"
              f"                {pct(sc, 50)} {pct(sc, 99)} |   {pct(ph, 99)} |   {pct(iss, 99)}")


if __name__ == "__main__":
    main()
