"""The city's monthly figures of halls whose records came the real way — each hall's sender over signed
HTTP to `hallq city serve` — equal each hall's own, exactly."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from assess.figures import FigureSettings, figures
from assess.reader import Reader
from city import signing
from city.app import add_hall
from city.reader import CityReader, connect
from hall.sender import Sender
from tests.city.cityfixture import hall_file
from tests.city.cityserver import CityServer
from tests.city.citydb import SCHEMA
from tests.city.pgcluster import reset

HALLS = (("town-east", "township", [date(2026, 11, 26), date(2026, 12, 8)], 21),
         ("village-3", "village", [date(2026, 12, 9)], 31))
MONTHS = ((date(2026, 11, 1), date(2026, 11, 30)), (date(2026, 12, 1), date(2026, 12, 31)))
TODAY = date(2026, 12, 15)


def test_the_figures_of_halls_sent_through_the_ingest_equal_the_halls_own(city_dsn, tmp_path, config):
    reset(city_dsn, SCHEMA.read_text(encoding="utf-8"))
    server = CityServer(city_dsn, tmp_path / "city.log").start()
    files = {}
    try:
        for code, tier, days, seed in HALLS:
            files[code] = hall_file(tmp_path / code / "hallq.db", config, code, days, seed)
            key = signing.new_key()
            add_hall(city_dsn, code, code, tier, None, key)
            sender = Sender(files[code], code, server.url, key, batch=150, status_path=tmp_path / f"{code}.json")
            while sender.step():
                pass
    finally:
        server.stop()
    conn = connect(city_dsn)
    settings = FigureSettings()
    compared = 0
    for code, path in files.items():
        for start, end in MONTHS:
            with Reader(path, code) as own:
                mine = own.records(start, end)
            theirs = CityReader(conn, code).records(start, end)
            # A bad rating's own words stay in the hall (hall/sender.py): the rest is the hall's, exactly.
            assert theirs == (mine[0], [replace(r, comment="") for r in mine[1]], mine[2]), (code, start)
            for by in ("month", "window", "staff", "service"):
                assert figures(*theirs, by=by, settings=settings, today=TODAY) == \
                    figures(*mine, by=by, settings=settings, today=TODAY), (code, start, by)
            compared += len(mine[0])
    conn.close()
    assert compared > 150           # three busy days of steps
