"""The off-loop helper process: under gevent a pure function runs in another process, its errors
come back as themselves, and a helper that died is started again."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    from hall.server import patch
    patch()
    import os, gevent
    from hall import offloop

    assert offloop.run_off_loop(os.getpid) != os.getpid()           # it ran in the helper
    try:
        offloop.run_off_loop(int, "not a number")
    except ValueError as exc:
        print("error:", exc)
    first = offloop._helpers["forecast"]._process.pid
    offloop._helpers["forecast"]._process.kill()
    offloop._helpers["forecast"]._process.wait()
    print("again:", offloop.run_off_loop(sum, (1, 2, 3)), offloop._helpers["forecast"]._process.pid != first)
    # The loop goes on while the helper works: a greenlet ticks meanwhile.
    ticks = []
    ticker = gevent.spawn(lambda: [ticks.append(gevent.sleep(0.01)) for _ in range(20)])
    offloop.run_off_loop(__import__("time").sleep, 0.3)
    print("ticks during the call:", len(ticks) >= 10)
    ticker.kill()
    from tests.hall.offloop_target import counted
    seen = []
    print("progress:", offloop.run_off_loop(counted, 3, helper="assess", on_progress=lambda *p: seen.append(p)), seen)
""")


def test_the_helper_process_answers_fails_and_comes_back():
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["error: invalid literal for int() with base 10: 'not a number'",
                                       "again: 6 True", "ticks during the call: True",
                                       "progress: 30 [('counting', 1, 3), ('counting', 2, 3), ('counting', 3, 3)]"]


def test_without_gevent_it_is_a_plain_call():
    from hall.offloop import run_off_loop
    import os
    assert run_off_loop(os.getpid) == os.getpid()
