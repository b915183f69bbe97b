"""Under gevent the city's pages are worked out in the "city" helper process, with the same answers."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import date, timedelta

from tests.city.cityfixture import add_hall, busy_hall, star_year
from tests.server import ROOT

SCRIPT = textwrap.dedent("""
    import os, sys
    from hall.server import patch
    patch()
    from datetime import date, datetime
    from zoneinfo import ZoneInfo
    from city import offline
    from hall import offloop

    dsn, today = sys.argv[1], date.fromisoformat(sys.argv[2])
    now = datetime(today.year, today.month, today.day, 20, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    start = today.replace(day=1)

    def plain(view, rows):
        if view == "overview":
            return [(r["hall"].code, r["row"]) for r in rows["rows"]]
        if view == "hall":
            return rows["hall"].code, rows["data"]["window"], rows["data"]["staff"], rows["data"]["total"]
        if view == "stars":
            return [(r["hall"].code, r["year"]) for r in rows]
        return [(r["hall"].code, {k: v for k, v in r.items() if k != "hall"}) for r in rows]

    calls = {"overview": (offline.overview, now), "hall": (offline.hall, "town-east", start, today, now),
             "rankings": (offline.rankings, start, today, "staff", "served", now),
             "cases": (offline.cases, "all", now), "stars": (offline.stars, 2025, now)}
    for view, (fn, *args) in calls.items():
        far = offloop.run_off_loop(fn, dsn, *args, helper="city")
        near = fn(dsn, *args)
        print(view, plain(view, far) == plain(view, near), len(plain(view, near)) > 0)
    print("helper", offloop._helpers["city"]._process.pid != os.getpid())
""")


def test_the_pages_figures_come_from_the_helper_process_unchanged(city_conn, city_dsn, tmp_path, config):
    today = date(2026, 11, 27)
    add_hall(city_conn, "demo-city", "市行政服务中心", "city")
    add_hall(city_conn, "town-east", "东镇便民服务中心", "township", parent="demo-city")
    busy_hall(city_conn, tmp_path, config, "town-east", [today - timedelta(days=20), today], seed=5)
    star_year(city_conn)
    out = subprocess.run([sys.executable, "-c", SCRIPT, city_dsn, today.isoformat()], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["overview True True", "hall True True", "rankings True True",
                                       "cases True True", "stars True True", "helper True"]
