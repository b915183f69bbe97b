"""An RS-485 line with several addressed devices on one link.

On a half-duplex line only one side may talk at a time, so the bus lets one
transaction at a time on the wire: `request()` writes a frame and waits for
the addressed device's answer (timeout, retries), holding the line until the
answer comes or the last retry times out. Frames nobody is waiting for
(keypad keys, rater presses) are handed to the listener attached for their
address, on the bus's own dispatcher thread, so a listener may write (an
ack) without blocking the reader.

The codec is given as a parser factory: `parser_factory()` returns an object
with `feed(bytes) -> [frame]` and `gap() -> [frame]`; each frame has an
`.address`. devices/ff68.py and devices/led/protocol.py both provide one.

`DeviceHealth` turns answers and misses into one device's state: faulted
after `fault_after` misses in a row, online again at the first answer, and
faulted whenever the link itself is down.

`BusPool` shares one bus among all devices configured on the same link URL.
"""
from __future__ import annotations

import logging
import queue
import threading
from typing import Callable, Optional

from devices.link import FAULTED, ONLINE, CONNECTING, Link, LinkDown

log = logging.getLogger(__name__)

StateCallback = Callable[[str, str, str], None]


class Bus485:
    """Several addressed devices behind one `Link`; see the module docstring."""

    def __init__(self, url: str, *, name: str, parser_factory: Callable[[], object], **link_options):
        self.name = name
        self.url = url
        self.parser = parser_factory()
        self.link = Link(url, name=name, on_state=self._link_state, on_data=self._on_data,
                         on_idle=self._on_idle, **link_options)
        self._line = threading.Lock()            # one transaction on the wire at a time
        self._pending_lock = threading.Lock()
        self._pending: Optional[tuple[int, Callable, threading.Event, list]] = None
        self._listeners: dict[int, Callable[[object], None]] = {}
        self._link_watchers: list[Callable[[str, str], None]] = []
        self._dispatch: "queue.Queue" = queue.Queue()
        self._thread: Optional[threading.Thread] = None
        self.unrouted = 0                       # good frames for an address nobody attached
        self._closed = False

    # -- wiring ----------------------------------------------------------------

    def attach(self, address: int, on_frame: Optional[Callable[[object], None]] = None,
               on_link: Optional[Callable[[str, str], None]] = None) -> None:
        """Route unprompted frames from `address` to `on_frame`; tell `on_link(state, detail)` about the link."""
        if on_frame is not None:
            if address in self._listeners:
                raise ValueError(f"{self.name}: address {address} is configured twice on one link")
            self._listeners[address] = on_frame
        if on_link is not None:
            self._link_watchers.append(on_link)
            on_link(self.link.state, self.link.detail)

    def detach(self, address: int, on_link: Optional[Callable[[str, str], None]] = None) -> None:
        """Stop routing `address`'s frames, and stop telling `on_link` about the link (a driver removed)."""
        self._listeners.pop(address, None)
        if on_link is not None:
            self._link_watchers = [w for w in self._link_watchers if w != on_link]

    def start(self) -> "Bus485":
        if self._thread is None:
            self._thread = threading.Thread(target=self._run_dispatch, name=f"bus-{self.name}", daemon=True)
            self._thread.start()
            self.link.start()
        return self

    def stop(self) -> None:
        self._closed = True
        with self._pending_lock:
            if self._pending is not None:
                self._pending[2].set()     # wake a request waiting for an answer that will never come
        self.link.close()
        if self._thread is not None:
            self._dispatch.put(None)
            self._thread.join(2)
            self._thread = None

    # -- talking ---------------------------------------------------------------

    def send(self, data: bytes, *, timeout: float = 2.0) -> bool:
        """Write a frame that expects no answer (an ack); False if the line or link is not available."""
        if not self._line.acquire(timeout=timeout):
            return False
        try:
            self.link.write(data)
            return True
        except LinkDown:
            return False
        finally:
            self._line.release()

    def request(self, address: int, data: bytes, *, match: Callable[[object], bool] = lambda f: True,
                timeout: float = 0.3, retries: int = 2) -> Optional[object]:
        """Write `data` and wait for a frame from `address` that `match`es; None after all retries.

        Never raises: a link that is down counts as no answer.
        """
        if not self._line.acquire(timeout=timeout * (retries + 1) + 2.0):
            return None
        try:
            for _attempt in range(retries + 1):
                if self._closed:
                    return None
                done = threading.Event()
                result: list = []
                with self._pending_lock:
                    self._pending = (address, match, done, result)
                try:
                    self.link.write(data)
                except LinkDown:
                    return None
                finally_ok = done.wait(timeout)
                with self._pending_lock:
                    self._pending = None
                if finally_ok and result:
                    return result[0]
            return None
        finally:
            self._line.release()

    # -- the link's thread -------------------------------------------------------

    def _on_data(self, data: bytes) -> None:
        self._route(self.parser.feed(data))

    def _on_idle(self) -> None:
        self._route(self.parser.gap())

    def _route(self, frames: list) -> None:
        for frame in frames:
            with self._pending_lock:
                pending = self._pending
                if pending is not None and frame.address == pending[0] and _matches(pending[1], frame):
                    pending[3].append(frame)
                    pending[2].set()
                    self._pending = None
                    continue
            self._dispatch.put(frame)

    def _link_state(self, name: str, state: str, detail: str) -> None:
        self._dispatch.put(("link", state, detail))

    # -- the dispatcher thread ---------------------------------------------------

    def _run_dispatch(self) -> None:
        while True:
            item = self._dispatch.get()
            if item is None:
                return
            if isinstance(item, tuple) and item and item[0] == "link":
                for watcher in list(self._link_watchers):
                    _safe(watcher, item[1], item[2])
                continue
            listener = self._listeners.get(item.address)
            if listener is None:
                self.unrouted += 1
                continue
            _safe(listener, item)


def _matches(match: Callable, frame) -> bool:
    try:
        return bool(match(frame))
    except Exception:
        return False


def _safe(fn: Callable, *args) -> None:
    try:
        fn(*args)
    except Exception:  # one device's bug stays with that device
        log.exception("device callback %r failed", fn)


class DeviceHealth:
    """One device's state from its answers, its misses and its link.

    `on_state(device_id, state, detail)` is called on every change only.
    """

    def __init__(self, device_id: str, on_state: Optional[StateCallback] = None, *, fault_after: int = 3):
        self.device_id = device_id
        self.on_state = on_state
        self.fault_after = max(1, int(fault_after))
        self.misses = 0
        self.link_state = CONNECTING
        self.state = CONNECTING
        self.detail = ""
        self._lock = threading.Lock()
        self._answered_once = False

    def link(self, state: str, detail: str = "") -> None:
        """The link changed state."""
        with self._lock:
            self.link_state = state
        if state == ONLINE:
            self._set(ONLINE if self._answered_once and self.misses < self.fault_after else CONNECTING,
                      "")
        else:
            self._set(FAULTED if state == FAULTED else CONNECTING, f"link: {detail}" if detail else "")

    def answered(self) -> None:
        """The device answered (or spoke up): it is alive."""
        with self._lock:
            self.misses = 0
            self._answered_once = True
        if self.link_state == ONLINE:
            self._set(ONLINE, "")

    def missed(self, what: str = "no answer") -> None:
        """The device did not answer a request."""
        if self.link_state != ONLINE:
            return                      # the link's own state already says why
        with self._lock:
            self.misses += 1
            misses = self.misses
        if misses >= self.fault_after:
            self._set(FAULTED, f"{what} ({misses} times)" if misses == self.fault_after else self.detail)

    @property
    def faulted(self) -> bool:
        return self.state == FAULTED

    def _set(self, state: str, detail: str) -> None:
        with self._lock:
            if state == self.state and (state != FAULTED or detail == self.detail or not detail):
                return
            self.state, self.detail = state, detail
        if state == FAULTED:
            log.warning("device %s faulted: %s", self.device_id, detail)
        elif state == ONLINE:
            log.info("device %s online", self.device_id)
        if self.on_state is not None:
            _safe(self.on_state, self.device_id, state, detail)


class BusPool:
    """One shared Bus485 per link URL; buses start on first use and stop with the pool.

    `autostart=False` builds buses without opening anything: a dry run that
    checks a hall's device settings.
    """

    def __init__(self, autostart: bool = True):
        self._buses: dict[str, tuple[Bus485, object]] = {}
        self._lock = threading.Lock()
        self.autostart = autostart

    def get(self, url: str, *, kind: str, parser_factory: Callable[[], object], **link_options) -> Bus485:
        """The bus for `url`; `kind` names the frame family (a link speaks one protocol)."""
        with self._lock:
            if url in self._buses:
                bus, bus_kind = self._buses[url]
                if bus_kind != kind:
                    raise ValueError(f"link {url} is used by {bus_kind} and {kind} devices: "
                                     f"one link carries one protocol")
                return bus
            bus = Bus485(url, name=f"{kind}@{url}", parser_factory=parser_factory, **link_options)
            self._buses[url] = (bus, kind)
        return bus.start() if self.autostart else bus

    def stop(self) -> None:
        with self._lock:
            buses, self._buses = [b for b, _ in self._buses.values()], {}
        for bus in buses:
            bus.stop()

    def release_unused(self, in_use: set) -> list[str]:
        """Stop and forget each bus whose URL is not in `in_use` (its last device was removed), so its
        link's threads end; returns their URLs."""
        with self._lock:
            gone = [url for url in self._buses if url not in in_use]
            buses = [self._buses.pop(url)[0] for url in gone]
        for bus in buses:
            bus.stop()
        return gone
