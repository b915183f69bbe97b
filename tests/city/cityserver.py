"""`hallq city serve` as a child process, the way the city runs it, for tests and benchmarks."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.server import ROOT, free_port


class CityServer:
    """`hallq city serve` as a child process in its own process group (SIGKILL takes all of it)."""

    def __init__(self, dsn: str, log: Path):
        self.dsn, self.log, self.port, self.proc = dsn, log, free_port(), None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "CityServer":
        env = dict(os.environ, HALLQ_CITY_DSN=self.dsn)         # the DSN never on the command line
        self.proc = subprocess.Popen([sys.executable, "-m", "hall.cli", "city", "serve", "--port", str(self.port)],
                                     cwd=ROOT, env=env, stdout=open(self.log, "ab"), stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=2).read()
                return self
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(self.log.read_text(errors="replace")[-2000:])
                time.sleep(0.1)

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(10)
