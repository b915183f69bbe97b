"""Durable ticket issuing through HTTP on the real server (gunicorn, SQLite synchronous=FULL).

Eight kiosks issue tickets concurrently over keep-alive connections; every
ticket is committed to disk before its response. Prints tickets per second.
Run: .venv/bin/python bench/bench_issue.py
"""
from __future__ import annotations

from _common import issue_concurrently, start_server

KIOSKS = 8
PER_KIOSK = 250


def main() -> None:
    server = start_server()
    try:
        url = server.url + "/api/tickets"
        # The demo hall's services without a quota or real-name rule (C has a quota, E needs an ID).
        services = ["A", "B", "D", "F"]
        numbers, _, elapsed = issue_concurrently(url, KIOSKS, PER_KIOSK, services)
        assert len(numbers) == len(set(numbers)) == KIOSKS * PER_KIOSK, "a number was lost or doubled"
        rate = len(numbers) / elapsed
        print(f"{len(numbers)} tickets from {KIOSKS} concurrent kiosks in {elapsed:.2f} s, all distinct")
        print(f"issue_tickets_per_second={rate:.0f} tickets/s")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
