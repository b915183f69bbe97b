"""docs/voice.md cannot drift: its tables and settings are checked against the code."""
from __future__ import annotations

import re
from pathlib import Path

from devices.voice import phrases
from devices.voice.driver import DEFAULTS

DOC = (Path(__file__).resolve().parents[3] / "docs" / "voice.md").read_text(encoding="utf-8")


def rows(cells: int) -> list[list[str]]:
    out = []
    for line in DOC.splitlines():
        parts = [p.strip() for p in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(parts) == cells and re.fullmatch(r"[A-Z]\d+", parts[0]):
            out.append(parts)
    return out


def clips(cell: str) -> list[str]:
    return [c.strip() for c in cell.split("·")]


def test_documented_call_table_is_what_the_code_says():
    table = rows(4)
    assert len(table) == 7
    for number, window, zh, en in table:
        assert phrases.phrase_clips("zh", number, int(window)) == clips(zh)
        assert phrases.phrase_clips("en", number, int(window)) == clips(en)


def test_documented_natural_reading_table_is_what_the_code_says():
    table = rows(3)
    assert len(table) == 4
    for number, zh, en in table:
        assert phrases.ticket_clips("zh", number, "natural") == clips(zh)
        assert phrases.ticket_clips("en", number, "natural") == clips(en)


def test_documented_templates_are_the_defaults():
    for lang, template in phrases.DEFAULT_TEMPLATES.items():
        assert f"| `{lang}` | `{template}` |" in DOC


def test_every_setting_is_documented():
    for key in DEFAULTS:
        assert f"| `{key}` |" in DOC, key


def test_documented_clip_counts():
    assert f"{len(phrases.required_clips('zh'))} Chinese clips" in DOC
    assert f"{len(phrases.required_clips('en'))} English clips" in DOC
