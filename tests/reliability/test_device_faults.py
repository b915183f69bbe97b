"""Every simulated device's cable pulled and put back during a busy hour, and fed random bytes:
the hall keeps serving, each link comes back, no call is missing from a strip, a ticket issued
while the paper is out is listed for reprint, and the hall's fault record matches what was done
(tests/reliability/device_faults.py).

CI pulls each wire a few times. The long version, as docs/reliability.md records it:

    HALLQ_DEVICE_REPLUGS=100 .venv/bin/python -m pytest tests/reliability/test_device_faults.py -s

HALLQ_DEVICE_SEED replays a run's choices; the seed is printed.
"""
from __future__ import annotations

import os

from tests.reliability.device_faults import run_hour
from tests.reliability.harness import seed_from_env


def test_devices_unplugged_and_fed_noise_come_back_and_lose_no_call(tmp_path):
    replugs = int(os.environ.get("HALLQ_DEVICE_REPLUGS", "3"))
    seed = seed_from_env("HALLQ_DEVICE_SEED")
    print(f"\ndevice faults: seed {seed} (HALLQ_DEVICE_SEED={seed} replays it), {replugs} replugs per wire")
    figures = run_hour(tmp_path, replugs, seed)
    print("device fault figures:", figures)
    assert figures["unplugs_per_wire"] == {w: replugs for w in ("printer", "led", "rs485", "wireless", "voice")}
    assert figures["faults_recorded"] == figures["faults_injected"]
