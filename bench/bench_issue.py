"""Durable ticket issuing through HTTP on the real server (gunicorn, SQLite synchronous=FULL).

Eight kiosks issue tickets concurrently over keep-alive connections; every
ticket is committed to disk before its response. Prints tickets per second.
Run: .venv/bin/python bench/bench_issue.py
"""
from __future__ import annotations

import threading
import time

import requests

from _common import start_server

KIOSKS = 8
PER_KIOSK = 250


def main() -> None:
    server = start_server()
    try:
        url = server.url + "/api/tickets"
        # The demo hall's services without a quota or real-name rule (C has a quota, E needs an ID).
        services = ["A", "B", "D", "F"]
        numbers: list[str] = []
        errors: list[str] = []
        lock = threading.Lock()

        def kiosk(k: int) -> None:
            s = requests.Session()
            mine = []
            for i in range(PER_KIOSK):
                r = s.post(url, json={"service": services[(k + i) % len(services)]})
                if r.status_code != 201:
                    with lock:
                        errors.append(r.text)
                    return
                mine.append(r.json()["ticket"]["number"])
            with lock:
                numbers.extend(mine)

        requests.post(url, json={"service": "A"}).raise_for_status()  # warm up
        threads = [threading.Thread(target=kiosk, args=(k,)) for k in range(KIOSKS)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t0
        if errors:
            raise SystemExit(f"a kiosk was refused: {errors[0]}")
        assert len(numbers) == len(set(numbers)) == KIOSKS * PER_KIOSK, "a number was lost or doubled"
        rate = len(numbers) / elapsed
        print(f"{len(numbers)} tickets from {KIOSKS} concurrent kiosks in {elapsed:.2f} s, all distinct")
        print(f"issue_tickets_per_second={rate:.0f} tickets/s")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
