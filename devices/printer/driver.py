"""The ticket printer driver: a job queue in front of one printer link.

The kiosk calls `print_ticket(ticket, extras)` when it issues a ticket and
gets a `PrintResult` back within a bounded time: "printed", or "not_printed"
with a reason, in which case the hall shows the ticket on screen and marks
it for reprint. One worker thread owns the link, so tickets go out one at a
time, in order, none lost or doubled.

For each ticket, where the link can answer: DLE EOT before (do not print on
a printer that cannot), the ticket, DLE EOT after (did it survive?). If the
link breaks or goes silent after the ticket's bytes went out, the worker
waits for the link to come back and prints the ticket once more, never a
third time.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import Callable

from .layout import Template
from .ports import LinkError, PrinterSettingsError, port_for
from .protocol import (PRINTABLE_STATES, STATUS_KINDS, STATUS_QUERY, columns, decode_status,
                       dot_width, encode_raster_ticket, encode_text_ticket)

log = logging.getLogger(__name__)

DEFAULTS = {
    "id": "printer",
    "link": None,
    "paper_width_mm": 80,
    "text_mode": "text",
    "template": None,
    "status": None,  # None: ask DLE EOT wherever the link can answer
    "status_timeout_s": 0.5,
    "write_timeout_s": 5.0,
    "reconnect_timeout_s": 3.0,
    "wait_timeout_s": 10.0,
    "poll_interval_s": 5.0,
}

# One sentence per reason, for the kiosk screen and the staff.
MESSAGES = {
    None: "小票已打印。",
    "paper_out": "打印机缺纸，小票没有打印出来，请记下屏幕上的号码或扫码，工作人员会为您补打。",
    "cover_open": "打印机纸仓盖打开了，小票没有打印出来，请记下屏幕上的号码或扫码。",
    "offline": "打印机脱机，小票没有打印出来，请记下屏幕上的号码或扫码。",
    "no_answer": "打印机没有应答，小票可能没有打印出来，请记下屏幕上的号码或扫码。",
    "link_down": "打印机未连接，小票没有打印出来，请记下屏幕上的号码或扫码。",
    "link_lost": "打印时打印机断开，小票没有打印完整，请记下屏幕上的号码或扫码。",
    "busy": "打印机忙，小票没有打印出来，请记下屏幕上的号码或扫码。",
    "stopped": "打印机已停用，小票没有打印出来，请记下屏幕上的号码或扫码。",
    "error": "打印小票时出错，请记下屏幕上的号码或扫码。",
}


@dataclass(frozen=True)
class PrintResult:
    """What became of one ticket at the printer.

    status: "printed" or "not_printed"; reason: None when printed, else one
    of MESSAGES' keys; attempts: how many times the ticket's bytes were sent
    (0, 1, or 2 after a reconnect); printer_state: the state after the job.
    """

    status: str
    reason: str | None
    number: str | None
    attempts: int
    printer_state: str
    message: str

    @property
    def printed(self) -> bool:
        return self.status == "printed"


class PrintJob:
    """One ticket waiting for, or going through, the printer."""

    def __init__(self, ticket: dict, extras: dict | None, reprint: bool):
        self.ticket, self.extras, self.reprint = ticket, extras or {}, reprint
        self.result: PrintResult | None = None
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._phase = "queued"  # queued -> running -> done, or queued -> cancelled

    def claim(self) -> bool:
        """The worker takes the job; False if the caller gave up on it."""
        with self._lock:
            if self._phase != "queued":
                return False
            self._phase = "running"
            return True

    def finish(self, result: PrintResult) -> None:
        with self._lock:
            if self.result is None:
                self.result = result
                self._phase = "done"
        self._done.set()

    def cancel(self, result: PrintResult) -> bool:
        """Give up while still queued; False if the worker already has it."""
        with self._lock:
            if self._phase != "queued":
                return False
            self._phase, self.result = "cancelled", result
        self._done.set()
        return True

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)


class _LinkLost(Exception):
    pass


class PrinterDriver:
    """Prints tickets on one ESC/POS printer; see module docstring."""

    def __init__(self, settings: dict, on_state: Callable[[str, str, str], None] | None = None):
        """Check settings (PrinterSettingsError, TemplateError) and prepare; start() runs it."""
        unknown = set(settings) - set(DEFAULTS)
        if unknown:
            raise PrinterSettingsError(
                f"打印机配置里有不认识的键 {sorted(unknown)}；可用的键：{', '.join(DEFAULTS)}。"
            )
        self.settings = {**DEFAULTS, **settings}
        s = self.settings
        self.device_id = s["id"]
        try:
            self.dot_width = dot_width(s["paper_width_mm"])
        except ValueError as exc:
            raise PrinterSettingsError(str(exc)) from None
        if s["text_mode"] not in ("text", "raster"):
            raise PrinterSettingsError(
                f"打印机的 text_mode 只能是 \"text\"（打印机自带中文字库）或 \"raster\"（整张小票按图片打印），"
                f"不能是 {s['text_mode']!r}。"
            )
        if s["text_mode"] == "raster":
            from .render import FontMissing, find_font
            try:
                find_font()  # refuse at start-up, not at the first citizen
            except FontMissing as exc:
                raise PrinterSettingsError(str(exc)) from None
        self.template = Template(s["template"])
        self.port = port_for(s["link"], float(s["write_timeout_s"]), self.device_id)
        self.ask_status = self.port.can_answer if s["status"] is None else bool(s["status"])
        self.on_state = on_state or (lambda device_id, state, detail: None)
        self.state, self.detail = "connecting", ""
        self._jobs: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._running = False
        self._next_open_try = 0.0
        self._open_backoff = 0.2

    # -- life cycle -------------------------------------------------------
    def start(self) -> None:
        """Open the link (in the background) and start taking tickets."""
        if self._running:
            return
        self._running = True
        self._publish("connecting", f"正在连接打印机 {self.settings['link']} / connecting to {self.settings['link']}")
        self._thread = threading.Thread(target=self._work, name=f"printer-{self.device_id}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Finish the ticket in hand, report the rest not printed, close the link."""
        if not self._running:
            return
        self._running = False
        self._jobs.put(None)
        if self._thread:
            self._thread.join(timeout=float(self.settings["write_timeout_s"]) + 5)
        self._drain("stopped")
        self.port.close()

    def handle(self, event: dict) -> None:
        """Bus events need nothing from the printer: the kiosk prints synchronously."""

    # -- printing ---------------------------------------------------------
    def submit(self, ticket: dict, extras: dict | None = None, reprint: bool = False) -> PrintJob:
        """Queue a ticket; the returned job's .result is set when it is done."""
        job = PrintJob(ticket, extras, reprint)
        if not self._running:
            job.finish(self._result(job, "not_printed", "stopped", 0))
        else:
            self._jobs.put(job)
        return job

    def print_ticket(self, ticket: dict, extras: dict | None = None) -> PrintResult:
        """Print one ticket and say whether it came out; never hangs."""
        return self._wait(self.submit(ticket, extras))

    def reprint(self, ticket: dict, extras: dict | None = None) -> PrintResult:
        """Print a ticket again (marked 补打 by the default template)."""
        return self._wait(self.submit(ticket, extras, reprint=True))

    def _wait(self, job: PrintJob) -> PrintResult:
        s = self.settings
        if job.wait(float(s["wait_timeout_s"])):
            return job.result
        if job.cancel(self._result(job, "not_printed", "busy", 0)):
            return job.result
        # The worker has it: every step it takes is bounded by a timeout.
        bound = (2 * float(s["write_timeout_s"]) + float(s["reconnect_timeout_s"])
                 + 4 * float(s["status_timeout_s"]) + 1)
        if not job.wait(bound):
            log.error("printer %s: ticket job overran its time bound", self.device_id)
            return self._result(job, "not_printed", "error", 0)
        return job.result

    # -- the worker -------------------------------------------------------
    def _work(self) -> None:
        while True:
            try:
                job = self._jobs.get(timeout=float(self.settings["poll_interval_s"]))
            except queue.Empty:
                self._idle()
                continue
            if job is None:
                return
            if not job.claim():
                continue
            try:
                result = self._print(job)
            except Exception as exc:  # a bug must not kill the printer thread
                log.exception("printer %s: ticket failed", self.device_id)
                self._drop_link(f"打印出错：{exc} / printing failed: {exc}")
                result = self._result(job, "not_printed", "error", 0)
            job.finish(result)

    def _idle(self) -> None:
        """Between tickets: reconnect, and keep the printer's state fresh."""
        try:
            if self._open(wait=0) and self.ask_status:
                self._check_status()
        except _LinkLost:
            pass
        except Exception:
            log.exception("printer %s: status poll failed", self.device_id)

    def _print(self, job: PrintJob) -> PrintResult:
        data = self._encode(job)
        sent = 0
        for _ in range(2):  # at most one more try, after the link came back
            try:
                if not self._open(wait=float(self.settings["reconnect_timeout_s"]) if sent else 0):
                    return self._result(job, "not_printed", "link_lost" if sent else "link_down", sent)
                if self.ask_status:
                    state = self._check_status()
                    if state not in PRINTABLE_STATES:
                        reason = "no_answer" if state == "unknown" else state
                        return self._result(job, "not_printed", reason, sent)
                sent += 1
                if not self.ask_status:
                    self.port.write(data)
                else:
                    # The ticket and the status query in one write: the query
                    # reaches the printer right behind the cut, and a network
                    # printer gets no tiny second packet for Nagle to hold back.
                    state = self._check_status(after=data)
                    if state == "unknown":
                        # It answered before the ticket and not after: the
                        # cable went mid-ticket. Reconnect and print again.
                        raise _LinkLost("no answer after the ticket")
                    if state not in PRINTABLE_STATES:
                        return self._result(job, "not_printed", state, sent)
                return self._result(job, "printed", None, sent)
            except (_LinkLost, LinkError) as exc:
                self._drop_link(str(exc))
        return self._result(job, "not_printed", "link_lost", sent)

    def _encode(self, job: PrintJob) -> bytes:
        s = self.settings
        blocks = self.template.build(job.ticket, job.extras, columns(s["paper_width_mm"]), job.reprint)
        if s["text_mode"] == "raster":
            from .render import render_ticket
            return encode_raster_ticket(render_ticket(blocks, self.dot_width))
        return encode_text_ticket(blocks, s["paper_width_mm"])

    def _check_status(self, after: bytes = b"") -> str:
        """Ask DLE EOT 1, 2, 4 (behind `after`, the ticket) and publish the state."""
        try:
            answer = self.port.ask(after + STATUS_QUERY, len(STATUS_KINDS),
                                   float(self.settings["status_timeout_s"]))
        except LinkError as exc:
            raise _LinkLost(str(exc)) from None
        state, detail = decode_status(answer)
        for _ in range(2):
            if state != "unknown" or len(answer) < len(STATUS_KINDS):
                break
            # Bytes that are no status answer: noise on the line, or bytes sent unasked before the
            # answer. Asked again once the line is quiet before it is believed, so line noise is
            # neither a fault nor a ticket printed twice.
            time.sleep(0.1)
            try:
                answer = self.port.ask(STATUS_QUERY, len(STATUS_KINDS), float(self.settings["status_timeout_s"]))
            except LinkError as exc:
                raise _LinkLost(str(exc)) from None
            state, detail = decode_status(answer)
        self._publish(state, detail)
        return state

    def _open(self, wait: float) -> bool:
        """Make sure the link is open, trying for up to `wait` seconds."""
        if self.port.is_open:
            return True
        deadline = time.monotonic() + wait
        while True:
            now = time.monotonic()
            if wait > 0 or now >= self._next_open_try:
                try:
                    self.port.open()
                    self._open_backoff = 0.2
                    if not self.ask_status:
                        self._publish("unknown", "已连接；这台打印机不回报状态 / connected; this printer does not report its status")
                    else:
                        self._publish("connecting", "已连接，正在查询打印机状态 / connected, asking for its status")
                    return True
                except LinkError as exc:
                    self._publish("faulted", str(exc))
                    # Idle retries back off so a missing printer is not hammered.
                    self._next_open_try = now + self._open_backoff
                    self._open_backoff = min(self._open_backoff * 2, 5.0)
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)

    def _drop_link(self, detail: str) -> None:
        self.port.close()
        self._next_open_try = 0.0
        self._publish("faulted", detail)

    def _drain(self, reason: str) -> None:
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                return
            if job is not None and job.claim():
                job.finish(self._result(job, "not_printed", reason, 0))

    def _result(self, job: PrintJob, status: str, reason: str | None, attempts: int) -> PrintResult:
        return PrintResult(status, reason, job.ticket.get("number"), attempts, self.state, MESSAGES[reason])

    def _publish(self, state: str, detail: str) -> None:
        # Only changes are published: a printer that stays unplugged is
        # reported once, not at every retry.
        changed = state != self.state
        self.state, self.detail = state, detail
        if changed:
            try:
                self.on_state(self.device_id, state, detail)
            except Exception:  # a listener's bug is not a printer fault
                log.exception("printer %s: on_state listener failed", self.device_id)
