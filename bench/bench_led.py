"""Call to the window strip: from the call-next HTTP request to the strip's frame on its pty.

The real server (`hallq serve`, gunicorn) drives the demo hall's devices as
simulated on real ptys in this process: 8 window strips and a main screen on
one RS-485 line, 8 raters and 8 keypads on another (devices/serial_sims.py).
The clock runs from just before POST /api/windows/2/call-next to the moment
the simulated strip at window 2 has parsed the whole frame with the new
text. Prints p50/p99; the last line is `name=value unit`.

    .venv/bin/python bench/bench_led.py [calls]
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests  # noqa: E402

from bench._common import PASSWORD, percentile, scratch_dir  # noqa: E402
from config import DEFAULT_CONFIG_PATH, load_config  # noqa: E402
from devices.serial_sims import Lab  # noqa: E402
from hall import auth  # noqa: E402
from hall.clock import system_now  # noqa: E402
from hall.store import Store  # noqa: E402
from tests.server import ServerProcess  # noqa: E402


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    raise TypeError(v)


def devices_toml(settings: dict) -> str:
    out = []
    for kind in ("led", "rater", "keypad"):
        for entry in settings[kind]:
            out.append(f"\n[[devices.{kind}]]")
            out += [f"{k} = {toml_value(v)}" for k, v in entry.items()]
    return "\n".join(out) + "\n"


def main(calls: int = 100) -> None:
    lab = Lab(load_config())
    tmp = scratch_dir("hallq-bench-led-")
    hall_file = tmp / "hall.toml"
    hall_file.write_text(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8") + devices_toml(lab.settings), encoding="utf-8")
    store = Store(tmp / "data" / "hallq.db")
    store.put_user("clerk", "clerk", "staff", auth.hash_password(PASSWORD), system_now())
    store.close()
    server = ServerProcess(tmp / "data", extra=["--config", str(hall_file)]).start()
    latencies = []
    try:
        s = requests.Session()
        for _ in range(calls):
            s.post(server.url + "/api/tickets", json={"service": "A"}).raise_for_status()
        r = s.post(server.url + "/api/login", json={"username": "clerk", "password": PASSWORD, "window": 2})
        r.raise_for_status()
        s.headers["X-HallQ-CSRF"] = r.json()["csrf"]   # every change of a session carries its token
        if not lab.led.wait_text(2, "欢迎光临", timeout=10):
            raise SystemExit(f"the strip never showed the open window: {lab.led.text(2)!r}")
        for i in range(1, calls + 1):
            expected = f"A{i:03d} 请到2号窗口"
            t0 = time.perf_counter()
            s.post(server.url + "/api/windows/2/call-next").raise_for_status()
            if not lab.led.wait_text(2, expected, timeout=5):
                raise SystemExit(f"strip 2 shows {lab.led.text(2)!r}, not {expected!r}")
            latencies.append((time.perf_counter() - t0) * 1000)
            s.post(server.url + "/api/windows/2/start").raise_for_status()
            time.sleep(0.02)
    finally:
        server.stop()
        lab.stop()
    print(f"{calls} calls with 8 strips, a main screen, 8 raters and 8 keypads on the buses: "
          f"p50={percentile(latencies, 50):.1f} ms")
    print(f"call_to_strip_p99={percentile(latencies, 99):.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
