"""The city figures each hall with the settings of the configuration that hall sent, as the hall itself does."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from assess.figures import FigureSettings, figures
from assess.reader import Reader
from city import book
from tests.city.cityfixture import add_hall, busy_hall
from tests.conftest import TZ

DAY = date(2026, 11, 27)


def test_each_hall_is_figured_with_the_settings_of_its_own_configuration(city_conn, tmp_path, config):
    strict = replace(config, ratings=replace(config.ratings, service_level_minutes=3, service_limit_minutes=4))
    add_hall(city_conn, "demo-city", "市行政服务中心", "city")
    add_hall(city_conn, "town-strict", "严镇便民服务中心", "township", parent="demo-city")
    busy_hall(city_conn, tmp_path, strict, "town-strict", [DAY], seed=9)
    hall = next(h for h in book.halls(city_conn, datetime(2026, 11, 27, 18, tzinfo=TZ)) if h.code == "town-strict")
    assert hall.config.ratings.service_level_minutes == 3
    total = book.hall_figures(city_conn, hall, DAY, DAY, DAY)["total"]
    with Reader(tmp_path / "town-strict" / "hallq.db", "town-strict") as own:
        records = own.records(DAY, DAY)
    mine = figures(*records, by="total", settings=FigureSettings(service_level_minutes=3, service_limit_minutes=4),
                   today=DAY)[0]
    default = figures(*records, by="total", settings=FigureSettings(), today=DAY)[0]
    assert total == mine
    assert (total.service_level, total.breaches) != (default.service_level, default.breaches)


def test_a_configuration_the_city_cannot_read_is_figured_on_the_defaults(city_conn, tmp_path, config):
    add_hall(city_conn, "demo-city", "市行政服务中心", "city")
    busy_hall(city_conn, tmp_path, config, "demo-city", [DAY], seed=9)
    city_conn.execute("INSERT INTO config_versions (hall_code, version, at, config) VALUES"
                      " ('demo-city', 99, now(), '[hall]\nname = \"x\"\nfuture_key = 1\n')")
    hall = book.halls(city_conn, datetime(2026, 11, 27, 18, tzinfo=TZ))[0]
    assert hall.code == "demo-city" and hall.config.ratings.service_level_minutes == 15
    rows = book.overview(city_conn, [hall], DAY)
    assert rows[0]["row"].tickets > 50


def test_a_hall_not_heard_from_for_ten_minutes_is_shown_offline(city_conn):
    add_hall(city_conn, "demo-city", "市行政服务中心", "city")
    add_hall(city_conn, "town-quiet", "静镇便民服务中心", "township", parent="demo-city")
    city_conn.execute("UPDATE halls SET last_seen_at = now() - interval '11 minutes' WHERE code = 'town-quiet'")
    links = {h.code: h.link for h in book.halls(city_conn, datetime.now(TZ))}
    assert links == {"demo-city": "online", "town-quiet": "offline"}
