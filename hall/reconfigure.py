"""A new configuration applied to a hall that is serving: what it may not do, and what it keeps running.

Pure: the configuration in force, the new version and today's state in; the
configuration the hall runs with out, or a HallError whose sentence says why
not. Nothing of the day is lost or renumbered:

- a window added can be signed in to at once; a window's work profile
  (services, helps) counts from its next call;
- a window may be removed only when nobody is signed in there, no ticket is
  its current one and no waiting ticket was transferred to it;
- a service removed while its tickets are open stays in the running
  configuration as *retired*: the windows that called it before go on calling
  its waiting tickets, as their own or as helped services as before, and its
  called and served tickets are finished as usual; it issues no ticket, takes
  no transfer, is not on the kiosk and is not part of any version or export.
  It is gone by the next day (open tickets expire at the day's end), and a
  restart finds it again in the version that had it;
- numbers go on per ticket letter: today's last A-number is where A goes on,
  whatever service has the letter now;
- the time zone (which decides the business day) cannot change while
  tickets are open.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Iterable

from hall.errors import HallError
from hall.model import CLOSED, WAITING, HallConfig, Ticket


def running_config(new: HallConfig, old: HallConfig, tickets: Iterable[Ticket], windows: dict) -> HallConfig:
    """The configuration the hall runs with once `new` replaces `old`, given today's `tickets` and
    window states (id -> WindowState); a HallError when `new` would strand a citizen or a clerk."""
    tickets = [t for t in tickets if t.is_open]
    if new.timezone != old.timezone and tickets:
        raise HallError("timezone_in_use",
                        f"大厅还有 {len(tickets)} 张未办结的号，不能更改时区（它决定营业日）；请在营业结束后再改。",
                        f"The time zone decides the business day and {len(tickets)} tickets are still open; "
                        "change it after the day's end.", 409)
    _check_removed_windows(new, old, tickets, windows)
    return with_retired(new, old, tickets)


def with_retired(new: HallConfig, old: HallConfig, tickets: Iterable[Ticket], strict: bool = True) -> HallConfig:
    """`new`, plus each service of `old` that `new` removes while some of `tickets` are open in it,
    retired, and called by the windows of `new` that called it in `old`. `strict`: refuse when no
    window would call its waiting tickets (a restart keeps it anyway: its tickets are shown)."""
    tickets = list(tickets)
    codes = {s.code for s in new.services}
    open_in = {t.service for t in tickets if t.is_open}
    gone = [s for s in old.services if s.code not in codes and s.code in open_in]
    if not gone:
        return new
    windows = list(new.windows)
    for s in gone:
        callers = []
        for i, w in enumerate(windows):
            before = old.window(w.id)
            if before is None:
                continue
            if s.code in before.services and s.code not in w.services:
                windows[i] = w = replace(w, services=w.services + (s.code,))
                callers.append(w.id)
            elif s.code in before.helps and s.code not in w.helps:
                windows[i] = w = replace(w, helps=w.helps + (s.code,))
                callers.append(w.id)
        waiting = [t for t in tickets if t.service == s.code and t.status == WAITING and t.target_window is None]
        if waiting and not callers and strict:
            raise HallError("service_unreachable",
                            f"{s.name}还有 {len(waiting)} 人在等候，新配置中没有哪个窗口能叫到他们；"
                            f"请保留至少一个办理过{s.name}的窗口，或等他们办完后再删除这项业务。",
                            f"{len(waiting)} people still wait for {s.name_en} and no window of the new "
                            f"configuration would call them: keep a window that served it, or remove the "
                            f"service once they are served.", 409)
    retired = tuple(replace(s, retired=True) for s in gone)
    return replace(new, services=new.services + retired, windows=tuple(windows))


def _check_removed_windows(new: HallConfig, old: HallConfig, tickets: list[Ticket], windows: dict) -> None:
    kept = {w.id for w in new.windows}
    for w in old.windows:
        if w.id in kept:
            continue
        ws = windows.get(w.id)
        if ws is not None and ws.status != CLOSED:
            who = ws.staff_name or ws.staff or ""
            raise HallError("window_in_use", f"{w.name}正由{who}登录使用，不能删除；请先在该窗口退出，再删除它。",
                            f"{w.name_en} is signed in by {ws.staff or 'a clerk'}; sign out there before "
                            "removing it.", 409)
        current = next((t for t in tickets if ws is not None and t.id == ws.current), None)
        if current is not None:
            raise HallError("window_in_use", f"{current.number} 号仍在{w.name}办理，不能删除这个窗口；请先办结或转移它。",
                            f"{current.number} is still at {w.name_en}; finish or transfer it before removing "
                            "the window.", 409)
        sent = [t.number for t in tickets if t.target_window == w.id and t.status == WAITING]
        if sent:
            raise HallError("window_in_use", f"{'、'.join(sent)} 已转到{w.name}等候，不能删除这个窗口；请等它们办完后再删除。",
                            f"{', '.join(sent)} were transferred to {w.name_en} and wait there; remove the "
                            "window once they are served.", 409)
