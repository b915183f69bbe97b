"""A configuration written out reads back the same: as TOML (`hallq config export`) and as the admin API's JSON."""
from __future__ import annotations

import dataclasses
import json
import tomllib

import pytest

from config import DEFAULT_CONFIG_PATH, load_config, parse_config
from config.loader import parse_data
from config.writer import config_data, config_json, dump_toml, sections_changed
from hall.errors import ConfigError

# Every key the loader knows, each away from its default, and the devices' free-form settings.
FULL = """
[hall]
name = "新河镇365便民服务中心"
name_en = "Xinhe Town 365 Centre"
timezone = "Asia/Shanghai"
code = "xinhe"
addresses = ["http://192.168.1.10:8000", "https://hall.example.gov.cn"]

[queue]
priority_ratio = 3
max_recalls = 1
rejoin_minutes = 20
rejoin_after = 3
transfer_keeps_place = false
day_end = "17:45"
holidays = [2026-10-01, 2026-10-02]
estimate_sample = 12
estimate_futures = 0

[[queue.priority_categories]]
code = "elderly"
name = "老年人"
name_en = "Senior citizen"

[appointments]
checkin_before_minutes = 20
checkin_after_minutes = 10
late_becomes_ordinary = false
block_after_no_shows = 2
block_window_days = 60
block_days = 14

[notify]
url = "http://sms.example/hook"
when_ahead = 5
timeout_seconds = 1.5
base_url = "http://192.168.1.10:8000"

[ratings]
phone_hours = 48
comment_chars = 300
case_deadline_days = 10
service_level_minutes = 20
service_limit_minutes = 40

[[ratings.reasons]]
code = "rude"
name = "态度差"
name_en = "Rude"

[calendar]
holidays = [2028-01-01]
workdays = [2028-02-05]

[[services]]
code = "A"
prefix = "K"
digits = 4
name = "综合受理"
name_en = "Reception"
real_name = true
person_daily_limit = 2
daily_quota = 300
hours = [["08:30", "12:00"], ["13:30", "17:30"]]
average_minutes = 7.5

[[services.matters]]
code = "m1"
name = "事项一"
name_en = "Matter one"
materials = ["身份证", "申请表"]
materials_en = ["ID card", "Application form"]
time_limit_days = 3

[[services]]
code = "B"
name = "社保"

[[windows]]
id = 1
name = "一号窗"
name_en = "Counter 1"
services = ["A"]
helps = ["B"]
breaks = [["12:00", "12:45"]]

[[windows]]
id = 12
services = ["B"]

[devices.printer]
link = "socket://127.0.0.1:9100"
paper_mm = 80

[[devices.rater]]
link = "socket://127.0.0.1:7001"
address = 3
window = 1
levels = { 1 = "very_satisfied", 2 = "satisfied" }
"""


def _same(a, b) -> bool:
    return dataclasses.replace(a, source="x") == dataclasses.replace(b, source="x") and a.devices == b.devices


@pytest.mark.parametrize("text", [DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"), FULL], ids=["embedded", "full"])
def test_a_config_exported_as_toml_reads_back_the_same(text):
    config = parse_config(text)
    exported = dump_toml(config)
    again = parse_config(exported)
    assert _same(again, config)
    assert dump_toml(again) == exported            # a second export is byte for byte the first


@pytest.mark.parametrize("text", [DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"), FULL], ids=["embedded", "full"])
def test_a_config_as_json_reads_back_the_same(text):
    config = parse_config(text)
    data = json.loads(json.dumps(config_json(config), ensure_ascii=False))
    assert _same(parse_data(data), config)


def test_every_key_is_written_out_with_its_value_defaults_too():
    data = config_data(parse_config(FULL))
    b = data["services"][1]
    assert (b["prefix"], b["digits"], b["real_name"], b["average_minutes"], b["hours"]) == ("B", 3, False, 6.0, [])
    assert "daily_quota" not in b             # None: no limit, which TOML says by leaving the key out
    assert data["windows"][1] == {"id": 12, "name": "12号窗口", "name_en": "Window 12", "services": ["B"],
                                  "helps": [], "breaks": []} | {k: v for k, v in data["windows"][1].items()
                                                                 if k not in ("id", "name", "name_en", "services",
                                                                              "helps", "breaks")}
    assert data["hall"]["addresses"] == ["http://192.168.1.10:8000", "https://hall.example.gov.cn"]
    assert data["calendar"] == {"holidays": [tomllib.loads("d = 2028-01-01")["d"]],
                                "workdays": [tomllib.loads("d = 2028-02-05")["d"]]}
    assert data["devices"]["rater"][0]["levels"] == {"1": "very_satisfied", "2": "satisfied"}


def test_sections_changed_names_only_what_differs():
    config = load_config()
    window = dataclasses.replace(config.windows[0], helps=("B",))
    changed = dataclasses.replace(config, windows=(window,) + config.windows[1:],
                                  queue=dataclasses.replace(config.queue, max_recalls=5))
    assert sections_changed(config, changed) == ["windows", "queue"]
    assert sections_changed(config, config) == []


@pytest.mark.parametrize("data, field", [
    ({"hall": {"name": "x"}, "services": [{"code": "A", "name": "a"}], "windows": [{"id": 1, "services": ["Q"]}]},
     "windows[0].services"),
    ({"hall": {"name": "x"}, "services": [{"code": "A", "name": "a", "matters": [{"code": "m", "name": "m",
                                                                                  "materials": ["", "b"]}]}],
      "windows": [{"id": 1, "services": ["A"]}]}, "services[0].matters[0].materials"),
    ({"hall": {"name": "x"}, "services": [{"code": "A", "name": "a"}, {"code": "B", "name": "b", "prefix": "A"}],
      "windows": [{"id": 1, "services": ["A"]}]}, "services[1].prefix"),
    ({"hall": {"name": "x", "colour": "red"}, "services": [{"code": "A", "name": "a"}],
      "windows": [{"id": 1, "services": ["A"]}]}, "hall.colour"),
    ({"hall": {"name": "x"}, "services": [{"code": "A", "name": "a"}],
      "windows": [{"id": 1, "services": ["A"], "breaks": [["13:00", "12:00"]]}]}, "windows[0].breaks[0]"),
])
def test_a_refusal_names_the_field_it_is_about(data, field):
    with pytest.raises(ConfigError) as err:
        parse_data(data, source="新配置")
    assert err.value.field == field
    assert str(err.value).startswith("新配置: ") and str(err.value).endswith(".")
