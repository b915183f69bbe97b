"""Exports of a figures table (CSV or XLSX, assess/export.py) as jobs run off the request.

A year by staff of a big hall reads a million records: the page starts a job
(`POST /api/assess/exports`), polls its progress and downloads the file. The
work runs on a real OS thread (under gevent through the hub's thread pool, so
the loop and its sockets go on meanwhile; in tests on a plain thread). A job
belongs to the account that started it; the files are kept in the data
directory's `exports/` (private, like the database) and the oldest are removed
beyond `KEEP` jobs.
"""
from __future__ import annotations

import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from hall.errors import HallError

log = logging.getLogger(__name__)
FORMATS = {"csv": ("text/csv", "csv"),
           "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")}
PHASES = ("reading", "figuring", "writing", "done", "failed")
KEEP = 20


@dataclass
class Job:
    id: str
    owner: str
    format: str
    filename: str
    path: Path
    phase: str = "reading"       # one of PHASES
    done: int = 0                # of the current phase's `total` (rows read, rows written)
    total: int = 0
    error: Optional[dict] = None
    started: float = field(default_factory=time.monotonic)

    def progress(self, phase: str):
        """A progress(done, total) callback for one phase; plain attribute writes, safe from any thread."""
        def report(done: int, total: int) -> None:
            self.phase, self.done, self.total = phase, done, total
        return report

    def json(self) -> dict:
        url = f"/api/assess/exports/{self.id}"
        out = {"job": self.id, "format": self.format, "filename": self.filename, "phase": self.phase,
               "done": self.done, "total": self.total, "url": url,
               "file_url": url + "/file" if self.phase == "done" else None}
        if self.error is not None:
            out["error"] = self.error       # only a failed job has one
        return out


def parse_format(value: Optional[str]) -> str:
    fmt = value or "xlsx"
    if fmt not in FORMATS:
        raise HallError("invalid_field", f"导出格式只能是 csv 或 xlsx，而不是 {fmt[:20]!r}。",
                        f"format must be csv or xlsx, not {fmt[:20]!r}.", 400)
    return fmt


def _background(fn: Callable[[], None]) -> None:
    from hall.server import is_patched
    if is_patched():
        # A greenlet: the job's work waits on the assess helper process's pipe (assess/offline.py).
        import gevent
        gevent.spawn(fn)
    else:
        threading.Thread(target=fn, name="assess-export", daemon=True).start()


class Exports:
    """The export jobs of one app."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.jobs: dict[str, Job] = {}

    def start(self, owner: str, fmt: str, filename: str, work: Callable[[Job], None]) -> Job:
        """Start `work(job)`, which writes `job.path` and reports progress through `job.progress(phase)`."""
        from hall.private import private_dir
        private_dir(self.directory)
        job_id = secrets.token_urlsafe(9)
        job = Job(job_id, owner, fmt, filename, self.directory / f"{job_id}.{FORMATS[fmt][1]}")
        self.jobs[job_id] = job
        self._forget_old()

        def run():
            try:
                work(job)
                job.phase = "done"
            except HallError as err:
                job.error, job.phase = err.to_dict()["error"], "failed"
            except Exception:
                log.exception("export %s failed", job_id)
                job.error = {"code": "export_failed", "message": "导出失败，已记录；请重试或联系管理员。",
                             "message_en": "The export failed; it was logged. Try again."}
                job.phase = "failed"
        _background(run)
        return job

    def get(self, job_id: str, owner: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None or job.owner != owner:
            raise HallError("unknown_export", "找不到这个导出任务，请重新导出。", "No such export; export again.", 404)
        return job

    def _forget_old(self) -> None:
        finished = [j for j in self.jobs.values() if j.phase in ("done", "failed")]
        for job in sorted(finished, key=lambda j: j.started)[:max(0, len(self.jobs) - KEEP)]:
            self.jobs.pop(job.id, None)
            job.path.unlink(missing_ok=True)
