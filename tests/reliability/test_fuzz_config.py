"""Hypothesis writes hall files: each is taken or refused by `hallq check-config` in one sentence, never a traceback.

Two kinds of file: the embedded hall (config/hall.toml) with random changes (a key given a value of
another type or range, a key removed, an unknown key or section added, a whole section replaced),
written as TOML by tomli-w; and text that is hardly TOML at all. Each goes through the command's
own path (`hall.cli.main(["check-config", FILE])`, the loader and the device check): exit 0 with
its OK line, or exit 2 with one sentence on standard error that names the file and ends with a
full stop. Anything else (an exception, a traceback, exit 1) fails the test.

CI runs CONFIG_EXAMPLES of each (well under a minute), the same ones each run (derandomized); the long
run draws new ones:

    HALLQ_FUZZ_LONG=1 .venv/bin/python -m pytest -q tests/reliability/test_fuzz_config.py
"""
from __future__ import annotations

import copy
import os
import tomllib

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.loader import DEFAULT_CONFIG_PATH
from hall.cli import main

LONG = os.environ.get("HALLQ_FUZZ_LONG") == "1"
CONFIG_EXAMPLES = 20000 if LONG else 300
SETTINGS = settings(max_examples=CONFIG_EXAMPLES, deadline=None, database=None, derandomize=not LONG,
                    suppress_health_check=list(HealthCheck))
BASE = tomllib.loads(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))

SCALARS = (st.text(max_size=20) | st.integers(-10**20, 10**20) | st.floats(allow_nan=True) | st.booleans()
           | st.dates() | st.times() | st.datetimes() | st.sampled_from(["", " ", "A", "08:30", "25:00", "2026-02-30",
                                                                         "Asia/Shanghai", "Mars/Base", "loop://",
                                                                         "socket://127.0.0.1:9100", "/dev/null"]))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(min_size=1, max_size=10), inner, max_size=4), max_leaves=10)


def paths(data, prefix=()):
    """Every key's path in the data: ("services", 0, "prefix"), ("queue", "max_recalls"), ..."""
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else []
    for k, v in items:
        yield prefix + (k,)
        yield from paths(v, prefix + (k,))


PATHS = sorted(paths(BASE), key=repr) + [("devices",), ("backup",), ("privacy",), ("alarms",)]
EDITS = st.lists(st.tuples(st.sampled_from(["set", "delete", "add"]), st.sampled_from(PATHS), VALUES,
                           st.text(min_size=1, max_size=12)), min_size=1, max_size=4)


def edited(edits) -> dict:
    data = copy.deepcopy(BASE)
    for op, path, value, name in edits:
        parent = data
        try:
            for k in path[:-1]:
                parent = parent[k]
            key = path[-1]
            if op == "set":
                parent[key] = value
            elif op == "delete":
                del parent[key]
            elif isinstance(parent[key], dict):
                parent[key][name] = value
            else:
                parent[key] = {name: value}
        except (KeyError, IndexError, TypeError):
            continue          # an earlier edit took this path away
    return data


def check(tmp_path, capsys, text: str) -> None:
    path = tmp_path / "hall.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    code = main(["check-config", str(path)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    if code == 0:
        assert out.startswith(f"{path}: OK — "), out
        return
    assert code == 2, (code, out, err)
    line = err.strip().splitlines()[0]
    assert len(err.strip().splitlines()) == 1, err
    assert line.startswith(f"hallq: configuration error: {path}: ") or line.startswith("hallq: "), line
    assert line.endswith((".", "。", ".)", "。)")), line


def _as_toml(data) -> str:
    try:
        return tomli_w.dumps(data)
    except (TypeError, ValueError):       # a value TOML cannot hold (a float key, a null): written by hand
        return "[hall]\nname = 1e400\n"


@SETTINGS
@given(edits=EDITS)
def _edited_halls(tmp_path, capsys, edits):
    check(tmp_path, capsys, _as_toml(edited(edits)))


def test_every_edited_hall_file_is_taken_or_refused_in_one_sentence(tmp_path, capsys):
    _edited_halls(tmp_path, capsys)


TOMLISH = st.lists(st.sampled_from(["[hall]", "[[services]]", "[[windows]]", "[queue]", "[devices.printer]",
                                    "[backup]", "name = \"大厅\"", "code = \"A\"", "id = 1", "services = [\"A\"]",
                                    "at = 02:30", "keep = -1", "x = [", "= 3", "\"\"\"", "a.b.c = 1", "[hall",
                                    "timezone = \"Asia/Shanghai\"", "prefix = \"a\"", "\x00", "\ufeff", "#"])
                   | st.text(max_size=40), max_size=25).map("\n".join)


@SETTINGS
@given(text=TOMLISH | st.text(max_size=300))
def _random_texts(tmp_path, capsys, text):
    check(tmp_path, capsys, text)


def test_random_text_as_a_hall_file_is_refused_in_one_sentence(tmp_path, capsys):
    _random_texts(tmp_path, capsys)


@pytest.mark.parametrize("toml_key, shown", [
    ('"keep\\ndays"', '"keep\\ndays"'),              # what the CI fuzz found: a newline in the key
    ('"keep\\u0085days"', '"keep\\u0085days"'),      # what the long fuzz found: U+0085 ends a line too
    ('"keep\\u2028days"', '"keep\\u2028days"'),      # and the line separator
    ('"保留 天数"', '"保留 天数"'),                     # printable characters stay as they are, quoted
])
def test_a_key_with_a_line_break_is_refused_on_one_line(tmp_path, capsys, toml_key, shown):
    """An unknown key was named raw, and a line break in it broke the sentence in two."""
    path = tmp_path / "hall.toml"
    path.write_text(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8") + f'\n[backup]\n{toml_key} = 1\n',
                    encoding="utf-8")
    assert main(["check-config", str(path)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1, err
    assert err == (f'hallq: configuration error: {path}: backup.{shown} is not a known key; '
                   "expected one of ['at', 'directory', 'keep'].\n")
