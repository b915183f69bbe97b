"""Voice latency: from VoiceDriver.handle(ticket_called) to libvlc starting playback.

Each round starts a driver on libvlc's dummy output with the default
espeak-ng clip set, fires a burst of 20 ticket_called events at once and
measures how long the first one takes to reach libvlc's MediaPlayerPlaying
event (joining and writing its WAV included: every number is new). The
driver is then stopped, dropping the rest of the burst, and the next round
begins. Prints p50/p99/max; the last line is `name=value unit`.

    .venv/bin/python bench/bench_voice.py [rounds]
"""
from __future__ import annotations

import logging
import math
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from devices.voice import VoiceDriver, generate_clip_set  # noqa: E402
from devices.voice.player import PLAYING  # noqa: E402

BURST = 20


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def one_round(clips: Path, cache: Path, round_no: int) -> float:
    playing = threading.Event()
    first_at: list[float] = []

    def listener(kind: str, path: str, at: float) -> None:
        if kind == PLAYING and not first_at:
            first_at.append(at)
            playing.set()

    driver = VoiceDriver({"clips_dir": str(clips), "cache_dir": str(cache), "audio_output": "adummy",
                          "languages": ["zh", "en"], "repeat": 2}, listener=listener)
    driver.start()
    if driver.state != "online":
        raise SystemExit(f"voice driver did not start: {driver.detail}")
    start = time.monotonic()
    for i in range(BURST):
        number = f"A{(round_no * BURST + i) % 1000:03d}"
        driver.handle({"event": "ticket_called", "number": number, "window": i % 12 + 1, "recall": False})
    if not playing.wait(10):
        raise SystemExit("libvlc never started playing")
    driver.stop()
    return (first_at[0] - start) * 1000


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    logging.disable(logging.WARNING)  # each round drops 19 announcements on purpose
    with tempfile.TemporaryDirectory(prefix="hallq-bench-voice-") as tmp:
        started = time.monotonic()
        clips = generate_clip_set(tmp, ["zh", "en"])
        print(f"clip set generated with espeak-ng in {(time.monotonic() - started) * 1000:.0f} ms")
        latencies = [one_round(clips, Path(tmp), r) for r in range(rounds)]
    print(f"rounds={rounds} burst={BURST} first announcement, handle() to MediaPlayerPlaying:")
    print(f"  p50={statistics.median(latencies):.1f} ms  p99={percentile(latencies, 99):.1f} ms  "
          f"max={max(latencies):.1f} ms")
    print(f"voice_first_announcement_p99={percentile(latencies, 99):.1f} ms")


if __name__ == "__main__":
    main()
