"""The city's end of the halls' link: `POST /city/api/ingest` stores a hall's records, once each.

A hall sends its records in seq order, in batches (hall/sender.py). Each request is
signed with the hall's own key (city/signing.py): an unknown hall or a bad signature
is refused with 401, a timestamp outside the window with 401, a nonce seen before (a
replayed request) with 409, each with a sentence in Chinese and in English. A record
is keyed by (hall code, seq): stored once whatever how many times it is sent. The
batch is committed before the answer, so an acknowledged seq is never lost.
`GET /city/api/ingest` (signed as well) tells the hall how far the city has its log.
"""
from __future__ import annotations

import json
import queue
import time
from contextlib import contextmanager
from datetime import datetime

import psycopg
from flask import Blueprint, current_app, jsonify, request

from city import signing

bp = Blueprint("city_ingest", __name__, url_prefix="/city/api")

# The hall's columns of each table it sends (hall/sender.py), in the order each row carries them.
COLUMNS = {
    "steps": ("ticket_id", "step", "business_day", "number", "service", "matter", "priority", "issued_at", "queued_at",
              "first_called_at", "called_at", "calls", "started_at", "ended_at", "outcome", "window", "staff", "post"),
    "ratings": ("id", "ticket_id", "step", "business_day", "number", "service", "matter", "window", "staff", "level",
                "channel", "device", "reasons", "comment", "at", "excluded", "exclusion_reason"),
    "cases": ("id", "rating_id", "ticket_id", "step", "business_day", "opened_at", "status", "record", "updated_at"),
    "alarms": ("id", "kind", "subject", "business_day", "raised_at", "acknowledged_by", "acknowledged_at", "cleared_at"),
    "star_months": ("month", "inputs", "entered_by", "entered_at"),
    "config_versions": ("version", "at", "config"),
    "staff": ("username", "name"),
}
KEYS = {"steps": ("business_day", "ticket_id", "step"), "ratings": ("business_day", "id"),
        "cases": ("business_day", "id"), "alarms": ("business_day", "id"), "star_months": ("month",),
        "config_versions": ("version",), "staff": ("username",)}
MAX_RECORDS = 5000              # a batch larger than this is refused (the sender sends 500)


def _upsert_sql(table: str) -> str:
    cols = COLUMNS[table]
    quoted = ", ".join(f'"{c}"' for c in cols)
    keys = ", ".join(f'"{c}"' for c in KEYS[table])
    updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in cols if c not in KEYS[table])
    return (f"INSERT INTO {table} (hall_code, {quoted}) VALUES (%s{', %s' * len(cols)})"
            f" ON CONFLICT (hall_code, {keys}) DO UPDATE SET {updates}")


UPSERT = {t: _upsert_sql(t) for t in COLUMNS}


class Refusal(Exception):
    def __init__(self, status: int, code: str, message: str, message_en: str):
        super().__init__(message_en)
        self.status, self.code, self.message, self.message_en = status, code, message, message_en


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.config.setdefault("MAX_CONTENT_LENGTH", 32 * 1024 * 1024)
    app.extensions["city_pool"] = _Pool(lambda: app.config.get("HALLQ_CITY_DSN"))


class _Pool:
    """A few long-lived connections to the city's database, one per request at a time."""

    def __init__(self, dsn):
        self._dsn, self._free = dsn, queue.LifoQueue()

    @contextmanager
    def connection(self):
        try:
            conn = self._free.get_nowait()
        except queue.Empty:
            conn = psycopg.connect(self._dsn(), autocommit=True)   # conn.transaction() is the BEGIN..COMMIT
        try:
            yield conn
        except psycopg.OperationalError:
            conn.close()
            raise
        else:
            if conn.closed:
                return
            self._free.put(conn)


@bp.errorhandler(Refusal)
def _refused(exc: Refusal):
    return jsonify(error=exc.code, message=exc.message, message_en=exc.message_en), exc.status


def _authenticated(conn, body: bytes) -> str:
    """The hall that signed this request, its row locked for the transaction; else a Refusal."""
    h = request.headers
    code, stamp, nonce, given = (h.get(signing.HEADER_HALL, ""), h.get(signing.HEADER_TIME, ""),
                                 h.get(signing.HEADER_NONCE, ""), h.get(signing.HEADER_SIGNATURE, ""))
    row = conn.execute("SELECT key FROM halls WHERE code = %s FOR UPDATE", (code,)).fetchone() if code else None
    if row is None or not row[0]:
        raise Refusal(401, "unknown_hall", f"市中心没有登记大厅“{code[:40]}”：请先在市中心用 hallq city hall add 登记它。",
                      f"The city has no hall {code[:40]!r} registered: register it with hallq city hall add first.")
    if not signing.valid(row[0], request.method, request.path, stamp, nonce, body, given):
        raise Refusal(401, "bad_signature", "签名不对：请检查大厅配置 [city] key 是否与市中心登记的密钥一致。",
                      "The signature is wrong: check that the hall's [city] key is the key the city registered.")
    try:
        skew = abs(time.time() - int(stamp))
    except ValueError:
        skew = None
    if skew is None or skew > signing.WINDOW_SECONDS:
        raise Refusal(401, "stale_request", "请求时间与市中心时钟相差超过五分钟：请校准大厅服务器的时钟。",
                      "The request's time is more than five minutes from the city's clock: set the hall server's clock.")
    if not nonce or len(nonce) > 64:
        raise Refusal(401, "bad_nonce", "请求缺少随机数（nonce）。", "The request has no nonce.")
    conn.execute("DELETE FROM nonces WHERE hall_code = %s AND at < now() - make_interval(secs => %s)",
                 (code, signing.WINDOW_SECONDS * 2))
    if conn.execute("INSERT INTO nonces (hall_code, nonce) VALUES (%s, %s) ON CONFLICT DO NOTHING RETURNING 1",
                    (code, nonce)).fetchone() is None:
        raise Refusal(409, "replayed", "这个请求已经收到过（重放）：市中心不再接收。",
                      "This request was received before (a replay): the city refuses it.")
    return code


def _row(table: str, values: list) -> list:
    if table == "ratings":
        values = list(values)
        values[12] = values[12] if isinstance(values[12], str) else json.dumps(values[12], ensure_ascii=False)
        values[15] = bool(values[15])
    return values


def store_batch(conn, hall: str, records: list[dict], through: int) -> tuple[int, int]:
    """Inside a transaction: the records not stored yet are stored; (how many were new, the hall's last seq)."""
    if records:
        seqs = [int(r["seq"]) for r in records]
        with conn.cursor() as cur:
            cur.execute("SELECT seq FROM ingest WHERE hall_code = %s AND seq = ANY(%s)", (hall, seqs))
            known = {s for (s,) in cur.fetchall()}
        fresh = [r for r in records if int(r["seq"]) not in known]
    else:
        fresh = []
    if fresh:
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO ingest (hall_code, seq, v, event, committed_at) VALUES (%s, %s, %s, %s, %s)",
                            [(hall, int(r["seq"]), int(r["v"]), r["event"], r["at"]) for r in fresh])
            by_table: dict[str, list] = {}
            for r in fresh:
                for table, rows in (r.get("rows") or {}).items():
                    if table in COLUMNS:
                        by_table.setdefault(table, []).extend(rows)
            # A rating replaces its step's "unrated" record in the hall (another id): so here too.
            ratings = by_table.get("ratings", [])
            if ratings:
                cur.executemany("DELETE FROM ratings WHERE hall_code = %s AND ticket_id = %s AND step = %s AND id <> %s",
                                [(hall, r[1], r[2], r[0]) for r in ratings])
            for table in COLUMNS:
                rows = by_table.get(table)
                if rows:
                    n = len(COLUMNS[table])
                    cur.executemany(UPSERT[table], [(hall, *_row(table, v)) for v in rows if len(v) == n])
    newest = max((r["at"] for r in fresh), default=None)
    last = conn.execute("UPDATE halls SET last_seq = GREATEST(last_seq, %s), last_received_at = now(),"
                        " last_seen_at = now(), link = 'online',"
                        " last_record_at = GREATEST(last_record_at, %s::timestamptz) WHERE code = %s RETURNING last_seq",
                        (through, newest, hall)).fetchone()[0]
    return len(fresh), last


@bp.post("/ingest")
def ingest():
    """Store a signed batch of a hall's records; the answer comes after the commit."""
    body = request.get_data(cache=False)
    pool = current_app.extensions["city_pool"]
    with pool.connection() as conn:
        with conn.transaction():
            hall = _authenticated(conn, body)
            batch = _batch(body, hall)
            new, last = store_batch(conn, hall, batch["records"], int(batch["through"]))
    return jsonify(ok=True, hall=hall, stored=new, acked=last)


@bp.get("/ingest")
def ingest_state():
    """How far the city has this hall's event log: {"acked": seq}, what a restarted sender resumes after."""
    pool = current_app.extensions["city_pool"]
    with pool.connection() as conn:
        with conn.transaction():
            hall = _authenticated(conn, b"")
            last = conn.execute("UPDATE halls SET last_seen_at = now(), link = 'online' WHERE code = %s"
                                " RETURNING last_seq", (hall,)).fetchone()[0]
    return jsonify(ok=True, hall=hall, acked=last)


def _batch(body: bytes, hall: str) -> dict:
    try:
        batch = json.loads(body)
        assert isinstance(batch, dict) and batch.get("hall") == hall
        assert isinstance(batch.get("records"), list) and len(batch["records"]) <= MAX_RECORDS
        int(batch["through"])
        for r in batch["records"]:
            int(r["seq"]), int(r["v"]), str(r["event"]), datetime.fromisoformat(r["at"])
    except (ValueError, AssertionError, KeyError, TypeError):
        raise Refusal(400, "bad_batch", "这批记录的格式不对（或不是这个大厅的）。",
                      "The batch is not in the expected form (or is not this hall's).") from None
    return batch
