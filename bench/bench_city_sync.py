"""Issue 14: the halls' link to the city — sync lag while online, the city's ingest throughput, a
township's backlog after a day offline. Real hall files, real HTTP, `hallq city serve` on PostgreSQL.

1. Throughput: 71 halls (1 city, 20 township, 50 village; copies of three real hall files worked
   through tests/assess/test_replay.py's busy day) each send their whole log at once, by 8 sender
   threads in this process, to the city server process: records stored per second, wall time.
2. Lag: 71 live halls (hall/hall.py on their own SQLite files, system clock) issue tickets at ten
   times a busy day's rate (the city centre 2 a second, a township 0.2, a village 0.05: about 8.5
   a second in all) for DURATION seconds while their senders run (poll 0.2 s); lag = the city's
   ingest.received_at (PostgreSQL's clock, the batch's transaction start) - the moment
   issue_ticket returned in the hall (committed), p50 and p99.
3. Backlog: a township's day (four busy days of the fixture, ~250 tickets, as a township centre's
   busy day) sent after it was offline: seconds to drain.

The server: HALLQ_CITY_DSN, else a throwaway cluster (tests/city/pgcluster.py).
Run: .venv/bin/python bench/bench_city_sync.py [DURATION]   (default 30 s)
The last line is `city_sync_lag_p99=X.XXX s`.
"""
from __future__ import annotations

import os
import random
import shutil
import sys
import threading
import time
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import percentile, scratch_dir, timed_threads  # noqa: E402
import psycopg  # noqa: E402

from city import signing  # noqa: E402
from city.app import add_hall  # noqa: E402
from config.loader import load_config  # noqa: E402
from hall.hall import Hall  # noqa: E402
from hall.sender import Sender  # noqa: E402
from hall.store import Store  # noqa: E402
from tests.city.cityserver import CityServer  # noqa: E402
from tests.city.pgcluster import Cluster, reset  # noqa: E402
from tests.city.cityfixture import hall_file  # noqa: E402
from tests.city.test_city_sync import DAY, SCHEMA  # noqa: E402
from tests.conftest import TZ  # noqa: E402

DURATION = float(sys.argv[1]) if len(sys.argv) > 1 else 30.0
RATES = {"city": 2.0, "township": 0.2, "village": 0.05}      # tickets a second, ten times a busy day


def halls() -> list[tuple[str, str]]:
    return ([("city-centre", "city")] + [(f"town-{i:02d}", "township") for i in range(1, 21)]
            + [(f"village-{i:02d}", "village") for i in range(1, 51)])


def register(dsn: str, codes) -> dict[str, str]:
    keys = {}
    for code, tier in codes:
        keys[code] = signing.new_key()
        add_hall(dsn, code, code, tier, None, keys[code])
    return keys


def drain(senders) -> int:
    n = 0
    for s in senders:
        while True:
            sent = s.step()
            if not sent:
                break
            n += sent
    return n


def throughput(dsn: str, city: CityServer, root: Path, config) -> float:
    files = {}
    for i, tier in enumerate(("city", "township", "village")):
        files[tier] = root / f"{tier}.db"
        hall_file(files[tier], config, tier, [DAY], seed=11 + i)
    reset(dsn, SCHEMA)
    codes = halls()
    keys = register(dsn, codes)
    senders = []
    for code, tier in codes:
        path = root / "t" / code / "hallq.db"
        path.parent.mkdir(parents=True)
        shutil.copyfile(files[tier], path)
        senders.append(Sender(path, code, city.url, keys[code]))
    groups = [senders[i::8] for i in range(8)]
    counts = [0] * 8

    def run(i):
        counts[i] = drain(groups[i])
    wall = timed_threads(run, 8)
    with psycopg.connect(dsn) as conn:
        stored = conn.execute("SELECT count(*) FROM ingest").fetchone()[0]
        rows = sum(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("steps", "ratings", "cases", "alarms"))
    rate = stored / wall
    print(f"throughput: {stored} records ({rows} rows) from 71 halls in {wall:.2f} s = {rate:,.0f} records/s")
    return rate


def lag(dsn: str, city: CityServer, root: Path, config) -> tuple[float, float, int]:
    reset(dsn, SCHEMA)
    codes = halls()
    keys = register(dsn, codes)
    live = []
    # The halls' clock: a busy Monday's 10:00 plus the real time gone by (the hall is open whenever this runs).
    start, base = time.time(), datetime(DAY.year, DAY.month, DAY.day, 10, 0, tzinfo=TZ)

    def clock():
        return base + timedelta(seconds=time.time() - start)
    for code, tier in codes:
        path = root / "l" / code / "hallq.db"
        store = Store(path)
        hall = Hall(replace(config, code=code), store, clock=clock)
        sender = Sender(path, code, city.url, keys[code], poll_seconds=0.2)
        threading.Thread(target=sender.run, daemon=True).start()
        live.append((code, tier, hall, store, sender))
    committed: dict[tuple[str, int], float] = {}
    rnd = random.Random(5)
    # One schedule for all halls: each hall's next ticket at exponential intervals of its rate.
    due = [(rnd.expovariate(RATES[tier]), i) for i, (_, tier, *_rest) in enumerate(live)]
    t0 = time.monotonic()
    while True:
        due.sort()
        at, i = due[0]
        if at > DURATION:
            break
        wait = t0 + at - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        code, tier, hall, store, _ = live[i]
        hall.issue_ticket(rnd.choice("AABD"))      # services without real-name ticketing
        now = time.time()
        seq = store.conn.execute("SELECT max(seq) FROM events WHERE name = 'ticket_issued'").fetchone()[0]
        committed[(code, seq)] = now
        due[0] = (at + rnd.expovariate(RATES[tier]), i)
    time.sleep(3)
    for _, _, hall, store, sender in live:
        sender.stop()
    lags = []
    with psycopg.connect(dsn) as conn:
        for code, seq, received in conn.execute("SELECT hall_code, seq, extract(epoch FROM received_at) FROM ingest"
                                                " WHERE event = 'ticket_issued'"):
            if (code, seq) in committed:
                lags.append(float(received) - committed[(code, seq)])
    missing = len(committed) - len(lags)
    for _, _, hall, store, _ in live:
        hall.bus.close()
        store.close()
    p50, p99 = percentile(lags, 50), percentile(lags, 99)
    print(f"lag: {len(committed)} tickets issued in {DURATION:.0f} s across 71 halls ({len(committed) / DURATION:.1f}/s),"
          f" {missing} not in the city after 3 s; lag p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms,"
          f" max {max(lags) * 1000:.0f} ms")
    return p50, p99, missing


def backlog(dsn: str, city: CityServer, root: Path, config) -> float:
    reset(dsn, SCHEMA)
    path = root / "b" / "town-07" / "hallq.db"
    path.parent.mkdir(parents=True)
    for i in range(4):          # a hall reopened each day, as the offline township of the tests
        hall_file(path, config, "town-07", [DAY + timedelta(days=i)], seed=40 + i)
    key = register(dsn, [("town-07", "township")])["town-07"]
    sender = Sender(path, "town-07", city.url, key)
    t0 = time.perf_counter()
    n = drain([sender])
    wall = time.perf_counter() - t0
    with psycopg.connect(dsn) as conn:
        tickets = conn.execute("SELECT count(DISTINCT (business_day, ticket_id)) FROM steps").fetchone()[0]
    print(f"backlog: a township's day offline ({tickets} tickets, {sender.acked} events, {n} records) drained in {wall:.2f} s")
    return wall


def main() -> None:
    root = scratch_dir("hallq-bench-city-")
    cluster = None
    dsn = os.environ.get("HALLQ_CITY_DSN")
    if not dsn:
        cluster = Cluster().start()
        dsn = cluster.dsn
    reset(dsn, SCHEMA)
    city = CityServer(dsn, root / "city.log").start()
    config = load_config()
    try:
        rate = throughput(dsn, city, root, config)
        drained = backlog(dsn, city, root, config)
        p50, p99, missing = lag(dsn, city, root, config)
    finally:
        city.stop()
        if cluster:
            cluster.stop()
    print(f"city_ingest_throughput={rate:.0f} records/s")
    print(f"township_day_backlog_drained={drained:.2f} s")
    print(f"city_sync_lag_p50={p50:.3f} s")
    print(f"city_sync_lag_p99={p99:.3f} s")


if __name__ == "__main__":
    main()
