"""A simulated 433 MHz receiver on a pty or TCP: `press(remote_id, key)` prints the
code lines a real receiver prints (repeated, as while a key is held)."""
from __future__ import annotations

from devices.sim_util import make_endpoint
from devices.wireless import protocol as wl


class WirelessSim:
    def __init__(self, *, transport: str = "pty", name: str = "wireless"):
        self.endpoint = make_endpoint(lambda data: None, transport=transport, name=name)

    @property
    def url(self) -> str:
        return self.endpoint.url

    def press(self, remote_id: str, key: int, repeats: int = 3) -> bool:
        """One key press: the code `repeats` times, as the remote keeps sending while held."""
        return self.endpoint.send(wl.encode_line(remote_id, key) * repeats)

    def close(self) -> None:
        self.endpoint.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
