"""The long load's short version, as CI runs it: the full-house benchmark's load shape
(bench/bench_full_house.py, imported: 50 screens, 20 counters and phones on Socket.IO, 20 windows
calling, 4 kiosks issuing) with a few hundred sockets for about a minute. Nothing may be missed:
no event a client missed (a `prev` above the last seq it knew), every call on every screen, no
connection refused, no request failed; and the server's memory and threads do not grow after
the warm-up by more than a generous bound. No figure of time is asserted.

    .venv/bin/python -m pytest -s tests/reliability/test_load_short.py

HALLQ_LOAD_SOCKETS and HALLQ_LOAD_SECONDS change its size (300 sockets, 60 s); the long version
is the benchmark itself (docs/reliability.md, Long load).
"""
from __future__ import annotations

import os
import sys

from tests.server import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import bench_full_house as full_house  # noqa: E402  (the benchmark's own code, by import)

SOCKETS = int(os.environ.get("HALLQ_LOAD_SOCKETS", "300"))
SECONDS = float(os.environ.get("HALLQ_LOAD_SECONDS", "60"))
WARM_UP = SECONDS / 3            # memory and threads are judged after this
MEMORY_GROWTH_MB = 40            # generous: a leak of one object per event grows by far more
THREADS_GROWTH = 2


def test_a_short_full_house_misses_nothing_and_does_not_grow(tmp_path):
    run = full_house.run_full_house(seconds=SECONDS, sockets=SOCKETS, alone_seconds=5,
                                    sample_seconds=max(1.0, SECONDS / 12), root=tmp_path)
    load, r = run["load"], run["r"]
    after = [(mb, n) for t, mb, n in run["samples"] if t >= WARM_UP]
    print(f"\nshort full house: {len(load.calls)} calls, {len(load.issues)} tickets, {r['connected']} sockets; "
          f"server memory after warm-up {min(mb for mb, _ in after):.0f}..{max(mb for mb, _ in after):.0f} MB, "
          f"threads {run['threads'][0]} at start, at most {max(n for _, n in after)}; missed {r['missed']}")
    assert not r["refused"], f"{len(r['refused'])} connections refused, the first: {r['refused'][0]}"
    assert r["connected"] == SOCKETS, (r["connected"], SOCKETS)
    assert not load.errors, f"{len(load.errors)} requests failed, the first: {load.errors[0]}"
    assert load.calls and load.issues, "the load made no call or no ticket"
    assert r["missed"] == {"screens": 0, "counters": 0, "phones": 0}, r["missed"]
    not_on_every_screen = {number: len(r["screen_calls"].get(number, [])) for _, number, _ in load.calls
                           if len(r["screen_calls"].get(number, [])) != full_house.SCREENS}
    assert not not_on_every_screen, f"calls not on all {full_house.SCREENS} screens (number: screens): {not_on_every_screen}"
    assert len(after) >= 3, run["samples"]
    growth = max(mb for mb, _ in after) - min(mb for mb, _ in after)
    assert growth <= MEMORY_GROWTH_MB, f"the server's memory grew by {growth:.0f} MB after the warm-up: {run['samples']}"
    assert max(n for _, n in after) <= run["threads"][0] + THREADS_GROWTH, run["samples"]
