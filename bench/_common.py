"""Shared bench helpers: a real server on a temp data dir, percentiles, the last line."""
from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hall import auth  # noqa: E402
from hall.clock import system_now  # noqa: E402
from hall.store import Store  # noqa: E402
from tests.server import ServerProcess  # noqa: E402

PASSWORD = "bench-pass-1"


def scratch_dir(prefix: str) -> Path:
    """A temporary directory removed when the benchmark exits."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def start_server(users=(("clerk", "staff"),)) -> ServerProcess:
    data = scratch_dir("hallq-bench-") / "data"
    store = Store(data / "hallq.db")
    for name, role in users:
        store.put_user(name, name, role, auth.hash_password(PASSWORD), system_now())
    store.close()
    return ServerProcess(data).start()


def percentile(values, p: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def timed_threads(target, count: int) -> float:
    """Run target(0) ... target(count - 1) each on its own thread, all at once; the seconds until the last ends."""
    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0


def issue_concurrently(url: str, kiosks: int, per_kiosk: int, services) -> tuple[list[str], list[float], float]:
    """`kiosks` threads each POST `per_kiosk` tickets to `url` (/api/tickets) over keep-alive, cycling through
    `services`, after one warm-up ticket: (numbers, each request's seconds, elapsed seconds). A refusal ends the bench."""
    import requests
    numbers: list[str] = []
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def kiosk(k: int) -> None:
        s = requests.Session()
        mine, times = [], []
        for i in range(per_kiosk):
            a = time.perf_counter()
            r = s.post(url, json={"service": services[(k + i) % len(services)]})
            times.append(time.perf_counter() - a)
            if r.status_code != 201:
                with lock:
                    errors.append(r.text)
                return
            mine.append(r.json()["ticket"]["number"])
        with lock:
            numbers.extend(mine)
            latencies.extend(times)

    requests.post(url, json={"service": services[0]}).raise_for_status()  # warm up
    elapsed = timed_threads(kiosk, kiosks)
    if errors:
        raise SystemExit(f"a kiosk was refused: {errors[0]}")
    return numbers, latencies, elapsed
