"""A hall's identity and link to the city in its configuration: validated, and written back the same."""
from __future__ import annotations

import pytest

from config.loader import DEFAULT_CONFIG_PATH, parse_config
from config.writer import dump_toml
from hall.errors import ConfigError

BASE = DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")


def _with(hall_keys: str = "", city: str = "") -> str:
    text = BASE.replace("[hall]\n", "[hall]\n" + hall_keys, 1)
    return text + ("\n[city]\n" + city if city else "")


def test_a_village_names_its_township_and_its_city_link_and_reads_back_the_same():
    config = parse_config(_with('tier = "village"\nparent = "xinhe-town"\n',
                                'url = "https://city.example:8100/"\nkey_file = "city.key"\nbatch = 200\n'))
    assert (config.tier, config.parent) == ("village", "xinhe-town")
    assert (config.city.url, config.city.key_file, config.city.batch) == ("https://city.example:8100", "city.key", 200)
    assert parse_config(dump_toml(config)) == config


def test_a_hall_without_a_link_is_a_city_hall_with_no_parent():
    config = parse_config(BASE)
    assert (config.tier, config.parent, config.city.url) == ("city", None, None)
    assert parse_config(dump_toml(config)) == config


@pytest.mark.parametrize("hall_keys, city, field, words", [
    ('tier = "county"\n', "", "hall.tier", "township"),
    ('parent = "no spaces allowed"\n', "", "hall.parent", "the hall above"),
    ("", 'url = "ftp://city"\nkey_file = "k"\n', "city.url", "no path"),
    ("", 'url = "https://city/api"\nkey_file = "k"\n', "city.url", "no path"),
    ("", 'url = "https://city"\n', "city.key_file", "hallq city hall add"),
    ("", 'url = "https://city"\nkey_file = "k"\nbatch = 0\n', "city.batch", ""),
])
def test_a_wrong_tier_parent_or_link_is_one_sentence_naming_its_key(hall_keys, city, field, words):
    with pytest.raises(ConfigError) as err:
        parse_config(_with(hall_keys, city))
    assert err.value.field == field
    assert words in str(err.value)
