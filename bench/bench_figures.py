"""Issue 11: the figures of a big city hall's year, read beside the serving hall.

A year (2025) of one city administrative service centre is generated straight
into a real hall file made by `hall.store.Store` (the real schema; the rows by
the store's own row makers, so they are what the hall writes): 20 windows and
40 clerks (an A post at each window and its B post, who takes the window on
the holder's days off and some afternoons; six clerks move windows in July,
one backup in October), the six services and their matters of
bench/city_centre.toml, 1.02 million tickets over China's working days with
a seasonal year (Spring Festival low, a July peak) and a morning and an
afternoon rush, ~8 % transferred, ~4 % no-shows (a third rejoin), ~1.5 %
cancelled, ~0.3 % expired; ratings of 74 % of the served steps (12 % more
are "unrated"), skewed good with ~2 % bad, a few clerks with more; a case for
every bad rating in every status as the year's end finds it, some appeals
(upheld ones exclude their rating); a year of star-rating inputs. The event
log is left empty: the figures never read it. The file is cached under the
temp directory, keyed by the generator's version and the schema's, so a
re-run does not regenerate it (--regenerate does).

Then, on the busiest month:
- the monthly figures by staff and by window, each read (assess/reader.py
  `facts`, one snapshot, as the pages and exports read them) + computed
  (assess/figures.py): target ≤ 1 s each; and the full records' read beside
  it (what the drill-down reads), for comparison;
- the month's XLSX export (read + figures + assess/export.py), in-process
  and as `hallq report ... --format xlsx` end to end: target ≤ 5 s;
- ticket issuing through the real `Hall.issue_ticket` on a copy of the same
  file, 50 a second like a row of busy kiosks, alone and while a figures
  query runs over and over in another thread of the same process and in
  another process, side by side;
- and last, the year's star ratings: the year read, the figures by month,
  `month_score` for each month and `year_view`.

Run: .venv/bin/python bench/bench_figures.py [--regenerate] [--issues 1500]
The last line is `figures_month_by_staff=X.XX s` (read + compute, median of 3).
"""
from __future__ import annotations

import argparse
import base64
import json
import math
import multiprocessing
import os
import random
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assess.export import Report, write_xlsx  # noqa: E402
from assess.figures import FigureSettings, figures  # noqa: E402
from assess.reader import Reader  # noqa: E402
from assess.records import CaseRecord, case_to_json  # noqa: E402
from config import load_config  # noqa: E402
from hall.model import Call, Step, Ticket  # noqa: E402
from hall.store import (_STEP_COLUMNS, _TICKET_COLUMNS, Store, _step_rows, _ticket_row,  # noqa: E402
                        star_inputs_to_json)
from hall.workdays import Workdays  # noqa: E402

GENERATOR_VERSION = 3
YEAR = 2025
TICKETS = 1_020_000
SEED = 11
HALL_CODE = "city-centre"
TZ = ZoneInfo("Asia/Shanghai")
CITY_CENTRE = ROOT / "bench" / "city_centre.toml"
# In a directory of its own: the store makes a database's directory private (0700). A newer schema
# is not a new year: the cached file is migrated when opened, as a hall's own file is.
CACHE = Path(tempfile.gettempdir()) / "hallq-bench-figures" / f"year-{YEAR}-v{GENERATOR_VERSION}" / "hallq.db"

# Windows per service (20), and each service's share of tickets and service-time factor.
WINDOWS = {"A": (1, 2, 3, 4), "B": (5, 6, 7, 8, 9), "C": (10, 11), "D": (12, 13, 14), "E": (15, 16, 17),
           "F": (18, 19, 20)}
SHARES = {"A": 0.18, "B": 0.30, "C": 0.08, "D": 0.14, "E": 0.14, "F": 0.16}
SERVICE_FACTOR = {"A": 1.6, "B": 1.0, "C": 2.0, "D": 1.2, "E": 1.3, "F": 0.6}
MONTH_WEIGHT = {1: 1.0, 2: 0.7, 3: 1.15, 4: 1.0, 5: 0.95, 6: 1.05, 7: 1.25, 8: 1.1, 9: 1.0, 10: 0.8, 11: 1.0,
                12: 1.05}
# Half-hour slots from 08:30 to 17:30 and their share of arrivals: a morning and an afternoon rush.
SLOTS = [(8 * 60 + 30 + 30 * i) * 60 for i in range(18)]
SLOT_WEIGHTS = [5, 9, 11, 11, 10, 8, 6, 4, 3, 4, 7, 8, 8, 7, 6, 5, 3, 2]
DAY_END = 17 * 3600 + 30 * 60
LEVEL_WEIGHTS = (("very_satisfied", 0.80), ("satisfied", 0.135), ("basic", 0.045), ("dissatisfied", 0.014),
                 ("very_dissatisfied", 0.006))
REASONS = ("attitude", "slow", "not_told_once", "unclear_materials", "long_wait", "other")
COMMENTS = ("", "", "等了很久", "材料说了两次才说清楚", "态度不耐烦", "窗口中途离开", "系统太慢", "叫号听不清")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "敏强芳伟娜静磊洋艳勇军杰娟涛明超秀霞平刚桂英华"


# -- the hall's file ---------------------------------------------------------------

def bench_config_text() -> str:
    """bench/city_centre.toml with its own code, four-digit numbers (a big hall's service passes A999 on
    a busy day), a service time limit, and 20 windows instead of 16."""
    text = CITY_CENTRE.read_text(encoding="utf-8")
    text = text.replace("[hall]\n", f'[hall]\ncode = "{HALL_CODE}"\n', 1)
    text = re.sub(r'^(prefix = "[A-Z]"\n)', r"\1digits = 4\n", text, flags=re.M)
    text = text[:text.index("\n[[windows]]")] + "\n\n[ratings]\nservice_limit_minutes = 20\n"
    year_end = Staffing(random.Random(0))       # the holders as the year's moves left them
    year_end.day(date(YEAR, 7, 1))
    year_end.day(date(YEAR, 10, 1))
    for service, ids in WINDOWS.items():
        for w in ids:
            text += (f'\n[[windows]]\nid = {w}\nname = "{w}号窗口"\nname_en = "Window {w}"\nservices = ["{service}"]\n'
                     f'a_holder = "{year_end.holder[w]}"\nb_holder = "{year_end.backup[w]}"\n')
    return text


class Staffing:
    """Who is at which window on a day: the A post (holder) mostly, the B post on the holder's days off
    and some afternoons; in July three pairs of holders swap windows, in October a backup moves."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.holder = {w: f"s{w:02d}" for w in range(1, 21)}
        self.backup = {w: f"s{w + 20:02d}" for w in range(1, 21)}
        self.names = {f"s{i:02d}": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN) for i in range(1, 41)}
        self.speed = {s: rng.uniform(0.8, 1.25) for s in self.names}
        self.badness = {s: 1.0 for s in self.names} | {"s04": 3.0, "s13": 2.5, "s27": 2.0}
        self._month = None

    def day(self, d: date) -> dict[int, tuple[str, str]]:
        """window -> (morning clerk, afternoon clerk)."""
        if d.month != self._month:
            self._month = d.month
            if d.month == 7:
                for a, b in ((2, 6), (9, 13), (17, 20)):
                    self.holder[a], self.holder[b] = self.holder[b], self.holder[a]
            if d.month == 10:
                self.backup[11], self.backup[3] = self.backup[3], self.backup[11]
        out = {}
        for w in range(1, 21):
            if self.rng.random() < 0.12:
                out[w] = (self.backup[w], self.backup[w])
            elif self.rng.random() < 0.08:
                out[w] = (self.holder[w], self.backup[w])
            else:
                out[w] = (self.holder[w], self.holder[w])
        return out


def generate(path: Path) -> dict:
    """Write the year into a new hall file at `path`; what was written, counted."""
    rng = random.Random(SEED)
    config = load_config_text(bench_config_text())
    workdays = Workdays()
    days = [date(YEAR, 1, 1) + timedelta(days=i) for i in range(365)]
    days = [d for d in days if workdays.is_workday(d)]
    weights = [MONTH_WEIGHT[d.month] * rng.uniform(0.9, 1.1) for d in days]
    per_day = [round(TICKETS * w / sum(weights)) for w in weights]
    per_day[-1] += TICKETS - sum(per_day)
    services = {s.code: s for s in config.services}
    matters = {s.code: [m.code for m in s.matters] for s in config.services}
    codes, shares = list(SHARES), list(SHARES.values())
    staffing = Staffing(rng)
    year_end = datetime(YEAR + 1, 1, 5, 9, 0, tzinfo=TZ)      # when the cases are found as they are

    store = Store(path)
    conn = store.conn
    conn.execute("PRAGMA synchronous=OFF")     # a generator, not a hall: speed over durability
    now = datetime(YEAR, 1, 1, 8, 0, tzinfo=TZ).isoformat()
    conn.executemany("INSERT INTO users (username, name, role, password_hash, created_at) VALUES (?,?,?,?,?)",
                     [(s, n, "staff", "!", now) for s, n in staffing.names.items()])
    counts = dict(tickets=0, steps=0, ratings=0, rated=0, unrated=0, bad=0, cases=0, appeals=0, upheld=0)
    case_status: dict[str, int] = {}
    tid = rid = cid = 0
    ticket_sql = f"INSERT INTO tickets ({_TICKET_COLUMNS}) VALUES ({','.join('?' * len(_TICKET_COLUMNS.split(',')))})"
    step_sql = f"INSERT INTO steps ({_STEP_COLUMNS}) VALUES ({','.join('?' * 18)})"
    rating_sql = ("INSERT INTO ratings (id, ticket_id, step, business_day, number, service, matter, window, staff,"
                  " level, channel, device, reasons, comment, at, excluded, exclusion_reason)"
                  " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
    case_sql = ("INSERT INTO cases (id, rating_id, ticket_id, step, business_day, opened_at, status, record,"
                " updated_at) VALUES (?,?,?,?,?,?,?,?,?)")
    levels, level_w = [x for x, _ in LEVEL_WEIGHTS], [w for _, w in LEVEL_WEIGHTS]
    td = timedelta

    for d, n in zip(days, per_day):
        base = datetime(d.year, d.month, d.day, tzinfo=TZ)
        clerks = staffing.day(d)
        serial = dict.fromkeys(codes, 0)
        tickets, steps, ratings, cases = [], [], [], []

        def clerk(window: int, at: datetime) -> str:
            morning, afternoon = clerks[window]
            return morning if at.hour < 13 else afternoon

        def serve(service: str, queued: datetime, calls_n: int = 1):
            """(calls, started, ended, window, staff, post) of a step served at one of the service's windows."""
            window = rng.choice(WINDOWS[service])
            first = queued + td(seconds=rng.lognormvariate(6.17, 0.75))     # median 8 min
            calls = [Call(first, window)]
            for _ in range(calls_n - 1):
                calls.append(Call(calls[-1].at + td(seconds=rng.uniform(60, 120)), window))
            staff = clerk(window, first)
            started = calls[-1].at + td(seconds=rng.uniform(20, 90))
            seconds = rng.lognormvariate(5.0, 0.6) * SERVICE_FACTOR[service] * staff_speed[staff]
            post = "A" if staff == staffing.holder[window] else "B"
            return tuple(calls), started, started + td(seconds=seconds), window, staff, post

        staff_speed = staffing.speed
        for _ in range(n):
            tid += 1
            service = rng.choices(codes, shares)[0]
            serial[service] += 1
            number = f"{services[service].prefix}{serial[service]:0{services[service].digits}d}"
            slot = rng.choices(SLOTS, SLOT_WEIGHTS)[0]
            issued = base + td(seconds=slot + rng.uniform(0, 1800))
            ms = matters[service]
            matter = rng.choice(ms) if ms and rng.random() < 0.7 else None
            p = rng.random()
            priority = "elderly" if p < 0.05 else "disabled" if p < 0.06 else "appointment" if p < 0.09 else None
            token = base64.urlsafe_b64encode(rng.randbytes(9)).decode()
            t = Ticket(id=tid, business_day=d, service=service, number=number, serial=serial[service],
                       status="waiting", issued_at=issued, token=token, queued_at=issued, priority=priority,
                       matter=matter)
            u = rng.random()
            if u < 0.015:      # cancelled while waiting
                t = replace(t, status="cancelled", finished_at=issued + td(seconds=rng.uniform(180, 1800)))
            elif u < 0.018:    # still waiting when the day ended
                t = replace(t, status="expired", finished_at=base + td(seconds=DAY_END))
            elif u < 0.058:    # called three times, never came; a third of them rejoin and are served
                calls, _, _, window, staff, post = serve(service, issued, calls_n=3)
                gone = calls[-1].at + td(seconds=60)
                t = replace(t, status="no_show", calls=calls, window=window, staff=staff, post=post, finished_at=gone)
                if rng.random() < 0.33:
                    back = gone + td(seconds=rng.uniform(300, 1500))
                    calls2, started, ended, window2, staff2, post2 = serve(service, back)
                    t = replace(t, status="finished", queued_at=back, joined_at=back, calls=calls2,
                                started_at=started, finished_at=ended, window=window2, staff=staff2, post=post2,
                                steps=(Step(service, issued, calls, None, gone, "no_show", window, staff,
                                            post=post),))
            elif u < 0.138:    # served, then transferred to another service, served there
                calls, started, ended, window, staff, post = serve(service, issued)
                other = rng.choice([c for c in codes if c != service])
                calls2, started2, ended2, window2, staff2, post2 = serve(other, ended)
                t = replace(t, service=other, status="finished", queued_at=issued, joined_at=ended, calls=calls2,
                            started_at=started2, finished_at=ended2, window=window2, staff=staff2, post=post2,
                            steps=(Step(service, issued, calls, started, ended, "transferred", window, staff,
                                        post=post),))
            else:
                calls, started, ended, window, staff, post = serve(service, issued,
                                                                   calls_n=1 if rng.random() < 0.93 else 2)
                t = replace(t, status="finished", calls=calls, started_at=started, finished_at=ended, window=window,
                            staff=staff, post=post)
            tickets.append(_ticket_row(t))
            rows = _step_rows(t)
            steps.extend(rows)
            for row in rows:   # the served steps: rated, unrated, or nothing recorded
                (_, step, day, number, service_s, matter_s, _, _, _, _, _, _, started_s, ended_s, outcome, window,
                 staff, _) = row
                if started_s is None or outcome not in ("finished", "transferred"):
                    continue
                u = rng.random()
                if u >= 0.86:
                    continue
                rid += 1
                ended_at = datetime.fromisoformat(ended_s)
                if u >= 0.74:
                    counts["unrated"] += 1
                    ratings.append([rid, tid, step, day, number, service_s, matter_s, window, staff, None, "rater",
                                    f"rater-{window}", "[]", "", (ended_at + td(seconds=35)).isoformat(), 0, ""])
                    continue
                counts["rated"] += 1
                bad_weight = staffing.badness[staff]
                level = rng.choices(levels, level_w[:3] + [w * bad_weight for w in level_w[3:]])[0]
                c = rng.random()
                channel, device, at = ("rater", f"rater-{window}", ended_at + td(seconds=rng.uniform(3, 25))) \
                    if c < 0.82 else ("tablet", f"tablet-{window}", ended_at + td(seconds=rng.uniform(5, 40))) \
                    if c < 0.92 else ("phone", None, ended_at + td(seconds=rng.uniform(300, 20 * 3600)))
                reasons, comment = [], ""
                if level in ("dissatisfied", "very_dissatisfied"):
                    counts["bad"] += 1
                    reasons = rng.sample(REASONS, rng.choice((1, 1, 2)))
                    comment = rng.choice(COMMENTS)
                rating = [rid, tid, step, day, number, service_s, matter_s, window, staff, level, channel, device,
                          json.dumps(reasons, ensure_ascii=False), comment, at.isoformat(), 0, ""]
                ratings.append(rating)
                if reasons:
                    cid += 1
                    case, exclusion = bad_case(rng, workdays, year_end, cid, rating, d, at)
                    case_status[case.status] = case_status.get(case.status, 0) + 1
                    counts["appeals"] += case.appeal is not None
                    if exclusion:
                        counts["upheld"] += 1
                        rating[15], rating[16] = 1, exclusion
                    cases.append((cid, rid, tid, step, day, case.opened_at.isoformat(), case.status,
                                  json.dumps(case_to_json(case), ensure_ascii=False),
                                  (case.closed_at or case.callback_at or case.rectified_at or case.verified_at
                                   or case.opened_at).isoformat()))
        conn.execute("BEGIN")
        conn.executemany(ticket_sql, tickets)
        conn.executemany(step_sql, steps)
        conn.executemany(rating_sql, ratings)
        conn.executemany(case_sql, cases)
        conn.execute("COMMIT")
        counts["tickets"] += len(tickets)
        counts["steps"] += len(steps)
        counts["ratings"] += len(ratings)
        counts["cases"] += len(cases)

    conn.execute("BEGIN")
    from assess.stars import Inspection, StarInputs
    for month in range(1, 13):   # the centre's self-assessment each month, an inspection most months
        own = {a: rng.choice((85, 88, 90, 92, 95, 98)) for a in ("dedication", "conduct", "quality", "integrity",
                                                                  "satisfaction")}
        inspection = Inspection(rng.choice((78, 84, 88, 91, 95)), ("窗口人员离岗未挂牌",)) if month % 4 else None
        inputs = StarInputs(f"{YEAR}-{month:02d}", self_assessment=own, inspection=inspection)
        conn.execute("INSERT INTO star_months (hall, month, inputs, entered_by, entered_at) VALUES (?,?,?,?,?)",
                     (HALL_CODE, inputs.month, json.dumps(star_inputs_to_json(inputs), ensure_ascii=False),
                      "assessor", datetime(YEAR, month, 28, 16, 0, tzinfo=TZ).isoformat()))
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return counts | {"case_status": case_status, "days": len(days)}


def bad_case(rng, workdays, found_at: datetime, case_id: int, rating: list, day: date, at: datetime):
    """The case of a bad rating as the year's end finds it: older cases mostly closed, recent ones open;
    6 % appealed (upheld, rejected or pending). The exclusion reason when an appeal was upheld."""
    (rid, tid, step, _, number, service, matter, window, staff, level, *_rest) = rating
    case = CaseRecord(hall=HALL_CODE, case_id=case_id, rating_id=rid, ticket_id=tid, step=step, business_day=day,
                      number=number, service=service, matter=matter, window=window, staff=staff, level=level,
                      opened_at=at, status="verifying")
    age = (found_at - at).days
    u = rng.random()
    appeal = rng.random() < 0.06
    if appeal:
        decided = rng.random()
        if age < 5 or decided < 0.15:
            return replace(case, appeal="pending", appeal_reason="非本人原因，系统故障"), None
        if decided < 0.55:
            done = at + timedelta(days=rng.uniform(1, 4))
            return replace(case, status="closed", appeal="upheld", appeal_reason="高峰期系统故障",
                           appeal_decision="核实系统日志，申诉成立", closed_at=done), "申诉成立：系统故障"
        case = replace(case, appeal="rejected", appeal_reason="群众误解", appeal_decision="录像显示确有等候过长，申诉不成立")
    stage = ("verifying", "rectifying", "callback", "closed")
    if age < 10:
        status = rng.choices(stage, (0.4, 0.3, 0.2, 0.1))[0]
    else:
        status = rng.choices(stage, (0.02, 0.02, 0.03, 0.93))[0]
    if status == "verifying":
        return replace(case, status=status), None
    verified = at + timedelta(hours=rng.uniform(1, 48))
    ledger = rng.random() < 0.4
    deadline = workdays.add(day, 5) if ledger else None
    case = replace(case, status=status, verified_at=verified, rectify_mode="ledger" if ledger else "on_spot",
                   deadline=deadline, note="已核实，约谈窗口人员")
    if status == "rectifying":
        return case, None
    rectified = verified + timedelta(hours=rng.uniform(1, 24 * 6 if ledger else 4))
    case = replace(case, rectified_at=rectified, note="已整改：补充一次性告知清单")
    if status == "callback":
        return case, None
    called = rectified + timedelta(days=rng.uniform(1, 3))
    view = rng.choices(("satisfied", "basic", "dissatisfied"), (0.8, 0.15, 0.05))[0]
    return replace(case, callback_at=called, callback_view=view, closed_at=called, note="已回访"), None


def load_config_text(text: str):
    from config import parse_config
    return parse_config(text, source="bench_figures")


def hall_file(regenerate: bool) -> tuple[Path, float, dict | None]:
    """The cached year (generated when missing), how long getting it took, and what generating wrote."""
    t0 = time.perf_counter()
    if CACHE.exists() and not regenerate:
        Store(CACHE).close()          # migrated to this HallQ's schema, if it is older
        return CACHE, time.perf_counter() - t0, None
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    partial = CACHE.with_name(CACHE.name + ".partial")
    for p in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        p.unlink(missing_ok=True)
    counts = generate(partial)
    partial.replace(CACHE)
    return CACHE, time.perf_counter() - t0, counts


# -- measuring -----------------------------------------------------------------------

def settings_of(config) -> FigureSettings:
    r = config.ratings
    return FigureSettings(service_level_minutes=r.service_level_minutes, case_deadline_days=r.case_deadline_days,
                          service_limit_minutes=r.service_limit_minutes)


TODAY = date(YEAR + 1, 1, 5)


def month_figures(path, start: date, end: date, by: str, settings, workdays, read: str = "facts"):
    """Read the range in one snapshot (`read`: "facts" or "records") and work its figures out by `by`.
    (read s, compute s, CPU s of both, records, rows)."""
    c0, t0 = time.process_time(), time.perf_counter()
    with Reader(path, HALL_CODE) as reader:
        steps, ratings, cases = getattr(reader, read)(start, end)
    t1 = time.perf_counter()
    rows = figures(steps, ratings, cases, by=by, settings=settings, today=TODAY, workdays=workdays)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, time.process_time() - c0, (len(steps), len(ratings), len(cases)), rows


def month_range(month: str) -> tuple[date, date]:
    y, m = map(int, month.split("-"))
    return date(y, m, 1), date(y + m // 12, m % 12 + 1, 1) - timedelta(days=1)


def figures_loop(path: str, start: date, end: date, stop, rounds, started) -> None:
    """A figures query over and over until `stop` is set (another thread, or another process)."""
    settings, workdays = FigureSettings(), Workdays()
    while not stop.is_set():
        with Reader(path, HALL_CODE) as reader:
            started.set()
            steps, ratings, cases = reader.facts(start, end)
        figures(steps, ratings, cases, by="staff", settings=settings, today=TODAY, workdays=workdays)
        with rounds.get_lock():
            rounds.value += 1


def issue_latencies(hall, n: int, pace: float) -> list[float]:
    """Issue n tickets one every `pace` seconds through Hall.issue_ticket; each call's time in ms.
    The services that need an ID number (real-name) or have a daily quota are left out: neither the
    keypad nor the quota is what is measured."""
    services = [(s.code, m.code if m else None) for s in hall.config.services
                if not s.real_name and s.daily_quota is None for m in (s.matters or (None,))]
    out = []
    next_at = time.perf_counter()
    for i in range(n):
        service, matter = services[i % len(services)]
        t0 = time.perf_counter()
        hall.issue_ticket(service, matter=matter)
        t1 = time.perf_counter()
        out.append((t1 - t0) * 1000)
        next_at += pace
        time.sleep(max(0.0, next_at - time.perf_counter()))
    return out


def p(values, q: float) -> float:
    """Nearest rank, as the figures count percentiles."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--regenerate", action="store_true", help="generate the year again even if it is cached")
    ap.add_argument("--issues", type=int, default=1500, help="tickets issued in each issuing run")
    args = ap.parse_args()

    path, took, counts = hall_file(args.regenerate)
    size = path.stat().st_size / 2**20
    if counts:
        print(f"generated {path} in {took:.0f} s ({size:.0f} MB): {counts['tickets']:,} tickets over "
              f"{counts['days']} working days, {counts['steps']:,} steps, {counts['ratings']:,} rating rows "
              f"({counts['rated']:,} rated, {counts['unrated']:,} unrated; {counts['bad']:,} bad), {counts['cases']:,} "
              f"cases {counts['case_status']}, {counts['appeals']:,} appealed ({counts['upheld']:,} upheld)")
    else:
        print(f"cached year: {path} ({size:.0f} MB); --regenerate to build it again")

    work = Path(tempfile.mkdtemp(prefix="hallq-bench-figures-"))
    try:
        config_path = work / "hall.toml"
        config_path.write_text(bench_config_text(), encoding="utf-8")
        config = load_config(config_path)
        settings, workdays = settings_of(config), Workdays()

        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        months = conn.execute("SELECT substr(business_day, 1, 7) AS m, count(*) FROM steps GROUP BY m"
                              " ORDER BY count(*) DESC").fetchall()
        totals = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("tickets", "steps", "ratings",
                                                                                        "cases")}
        conn.close()
        busiest, typical = months[0][0], months[len(months) // 2][0]
        start, end = month_range(busiest)
        print(f"the file: {totals['tickets']:,} tickets, {totals['steps']:,} steps, {totals['ratings']:,} ratings, "
              f"{totals['cases']:,} cases; busiest month {busiest} ({months[0][1]:,} steps), a middling one "
              f"{typical} ({months[len(months) // 2][1]:,})")

        # 1. the monthly figures by staff and by window, read + compute (wall time on a shared
        # machine; the CPU time is this process's own)
        results = {}
        for month, by in ((busiest, "staff"), (busiest, "window"), (typical, "staff")):
            runs = [month_figures(path, *month_range(month), by, settings, workdays) for _ in range(3)]
            read, comp, cpu = ([r[i] for r in runs] for i in range(3))
            both = [r[0] + r[1] for r in runs]
            n_steps, n_ratings, n_cases = runs[0][3]
            results[(month, by)] = statistics.median(both)
            print(f"month {month} by {by}: {n_steps:,} steps, {n_ratings:,} ratings, {n_cases:,} cases -> "
                  f"{len(runs[0][4])} rows; read {statistics.median(read):.2f} s + compute "
                  f"{statistics.median(comp):.2f} s = {results[(month, by)]:.2f} s, CPU {statistics.median(cpu):.2f} s"
                  f" (median of 3; runs {', '.join(f'{x:.2f}' for x in both)}) target <= 1 s")
        runs = [month_figures(path, start, end, "staff", settings, workdays, read="records") for _ in range(3)]
        with Reader(path, HALL_CODE) as reader:
            same = runs[0][4] == figures(*reader.facts(start, end), by="staff", settings=settings, today=TODAY,
                                         workdays=workdays)
        print(f"  the same month by staff from the full records (as the drill-down reads them): read "
              f"{statistics.median(r[0] for r in runs):.2f} s + compute {statistics.median(r[1] for r in runs):.2f} s;"
              f" {'the same' if same else 'NOT the same'} figures as from the facts")

        # 2. the month's XLSX export, in-process and through the command
        t0 = time.perf_counter()
        with Reader(path, HALL_CODE) as reader:
            steps, ratings, cases = reader.facts(start, end)
            names = reader.staff_names()
        common = dict(settings=settings, today=TODAY, workdays=workdays)
        rows = figures(steps, ratings, cases, by="staff", **common)
        report = Report(rows=rows, by="staff", start=start, end=end, hall=config.name, hall_en=config.name_en,
                        total=figures(steps, ratings, cases, by="total", **common)[0], labels=names)
        out = work / "month.xlsx"
        t1 = time.perf_counter()
        write_xlsx(report, out)
        t2 = time.perf_counter()
        del steps, ratings, cases
        print(f"month {busiest} XLSX by staff, in-process: {t2 - t0:.2f} s (read + figures {t1 - t0:.2f} s, "
              f"write {t2 - t1:.3f} s, {out.stat().st_size / 1024:.0f} KB) target <= 5 s")
        data_dir = work / "data"
        data_dir.mkdir()
        os.symlink(path, data_dir / "hallq.db")
        cmd = [sys.executable, "-m", "hall.cli", "report", "--from", start.isoformat(), "--to", end.isoformat(),
               "--by", "staff", "--format", "xlsx", "--output", str(work / "cli.xlsx"), "--data-dir", str(data_dir),
               "--config", str(config_path)]
        t0 = time.perf_counter()
        r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
        cli = time.perf_counter() - t0
        if r.returncode != 0:
            raise SystemExit(f"hallq report failed: {r.stderr}")
        print(f"month {busiest} XLSX by staff, `hallq report --from {start} --to {end} --by staff --format xlsx`: "
              f"{cli:.2f} s end to end (interpreter and imports included) target <= 5 s")

        # 3. ticket issuing on a copy of the same file, alone and beside a figures query
        live = work / "live" / "hallq.db"
        t0 = time.perf_counter()
        live.parent.mkdir()
        shutil.copyfile(path, live)
        print(f"copied the year for the hall to write to in {time.perf_counter() - t0:.1f} s")
        origin, t_origin = datetime(YEAR + 1, 1, 5, 10, 0, tzinfo=TZ), time.perf_counter()
        store = Store(live)
        from hall.hall import Hall
        hall = Hall(config, store, clock=lambda: origin + timedelta(seconds=time.perf_counter() - t_origin))
        issue_latencies(hall, 50, 0.0)           # warm up
        side = {}
        side["alone"] = (issue_latencies(hall, args.issues, 0.02), 0)
        for how in ("thread", "process"):
            if how == "thread":
                stop, started = threading.Event(), threading.Event()
                rounds = multiprocessing.Value("i", 0)
                worker = threading.Thread(target=figures_loop, args=(str(live), start, end, stop, rounds, started))
            else:
                ctx = multiprocessing.get_context("spawn")
                stop, started, rounds = ctx.Event(), ctx.Event(), ctx.Value("i", 0)
                worker = ctx.Process(target=figures_loop, args=(str(live), start, end, stop, rounds, started))
            worker.start()
            try:
                started.wait(60)
                lat = issue_latencies(hall, args.issues, 0.02)
            finally:
                stop.set()
                worker.join()
            side[how] = (lat, rounds.value)
        hall.bus.close()
        store.close()
        print(f"ticket issuing, Hall.issue_ticket on the year's file, {args.issues} at 50/s (ms):")
        print(f"  {'':34} {'p50':>7} {'p99':>7} {'max':>7}  figures rounds meanwhile")
        labels = {"alone": "alone", "thread": "beside figures in another thread",
                  "process": "beside figures in another process"}
        for how, (lat, n) in side.items():
            print(f"  {labels[how]:34} {p(lat, 50):7.1f} {p(lat, 99):7.1f} {max(lat):7.1f}  {n if how != 'alone' else '—'}")

        # 4. the year's star ratings: month by month (a month in memory at a time), then the whole
        # year read at once as a page might (last: it holds a year in memory)
        from assess.stars import Citizens, StarInputs, month_score, year_view
        from hall.store import star_inputs_from_json

        def score(entered, month, row):
            stored = entered.get(month)
            inputs = star_inputs_from_json(month, stored) if stored else StarInputs(month)
            return month_score(inputs, Citizens.from_row(row) if row else None)

        year_months = [f"{YEAR}-{i:02d}" for i in range(1, 13)]
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        c0, t0 = time.process_time(), time.perf_counter()
        with Reader(path, HALL_CODE) as reader:
            entered = reader.star_inputs(YEAR)
            scores = []
            for month in year_months:
                month_rows = figures(*reader.facts(*month_range(month)), by="month", **common)
                scores.append(score(entered, month, month_rows[0] if month_rows else None))
        verdict = year_view(scores, workdays=workdays)
        t1, cpu = time.perf_counter(), time.process_time() - c0
        rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"the year's star ratings, month by month (read + figures of each month, 12 scores, the year): "
              f"{t1 - t0:.2f} s, CPU {cpu:.2f} s; peak memory {rss0:.0f} -> {rss1:.0f} MB")
        print("  stars by month: " + " ".join(f"{s.month[5:]}:{s.stars}" for s in scores)
              + f"; five-star {verdict.five_star}, below {verdict.below_five}, reward {verdict.reward}, "
                f"warning {verdict.warning}")
        # The stars page's way (assess/starbook.py): the database counts each month's ratings by
        # level, the figures turn the counts and the year's cases into each month's citizens' part.
        from assess.starbook import citizens_of_year
        c0, t0 = time.process_time(), time.perf_counter()
        with Reader(path, HALL_CODE) as reader:
            entered = reader.star_inputs(YEAR)
            parts = citizens_of_year(reader, YEAR)
        fast = []
        for month in year_months:
            stored = entered.get(month)
            inputs = star_inputs_from_json(month, stored) if stored else StarInputs(month)
            fast.append(month_score(inputs, parts[month][0] if month in parts else None))
        fast_verdict = year_view(fast, workdays=workdays)
        t1, cpu = time.perf_counter(), time.process_time() - c0
        same = fast == scores and fast_verdict == verdict
        stars_s = t1 - t0
        print(f"the year's star ratings as the stars page works them out (ratings counted by level per month, "
              f"the year's cases, 12 scores, the year): {stars_s:.2f} s, CPU {cpu:.2f} s; "
              f"{'the same' if same else 'NOT the same'} stars as month by month  target <= 1 s")
        print(f"figures_month_by_staff={results[(busiest, 'staff')]:.2f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
