"""A simulated BX-5K/6K LED controller (or several, one per address) on a pty or TCP.

It parses the real frames, keeps the current text of every dynamic area per
address, and answers like the controller: an ACK frame for every command
that asks for one. Fault switches are the endpoint's: `sim.endpoint.silent`,
`sim.endpoint.garbage`, `unplug()` / `replug()`.
"""
from __future__ import annotations

import time

from devices.led import protocol as bx
from devices.sim_util import SharedLine, SimDevice


class LedSim(SimDevice):
    """LED displays at `addresses` behind one wire; `url` is what a driver opens."""

    def __init__(self, addresses=(1,), *, transport: str = "pty", name: str = "led", line: "SharedLine | None" = None):
        self.parser = bx.FrameParser()
        self.areas: dict[int, dict[int, str]] = {int(a): {} for a in addresses}
        self.frames: list[bx.Frame] = []
        super().__init__(transport=transport, name=name, line=line)

    # -- what a person sees ----------------------------------------------------------

    def raw_text(self, address: int) -> list[str]:
        """Each area's text as sent (with colour escapes), in area order."""
        with self.changed:
            return [t for _, t in sorted(self.areas.get(address, {}).items())]

    def text(self, address: int) -> str:
        """The display's text as a person reads it: areas in order, one per line."""
        return "\n".join(bx.strip_colors(t) for t in self.raw_text(address))

    def wait_text(self, address: int, expected: str, timeout: float = 5.0) -> bool:
        """Wait until the display at `address` shows `expected` (for tests and the device lab)."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while self.text_unlocked(address) != expected:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.changed.wait(left)
            return True

    def text_unlocked(self, address: int) -> str:
        return "\n".join(bx.strip_colors(t) for _, t in sorted(self.areas.get(address, {}).items()))

    # -- the controller ---------------------------------------------------------------

    def _on_bytes(self, data: bytes) -> None:
        for frame in self.parser.feed(data):
            self._handle(frame)

    def _handle(self, frame: bx.Frame) -> None:
        if frame.dst == bx.BROADCAST:
            targets = list(self.areas)
        elif frame.dst in self.areas:
            targets = [frame.dst]
        else:
            return   # another controller's frame on the same line
        error = 0
        with self.changed:
            self.frames.append(frame)
            if frame.command == bx.CLEAR:
                for a in targets:
                    self.areas[a] = {}
            elif frame.command == bx.DYNAMIC_AREA:
                try:
                    deleted, updates = bx.parse_dynamic_areas(frame.data)
                except (ValueError, IndexError):
                    error = 0x03
                else:
                    for a in targets:
                        for area_id in deleted:
                            self.areas[a].pop(area_id, None)
                        for u in updates:
                            self.areas[a][u.area_id] = u.text
            elif frame.command != bx.PING:
                error = 0x01   # unknown command
            self.changed.notify_all()
        if len(frame.data) >= 3 and frame.data[2] == 0x01 and frame.dst != bx.BROADCAST:
            self.endpoint.send(bx.reply(frame, error=error))
