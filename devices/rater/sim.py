"""Simulated window raters (one per address) on a pty or TCP.

The host arms a rater with the ticket number; `press(address, key)` then
sends the press frame. A strict rater (the default, like most models) sends
nothing while it is not armed; `strict=False` makes it send every press, so
the driver's "press while nothing is armed" path can be tested.
Fault switches: `sim.endpoint.silent`, `sim.endpoint.garbage`.
"""
from __future__ import annotations

from typing import Optional

from devices import ff68
from devices.rater import protocol as rp
from devices.sim_util import SharedLine, SimDevice


class RaterSim(SimDevice):
    def __init__(self, addresses=(1,), *, transport: str = "pty", name: str = "rater",
                 line: "SharedLine | None" = None, strict: bool = True):
        self.parser = ff68.FrameParser()
        self.strict = strict
        self.armed: dict[int, Optional[str]] = {int(a): None for a in addresses}
        self.acks: dict[int, list[int]] = {int(a): [] for a in addresses}
        super().__init__(transport=transport, name=name, line=line)

    def press(self, address: int, key: int) -> bool:
        """Press button `key`; False when a strict rater is not armed (nothing is sent)."""
        if self.strict and self.armed.get(address) is None:
            return False
        return self.endpoint.send(rp.press(address, key))

    def wait_armed(self, address: int, number: Optional[str], timeout: float = 5.0) -> bool:
        return self.wait(lambda: self.armed.get(address) == number, timeout)

    def _on_bytes(self, data: bytes) -> None:
        for frame in self.parser.feed(data):
            if frame.address not in self.armed:
                continue
            with self.changed:
                if frame.command == rp.ARM:
                    self.armed[frame.address] = frame.data.decode("ascii", errors="replace")
                elif frame.command == rp.DISARM:
                    self.armed[frame.address] = None
                elif frame.command == rp.PRESS_ACK and frame.data:
                    self.acks[frame.address].append(frame.data[0])
                self.changed.notify_all()
            if frame.command in (rp.ARM, rp.DISARM, rp.POLL):
                self.endpoint.send(rp.reply(frame.address, frame.command))
