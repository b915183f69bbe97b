"""Electronic supervision (电子监察): the alarms the hall's state and clock make true now.

Pure, like the queue rules: no SQL, no Flask, no clock. The hall hands in its state, its
configuration, `now`, its devices' states and the bad-rating cases not closed; `evaluate`
returns every condition true now, and `diff` compares them with the open alarms: an alarm
is raised once while its condition holds and cleared when the condition ends. A manager's
acknowledgement (`acknowledge`) records who saw it, when, and a note; it clears nothing.

    kind               subject       true while
    long_wait          service code  a ticket of the line has waited longer than its threshold
    long_queue         service code  more tickets wait in the line than its threshold
    service_overtime   ticket id     a ticket is served longer than its matter's (service's, hall's) limit
    window_paused      window id     the window is paused longer than allowed, counted in opening hours
    window_unstaffed   window id     nobody is signed in at the window longer than allowed, in opening hours
    device_fault       device id     a device is faulted, offline, out of paper or open
    bad_rating         case id       a bad rating's case waits for its verification
    case_overdue       case id       a bad-rating case is past its deadline (hall/cases.py `overdue`)

Decisions (docs/config.md "[alarms]"):

- Opening hours are the hall's `[alarms] hours`, else the union of the services' issuing
  `hours`; a window's own scheduled `breaks` are not opening time for it, and neither is
  anything past `[queue] day_end`. Days: the official calendar's working days (or every day,
  `open_days = "every_day"`), never the hall's `[queue] holidays`. A hall that says no hours
  at all gets no window alarms: nobody said when a window must be staffed.
  The minutes of a pause or an empty window count opening time only, and the alarm holds only
  while the window is in opening time: lunch clears it, and it is raised again after lunch if
  the window is still paused or empty past its allowance.
- A bad rating's alarm holds until its case is verified (valid or not) or closed; an
  acknowledgement is a manager's "seen", as for every kind, and clears nothing.
- A device reconnecting (`connecting`), or faulted for less than `[alarms] device_minutes`, is
  held: an open alarm stays open and none is raised, so a restart or a flapping link neither
  clears nor raises one. The devices the hall does not know (`devices=None`) are not judged.
- An alarm's `detail` is as it was when it was raised: the history says what the manager saw.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, tzinfo
from typing import Iterable, NamedTuple, Optional
from zoneinfo import ZoneInfo

from assess.records import ALARM_KINDS, CaseRecord
from hall import cases as case_rules
from hall.errors import HallError
from hall.model import CLOSED, OPEN, PAUSED, RATING_NAMES, SERVING, Alarm, HallConfig
from hall.state import HallState
from hall.workdays import Workdays

KINDS = ALARM_KINDS
# Device states that are a fault (devices/link.py, devices/printer/driver.py); `connecting` is held.
FAULT_STATES = frozenset({"faulted", "offline", "paper_out", "cover_open"})
PENDING_STATES = frozenset({"connecting"})
OPEN_DAYS = ("workdays", "every_day")
NOTE_CHARS = 500


class Condition(NamedTuple):
    """One alarm condition true now. `held`: its truth is not known now (a device reconnecting):
    an open alarm of that kind and subject stays open, and none is raised."""
    kind: str
    subject: str
    detail: dict
    held: bool = False


class DeviceReport(NamedTuple):
    """A device's state as the hall's device manager last heard it (`device_changed`)."""
    device: str
    kind: str
    state: str
    since: Optional[datetime]
    detail: str = ""


class Diff(NamedTuple):
    """The alarms to raise (new records) and to clear (their records with `cleared_at`)."""
    raised: tuple[Alarm, ...]
    cleared: tuple[Alarm, ...]

    @property
    def empty(self) -> bool:
        return not (self.raised or self.cleared)


# -- the rules ---------------------------------------------------------------------

def evaluate(state: HallState, config: HallConfig, now: datetime, *, devices: Optional[Iterable[DeviceReport]] = None,
             cases: Iterable[CaseRecord] = (), workdays: Optional[Workdays] = None) -> list[Condition]:
    """Every alarm condition true at `now`, in the order of KINDS.

    `devices`: the devices' states (None: not known, device alarms are not judged, see
    `judged_kinds`); `cases`: the bad-rating cases not closed; `workdays`: the hall's calendar
    (built from the configuration when None).
    """
    tz = ZoneInfo(config.timezone)
    if workdays is None:
        workdays = Workdays(closed=config.queue.holidays, extra_workdays=config.calendar.extra_workdays,
                            extra_holidays=config.calendar.extra_holidays, tz=tz)
    cases = sorted(cases, key=lambda c: c.case_id)
    found = (_lines(state, config, now, tz) + _overtime(state, config, now, tz)
             + _windows(state, config, now, tz, workdays)
             + (_devices(devices, config, now, tz) if devices is not None else [])
             + _cases(cases, config, now, tz, workdays))
    order = {k: i for i, k in enumerate(KINDS)}
    return sorted(found, key=lambda c: order[c.kind])    # stable: each kind keeps its subjects' order


def judged_kinds(devices_known: bool) -> frozenset:
    """The kinds an evaluation judged: without the devices' states, device alarms are left as they are."""
    return frozenset(KINDS) if devices_known else frozenset(KINDS) - {"device_fault"}


def diff(open_alarms: Iterable[Alarm], conditions: Iterable[Condition], now: datetime, *, next_id: int,
         business_day: date, kinds: Iterable[str] = KINDS) -> Diff:
    """The alarms to raise and to clear at `now`: a condition with no open alarm is raised (ids from
    `next_id`, of `business_day`), an open alarm of a judged kind with no condition is cleared."""
    kinds = frozenset(kinds)
    true_now: dict[tuple[str, str], Condition] = {}
    for c in conditions:
        true_now.setdefault((c.kind, c.subject), c)
    opened = {a.key: a for a in open_alarms if a.is_open}
    cleared = tuple(replace(a, cleared_at=now) for a in sorted(opened.values(), key=lambda a: a.id)
                    if a.kind in kinds and a.key not in true_now)
    raised = []
    for key, c in true_now.items():
        if c.held or key in opened or c.kind not in kinds:
            continue
        raised.append(Alarm(id=next_id, kind=c.kind, subject=c.subject, business_day=business_day, raised_at=now,
                            detail=dict(c.detail)))
        next_id += 1
    return Diff(tuple(raised), cleared)


def acknowledge(alarm: Alarm, by: str, now: datetime, note: Optional[str] = "", tz: Optional[tzinfo] = None) -> Alarm:
    """A manager has seen the alarm: who, when, and a note (at most NOTE_CHARS characters). Once only."""
    if alarm.acknowledged_at is not None:
        at = alarm.acknowledged_at.astimezone(tz) if tz else alarm.acknowledged_at
        raise HallError("alarm_acknowledged",
                        f"这条告警已由 {alarm.acknowledged_by} 于 {at:%Y-%m-%d %H:%M} 确认，无需再次确认。",
                        f"This alarm was acknowledged by {alarm.acknowledged_by} at {at:%Y-%m-%d %H:%M}; "
                        f"it needs no second acknowledgement.")
    if note is None:
        note = ""
    if not isinstance(note, str):
        raise HallError("invalid_field", "备注（note）应为文字。", "Field 'note' must be text.", 400)
    note = note.strip()
    if len(note) > NOTE_CHARS:
        raise HallError("invalid_field", f"备注最多 {NOTE_CHARS} 个字，请删减后再确认。",
                        f"The note is longer than {NOTE_CHARS} characters; shorten it.", 400)
    return replace(alarm, acknowledged_by=by, acknowledged_at=now, note=note)


# -- thresholds and opening hours -------------------------------------------------------

def _own(value: Optional[int], hall: int) -> int:
    """A service's or window's own threshold, else the hall's; 0 raises none."""
    return hall if value is None else value


def service_limit(config: HallConfig, service: str, matter: Optional[str]) -> Optional[int]:
    """The minutes a step of `service` (and `matter`) may be served: the matter's, the service's, the hall's."""
    s = config.service(service)
    m = s.matter(matter) if s and matter else None
    for value in (m.service_limit_minutes if m else None, s.service_limit_minutes if s else None,
                  config.ratings.service_limit_minutes):
        if value is not None:
            return value
    return None


def opening_hours(config: HallConfig) -> tuple[tuple[time, time], ...]:
    """The hall's opening periods of a day: `[alarms] hours`, else the union of the services' hours,
    cut at `[queue] day_end`. Empty: the hall did not say."""
    periods = list(config.alarms.hours) or _merge([p for s in config.services for p in s.hours])
    end = config.queue.day_end
    if end is not None:
        periods = [(a, min(b, end)) for a, b in periods if a < end]
    return tuple(periods)


def is_open_day(config: HallConfig, day: date, workdays: Workdays) -> bool:
    """Whether the hall is open on `day`: never on its own holidays; workdays or every day by `[alarms] open_days`."""
    if day in config.queue.holidays:
        return False
    return config.alarms.open_days == "every_day" or workdays.is_workday(day)


def _secs(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def _merge(periods: list[tuple[time, time]]) -> list[tuple[time, time]]:
    out: list[tuple[time, time]] = []
    for a, b in sorted(periods):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _minus(periods: Iterable[tuple[time, time]], breaks: Iterable[tuple[time, time]]) -> list[tuple[time, time]]:
    """The periods without the breaks."""
    out = list(periods)
    for x, y in breaks:
        rest = []
        for a, b in out:
            if y <= a or x >= b:
                rest.append((a, b))
                continue
            if a < x:
                rest.append((a, x))
            if y < b:
                rest.append((y, b))
        out = rest
    return out


def _open_seconds(periods: Iterable[tuple[time, time]], start: time, end: time) -> int:
    """The seconds of opening time between `start` and `end` of one day."""
    s, e = _secs(start), _secs(end)
    return sum(max(0, min(_secs(b), e) - max(_secs(a), s)) for a, b in periods)


# -- each kind ---------------------------------------------------------------------------

def _iso(dt: Optional[datetime], tz) -> Optional[str]:
    return dt.astimezone(tz).isoformat(timespec="seconds") if dt else None


def _service_names(config: HallConfig, code: str) -> dict:
    s = config.service(code)
    return {"service": code, "service_name": s.name if s else code, "service_name_en": s.name_en if s else code}


def _window_ref(config: HallConfig, wid: Optional[int]) -> dict:
    w = config.window(wid) if wid is not None else None
    fallback = (f"{wid}号窗口", f"Window {wid}") if wid is not None else ("", "")
    return {"id": wid, "name": w.name if w else fallback[0], "name_en": w.name_en if w else fallback[1]}


def _window_names(config: HallConfig, wid: Optional[int]) -> dict:
    ref = _window_ref(config, wid)
    return {"window": wid, "window_name": ref["name"], "window_name_en": ref["name_en"]}


def _status(state: HallState, wid: int) -> str:
    w = state.windows.get(wid)
    return w.status if w else CLOSED


def _lines(state: HallState, config: HallConfig, now: datetime, tz) -> list[Condition]:
    """long_wait and long_queue of each service with tickets waiting."""
    rules = config.alarms
    lines: dict[str, list] = {}
    for t in state.waiting():
        lines.setdefault(t.service, []).append(t)
    codes = [s.code for s in config.services if s.code in lines] + sorted(set(lines) - {s.code for s in config.services})
    out = []
    for code in codes:
        tickets, s = lines[code], config.service(code)
        limit = _own(s.alarm_wait_minutes if s else None, rules.wait_minutes)
        waits = [((now - (t.joined_at or t.issued_at)).total_seconds(), t) for t in tickets]
        over = [(w, t) for w, t in waits if w > limit * 60] if limit else []
        if over:
            longest, t = max(over, key=lambda x: (x[0], -x[1].id))
            out.append(Condition("long_wait", code, {
                **_service_names(config, code), "waiting": len(tickets), "over": len(over),
                "longest_minutes": int(longest // 60), "longest_number": t.number,
                "longest_since": _iso(t.joined_at or t.issued_at, tz), "threshold_minutes": limit}))
        length = _own(s.alarm_queue_length if s else None, rules.queue_length)
        if length and len(tickets) > length:
            own = [w for w in config.windows if code in w.services]
            out.append(Condition("long_queue", code, {
                **_service_names(config, code), "waiting": len(tickets), "threshold": length,
                "open_windows": [w.id for w in own if _status(state, w.id) == OPEN],
                "windows_to_open": [_window_ref(config, w.id) for w in own if _status(state, w.id) != OPEN],
                "helping_windows": [_window_ref(config, w.id) for w in config.windows if code in w.helps]}))
    return out


def _overtime(state: HallState, config: HallConfig, now: datetime, tz) -> list[Condition]:
    """service_overtime of each ticket served past its limit."""
    out = []
    for t in sorted(state.tickets.values(), key=lambda t: t.id):
        if t.status != SERVING or t.started_at is None:
            continue
        matter = t.matter_of(t.service)
        limit = service_limit(config, t.service, matter)
        served = (now - t.started_at).total_seconds()
        if limit is None or served <= limit * 60:
            continue
        s = config.service(t.service)
        m = s.matter(matter) if s and matter else None
        w = state.windows.get(t.window) if t.window is not None else None
        out.append(Condition("service_overtime", str(t.id), {
            "ticket_id": t.id, "number": t.number, **_service_names(config, t.service), "matter": matter,
            "matter_name": m.name if m else None, "matter_name_en": m.name_en if m else None,
            **_window_names(config, t.window), "staff": t.staff, "staff_name": w.staff_name if w else None,
            "started_at": _iso(t.started_at, tz), "minutes": int(served // 60), "limit_minutes": limit}))
    return out


def _windows(state: HallState, config: HallConfig, now: datetime, tz, workdays: Workdays) -> list[Condition]:
    """window_paused and window_unstaffed, in opening hours only."""
    rules = config.alarms
    local = now.astimezone(tz)
    hours = opening_hours(config)
    if (not hours or state.day_closed or local.date() != state.business_day
            or not is_open_day(config, local.date(), workdays)):
        return []
    out = []
    for w in config.windows:
        periods = _minus(hours, w.breaks)
        if not any(a <= local.time() < b for a, b in periods):
            continue
        ws = state.windows.get(w.id)
        status = ws.status if ws else CLOSED
        if status == PAUSED:
            kind, limit = "window_paused", _own(w.alarm_pause_minutes, rules.pause_minutes)
        elif status == CLOSED:
            kind, limit = "window_unstaffed", _own(w.alarm_unstaffed_minutes, rules.unstaffed_minutes)
        else:
            continue
        since = ws.since.astimezone(tz) if ws and ws.since else None
        start = since.time() if since and since.date() == local.date() else time(0)
        minutes = _open_seconds(periods, start, local.time()) / 60
        if not limit or minutes <= limit:
            continue
        detail = {**_window_names(config, w.id), "since": _iso(since, tz), "minutes": int(minutes),
                  "threshold_minutes": limit}
        if kind == "window_paused":
            detail.update(reason=ws.pause_reason, staff=ws.staff, staff_name=ws.staff_name)
        out.append(Condition(kind, str(w.id), detail))
    return out


def _devices(devices: Iterable[DeviceReport], config: HallConfig, now: datetime, tz) -> list[Condition]:
    """device_fault of each device in a fault state; reconnecting or not yet faulted long enough: held."""
    out = []
    for d in sorted(devices, key=lambda d: d.device):
        if d.state in PENDING_STATES:
            out.append(Condition("device_fault", d.device, {}, held=True))
        elif d.state in FAULT_STATES:
            long_enough = d.since is None or (now - d.since).total_seconds() >= config.alarms.device_minutes * 60
            out.append(Condition("device_fault", d.device, {
                "device": d.device, "device_kind": d.kind, "state": d.state, "since": _iso(d.since, tz),
                "device_detail": d.detail or ""}, held=not long_enough))
    return out


def _cases(cases: list[CaseRecord], config: HallConfig, now: datetime, tz, workdays: Workdays) -> list[Condition]:
    """bad_rating of each case waiting for its verification; case_overdue of each case past its deadline."""
    today = now.astimezone(tz).date()
    deadline_days = config.ratings.case_deadline_days
    bad, overdue = [], []
    for c in cases:
        common = {"case": c.case_id, "ticket_id": c.ticket_id, "number": c.number, "step": c.step, "level": c.level,
                  **_window_names(config, c.window), "staff": c.staff, **_service_names(config, c.service)}
        if c.status == "verifying" and c.verified_at is None:
            bad.append(Condition("bad_rating", str(c.case_id), {**common, "opened_at": _iso(c.opened_at, tz)}))
        if case_rules.overdue(c, today, workdays, deadline_days):
            due = case_rules.due(c, workdays, deadline_days)
            overdue.append(Condition("case_overdue", str(c.case_id), {**common, "status": c.status,
                                                                       "due": due.isoformat()}))
    return bad + overdue


# -- what a manager reads ------------------------------------------------------------------

_PAUSE_ZH = {"break": "休息", "meeting": "会议", "helping": "协助群众", "other": "其他"}
_DEVICE_ZH = {"printer": "取号打印机", "voice": "语音播报", "led": "LED 屏", "keypad": "呼叫器", "rater": "评价器",
              "wireless": "无线接收器"}
_STATE_ZH = {"faulted": "故障", "offline": "离线", "paper_out": "缺纸", "cover_open": "机盖打开"}
_STATE_EN = {"faulted": "faulted", "offline": "offline", "paper_out": "out of paper", "cover_open": "open (cover)"}
_LEVEL_EN = {"dissatisfied": "dissatisfied", "very_dissatisfied": "very dissatisfied"}


def _halves(text: str) -> tuple[str, str]:
    """A device's sentence "中文 / English" as its two halves (an OS error is both)."""
    zh, sep, en = (text or "").partition(" / ")
    return (zh, en) if sep else (text or "", text or "")


def _names(refs: list[dict], key: str, sep: str) -> str:
    return sep.join(r[key] for r in refs)


def message(alarm: Alarm) -> tuple[str, str]:
    """The sentence a manager reads, in Chinese and in English, from the alarm's kind and detail."""
    d, k = alarm.detail, alarm.kind
    if k == "long_wait":
        return (f"{d['service_name']}有 {d['over']} 人等候超过 {d['threshold_minutes']} 分钟，"
                f"最长的 {d['longest_number']} 已等 {d['longest_minutes']} 分钟。",
                f"{d['service_name_en']}: {d['over']} waiting over {d['threshold_minutes']} minutes; "
                f"{d['longest_number']} has waited {d['longest_minutes']} minutes.")
    if k == "long_queue":
        zh, en = [], []
        if d["windows_to_open"]:
            zh.append(f"增开{_names(d['windows_to_open'], 'name', '、')}")
            en.append(f"open {_names(d['windows_to_open'], 'name_en', ', ')}")
        if d["helping_windows"]:
            zh.append(f"由{_names(d['helping_windows'], 'name', '、')}跨窗通办")
            en.append(f"let {_names(d['helping_windows'], 'name_en', ', ')} call it (cross-window service)")
        advice_zh = f"建议{'，或'.join(zh)}。" if zh else "建议增派人员或调配窗口办理。"
        advice_en = " or ".join(en)
        advice_en = advice_en[0].upper() + advice_en[1:] + "." if en else "Send more staff or give the line another window."
        return (f"{d['service_name']}排队 {d['waiting']} 人，超过 {d['threshold']} 人。{advice_zh}",
                f"{d['service_name_en']}: {d['waiting']} waiting, over {d['threshold']}. {advice_en}")
    if k == "service_overtime":
        what_zh = d.get("matter_name") or d["service_name"]
        what_en = d.get("matter_name_en") or d["service_name_en"]
        return (f"{d['window_name']}办理 {d['number']}（{what_zh}）已 {d['minutes']} 分钟，超过时限 {d['limit_minutes']} 分钟。",
                f"{d['window_name_en']}: {d['number']} ({what_en}) has been served {d['minutes']} minutes, "
                f"over its limit of {d['limit_minutes']}.")
    if k == "window_paused":
        reason = d.get("reason") or "other"
        return (f"{d['window_name']}暂停（{_PAUSE_ZH.get(reason, reason)}）已 {d['minutes']} 分钟，"
                f"超过允许的 {d['threshold_minutes']} 分钟。",
                f"{d['window_name_en']} has been paused ({reason}) for {d['minutes']} minutes of opening time, "
                f"over the {d['threshold_minutes']} allowed.")
    if k == "window_unstaffed":
        return (f"{d['window_name']}无人上岗已 {d['minutes']} 分钟（开放时间内允许 {d['threshold_minutes']} 分钟），请安排人员。",
                f"Nobody has been signed in at {d['window_name_en']} for {d['minutes']} minutes of opening time "
                f"(allowed: {d['threshold_minutes']}); send someone to it.")
    if k == "device_fault":
        zh, en = _halves(d.get("device_detail", ""))
        kind = d.get("device_kind", "")
        return (f"设备 {d['device']}（{_DEVICE_ZH.get(kind, kind)}）{_STATE_ZH.get(d['state'], d['state'])}"
                + (f"：{zh}" if zh else "") + "。",
                f"Device {d['device']} ({kind}) is {_STATE_EN.get(d['state'], d['state'])}" + (f": {en}" if en else "")
                + ".")
    if k == "bad_rating":
        return (f"{d['window_name']}收到差评（{RATING_NAMES.get(d['level'], d['level'])}）：{d['number']}，"
                f"{d['service_name']}。请核实。",
                f"{d['window_name_en']} received a bad rating ({_LEVEL_EN.get(d['level'], d['level'])}): "
                f"{d['number']}, {d['service_name_en']}. Verify it.")
    if k == "case_overdue":
        return (f"{d['window_name']} {d['number']} 的差评已过整改期限 {d['due']}，请尽快整改。",
                f"The bad rating of {d['number']} at {d['window_name_en']} is past its deadline {d['due']}; "
                f"rectify it.")
    return (k, k)


def alarm_json(alarm: Alarm, tz) -> dict:
    """An alarm as the API, the events and the board see it."""
    zh, en = message(alarm)
    return {"id": alarm.id, "kind": alarm.kind, "subject": alarm.subject,
            "business_day": alarm.business_day.isoformat(), "raised_at": _iso(alarm.raised_at, tz),
            "detail": dict(alarm.detail), "message": zh, "message_en": en, "acknowledged_by": alarm.acknowledged_by,
            "acknowledged_at": _iso(alarm.acknowledged_at, tz), "note": alarm.note,
            "cleared_at": _iso(alarm.cleared_at, tz)}
