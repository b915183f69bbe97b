"""The hall's link to the city centre (三级联动): the event log is the outbox, sent in seq order.

`Outbox` reads the hall's file through a read-only connection of its own (as assess/reader.py
does: it never waits for the hall's writer, nor holds it up) and turns the events after a seq
into the city's records: each record names its seq, payload version, event and commit time, and
carries the rows the city needs, in the hall's own columns (city/ingest.py COLUMNS). Rows are
read as they are now, so a resend carries the newest state and is harmless.

Only what the city needs leaves the hall: steps, ratings, bad-rating cases, alarms (device faults
among them), star-rating inputs, configuration versions and staff usernames. No citizen's name,
phone or ID number is in any of these tables' columns sent, nor a bad rating's free words; the
configuration goes without its [city] section and without any key, token, password or secret;
staff are named by username.

`Sender` asks the city how far it has the log, then sends batches (500 records) one at a time,
each waiting for the city's acknowledgement (back-pressure) and backing off on failure (1 s to
60 s), so a hall offline for days catches up from where the city stopped, in order.
"""
from __future__ import annotations

import http.client
import json
import logging
import os
import sqlite3
import threading
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, Optional

from city import signing

log = logging.getLogger(__name__)

PAYLOAD_VERSION = 1         # the city's record format (city/ingest.py); in every record
BATCH = 500
# A caught-up sender still asks the city its ack this often, well inside the city's SILENT (10 min).
HEARTBEAT_SECONDS = 60.0
INGEST_PATH = "/city/api/ingest"

_STEPS = ("ticket_id, step, business_day, number, service, matter, priority, issued_at, queued_at, first_called_at,"
          " called_at, calls, started_at, ended_at, outcome, window, staff, post")
_RATINGS = ("id, ticket_id, step, business_day, number, service, matter, window, staff, level, channel, device,"
            " reasons, comment, at, excluded, exclusion_reason")
_CASES = "id, rating_id, ticket_id, step, business_day, opened_at, status, record, updated_at"
_ALARMS = "id, kind, subject, business_day, raised_at, acknowledged_by, acknowledged_at, cleared_at"
# Events the city has no use for (the live queue, screens, printers) or that name a person
# (an appointment missed, an ID blocked): their seqs are acknowledged, nothing of them is sent.
_NOT_SENT = {"queue_changed", "window_changed", "ticket_printed", "device_changed", "appointment_missed", "id_blocked",
             "business_day_ended"}
_SECRET_WORDS = ("key", "token", "password", "secret")


def _public_config(text: str) -> str:
    """The configuration as the city may see it: no [city] section, no key, token, password or secret."""
    import tomli_w
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return ""

    def clean(v):
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items() if not any(w in k.lower() for w in _SECRET_WORDS)}
        if isinstance(v, list):
            return [clean(x) for x in v]
        return v
    data.pop("city", None)
    return tomli_w.dumps(clean(data))


_COMMENT = _RATINGS.split(", ").index("comment")


def _without_words(row: tuple) -> tuple:
    """A rating row without the citizen's own words: free text may hold a name or a phone number, and
    the hall clears it after [privacy] keep_days (hallq purge) while the city would keep it for ever.
    The level and the reason codes, which the figures and the cases need, go."""
    return row[:_COMMENT] + ("",) + row[_COMMENT + 1:]


class Outbox:
    """The events of a hall's file after a seq, as the city's records."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None,
                                    timeout=10, check_same_thread=False)
        self.conn.execute("PRAGMA query_only = 1")

    def close(self) -> None:
        self.conn.close()

    def last_seq(self) -> int:
        return self.conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]

    def oldest_after(self, seq: int) -> Optional[str]:
        """When the first event after `seq` was committed (ISO text), None when there is none: the link's lag."""
        row = self.conn.execute("SELECT at FROM events WHERE seq > ? ORDER BY seq LIMIT 1", (seq,)).fetchone()
        return row[0] if row else None

    def batch(self, after: int, limit: int = BATCH) -> tuple[list[dict], int]:
        """The records of the events after seq `after` (at most `limit` events), and the last seq read."""
        c = self.conn
        c.execute("BEGIN")
        try:
            events = c.execute("SELECT seq, at, name, ticket_id, payload FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
                               (after, limit)).fetchall()
            if not events:
                return [], after
            through = events[-1][0]
            sent = [e for e in events if e[2] not in _NOT_SENT]
            # A ticket's rows go with its last event of the batch: the newest state, sent once.
            last_of_ticket = {tid: seq for seq, _, _, tid, _ in sent if tid is not None}
            records = []
            for seq, at, name, tid, payload in sent:
                rows: dict[str, list] = {}
                if tid is not None and last_of_ticket.get(tid) == seq:
                    rows["steps"] = c.execute(f"SELECT {_STEPS} FROM steps WHERE ticket_id = ? ORDER BY step",
                                              (tid,)).fetchall()
                    rows["ratings"] = [_without_words(r) for r in c.execute(
                        f"SELECT {_RATINGS} FROM ratings WHERE ticket_id = ? ORDER BY id", (tid,))]
                    rows["cases"] = c.execute(f"SELECT {_CASES} FROM cases WHERE ticket_id = ? ORDER BY id",
                                              (tid,)).fetchall()
                if name.startswith("case_") or name.startswith("alarm_"):
                    self._case_or_alarm(name, json.loads(payload), rows)
                if name == "stars_entered":
                    rows["star_months"] = c.execute("SELECT month, inputs, entered_by, entered_at FROM star_months"
                                                    " ORDER BY month").fetchall()
                if name in ("config_changed", "business_day_started") or (after == 0 and not records):
                    self._configuration(rows)
                records.append({"seq": seq, "v": PAYLOAD_VERSION, "event": name, "at": at,
                                "rows": {k: [list(r) for r in v] for k, v in rows.items() if v}})
            return records, through
        finally:
            c.execute("COMMIT")

    def _case_or_alarm(self, name: str, payload: dict, rows: dict) -> None:
        c = self.conn
        if name.startswith("case_") and isinstance(payload.get("case"), int):
            rows["cases"] = c.execute(f"SELECT {_CASES} FROM cases WHERE id = ?", (payload["case"],)).fetchall()
            if payload.get("rating_id"):     # an appeal upheld takes the rating out of the figures
                rows["ratings"] = [_without_words(r) for r in c.execute(
                    f"SELECT {_RATINGS} FROM ratings WHERE id = ?", (payload["rating_id"],))]
        alarm = payload.get("alarm")
        if name.startswith("alarm_") and isinstance(alarm, dict) and isinstance(alarm.get("id"), int):
            rows["alarms"] = c.execute(f"SELECT {_ALARMS} FROM alarms WHERE id = ?", (alarm["id"],)).fetchall()

    def _configuration(self, rows: dict) -> None:
        row = self.conn.execute("SELECT version, at, config FROM config_versions ORDER BY version DESC LIMIT 1").fetchone()
        if row:
            rows["config_versions"] = [(row[0], row[1], _public_config(row[2]))]
        # Staff by username only: a clerk's name stays in the hall.
        rows["staff"] = [(u, u) for (u,) in self.conn.execute("SELECT username FROM users ORDER BY username")]


class CityRefused(Exception):
    """The city answered with a refusal (4xx): the sentence it gave."""


class Sender:
    """Sends a hall's outbox to the city until `stop()`: one batch in flight, resumed from the city's ack."""

    def __init__(self, db_path: str | Path, hall_code: str, url: str, key: str, *, batch: int = BATCH,
                 poll_seconds: float = 0.2, timeout: float = 30.0, clock: Callable[[], float] = time.time,
                 status_path: Optional[Path] = None):
        self.db_path, self.hall, self.url, self._key = Path(db_path), hall_code, url.rstrip("/"), key
        self.batch_size, self.poll, self.timeout, self.clock = batch, poll_seconds, timeout, clock
        self.status_path = status_path
        self.acked: Optional[int] = None
        self._heard_at: Optional[float] = None     # clock() of the city's last answer
        self.state = "connecting"
        self.error = ""
        self.sent_records = 0
        self._stop = threading.Event()
        self._outbox: Optional[Outbox] = None

    def __repr__(self) -> str:          # never the key
        return f"Sender({self.hall!r} -> {self.url!r}, acked={self.acked})"

    def stop(self) -> None:
        self._stop.set()

    def _request(self, method: str, body: bytes = b"") -> dict:
        headers = signing.signed_headers(self.hall, self._key, method, INGEST_PATH, body, self.clock())
        headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.url + INGEST_PATH, data=body if method == "POST" else None,
                                     headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            try:
                answer = json.loads(exc.read())
                sentence = f"{answer.get('message', '')} ({answer.get('message_en', '')})"
            except ValueError:
                sentence = f"HTTP {exc.code}"
            if 400 <= exc.code < 500:
                raise CityRefused(sentence) from None
            raise OSError(sentence) from None
        except http.client.HTTPException as exc:      # the city went away mid-answer
            raise OSError(f"{type(exc).__name__}: {exc}") from None

    def step(self) -> int:
        """Send one batch if there is one (asking the city its ack first, once); how many records were sent."""
        if self._outbox is None:
            self._outbox = Outbox(self.db_path)
        if self.acked is None:
            self.acked = int(self._request("GET")["acked"])
            self._heard_at = self.clock()
        # On a native thread inside the gevent hall server: a batch's reads never hold up its sockets.
        from hall.server import run_in_thread
        records, through = run_in_thread(self._outbox.batch, self.acked, self.batch_size)
        if through == self.acked:
            if self._heard_at is None or self.clock() - self._heard_at >= HEARTBEAT_SECONDS:
                # Caught up and quiet (a village at lunch, a hall at night): ask the city its ack all
                # the same, so the city sees the link alive and a hall with nothing to send is not
                # shown offline (city/book.py SILENT).
                self.acked = int(self._request("GET")["acked"])
                self._heard_at = self.clock()
            return 0
        body = json.dumps({"hall": self.hall, "through": through, "records": records},
                          ensure_ascii=False, separators=(",", ":")).encode()
        answer = self._request("POST", body)
        self.acked = int(answer["acked"])
        self._heard_at = self.clock()
        self.sent_records += len(records)
        return len(records) or 1

    def status(self) -> dict:
        """What the board shows: the link's state, the seq acknowledged, how many events and seconds behind."""
        behind, lag = None, None
        if self._outbox is not None and self.acked is not None:
            behind = max(0, self._outbox.last_seq() - self.acked)
            oldest = self._outbox.oldest_after(self.acked)
            if oldest:
                from datetime import datetime
                lag = max(0.0, self.clock() - datetime.fromisoformat(oldest).timestamp())
        return {"state": self.state, "url": self.url, "acked": self.acked, "behind": behind, "lag_seconds": lag,
                "error": self.error, "at": self.clock()}

    def _write_status(self) -> None:
        if self.status_path is None:
            return
        tmp = self.status_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.status(), ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.status_path)

    def run(self) -> None:
        """Send until stopped: at once while there is a backlog, every `poll_seconds` when caught up."""
        backoff, last_status = 1.0, 0.0
        while not self._stop.is_set():
            try:
                sent = self.step()
                if self.state != "online":
                    log.info("city link online: %s (acked seq %s)", self.url, self.acked)
                self.state, self.error, backoff = "online", "", 1.0
            except CityRefused as exc:
                self._fail("refused", str(exc))
                sent = 0
                self._stop.wait(min(backoff, 60))
                backoff = min(backoff * 2, 60)
            except (OSError, ValueError, KeyError) as exc:
                self._fail("offline", str(exc))
                sent = 0
                self._stop.wait(min(backoff, 60))
                backoff = min(backoff * 2, 60)
            now = time.monotonic()
            if now - last_status >= 1.0:
                self._write_status()
                last_status = now
            if not sent:
                self._stop.wait(self.poll)
        self._write_status()
        if self._outbox is not None:
            self._outbox.close()

    def _fail(self, state: str, error: str) -> None:
        if (state, error) != (self.state, self.error):      # a repeated error is logged once
            log.warning("city link %s: %s", state, error)
        self.state, self.error = state, error
        self.acked = None if state == "offline" else self.acked   # ask again on reconnect


def read_status(data_dir: Path) -> Optional[dict]:
    """The sender's last status (city_link.json in the data directory), or None when no sender runs there."""
    try:
        return json.loads((Path(data_dir) / "city_link.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def start_link(config, data_dir: Path) -> Optional[Sender]:
    """The sender of the configuration's [city] link, running in a thread of the hall server; None
    when the hall has no link. The key file is relative to the data directory unless absolute."""
    link = getattr(config, "city", None)
    if link is None or not link.url:
        return None
    key_path = Path(link.key_file)
    if not key_path.is_absolute():
        key_path = Path(data_dir) / key_path
    try:
        key = key_path.read_text(encoding="utf-8").strip()
        bytes.fromhex(key)
    except (OSError, ValueError):
        log.error("城市链接未启动：读不到密钥文件 %s。 (The city link is not started: the key file %s cannot be read.)",
                  key_path, key_path)
        return None
    sender = Sender(Path(data_dir) / "hallq.db", config.code, link.url, key, batch=link.batch,
                    status_path=Path(data_dir) / "city_link.json")
    threading.Thread(target=sender.run, name="hall-city-link", daemon=True).start()
    return sender
