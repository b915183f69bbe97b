"""The docs cannot drift: every event, endpoint, error code and CLI command is documented."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from hall.events import EVENT_NAMES

ROOT = Path(__file__).resolve().parent.parent
EVENTS_MD = (ROOT / "docs" / "events.md").read_text(encoding="utf-8")
API_MD = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", EVENT_NAMES)
def test_every_event_is_in_events_md(name):
    assert f"| `{name}` |" in EVENTS_MD


def test_every_api_route_is_in_api_md(app):
    routes = {(r.rule, m) for r in app.url_map.iter_rules() if r.rule.startswith("/api/")
              for m in r.methods - {"HEAD", "OPTIONS"}}
    assert routes
    documented = re.sub(r"<[^>]*>", "<>", API_MD)
    for rule, method in sorted(routes):
        doc = re.sub(r"<[^>]*>", "<>", rule)
        assert f"{method} {doc}" in documented, f"{method} {rule} is not in docs/api.md"


def test_every_error_code_is_in_api_md():
    codes = set()
    for path in (ROOT / "hall").glob("*.py"):
        codes |= set(re.findall(r'HallError\(\s*"(\w+)"', path.read_text(encoding="utf-8")))
    assert "queue_empty" in codes
    missing = sorted(c for c in codes if f"`{c}`" not in API_MD)
    assert missing == []


def cli_commands(parser=None, prefix="hallq") -> list[str]:
    """Every command the `hallq` parser accepts, subcommands spelled out: "hallq user add", ..."""
    import argparse
    from hall.cli import _parser
    parser = parser or _parser()
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        return [prefix]
    return [c for name, sub in subs[0].choices.items() for c in cli_commands(sub, f"{prefix} {name}")]


def test_every_cli_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = cli_commands()
    assert {"hallq demo", "hallq serve", "hallq user add", "hallq user remove", "hallq check-config"} <= set(commands)
    for command in commands + ["make demo", "make test"]:
        assert command in readme, f"{command} is not in README.md"


def test_the_devices_example_in_the_docs_builds(tmp_path):
    """docs/devices.md's example is a valid [devices] section for every kind (nothing is opened)."""
    from config import DEFAULT_CONFIG_PATH, parse_config
    from hall.clock import system_now
    from hall.devices import build_devices
    from hall.hall import Hall
    from hall.store import Store
    doc = (ROOT / "docs" / "devices.md").read_text(encoding="utf-8")
    example = doc.split("```toml", 1)[1].split("```", 1)[0]
    config = parse_config(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8") + example)
    hall = Hall(config, Store(tmp_path / "h.db"), clock=system_now)
    manager = build_devices(hall, config.devices, tmp_path, dry_run=True)
    assert sorted(manager.kinds.values()) == ["keypad", "led", "led", "printer", "rater", "voice", "wireless"]
    hall.bus.close()


def test_the_readmes_make_demo_output_is_what_the_demo_prints(tmp_path):
    """The pages and accounts the README says `make demo` prints, line by line, against a real demo
    hall's output (its port and data directory aside)."""
    from tests.server import ServerProcess
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme.split("`make demo` prints:", 1)[1].split("```", 2)[1]
    said = [line for line in block.strip().splitlines()[1:]]
    server = ServerProcess(tmp_path / "data", command="demo").start(60)
    try:
        printed = server.log.read_text(encoding="utf-8", errors="replace").splitlines()
    finally:
        server.stop()
    start = next(i for i, line in enumerate(printed) if "is running; data in" in line)
    shown = [line.replace(f":{server.port}/", ":8000/") for line in printed[start + 1:start + 1 + len(said)]]
    assert shown == said
