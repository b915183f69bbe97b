"""Ticket printing latency: print_ticket() call → last byte of the ticket on the pty.

Runs the real driver against the simulated printer on a real pty, text mode
with the QR code (the default template), then raster mode. The end point is
the moment the simulated printer reads the cut (GS V), the ticket's last
byte. Run: .venv/bin/python bench/bench_printer.py [--tickets 500]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from devices.printer import PrinterDriver  # noqa: E402
from devices.printer.sim import PtyPrinter, SimulatedPrinter  # noqa: E402

TICKET = {"id": 1, "number": "A001", "service": "A", "service_name": "行政审批",
          "business_day": "2026-11-27", "issued_at": "2026-11-27T09:03:00+08:00"}
EXTRAS = {"hall_name": "东湖街道365便民服务中心", "matter_name": "企业设立登记", "people_ahead": 3,
          "wait_minutes": 12, "progress_url": "http://192.168.1.10/t/1?k=9f3a",
          "materials": "身份证原件及复印件、营业执照副本"}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run(text_mode: str, tickets: int) -> tuple[list[float], list[float]]:
    """(call → last ticket byte, call → result) in ms, one per ticket."""
    printer = SimulatedPrinter()
    with PtyPrinter(printer) as pty:
        driver = PrinterDriver({"link": pty.path, "text_mode": text_mode, "paper_width_mm": 80,
                                "poll_interval_s": 60})
        driver.start()
        try:
            driver.print_ticket(TICKET, EXTRAS)  # warm up: open the link, load the font
            to_byte, to_result = [], []
            for n in range(2, tickets + 2):
                start = time.perf_counter()
                result = driver.print_ticket(dict(TICKET, id=n, number=f"A{n:03d}"), EXTRAS)
                end = time.perf_counter()
                if not result.printed:
                    raise SystemExit(f"ticket {n} not printed: {result}")
                printer.wait_for_tickets(n)
                to_byte.append((printer.cut_times[n - 1] - start) * 1000)
                to_result.append((end - start) * 1000)
        finally:
            driver.stop()
    return to_byte, to_result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=500)
    args = parser.parse_args()
    text, text_call = run("text", args.tickets)
    raster, raster_call = run("raster", max(20, args.tickets // 5))
    for name, byte, call in (("text+QR", text, text_call), ("raster", raster, raster_call)):
        print(f"{name:8} n={len(byte):4}  to last byte: p50={statistics.median(byte):.2f} "
              f"p99={percentile(byte, 99):.2f} ms   print_ticket returns: "
              f"p99={percentile(call, 99):.2f} ms")
    print(f"printer_raster_p99_ms={percentile(raster, 99):.2f} ms")
    print(f"printer_text_qr_p99_ms={percentile(text, 99):.2f} ms")


if __name__ == "__main__":
    main()
