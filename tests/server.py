"""Start the real hall server as a child process, the way a hall runs it."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """`hallq serve` (or demo) in its own process group, so kill -9 takes all of it like a power cut."""

    def __init__(self, data_dir: Path, command: str = "serve", extra=()):
        self.data_dir = Path(data_dir)
        self.port = free_port()
        self.command = command
        self.extra = list(extra)
        self.proc = None
        self.log = self.data_dir / "server.log"
        self.env: dict = {}           # variables added to the test's own environment

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> "ServerProcess":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [sys.executable, "-m", "hall.cli", self.command, "--host", "127.0.0.1", "--port", str(self.port),
                "--data-dir", str(self.data_dir)] + self.extra
        if self.command == "serve" and "--config" not in self.extra:
            args += ["--config", str(ROOT / "config" / "hall.toml")]
        self.proc = subprocess.Popen(args, cwd=ROOT, stdout=open(self.log, "ab"), stderr=subprocess.STDOUT,
                                     start_new_session=True, env={**os.environ, **self.env} if self.env else None)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text(errors='replace')[-2000:]}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).ok:
                    return self
            except requests.RequestException:
                time.sleep(0.1)
        self.kill()
        raise RuntimeError("server did not answer /healthz in time")

    def kill(self) -> None:
        """SIGKILL to the whole process group: no shutdown code runs."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
