"""A key pressed at a window becomes the same hall action as on the counter page.

Shared by the wired keypad and the wireless keypad drivers. Each action goes
through the hall facade (call_next, recall, pause/resume, transfer, finish,
no_show, start); a refused action (hall.errors.HallError: nobody waiting,
window paused, ...) comes back as an Outcome with its message, never as an
exception.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, Optional

log = logging.getLogger(__name__)

ACTIONS = ("call", "recall", "pause", "transfer", "finish", "give_up", "rate", "start")


@dataclass
class Outcome:
    action: str
    ok: bool
    number: Optional[str] = None     # the ticket the action touched, when there is one
    message: str = ""


def ticket_number(result: Any) -> Optional[str]:
    """The ticket number in a facade result (a Ticket object or a ticket dict)."""
    if result is None:
        return None
    if isinstance(result, dict):
        return result.get("number")
    return getattr(result, "number", None)


def run_action(facade, window: int, action: str, argument: str = "", *, paused: bool = False,
               pause_reason: str = "break", transfer_service: Optional[str] = None,
               on_rate: Optional[Callable[[int], None]] = None, device: str = "") -> Outcome:
    """Perform `action` for `window` through `facade`; never raises."""
    try:
        if action == "call":
            result = facade.call_next(window)
        elif action == "recall":
            result = facade.recall(window)
        elif action == "pause":
            result = facade.resume(window) if paused else facade.pause(window, pause_reason)
        elif action == "transfer":
            service = (argument or transfer_service or "").strip()
            if not service:
                return Outcome(action, False, message="转移需要目标业务：请在呼叫器上输入业务代码或配置 transfer_service。"
                                                      " / transfer needs a target service.")
            result = facade.transfer(window, service)
        elif action == "finish":
            result = facade.finish(window)
        elif action == "give_up":
            result = facade.no_show(window)
        elif action == "start":
            result = facade.start(window)
        elif action == "rate":
            if on_rate is None:
                return Outcome(action, False, message="本窗口没有配置评价器。 / no rater is configured for this window.")
            on_rate(window)
            return Outcome(action, True)
        else:
            return Outcome(action, False, message=f"unknown key action {action!r}")
    except Exception as exc:  # HallError (a refusal) or a fault in the hall: a state, not a crash
        message = getattr(exc, "message", None) or str(exc)
        log.info("device %s: %s at window %s refused: %s", device, action, window, message)
        return Outcome(action, False, message=message)
    return Outcome(action, True, number=ticket_number(result))
