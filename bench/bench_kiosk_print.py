"""Kiosk to paper: from the kiosk's HTTP request to the last byte of the ticket on the printer's pty.

The real server (`hallq serve`, gunicorn) runs on a hall file whose printer
is a simulated ESC/POS printer on a pty in this process; the clock runs from
just before POST /api/tickets to the printer simulator's last received byte
of that ticket (text mode with the QR code). Prints p50/p99; a raster-mode
figure beside it; the last line is `name=value unit`.

    .venv/bin/python bench/bench_kiosk_print.py [tickets]
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests  # noqa: E402

from bench._common import percentile, scratch_dir  # noqa: E402
from config import DEFAULT_CONFIG_PATH  # noqa: E402
from devices.printer.sim import PtyPrinter, SimulatedPrinter  # noqa: E402
from tests.server import ServerProcess  # noqa: E402


def run(mode: str, n: int) -> list[float]:
    sim = SimulatedPrinter()
    carrier = PtyPrinter(sim).start()
    tmp = scratch_dir("hallq-bench-print-")
    hall_file = tmp / "hall.toml"
    hall_file.write_text(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8") +
                         f'\n[devices.printer]\nlink = "{carrier.path}?baudrate=115200"\npaper_width_mm = 80\n'
                         f'text_mode = "{mode}"\n', encoding="utf-8")
    server = ServerProcess(tmp / "data", extra=["--config", str(hall_file)]).start()
    latencies = []
    try:
        s = requests.Session()
        s.post(server.url + "/api/tickets", json={"service": "A"}).raise_for_status()   # warm up
        sim.wait_for_tickets(1)
        for i in range(n):
            t0 = time.perf_counter()
            r = s.post(server.url + "/api/tickets", json={"service": "B"})
            r.raise_for_status()
            if r.json()["print"]["status"] != "printed":
                raise SystemExit(f"ticket not printed: {r.json()['print']}")
            if not sim.wait_for_tickets(i + 2, timeout=10):
                raise SystemExit("the printer never cut the ticket")
            latencies.append((sim.last_byte_at - t0) * 1000)
        assert len(sim.tickets) == n + 1, "a ticket was lost or doubled"
        if mode == "text":
            assert sim.numbers() == ["A001"] + [f"B{i:03d}" for i in range(1, n + 1)], "a ticket was lost or doubled"
    finally:
        server.stop()
        carrier.stop()
    return latencies


def main(n: int = 200) -> None:
    raster = run("raster", max(20, n // 10))
    text = run("text", n)
    print(f"raster mode: {len(raster)} tickets, p50={percentile(raster, 50):.1f} ms p99={percentile(raster, 99):.1f} ms")
    print(f"text mode with QR: {len(text)} tickets, p50={percentile(text, 50):.1f} ms")
    print(f"kiosk_to_printer_p99={percentile(text, 99):.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
