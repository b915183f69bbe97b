"""How good is the estimated wait? Simulated business days on the real hall.

The day (hall/simulation.py) drives the real `Hall` and store on a fake
clock: seeded Poisson arrivals with a morning peak, lognormal service times
(sigma 0.5, a real hall's long tail), green-channel tickets that arrive
later and are called first, citizens who never come (recalled until they
are no-shows), the walk from the seat to the window, windows opening late
and pausing for breaks. For every ticket the estimate the kiosk showed at
issue (Hall.wait_minutes) is compared with the wait that followed (first
call − issue). Load is tuned so actual waits average about 15 minutes.

The headline is a city administrative service centre (bench/city_centre.toml),
because that is where HallQ is meant to run and where waits are long enough
for an estimate to matter (DOMAIN.md: dozens of windows, thousands of
visitors a day). It is shaped like one, not like an easy day:
- sixteen windows, two to four per service, as a centre staffs its
  services; four windows help a neighbouring service when their own line is
  empty (跨窗通办), which the forecast has to guess;
- today's true service times are not the configured averages (0.9–1.15 of
  them: the estimate must learn them from today's tickets), sigma 0.5;
- 10 % green channel, 3 % no-shows recalled twice, a walk of 0.3–1.5
  minutes across a big hall, four windows opening later for the peak,
  five 15-minute breaks and a lunch rotation that takes five windows away
  for 45 minutes each, none of which the forecast is told in advance.
The demo hall (config/hall.toml: eight windows, services C, D and E with
a single window each) is run too and printed for honesty: there one long
service ahead of you cannot be averaged away.

The estimate is the hall's own (hall/estimate.py: the median of 40 sampled
futures), so the bench also prints what one forecast costs: the hall works
one out whenever its state has changed and somebody asks.

Then varied days (issue 15), every parameter drawn at random from the seed
(`varied_day`): arrival peaks, how late clerks come back from a scheduled
break, unannounced pauses, today's true service times 0.5-1.5 x the
configured ones, single-window services, green channel, no-shows (some
rejoin) and transfers; three day types: a township centre with a lunch
rotation, a city centre, an overloaded afternoon with unannounced pauses.
Seeds 1-6 are the ones the estimate was tuned on; 1001-1006 are held out
and are the figures quoted. Per day type: MAE, bias, p90 of the error, the
share of tickets that waited more than 10 minutes longer than told, the
share whose wait fell in the likely range, the naive arithmetic's MAE
(people ahead / open windows x configured mean), tickets without an estimate;
with --breakdown, the error by issue time, by the number of windows of the
ticket's service and by a window away (break, pause) at issue.

The varied days were calibrated once, on the tuning seeds only: as first
drawn, the city centre's days were far heavier than the headline city day
(mean waits 25-45 minutes against 15, some services' lines over an hour and
a half), because a transferred ticket came on top of its next service's own
arrivals and the city load was drawn at 1.25-1.4. Now the hall is staffed
for its transfers (a service's own arrivals make room for the tickets sent
on to it) and the city load is drawn at 1.12-1.27 (CITY_VARIED_LOAD), which
brings the tuning seeds' city days to 14.6-minute waits; the overloaded
afternoon keeps its 1.4-1.7 x arrivals on top. The township keeps its load
(its few transfers are made room for the same way). `--uncalibrated` plays
the days as first drawn.

Run: .venv/bin/python bench/bench_estimate.py [--seeds 6-15] [--varied held-out|tuning|both|only]
     [--breakdown] [--uncalibrated]
The last line is `estimate_mae=X.XX min`, the city centre's (with --varied only:
`varied_mae_max=`, the worst day type's held-out MAE, and tickets without an estimate).
"""
from __future__ import annotations

import argparse
import math
import random
import sys
import time as clock
from collections import defaultdict
from datetime import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config import load_config  # noqa: E402
from hall import estimate  # noqa: E402
from hall.simulation import DayPlan, run_day  # noqa: E402

SEEDS = (1, 2, 3, 4, 5)
CITY_CENTRE = ROOT / "bench" / "city_centre.toml"

# The demo hall: arrivals per hour before the time-of-day factor, balanced so
# each group of windows is about as busy as the others (C, D and E have a window each).
DEMO_RATES = {"A": 11.0, "B": 17.0, "C": 3.6, "D": 6.6, "E": 6.0, "F": 14.0}
DEMO_LOAD = 1.08

# The city centre: balanced against each service's windows the same way.
CITY_RATES = {"A": 13.0, "B": 26.0, "C": 5.8, "D": 11.5, "E": 14.0, "F": 22.0}
CITY_LOAD = 1.31
# Today against the configured averages: the estimate has to learn these.
CITY_TRUE_MEANS = {"A": 8 * 1.1, "B": 5 * 0.95, "C": 12 * 1.1, "D": 6 * 1.0, "E": 7 * 0.9, "F": 3 * 1.15}


def demo_plan(config, seed: int) -> DayPlan:
    """The demo hall's day: window 8 opens at 09:30 for the peak, two 15-minute breaks."""
    return DayPlan(arrivals_per_hour={k: v * DEMO_LOAD for k, v in DEMO_RATES.items()},
                   priority_share=0.1, service_sigma=0.5, walk_minutes=(0.2, 1.0), no_show_share=0.02,
                   window_opens={w.id: time(8, 30) for w in config.windows} | {8: time(9, 30)},
                   breaks=((3, time(10, 30), 15), (1, time(15, 0), 15)), seed=seed)


def city_plan(config, seed: int) -> DayPlan:
    """The city centre's day (see the module docstring)."""
    late = {2: time(9, 0), 6: time(9, 0), 13: time(9, 0), 16: time(9, 30)}
    breaks = ((4, time(10, 0), 15), (9, time(10, 30), 15), (12, time(11, 0), 15),
              (7, time(15, 0), 15), (14, time(15, 30), 15),
              # lunch rotation (午间不断档): a window at a time goes to eat
              (1, time(12, 0), 45), (5, time(12, 0), 45), (11, time(12, 30), 45),
              (8, time(12, 45), 45), (13, time(12, 45), 45))
    return DayPlan(arrivals_per_hour={k: v * CITY_LOAD for k, v in CITY_RATES.items()},
                   service_minutes=CITY_TRUE_MEANS,
                   priority_share=0.1, service_sigma=0.5, walk_minutes=(0.3, 1.5), no_show_share=0.03,
                   window_opens={w.id: late.get(w.id, time(8, 30)) for w in config.windows},
                   breaks=breaks, seed=seed)


class Timed:
    """Times every forecast the hall works out (hall/estimate.py) and notes the longest line."""

    def __init__(self):
        self.seconds: list[float] = []
        self.most_waiting = 0
        self._work_out = estimate.work_out

    def __call__(self, config, board, now, look, futures):
        t0 = clock.perf_counter()
        out = self._work_out(config, board, now, look, futures)
        self.seconds.append(clock.perf_counter() - t0)
        self.most_waiting = max(self.most_waiting, len(out.calls))
        return out


def run_hall(title: str, config, plan, seeds=SEEDS) -> dict:
    """Seeded days; prints a line per day and per service; returns the totals."""
    print(f"== {title}")
    rows, t0 = [], clock.perf_counter()
    timed = estimate.work_out = Timed()
    try:
        days = [run_day(config, plan(config, seed)) for seed in seeds]
    finally:
        estimate.work_out = timed._work_out
    for seed, day in zip(seeds, days):
        assert not day.refused, day.refused[:3]
        rows += day.estimated()
        print(f"day {seed}: {len(day.tickets)} tickets, mean wait {day.mean_wait():5.1f} min, "
              f"estimate MAE {day.estimate_mae():4.2f} min, bias {day.estimate_bias():+4.1f} min")
    elapsed = clock.perf_counter() - t0
    by_service = defaultdict(list)
    for t in rows:
        by_service[t.service].append(t)
    for code, ts in sorted(by_service.items()):
        windows = sum(1 for w in config.windows if code in w.services)
        print(f"  service {code} ({windows} own window{'s' if windows > 1 else ''}): {len(ts):4d} tickets, "
              f"mean wait {sum(t.wait for t in ts) / len(ts):5.1f} min, "
              f"MAE {sum(abs(t.estimate - t.wait) for t in ts) / len(ts):4.1f} min, "
              f"bias {sum(t.estimate - t.wait for t in ts) / len(ts):+4.1f} min")
    out = {"tickets": len(rows), "elapsed": elapsed,
           "wait": sum(t.wait for t in rows) / len(rows),
           "mae": sum(abs(t.estimate - t.wait) for t in rows) / len(rows),
           "bias": sum(t.estimate - t.wait for t in rows) / len(rows),
           "within": sum(1 for t in rows if abs(t.estimate - t.wait) <= 3) / len(rows)}
    ms = sorted(x * 1000 for x in timed.seconds)
    out["forecast_ms"] = (sum(ms) / len(ms), ms[int(len(ms) * 0.99)])
    print(f"forecast ({config.queue.estimate_futures} futures): {len(ms)} worked out, mean {out['forecast_ms'][0]:.1f} ms, "
          f"p99 {out['forecast_ms'][1]:.1f} ms; at most {timed.most_waiting} tickets waiting")
    print(f"{len(seeds)} days, {out['tickets']} tickets in {elapsed:.1f} s; mean actual wait {out['wait']:.1f} min; "
          f"estimate bias {out['bias']:+.1f} min; {out['within']:.0%} within 3 min; MAE {out['mae']:.2f} min")
    return out


def long_lines(config) -> None:
    """What one forecast costs when the lines are very long: all windows open, a ticket every 10 s."""
    import random
    import shutil
    import tempfile
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from hall.clock import FakeClock
    from hall.hall import Hall
    from hall.store import Store
    tmp = tempfile.mkdtemp(prefix="hallq-bench-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None)
    try:
        fake = FakeClock(datetime(2026, 11, 27, 9, 0, tzinfo=ZoneInfo(config.timezone)))
        hall = Hall(config, Store(Path(tmp) / "hallq.db"), clock=fake)
        for w in config.windows:
            hall.open_window(w.id, f"clerk{w.id}", f"{w.id}号窗口工作人员")
        rng = random.Random(1)
        plain = [s.code for s in config.services if not s.real_name]
        for n in (100, 300, 600):
            while len(hall.state.waiting()) < n:
                hall.issue_ticket(rng.choice(plain), priority="elderly" if rng.random() < 0.1 else None)
                fake.advance(seconds=10)
            times = []
            for _ in range(5):
                hall._forecast_cache = (None, None)
                t0 = clock.perf_counter()
                hall._forecast()
                times.append((clock.perf_counter() - t0) * 1000)
            print(f"forecast with {n} tickets waiting at {len(config.windows)} windows: {sorted(times)[2]:.0f} ms")
        hall.store.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# -- varied days (issue 15): parameters drawn at random, tuning seeds apart from held-out ones --------

# The city centre's arrivals on a varied day, against CITY_RATES: calibrated on the tuning seeds so
# that a city day's waits average about what the headline city day's do (15 minutes; first drawn at
# 1.25-1.4, which with the peaks and transfers drawn made mean waits of 25-45 minutes).
CITY_VARIED_LOAD = (1.12, 1.27)
TUNING_SEEDS = tuple(range(1, 7))          # what the estimate's constants were tried on
HELD_OUT_SEEDS = tuple(range(1001, 1007))  # never looked at while tuning: the figures quoted
DAY_TYPES = ("township", "city", "overloaded")


def _profile(rng, afternoon_load: float = 1.0) -> tuple:
    """An arrival profile with its peak drawn: when the morning peak starts and how high it is."""
    peak_start = rng.choice((9, 9, 10))
    peak = rng.uniform(1.2, 1.9)
    return ((time(8, 30), time(peak_start, 0), 0.8),
            (time(peak_start, 0), time(peak_start + 2, 0), peak),
            (time(peak_start + 2, 0), time(12, 0), 1.0),
            (time(12, 0), time(13, 30), rng.uniform(0.3, 0.7)),
            (time(13, 30), time(15, 30), rng.uniform(0.9, 1.2) * afternoon_load),
            (time(15, 30), time(17, 0), rng.uniform(0.5, 0.9)))


def _at(minutes: float) -> time:
    m = int(minutes)
    return time(m // 60, m % 60)


def varied_day(kind: str, seed: int, calibrated: bool = True):
    """(config, plan) of one day of `kind`, every parameter drawn from `seed`.

    - township: the demo hall (C, D and E have one window each), a lunch rotation every window
      takes (scheduled in the hall file), clerks back from it 0-15 minutes late on average, one
      unannounced pause now and then, few transfers;
    - city: the city centre, today's true service times 0.5-1.5 x the configured ones, green
      channel, no-shows after two recalls (some rejoin), transfers between services, short breaks;
    - overloaded: the city centre with an afternoon busier than its windows, and one to three
      unannounced pauses of 15-35 minutes in it.

    `calibrated` (see the module docstring): the city load at CITY_VARIED_LOAD and each service's own
    arrivals making room for the tickets transferred to it; False: the days as first drawn. The same
    random draws either way, so a seed is the same day but for its arrivals.
    """
    import dataclasses
    rng = random.Random(f"{kind}-{seed}")
    if kind == "township":
        config = load_config()
        rates, load = DEMO_RATES, rng.uniform(0.8, 0.95)
        spread = 0.25
    else:
        config = load_config(CITY_CENTRE)
        rates, load = CITY_RATES, rng.uniform(*CITY_VARIED_LOAD if calibrated else (1.25, 1.4))
        spread = 0.5
    codes = [s.code for s in config.services]
    factor = {c: rng.uniform(1 - spread, 1 + spread) for c in codes}
    true_means = {s.code: s.average_minutes * factor[s.code] for s in config.services}
    arrivals = {c: rates[c] * load / factor[c] for c in codes}
    windows = [w.id for w in config.windows]
    late_mean = rng.uniform(0, 15) if kind == "township" else rng.uniform(0, 6)
    scheduled: dict[int, list] = {}
    breaks, pauses = [], []
    if kind == "township":
        # lunch rotation: half the windows 11:30-12:30, the other half 12:30-13:30 (the hall file says so)
        for i, wid in enumerate(windows):
            start = 11 * 60 + 30 + 60 * (i % 2)
            scheduled[wid] = [(_at(start), _at(start + 60))]
            breaks.append((wid, _at(start), 60 + rng.expovariate(1 / late_mean) if late_mean > 0.1 else 60))
        for _ in range(rng.choice((0, 1, 1, 2))):
            pauses.append((rng.choice(windows), _at(rng.uniform(9 * 60, 16 * 60)), rng.uniform(5, 25)))
    else:
        for wid in rng.sample(windows, 5):       # short breaks, scheduled
            start = rng.choice((10 * 60, 10 * 60 + 30, 15 * 60, 15 * 60 + 30))
            scheduled[wid] = [(_at(start), _at(start + 15))]
            breaks.append((wid, _at(start), 15 + rng.expovariate(1 / late_mean) if late_mean > 0.1 else 15))
        n = rng.choice((1, 2, 3)) if kind == "overloaded" else rng.choice((0, 1))
        for wid in rng.sample(windows, n):
            at = rng.uniform(13 * 60 + 40, 15 * 60) if kind == "overloaded" else rng.uniform(9 * 60, 16 * 60)
            pauses.append((wid, _at(at), rng.uniform(15, 35) if kind == "overloaded" else rng.uniform(5, 20)))
    config = dataclasses.replace(config, windows=tuple(
        dataclasses.replace(w, breaks=tuple(scheduled.get(w.id, ()))) for w in config.windows))
    transfers = {"township": {"A": "F", "B": "D"}, "city": {"A": "C", "B": "F", "D": "E"},
                 "overloaded": {"A": "C", "B": "F"}}[kind]
    profile = _profile(rng, rng.uniform(1.4, 1.7) if kind == "overloaded" else 1.0)
    priority_share, sigma = rng.uniform(0.03, 0.12), rng.uniform(0.35, 0.6)
    no_show_share, rejoin_share = rng.uniform(0.0, 0.06), rng.uniform(0.2, 0.6)
    transfer_share = rng.uniform(0.0, 0.05 if kind == "township" else 0.15)
    if calibrated:
        # The hall is staffed for the tickets its services get, transferred ones included: a service's
        # own arrivals make room for those sent on to it (its windows are as busy as without transfers).
        for src, to in transfers.items():
            arrivals[to] = max(0.5 * arrivals[to], arrivals[to] - arrivals[src] * transfer_share)
    plan = DayPlan(arrivals_per_hour=arrivals, profile=profile,
                   service_minutes=true_means, priority_share=priority_share,
                   service_sigma=sigma, walk_minutes=(0.2, 1.2),
                   no_show_share=no_show_share, rejoin_share=rejoin_share,
                   transfers=transfers, transfer_share=transfer_share,
                   window_opens={w: time(8, 30) for w in windows}, breaks=tuple(breaks), pauses=tuple(pauses),
                   seed=seed)
    return config, plan


def _p90(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(0.9 * len(values)))] if values else float("nan")


BANDS = ((time(8, 30), "08:30"), (time(10, 0), "10:00"), (time(11, 30), "11:30"), (time(13, 30), "13:30"),
         (time(15, 30), "15:30"))


def _context(config, day, t) -> dict:
    """Where a ticket's error may come from: when it was issued, how many windows serve its service
    as their own, and whether one of the windows that call it was away (on a scheduled break or an
    unplanned pause) when it was issued."""
    issued = t.issued_at.time()
    band = [label for start, label in BANDS if issued >= start][-1] if issued >= BANDS[0][0] else BANDS[0][1]
    own = sum(1 for w in config.windows if t.service in w.services)
    serving = {w.id: w for w in config.windows if t.service in w.services + w.helps}
    away = "none"
    for wid, began, back in day.pauses:
        if wid in serving and began <= t.issued_at < back:
            planned = any(_minutes_of(a) - 30 <= _minutes_of(began.time()) < _minutes_of(b)
                          for a, b in serving[wid].breaks)
            away = "break" if planned else ("pause" if away == "none" else away)
    return {"issued": band, "windows": str(own) if own < 3 else "3+", "away": away}


def _minutes_of(t: time) -> int:
    return t.hour * 60 + t.minute


def _breakdown(rows: list) -> None:
    """The error by issue time, by the service's windows and by a window away at issue; bias sign."""
    for key, title in (("issued", "issued from"), ("windows", "own windows of its service"),
                       ("away", "a window that calls it away at issue")):
        groups = defaultdict(list)
        for t, ctx in rows:
            groups[ctx[key]].append(t.estimate - t.wait)
        cells = [f"{k} {sum(abs(e) for e in g) / len(g):4.2f} ({sum(g) / len(g):+.1f}, n {len(g)})"
                 for k, g in sorted(groups.items())]
        print(f"    by {title}: " + "; ".join(cells))
    err = [t.estimate - t.wait for t, _ in rows]
    print(f"    told more than 3 min too short {sum(1 for e in err if e < -3) / len(err):.0%}, "
          f"more than 3 min too long {sum(1 for e in err if e > 3) / len(err):.0%}")


def varied(seeds, label: str, calibrated: bool = True, breakdown: bool = False) -> dict:
    """Each day type on `seeds`: MAE, bias, p90 of the error, share waiting > 10 min longer than told,
    the naive arithmetic's MAE beside it, and tickets issued without an estimate."""
    print(f"== varied days, {label} seeds {seeds[0]}-{seeds[-1]}"
          + ("" if calibrated else " (as first drawn, before the calibration)"))
    out = {}
    for kind in DAY_TYPES:
        rows, missing, issued, in_range = [], 0, 0, 0
        context = []
        t0 = clock.perf_counter()
        for seed in seeds:
            config, plan = varied_day(kind, seed, calibrated)
            day = run_day(config, plan)
            issued += len(day.tickets)
            missing += sum(1 for t in day.tickets if t.estimate is None)
            rows += [t for t in day.estimated()]
            if breakdown:
                context += [(t, _context(config, day, t)) for t in day.estimated()]
        err = [t.estimate - t.wait for t in rows]
        mae = sum(abs(e) for e in err) / len(err)
        naive = sum(abs(t.naive - t.wait) for t in rows) / len(rows)
        in_range = sum(1 for t in rows if t.low is not None
                       and t.low <= t.wait <= (t.high if t.high is not None else math.inf)) / len(rows)
        out[kind] = dict(mae=mae, bias=sum(err) / len(err), p90=_p90([abs(e) for e in err]),
                         longer=sum(1 for e in err if e < -10) / len(err), naive=naive, missing=missing,
                         issued=issued, wait=sum(t.wait for t in rows) / len(rows), in_range=in_range)
        f = out[kind]
        print(f"{kind:10s} {len(seeds)} days, {issued} tickets, mean wait {f['wait']:5.1f} min: MAE {mae:4.2f} min, "
              f"bias {f['bias']:+5.2f}, p90 |error| {f['p90']:4.1f}, waited >10 min longer than told "
              f"{f['longer']:.1%}, in the 20-80 % range {in_range:.0%}, naive MAE {naive:4.2f}; "
              f"without an estimate {missing}  ({clock.perf_counter() - t0:.0f} s)")
        if breakdown:
            _breakdown(context)
    return out


def seed_range(text: str) -> tuple[int, ...]:
    first, _, last = text.partition("-")
    try:
        return tuple(range(int(first), int(last or first) + 1))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give seeds as 6-15 or 7") from None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=seed_range, default=SEEDS,
                        help="other days than the headline's 1-5, e.g. 6-15")
    parser.add_argument("--varied", choices=("held-out", "tuning", "both", "only"), default="held-out",
                        help="varied days (issue 15): the held-out seeds (default), the tuning seeds, both, or "
                             "only the held-out varied days without the headline halls")
    parser.add_argument("--breakdown", action="store_true",
                        help="varied days: the error by issue time, by the service's windows, by a window away")
    parser.add_argument("--uncalibrated", action="store_true",
                        help="varied days as first drawn, before the city centre's load and transfers were "
                             "calibrated on the tuning seeds (heavier: waits of 25-45 minutes)")
    args = parser.parse_args()
    seeds = args.seeds
    cal, bd = not args.uncalibrated, args.breakdown
    if args.varied == "only":
        held = varied(HELD_OUT_SEEDS, "held-out", cal, bd)
        print(f"varied_mae_max={max(f['mae'] for f in held.values()):.2f} min, "
              f"without_estimate={sum(f['missing'] for f in held.values())}")
        return
    if args.varied in ("tuning", "both"):
        varied(TUNING_SEEDS, "tuning", cal, bd)
    if args.varied in ("held-out", "both"):
        varied(HELD_OUT_SEEDS, "held-out", cal, bd)
    demo = run_hall("demo hall (config/hall.toml, 8 windows)", load_config(), demo_plan, seeds)
    city = run_hall("city centre (bench/city_centre.toml, 16 windows)", load_config(CITY_CENTRE), city_plan, seeds)
    long_lines(load_config(CITY_CENTRE))
    print(f"demo hall: mean absolute error of the estimate {demo['mae']:.2f} min, actual waits {demo['wait']:.1f} min")
    print(f"city centre: mean absolute error of the estimate {city['mae']:.2f} min, "
          f"actual waits {city['wait']:.1f} min (target < 3 min)")
    print(f"estimate_mae={city['mae']:.2f} min")


if __name__ == "__main__":
    main()
