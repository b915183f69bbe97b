"""Clip sets for the voice tests: the real espeak-ng set, and a tiny tone set that plays fast."""
from __future__ import annotations

import math

import pytest

from devices.voice import phrases
from devices.voice.clips import generate_clip_set
from devices.voice.join import Pcm, write_wav

RATE = 22050
TINY_GAPS = {"after_chime_ms": 10, "between_clips_ms": 5, "between_phrases_ms": 20, "tail_ms": 10}


def tone(ms: int, freq: float, rate: int = RATE, channels: int = 1) -> Pcm:
    """A sine tone: real, non-silent samples so byte comparisons mean something."""
    n = round(rate * ms / 1000)
    frames = b"".join(round(8000 * math.sin(2 * math.pi * freq * i / rate)).to_bytes(2, "little", signed=True)
                      * channels for i in range(n))
    return Pcm(frames, rate, channels)


def write_tiny_clip_set(directory, languages=("zh", "en"), skip=()):
    """A clip set of short tones, one per required clip name, each with its own length and pitch."""
    for lang in languages:
        for k, name in enumerate(phrases.required_clips(lang)):
            if f"{lang}/{name}" in skip:
                continue
            write_wav(directory / lang / f"{name}.wav", tone(8 + k % 7, 300 + 20 * k))
    write_wav(directory / "chime.wav", tone(30, 880))
    return directory


@pytest.fixture
def tiny_clips(tmp_path):
    return write_tiny_clip_set(tmp_path / "tiny")


@pytest.fixture(scope="session")
def espeak_clips(tmp_path_factory):
    """The default clip set, generated once for the session (about a second)."""
    return generate_clip_set(tmp_path_factory.mktemp("voice-cache"), ["zh", "en"])
