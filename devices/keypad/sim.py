"""Simulated caller keypads (one per address) on a pty or TCP.

`press(address, "call")` sends the key frame a real keypad sends (again and
again until the host acks it, as real keypads do); the sim records the host's ack and shows whatever digits the host sends. It answers
polls. Fault switches: `sim.endpoint.silent`, `sim.endpoint.garbage`.
"""
from __future__ import annotations

import threading

from devices import ff68
from devices.keypad import protocol as kp
from devices.sim_util import SharedLine, SimDevice


class KeypadSim(SimDevice):
    def __init__(self, addresses=(1,), *, transport: str = "pty", name: str = "keypad", line: "SharedLine | None" = None):
        self.parser = ff68.FrameParser()
        self.display: dict[int, str] = {int(a): "" for a in addresses}
        self.acks: dict[int, list[int]] = {int(a): [] for a in addresses}
        super().__init__(transport=transport, name=name, line=line)

    def press(self, address: int, action: str, argument: str = "", *, repeat: float = 0.2,
              tries: int = 5) -> bool:
        """Press a key; like a real keypad it repeats the frame every `repeat` seconds
        (at most `tries` times) until the host acks it. False if silent."""
        frame = kp.key(address, action, argument)
        with self.changed:
            acked_before = len(self.acks.get(address, []))
        if not self.endpoint.send(frame):
            return False

        def repeat_until_acked():
            for _ in range(tries - 1):
                if self.wait(lambda: len(self.acks.get(address, [])) > acked_before, repeat):
                    return
                self.endpoint.send(frame)

        threading.Thread(target=repeat_until_acked, name="keypad-sim-repeat", daemon=True).start()
        return True

    def wait_display(self, address: int, text: str, timeout: float = 5.0) -> bool:
        return self.wait(lambda: self.display.get(address) == text, timeout)

    def _on_bytes(self, data: bytes) -> None:
        for frame in self.parser.feed(data):
            if frame.address not in self.display:
                continue
            with self.changed:
                if frame.command == kp.KEY_ACK and frame.data:
                    self.acks[frame.address].append(frame.data[0])
                elif frame.command == kp.SHOW:
                    self.display[frame.address] = frame.data.decode("ascii", errors="replace")
                self.changed.notify_all()
            if frame.command in (kp.SHOW, kp.POLL):
                self.endpoint.send(kp.reply(frame.address, frame.command))
