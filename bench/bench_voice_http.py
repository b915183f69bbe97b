"""Voice latency from the HTTP call: call-next request to libvlc starting playback.

The hall runs in this process on a real HTTP server (werkzeug, loopback)
with a VoiceDriver on libvlc's dummy output fed from the hall's bus, as in a
hall. Each round signs a clerk in, then fires a burst of 20 calls (call next,
start, call next, ...) over HTTP; the clock runs from the first call-next
request to libvlc's MediaPlayerPlaying event of its announcement. Each round
uses a fresh driver so a queue left by the last burst cannot help or hinder.
Prints p50/p99; the last line is `name=value unit`.

    .venv/bin/python bench/bench_voice_http.py [rounds]
"""
from __future__ import annotations

import math
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from bench._common import scratch_dir  # noqa: E402
from config import load_config  # noqa: E402
from devices.voice import VoiceDriver  # noqa: E402
from devices.voice.player import PLAYING  # noqa: E402
from hall import auth  # noqa: E402
from hall.app import create_app  # noqa: E402
from hall.clock import system_now  # noqa: E402

BURST = 20


def percentile(values, p):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def main(rounds: int = 20) -> None:
    import logging
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    data = scratch_dir("hallq-bench-voice-")
    app = create_app(load_config(), data_dir=data, devices={})
    hall = app.extensions["hallq"]
    hall.store.put_user("clerk", "clerk", "staff", auth.hash_password("bench-pass-1"), system_now())
    current = {"driver": None}
    hall.bus.subscribe("voice", lambda e: current["driver"] and current["driver"].handle(e))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    s = requests.Session()
    r = s.post(url + "/api/login", json={"username": "clerk", "password": "bench-pass-1", "window": 2})
    r.raise_for_status()
    s.headers["X-HallQ-CSRF"] = r.json()["csrf"]   # every change of a session carries its token
    latencies = []
    try:
        for r in range(rounds):
            playing = threading.Event()
            first = []

            def listener(kind, path, at):
                if kind == PLAYING and not first:
                    first.append(at)
                    playing.set()

            driver = VoiceDriver({"cache_dir": str(data / "voice"), "audio_output": "adummy",
                                  "languages": ["zh", "en"], "repeat": 2}, listener=listener)
            driver.start()
            if driver.state != "online":
                raise SystemExit(f"voice driver did not start: {driver.detail}")
            for _ in range(BURST):
                s.post(url + "/api/tickets", json={"service": "A"}).raise_for_status()
            current["driver"] = driver
            t0 = time.monotonic()
            for i in range(BURST):
                s.post(url + "/api/windows/2/call-next").raise_for_status()
                s.post(url + "/api/windows/2/start").raise_for_status()
            if not playing.wait(10):
                raise SystemExit("libvlc never started playing")
            latencies.append((first[0] - t0) * 1000)
            current["driver"] = None
            driver.stop()
            s.post(url + "/api/windows/2/finish").raise_for_status()
    finally:
        server.shutdown()
    print(f"{rounds} bursts of {BURST} calls over HTTP: first announcement p50={percentile(latencies, 50):.1f} ms")
    print(f"voice_call_to_playback_p99={percentile(latencies, 99):.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
