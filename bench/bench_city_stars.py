"""Issue 14: the monthly star ratings of all 71 centres of a city over a year, on the city's PostgreSQL.

A year (2025) of one city's halls is generated into the city's real tables
(city/schema.sql) with COPY: the city administrative service centre (about
3,900 tickets a working day, as bench/bench_figures.py's big hall), 20
township centres (about 250) and 50 village centres (about 20), over China's
working days: a rating row for 86 % of the tickets (74 % rated, 12 % left
"unrated"), skewed good with ~2 % bad, a case for each bad rating (closed,
rectified or still open as the year's end finds it, some appeals upheld and
their rating excluded), and each centre's monthly self-assessment with an
inspection most months. The steps are not generated: the star rating never
reads them (its citizens' part is the ratings counted by level and the cases,
assess/starbook.py), and PostgreSQL reads only the partitions a query names.

Then `city.book.stars` rates every centre of every tier: the year's ratings
counted by hall, day and level in one query, its cases counted by hall, day
and state in another, the inputs, and assess/stars.py's `month_score` and
`year_view` per centre. Median of 3.

The server: HALLQ_CITY_DSN, else a throwaway cluster (tests/city/pgcluster.py).
Run: .venv/bin/python bench/bench_city_stars.py
The last line is `city_stars_71_centres=X.XX s`.
"""
from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assess.records import CaseRecord, case_to_json  # noqa: E402
from city import book  # noqa: E402
from city.reader import CityReader, connect  # noqa: E402
from hall.workdays import Workdays  # noqa: E402
from tests.city.pgcluster import Cluster, reset  # noqa: E402

YEAR = 2025
SEED = 14
TZ = ZoneInfo("Asia/Shanghai")
SCHEMA = ROOT / "city" / "schema.sql"
TIERS = [("city", 1, 3900, 20)] + [("township", 20, 250, 5)] + [("village", 50, 20, 1)]   # tier, halls, tickets/day, windows
LEVELS = ("very_satisfied", "satisfied", "basic", "dissatisfied", "very_dissatisfied")
LEVEL_WEIGHTS = (0.80, 0.135, 0.045, 0.014, 0.006)
ASPECTS = ("dedication", "conduct", "quality", "integrity", "satisfaction")


def halls() -> list[tuple[str, str, str, str, int, int]]:
    """(code, name, tier, parent, tickets a day, windows) of the 71 centres."""
    out = [("city-centre", "市行政服务中心", "city", None, TIERS[0][2], TIERS[0][3])]
    for i in range(1, 21):
        out.append((f"town-{i:02d}", f"第{i}镇便民服务中心", "township", "city-centre", TIERS[1][2], TIERS[1][3]))
    for i in range(1, 51):
        out.append((f"village-{i:02d}", f"第{i}村便民服务中心", "village", f"town-{(i - 1) % 20 + 1:02d}",
                    TIERS[2][2], TIERS[2][3]))
    return out


def generate(conn) -> dict[str, int]:
    """The year of every centre into the city's tables; rows written, counted."""
    rng = random.Random(SEED)
    workdays = Workdays()
    days = [date(YEAR, 1, 1) + timedelta(days=i) for i in range(365)]
    days = [d for d in days if workdays.is_workday(d)]
    found = datetime(YEAR + 1, 1, 5, 9, 0, tzinfo=TZ)
    counts = dict(ratings=0, rated=0, bad=0, cases=0, upheld=0, star_months=0)
    now = datetime.now(TZ)
    with conn.transaction():
        for code, name, tier, parent, _, _ in halls():
            conn.execute("INSERT INTO halls (code, name, name_en, tier, parent, link, last_seen_at, last_record_at)"
                         " VALUES (%s, %s, %s, %s, %s, 'online', %s, %s)", (code, name, code, tier, parent, now, now))
    for n_hall, (code, _, _, _, per_day, windows) in enumerate(halls()):
        # One centre in five struggles (lower self-assessment and inspections), so the year rule has
        # rewards, warnings and neither to give, not seventy-one rewards.
        weak = n_hall % 5 == 3
        rid = cid = 0
        ratings, cases = [], []
        for d in days:
            n = max(1, round(per_day * rng.uniform(0.8, 1.2)))
            at0 = datetime(d.year, d.month, d.day, 9, 0, tzinfo=TZ)
            for t in range(1, n + 1):
                u = rng.random()
                if u >= 0.86:
                    continue
                rid += 1
                window = rng.randint(1, windows)
                at = at0 + timedelta(seconds=t * 28000 // n)
                level = None if u >= 0.74 else rng.choices(LEVELS, LEVEL_WEIGHTS)[0]
                bad = level in LEVELS[3:]
                excluded = False
                if bad:
                    cid += 1
                    case, excluded = bad_case(rng, code, cid, rid, t, d, window, level, at, found, workdays)
                    cases.append((code, cid, rid, t, 0, d, at, case.status, json.dumps(case_to_json(case)), at))
                ratings.append((code, rid, t, 0, d, f"A{t:03d}", "A", None, window, f"s{window:02d}", level,
                                "rater", f"rater-{window}", '["slow"]' if bad else "[]", "", at, excluded,
                                "申诉成立" if excluded else ""))
                counts["rated"] += level is not None
                counts["bad"] += bad
                counts["upheld"] += excluded
        with conn.transaction(), conn.cursor() as cur:
            with cur.copy('COPY ratings (hall_code, id, ticket_id, step, business_day, number, service, matter,'
                          ' "window", staff, level, channel, device, reasons, comment, at, excluded,'
                          ' exclusion_reason) FROM STDIN') as copy:
                for row in ratings:
                    copy.write_row(row)
            with cur.copy("COPY cases (hall_code, id, rating_id, ticket_id, step, business_day, opened_at, status,"
                          " record, updated_at) FROM STDIN") as copy:
                for row in cases:
                    copy.write_row(row)
            for m in range(1, 13):
                own = {a: rng.choice((72, 78, 84, 88, 92) if weak else (85, 88, 90, 92, 95, 98)) for a in ASPECTS}
                inspection = {"score": rng.choice((70, 78, 84, 90) if weak else (78, 84, 88, 91, 95)),
                              "findings": ["窗口人员离岗未挂牌"]} \
                    if m % 4 else None
                cur.execute("INSERT INTO star_months (hall_code, month, inputs, entered_by, entered_at)"
                            " VALUES (%s, %s, %s, 'assessor', %s)",
                            (code, f"{YEAR}-{m:02d}", json.dumps({"self_assessment": own, "inspection": inspection}),
                             datetime(YEAR, m, 28, 16, 0, tzinfo=TZ)))
        counts["ratings"] += len(ratings)
        counts["cases"] += len(cases)
        counts["star_months"] += 12
    # What autovacuum does for a city whose records arrived over a year: statistics, and the visibility
    # map that lets the level counts come from the index alone.
    conn.execute("VACUUM ANALYZE")
    return counts


def bad_case(rng, code, cid, rid, tid, day, window, level, at, found, workdays):
    """A bad rating's case as the year's end finds it; (case, the rating excluded by an upheld appeal)."""
    case = CaseRecord(hall=code, case_id=cid, rating_id=rid, ticket_id=tid, step=0, business_day=day,
                      number=f"A{tid:03d}", service="A", matter=None, window=window, staff=f"s{window:02d}",
                      level=level, opened_at=at, status="verifying")
    if rng.random() < 0.03:
        return CaseRecord(**{**case.__dict__, "status": "closed", "appeal": "upheld",
                             "closed_at": at + timedelta(days=2)}), True
    recent = (found - at).days < 10
    status = rng.choices(("verifying", "rectifying", "callback", "closed"),
                         (0.4, 0.3, 0.2, 0.1) if recent else (0.02, 0.02, 0.03, 0.93))[0]
    if status in ("verifying", "rectifying"):
        deadline = workdays.add(day, 5) if status == "rectifying" else None
        return CaseRecord(**{**case.__dict__, "status": status, "deadline": deadline,
                             "rectify_mode": "ledger" if deadline else None}), False
    rectified = at + timedelta(hours=rng.uniform(1, 48))
    called = rectified + timedelta(days=1) if status == "closed" else None
    return CaseRecord(**{**case.__dict__, "status": status, "rectify_mode": "on_spot", "rectified_at": rectified,
                         "callback_at": called, "closed_at": called,
                         "callback_view": "satisfied" if called else None}), False


def main() -> None:
    dsn = os.environ.get("HALLQ_CITY_DSN")
    cluster = None
    if not dsn:
        cluster = Cluster().start()
        dsn = cluster.dsn
    try:
        reset(dsn, SCHEMA.read_text(encoding="utf-8"))
        conn = connect(dsn)
        t0 = time.perf_counter()
        counts = generate(conn)
        print(f"generated {YEAR} for 71 centres in {time.perf_counter() - t0:.0f} s: {counts['ratings']:,} rating rows "
              f"({counts['rated']:,} rated, {counts['bad']:,} bad, {counts['upheld']:,} excluded on appeal), "
              f"{counts['cases']:,} cases, {counts['star_months']} months of inputs")
        today = date(YEAR + 1, 1, 5)
        everyone = ("city", "township", "village")
        centres = book.halls(conn, datetime.now(TZ))
        runs, cpus = [], []
        for _ in range(3):
            c0, t0 = time.process_time(), time.perf_counter()
            rated = book.stars(conn, centres, YEAR, today, tiers=everyone)
            runs.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        reader = CityReader(conn)
        t0 = time.perf_counter()
        reader.level_counts_by_hall(date(YEAR, 1, 1), date(YEAR, 12, 31))
        t_counts = time.perf_counter() - t0
        t0 = time.perf_counter()
        reader.case_counts_by_hall(date(YEAR, 1, 1), date(YEAR, 12, 31))
        t_cases = time.perf_counter() - t0
        verdicts = [r["year"]["verdict"] for r in rated]
        print(f"star ratings of {len(rated)} centres x 12 months: {statistics.median(runs):.2f} s (median of 3; runs "
              f"{', '.join(f'{x:.2f}' for x in runs)}; this process's CPU {statistics.median(cpus):.2f} s); of it "
              f"the ratings counted {t_counts:.2f} s, the {counts['cases']:,} cases counted {t_cases:.2f} s; "
              f"target <= 2 s")
        print(f"  verdicts: {sum(v['reward'] for v in verdicts)} rewarded, {sum(v['warning'] for v in verdicts)} "
              f"warned; stars of {rated[0]['hall'].code}: "
              + " ".join(f"{m['month'][5:]}:{m['score']['stars']}" for m in rated[0]["year"]["months"]))
        conn.close()
        print(f"city_stars_71_centres={statistics.median(runs):.2f} s")
    finally:
        if cluster:
            cluster.stop()


if __name__ == "__main__":
    main()
