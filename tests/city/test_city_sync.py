"""The halls' link to the city, end to end: real hall files, the real city server process, real PostgreSQL.

1 city + 20 township + 50 village halls: three real hall files (tests/assess/test_replay.py's busy
day through the Hall) copied for the many, each sent by hall/sender.py over HTTP to `hallq city
serve`. A township offline for a day catches up; a sender killed mid-batch, and the city server
killed mid-ingest, lose and double nothing; a wrong key and a replayed request are refused.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import date, timedelta
from pathlib import Path

import psycopg
import pytest

from city import signing
from city.app import add_hall
from hall.sender import INGEST_PATH, Outbox, Sender, CityRefused
from tests.city.cityfixture import hall_file
from tests.city.cityserver import CityServer
from tests.city.pgcluster import reset
from tests.server import ROOT, free_port

SCHEMA = (ROOT / "city" / "schema.sql").read_text(encoding="utf-8")
DAY = date(2026, 11, 30)
TABLES = {"steps": "ticket_id, step", "ratings": "id", "cases": "id", "alarms": "id"}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def hall_files(tmp_path_factory, config_module):
    """Three real hall files, one of each tier's kind of day."""
    root = tmp_path_factory.mktemp("halls")
    files = {}
    for i, tier in enumerate(("city", "township", "village")):
        files[tier] = root / f"{tier}.db"
        hall_file(files[tier], config_module, tier, [DAY], seed=11 + i)
    return files


@pytest.fixture(scope="module")
def config_module():
    from config.loader import load_config
    return load_config()


@pytest.fixture
def city(city_dsn, tmp_path):
    reset(city_dsn, SCHEMA)
    server = CityServer(city_dsn, tmp_path / "city.log").start()
    yield server
    server.stop()


def _halls(tmp_path, hall_files) -> list[tuple[str, str, Path]]:
    """(code, tier, hall file) of 1 city + 20 township + 50 village halls, each its own copy."""
    out = [("city-centre", "city", hall_files["city"])]
    out += [(f"town-{i:02d}", "township", hall_files["township"]) for i in range(1, 21)]
    out += [(f"village-{i:02d}", "village", hall_files["village"]) for i in range(1, 51)]
    copies = []
    for code, tier, src in out:
        dst = tmp_path / code / "hallq.db"
        dst.parent.mkdir(parents=True)
        shutil.copyfile(src, dst)
        copies.append((code, tier, dst))
    return copies


def _register(dsn: str, halls) -> dict[str, str]:
    keys, codes = {}, {code for code, _, _ in halls}
    for code, tier, _ in halls:
        keys[code] = signing.new_key()
        parent = None if tier == "city" else ("city-centre" if tier == "township" else f"town-{int(code[-2:]) % 20 + 1:02d}")
        add_hall(dsn, code, code, tier, parent if parent in codes else None, keys[code])
    return keys


def _drain(sender: Sender) -> None:
    while sender.step():
        pass


def _hall_rows(path: Path) -> dict[str, set]:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    out = {t: set(conn.execute(f"SELECT {k} FROM {t}").fetchall()) for t, k in TABLES.items()}
    out["events"] = conn.execute("SELECT max(seq) FROM events").fetchone()[0]
    conn.close()
    return out


def _sent_seqs(path: Path) -> set[int]:
    outbox = Outbox(path)
    records, _ = outbox.batch(0, 10**9)
    outbox.close()
    return {r["seq"] for r in records}


def _assert_same(conn, code: str, path: Path) -> None:
    """The city holds exactly the hall's rows (nothing lost, nothing doubled) and every record once."""
    hall = _hall_rows(path)
    for table, key in TABLES.items():
        cols = key.replace("window", '"window"')
        rows = conn.execute(f"SELECT {cols} FROM {table} WHERE hall_code = %s", (code,)).fetchall()
        assert len(rows) == len(set(rows))
        assert {tuple(r) for r in rows} == hall[table], (code, table)
    seqs = [s for (s,) in conn.execute("SELECT seq FROM ingest WHERE hall_code = %s ORDER BY seq", (code,))]
    assert seqs == sorted(_sent_seqs(path)), code
    assert conn.execute("SELECT last_seq FROM halls WHERE code = %s", (code,)).fetchone()[0] == hall["events"]


def test_seventy_one_halls_sync_and_a_township_a_day_offline_catches_up(city, city_dsn, tmp_path, hall_files,
                                                                        config_module):
    halls = _halls(tmp_path, hall_files)
    keys = _register(city_dsn, halls)
    threads = []
    for code, _, path in halls:
        if code == "town-07":
            continue
        t = threading.Thread(target=_drain, args=(Sender(path, code, city.url, keys[code]),))
        t.start()
        threads.append(t)
    # town-07 is offline: its sender cannot reach the city, while the hall works a second day.
    offline = Sender(halls[7][2], "town-07", f"http://127.0.0.1:{free_port()}", keys["town-07"])
    with pytest.raises(OSError):
        offline.step()
    hall_file(halls[7][2], config_module, "town-07", [DAY + timedelta(days=1)], seed=40)
    for t in threads:
        t.join()
    back = Sender(halls[7][2], "town-07", city.url, keys["town-07"])
    _drain(back)
    assert back.status()["behind"] == 0
    with psycopg.connect(city_dsn) as conn:
        for code, _, path in halls:
            _assert_same(conn, code, path)
        days = conn.execute("SELECT DISTINCT business_day FROM steps WHERE hall_code = 'town-07' ORDER BY 1").fetchall()
        hall_days = sqlite3.connect(halls[7][2]).execute("SELECT DISTINCT business_day FROM steps ORDER BY 1").fetchall()
        assert [d.isoformat() for (d,) in days] == [d for (d,) in hall_days] and len(days) == 2
        assert conn.execute("SELECT count(*) FROM halls WHERE link = 'online'").fetchone()[0] == 71
    _assert_same_figures(city_dsn, [h for h in halls if h[0] in ("city-centre", "town-07", "village-01")])


def _assert_same_figures(dsn: str, halls) -> None:
    """What the city received reads back as the hall's own records (a bad rating's words aside, which stay
    in the hall) and gives the hall's own figures, by window and by staff."""
    from dataclasses import replace as with_

    from assess.figures import FigureSettings, figures
    from assess.reader import Reader
    from city.reader import CityReader, connect
    conn = connect(dsn)
    start, end, today = DAY - timedelta(days=30), DAY + timedelta(days=30), DAY + timedelta(days=2)
    try:
        for code, _, path in halls:
            with Reader(path, code) as own:
                steps, ratings, cases = own.records(start, end)
                alarms = own.alarms(start, end)
            city_steps, city_ratings, city_cases = CityReader(conn, code).records(start, end)
            assert city_steps == steps and city_cases == cases and steps
            assert city_ratings == [with_(r, comment="") for r in ratings]
            assert CityReader(conn, code).alarms(start, end) == alarms
            for by in ("window", "staff"):
                assert (figures(city_steps, city_ratings, city_cases, by=by, settings=FigureSettings(), today=today)
                        == figures(steps, ratings, cases, by=by, settings=FigureSettings(), today=today)), (code, by)
    finally:
        conn.close()


def test_a_sender_killed_mid_batch_resumes_without_duplicates(city, city_dsn, tmp_path, hall_files):
    code, path = "town-01", tmp_path / "town-01" / "hallq.db"
    path.parent.mkdir()
    shutil.copyfile(hall_files["township"], path)
    key = _register(city_dsn, [(code, "township", path)])[code]
    (tmp_path / "key").write_text(key)

    def sender():
        return subprocess.Popen([sys.executable, "-m", "hall.cli", "city", "send", "--data-dir", str(path.parent),
                                 "--code", code, "--url", city.url, "--key-file", str(tmp_path / "key"), "--batch", "20"],
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    last = _hall_rows(path)["events"]
    proc = sender()
    with psycopg.connect(city_dsn, autocommit=True) as conn:
        deadline = time.monotonic() + 60
        while conn.execute("SELECT last_seq FROM halls WHERE code = %s", (code,)).fetchone()[0] == 0:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        acked = conn.execute("SELECT last_seq FROM halls WHERE code = %s", (code,)).fetchone()[0]
        assert 0 < acked < last                     # killed part-way: the test can fail
        proc = sender()
        try:
            while conn.execute("SELECT last_seq FROM halls WHERE code = %s", (code,)).fetchone()[0] < last:
                assert time.monotonic() < deadline + 60
                time.sleep(0.05)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(10)
        _assert_same(conn, code, path)


def test_the_city_killed_mid_ingest_keeps_every_acknowledged_record(city, city_dsn, tmp_path, hall_files):
    halls = _halls(tmp_path, hall_files)[:21]
    keys = _register(city_dsn, halls)
    senders = {code: Sender(path, code, city.url, keys[code], batch=25) for code, _, path in halls}
    acked: dict[str, int] = {}
    stop = threading.Event()

    def send(code):
        s = senders[code]
        try:
            while not stop.is_set() and s.step():
                acked[code] = s.acked
        except OSError:
            pass
    threads = [threading.Thread(target=send, args=(c,)) for c in senders]
    for t in threads:
        t.start()
    while len(acked) < 5:
        time.sleep(0.005)
    city.kill()
    stop.set()
    for t in threads:
        t.join()
    assert acked
    city.start()
    with psycopg.connect(city_dsn) as conn:
        for code, upto in acked.items():
            stored = {s for (s,) in conn.execute("SELECT seq FROM ingest WHERE hall_code = %s AND seq <= %s",
                                                 (code, upto))}
            assert stored == {s for s in _sent_seqs(senders[code].db_path) if s <= upto}, code
    for code, _, path in halls:
        _drain(Sender(path, code, city.url, keys[code]))
    with psycopg.connect(city_dsn) as conn:
        for code, _, path in halls:
            _assert_same(conn, code, path)


def _post(url: str, code: str, key: str, body: bytes, headers=None):
    headers = headers or signing.signed_headers(code, key, "POST", INGEST_PATH, body, time.time())
    req = urllib.request.Request(url + INGEST_PATH, data=body, headers=dict(headers, **{"Content-Type": "application/json"}),
                                 method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read()), headers
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read()), headers


def test_a_wrong_key_a_forged_hall_and_a_replayed_request_are_refused(city, city_dsn, tmp_path, hall_files):
    path = tmp_path / "village-01.db"
    shutil.copyfile(hall_files["village"], path)
    key = _register(city_dsn, [("village-01", "village", path)])["village-01"]
    with pytest.raises(CityRefused, match="signature is wrong"):
        Sender(path, "village-01", city.url, signing.new_key()).step()
    with pytest.raises(CityRefused, match="no hall 'village-99'"):
        Sender(path, "village-99", city.url, key).step()
    body = json.dumps({"hall": "village-01", "through": 3, "records": []}).encode()
    status, answer, headers = _post(city.url, "village-01", key, body)
    assert (status, answer["acked"]) == (200, 3)
    status, answer, _ = _post(city.url, "village-01", key, body, headers)
    assert (status, answer["error"]) == (409, "replayed")
    assert "重放" in answer["message"]
    # the body changed under the same signature: refused, and nothing stored
    status, answer, _ = _post(city.url, "village-01", key, body.replace(b"3", b"9"), dict(headers, **{
        signing.HEADER_NONCE: "f" * 32}))
    assert (status, answer["error"]) == (401, "bad_signature")
    stale = signing.signed_headers("village-01", key, "POST", INGEST_PATH, body, time.time() - 3600)
    status, answer, _ = _post(city.url, "village-01", key, body, stale)
    assert (status, answer["error"]) == (401, "stale_request")
    with psycopg.connect(city_dsn) as conn:
        assert conn.execute("SELECT last_seq FROM halls WHERE code = 'village-01'").fetchone()[0] == 3


def test_the_configuration_sent_has_no_city_key_and_staff_go_by_username(tmp_path, hall_files):
    path = tmp_path / "hallq.db"
    shutil.copyfile(hall_files["township"], path)
    secret = signing.new_key()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO users (username, name, role, password_hash, created_at) VALUES"
                 " ('zhang', '张晓明', 'staff', 'argon2-hash', '2026-11-30T08:00:00+08:00')")
    conn.execute("INSERT INTO config_versions (version, at, username, source, config) VALUES"
                 " (99, '2026-11-30T08:00:00+08:00', 'admin', 'seed', ?)",
                 (f'[hall]\nname = "新河镇"\ncode = "town-01"\n[city]\nurl = "http://city"\nkey = "{secret}"\n'
                  f'[notify]\nurl = "http://sms"\ntoken = "{secret[:20]}"\n',))
    conn.execute("UPDATE ratings SET comment = '请打我电话 13800138000' WHERE id = (SELECT min(id) FROM ratings"
                 " WHERE level IN ('dissatisfied', 'very_dissatisfied'))")
    conn.commit()
    conn.close()
    outbox = Outbox(path)
    records, _ = outbox.batch(0, 10**9)
    outbox.close()
    sent = json.dumps(records, ensure_ascii=False)
    assert "张晓明" not in sent and "argon2-hash" not in sent and "13800138000" not in sent
    assert secret not in sent and secret[:20] not in sent
    config = [r for rec in records for r in rec["rows"].get("config_versions", [])]
    assert config[0][0] == 99 and "新河镇" in config[0][2] and "[city]" not in config[0][2]
    staff = [r for rec in records for r in rec["rows"].get("staff", [])]
    assert {tuple(r) for r in staff} == {("zhang", "zhang")}
    assert not any(rec["event"] in ("queue_changed", "window_changed") for rec in records)


def test_real_hall_servers_send_their_tickets_to_the_city_as_they_are_issued(city, city_dsn, tmp_path):
    """Two real `hallq serve` halls (a township and its village) with a [city] link in their configuration."""
    import requests

    from tests.server import ServerProcess
    base = (ROOT / "config" / "hall.toml").read_text(encoding="utf-8")
    servers, issued = [], {}
    try:
        for code, tier, parent in (("xinhe-town", "township", None), ("xinhe-village", "village", "xinhe-town")):
            data = tmp_path / code
            data.mkdir()
            key = signing.new_key()
            add_hall(city_dsn, code, code, tier, parent, key)
            (data / "city.key").write_text(key)
            hall_keys = f'tier = "{tier}"\n' + (f'parent = "{parent}"\n' if parent else "")
            text = base.replace("[hall]\n", "[hall]\n" + hall_keys, 1).replace('code = "demo-city"', f'code = "{code}"', 1)
            (tmp_path / f"{code}.toml").write_text(text + f'\n[city]\nurl = "{city.url}"\nkey_file = "city.key"\n')
            server = ServerProcess(data, extra=["--config", str(tmp_path / f"{code}.toml")]).start()
            servers.append(server)
            issued[code] = [requests.post(server.url + "/api/tickets", json={"service": "A"}).json()["ticket"]["number"]
                            for _ in range(3)]
        with psycopg.connect(city_dsn, autocommit=True) as conn:
            deadline = time.monotonic() + 30
            for code, numbers in issued.items():
                while True:
                    got = [n for (n,) in conn.execute("SELECT number FROM steps WHERE hall_code = %s ORDER BY number",
                                                      (code,))]
                    if got == sorted(numbers):
                        break
                    assert time.monotonic() < deadline, (code, got, numbers)
                    time.sleep(0.1)
            assert conn.execute("SELECT count(*) FROM halls WHERE link = 'online'").fetchone()[0] == 2
    finally:
        for server in servers:
            server.stop()


def test_a_caught_up_sender_still_tells_the_city_it_is_there(city, city_dsn, tmp_path, hall_files):
    # A hall with nothing to send (a village at lunch) must not look offline in the city after SILENT.
    from hall.sender import HEARTBEAT_SECONDS
    path = tmp_path / "village-02.db"
    shutil.copyfile(hall_files["village"], path)
    key = _register(city_dsn, [("village-02", "village", path)])["village-02"]
    now = [time.time()]
    sender = Sender(path, "village-02", city.url, key, clock=lambda: now[0])
    _drain(sender)

    def seen():
        with psycopg.connect(city_dsn) as conn:
            return conn.execute("SELECT last_seen_at FROM halls WHERE code = 'village-02'").fetchone()[0]
    before = seen()
    now[0] += HEARTBEAT_SECONDS / 2
    assert sender.step() == 0
    assert seen() == before                    # caught up, asked recently: nothing sent, nothing asked
    now[0] += HEARTBEAT_SECONDS
    assert sender.step() == 0
    assert seen() > before                     # the heartbeat: the city heard from the hall
    sender.stop()
