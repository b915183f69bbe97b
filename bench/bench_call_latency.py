"""Call-to-display latency with 100 real Socket.IO clients over websocket on loopback.

The clients are python-socketio AsyncClients (one asyncio loop, so the
measuring side costs as little CPU as it can on this 2-core machine) on the
/hall namespace of the real server (gunicorn). For each call the clock
starts just before the HTTP call-next request and stops when a client's
handler receives `ticket_called`; p50 and p99 are over all (client, call)
pairs.
Run: .venv/bin/python bench/bench_call_latency.py
"""
from __future__ import annotations

import asyncio
import os
import time

import requests
import socketio

from _common import PASSWORD, percentile, start_server

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "100"))
CALLS = int(os.environ.get("BENCH_CALLS", "40"))


async def run(server) -> list[float]:
    received: dict[str, list[float]] = {}
    clients = []
    for _ in range(CLIENTS):
        c = socketio.AsyncClient(reconnection=False)

        async def on_called(data):
            received.setdefault(data["number"], []).append(time.perf_counter())

        c.on("ticket_called", on_called, namespace="/hall")
        await c.connect(server.url, namespaces=["/hall"], transports=["websocket"])
        clients.append(c)
    s = requests.Session()
    for _ in range(CALLS):
        s.post(server.url + "/api/tickets", json={"service": "A"}).raise_for_status()
    r = s.post(server.url + "/api/login", json={"username": "clerk", "password": PASSWORD, "window": 2})
    r.raise_for_status()
    s.headers["X-HallQ-CSRF"] = r.json()["csrf"]   # every change of a session carries its token
    await asyncio.sleep(0.5)
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    try:
        for _ in range(CALLS):
            t0 = time.perf_counter()
            r = await loop.run_in_executor(None, s.post, server.url + "/api/windows/2/call-next")
            r.raise_for_status()
            number = r.json()["ticket"]["number"]
            deadline = time.monotonic() + 10
            while len(received.get(number, [])) < CLIENTS:
                if time.monotonic() > deadline:
                    raise SystemExit(f"only {len(received.get(number, []))} of {CLIENTS} clients got {number}")
                await asyncio.sleep(0.001)
            latencies += [(t - t0) * 1000 for t in received[number]]
            (await loop.run_in_executor(None, s.post, server.url + "/api/windows/2/finish")).raise_for_status()
            await asyncio.sleep(0.05)
    finally:
        for c in clients:
            await c.disconnect()
    return latencies


def main() -> None:
    server = start_server()
    try:
        latencies = asyncio.run(run(server))
    finally:
        server.stop()
    print(f"{CALLS} calls x {CLIENTS} websocket clients = {len(latencies)} deliveries, none missing")
    print(f"call_to_display_p50={percentile(latencies, 50):.1f} ms")
    print(f"call_to_display_p99={percentile(latencies, 99):.1f} ms")


if __name__ == "__main__":
    main()
