"""Shared bench helpers: a real server on a temp data dir, percentiles, the last line."""
from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
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
