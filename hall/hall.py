"""The hall: one entry point for every action, whoever asks.

The counter page, the keypads, the raters and the CLI all call these
methods. Each runs the engine under one lock, commits the result, applies it
to memory, and only then publishes its events — so nothing is told before it
is stored, and numbers are unique however many kiosks issue at once.
"""
from __future__ import annotations

import bisect
import dataclasses
import secrets
import threading
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Callable, Optional

from hall import estimate, idnumber, policy
from hall.bus import Bus
from hall.clock import system_now
from hall.engine import Engine, case_event
from hall.state import Change, apply
from hall.errors import HallError
from hall.model import CLOSED, FINISHED, WAITING, Appointment, HallConfig, Ticket
from hall.serialize import Serializer
from hall.store import Store


DEFAULT_RATING_TIMEOUT = 30.0   # seconds, as devices/rater/driver.py
UNRATED_GRACE_SECONDS = 5.0
_NO_ORDER = MappingProxyType({})   # no forecast order to count people ahead by (one object, so it caches)


def _rater_entries(devices: dict) -> list[dict]:
    entries = (devices or {}).get("rater", [])
    entries = [entries] if isinstance(entries, dict) else entries
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


class Hall:
    def __init__(self, config: HallConfig, store: Store, bus: Optional[Bus] = None,
                 clock: Callable[[], datetime] = system_now, id_key: bytes = b"hallq",
                 forecast_every: Optional[float] = None):
        """`forecast_every` (seconds): work the forecast out in the background at most this often and
        let readers take the latest one (the server); None: work it out for every reader of a new
        state (tests, the CLI), so that a reader always sees the forecast of the state it read."""
        self.config = config
        self.forecast_every = forecast_every
        self._forecast_wanted = threading.Event()
        self._lines_cache: tuple = (None, None, None, {})   # (state, seq, order, service -> line)
        self.id_key = id_key
        self.devices = None  # the DeviceManager, when the app attached one
        self._done: tuple = (None, [], [])          # (today's tickets dict, the keys, estimate.finished of it)
        self._outlook_cache: tuple = (None, None)    # (day, minute, config, history, pauses) -> outlook
        self._forecast_cache: tuple = (None, None)   # (seq, minute) -> forecast; the clock moves it too
        self._pauses: tuple = (None, [], {})       # (business day, today's ended pauses, window -> began): the estimate's
        self._history: tuple = (None, None)        # (business day, estimate.History of recent weeks)
        self.store = store
        self.bus = bus or Bus()
        self.clock = clock
        # The engine and the serializer read the configuration in force (self.config) at each use:
        # a new version (apply_config) needs nothing rebuilt.
        self.engine = Engine(lambda: self.config)
        self.ser = Serializer(lambda: self.config)
        self._lock = threading.RLock()
        self._config_lock = threading.Lock()   # one configuration change at a time, devices included
        self._forecast_lock = threading.Lock()
        self.state = store.load_state(self.engine.business_day(clock()))
        latest = store.config_version()
        if latest is None:   # a new hall: its configuration is version 1 (hall/configs.py)
            from config.writer import dump_toml
            from hall.configs import SEED_USER
            store.seed_config(dump_toml(config), clock(), SEED_USER, config.source)
            latest = store.config_version()
        self.config_version = latest["version"]   # the stored version in force
        self.config = self._with_retired_services(config)
        # Windows with a rater: window -> (rating_timeout seconds, rater id). From the hall file
        # now, so that the first tick after a restart already knows them; the device manager
        # tells the rest (the demo's simulators) through watch_rater.
        self.raters: dict[int, tuple[float, Optional[str]]] = {}
        self._unrated_due: dict[int, datetime] = {}   # finished, not yet rated: ticket id -> when unrated
        self._alarms_due = False   # a change the alarms should be judged after at once (a bad rating, a device)
        for entry in _rater_entries(config.devices):
            self.watch_rater(entry.get("window"), entry.get("rating_timeout", DEFAULT_RATING_TIMEOUT), entry.get("id"))
        self._roll()

    # -- the mechanism ---------------------------------------------------------

    def _now(self) -> datetime:
        """The time an action happens at, to the second: what the event log carries (hall/serialize.py),
        so that the figures rebuilt from the log equal the hall's own (assess/replay.py)."""
        return self.clock().replace(microsecond=0)

    def _run(self, action: Callable[..., Change], *args, **kwargs):
        with self._lock:
            now = self._now()
            self._housekeeping(now)
            change = action(self.state, *args, now, **kwargs)
            self._commit(change)
            if self._alarms_due:
                self._commit_alarms_safely(now)
        # Durable before the answer, outside the lock: the actions of other kiosks and windows
        # commit meanwhile, and one fsync makes them all durable (group commit, Store.sync).
        self.store.sync()
        return change.result

    def _housekeeping(self, now: datetime) -> None:
        """What the clock alone changes: a new business day, the day end, missed appointments,
        finished tickets nobody rated in time."""
        if self.engine.business_day(now) > self.state.business_day:
            self._commit_missed(now, day_over=True)
            self._commit_unrated(now, day_over=True)
            self._commit(self.engine.roll_day(self.state, now))
        self._commit(self.engine.close_day(self.state, now))
        self._commit_missed(now, day_over=self.state.day_closed)
        # Not at the day's close: a ticket served past closing time still gets its rating time.
        self._commit_unrated(now, day_over=False)

    def watch_rater(self, window_id, rating_timeout, device: Optional[str] = None) -> None:
        """Window `window_id` has a rater: its finished tickets end rated or, `rating_timeout`
        seconds after finishing, unrated — decided here from the stored tickets and ratings,
        so a crash or restart cannot lose an "unrated" the rater's memory held."""
        if not isinstance(window_id, int) or not isinstance(rating_timeout, (int, float)):
            return  # a bad entry is the device loader's sentence, not the hall's
        with self._lock:
            self.raters[window_id] = (float(rating_timeout), device)
            for t in self.state.tickets.values():
                self._expect_rating(t)

    def unwatch_rater(self, window_id, device: Optional[str] = None) -> None:
        """Window `window_id` has no rater any more (a new configuration removed it). Tickets it
        finished before still get their "unrated" record when their rating time passes."""
        with self._lock:
            if window_id in self.raters and device in (None, self.raters[window_id][1]):
                del self.raters[window_id]

    def _expect_rating(self, t: Ticket) -> None:
        rater = self.raters.get(t.window) if t.window is not None else None
        if (rater is None or t.status != FINISHED or (t.id, len(t.steps)) in self.state.rated
                or t.finished_at is None):
            self._unrated_due.pop(t.id, None)
            return
        # A grace after the rater's own timeout: the rater, armed a moment after the finish,
        # records its press or its timeout first; the hall is there for what it could not.
        self._unrated_due[t.id] = t.finished_at + timedelta(seconds=rater[0] + UNRATED_GRACE_SECONDS)

    def _commit_unrated(self, now: datetime, day_over: bool) -> None:
        """One "unrated" record for each finished ticket whose rating time passed with no rating."""
        due = [tid for tid, at in self._unrated_due.items() if day_over or at <= now]
        if not due:
            return
        change = Change()
        for tid in sorted(due):
            self._unrated_due.pop(tid, None)
            t = self.state.tickets.get(tid)
            if t is None or t.status != FINISHED or (tid, len(t.steps)) in self.state.rated:
                continue
            _, device = self.raters.get(t.window, (0, None))
            change = change.then(self.engine.rate(self.state, tid, t.window, None, "rater", device, now,
                                                  step=len(t.steps)))
        self._commit(change)

    def tick(self) -> None:
        """Run the clock's changes now, the alarm rules included; the app calls this every few seconds."""
        with self._lock:
            now = self._now()
            self._housekeeping(now)
            self._commit_alarms(now)
        self.store.sync()

    def purge_personal_data(self, by: str = "system") -> dict[str, int]:
        """Clear the personal data older than `[privacy] keep_days` (hall/privacy.py); the figures stay.
        Old days only, never today's: the store's own transactions, not under the hall's lock."""
        from hall import privacy
        now = self.clock()
        return privacy.purge(self.store, self.config, self.engine.business_day(now), now, by)

    def close_windows_of_removed_accounts(self) -> list[int]:
        """Windows left open by an account removed since (`hallq user remove`) are closed, so no
        estimate counts on them; a ticket at one stays with the window, as at any sign-out."""
        with self._lock:
            held = [(w.id, w.staff) for w in self.state.windows.values() if w.status != CLOSED and w.staff]
        gone = [wid for wid, staff in held if self.store.get_user(staff) is None]
        for wid in gone:
            self.close_window(wid)
        return gone

    def start_ticker(self, interval: float = 10.0, accounts: bool = False, purge: bool = False) -> threading.Event:
        """Call `tick` every `interval` seconds on a thread of its own; set the returned event to stop.

        With `accounts` (the app, where windows are opened by accounts), also close the windows of
        removed accounts; with `purge` (the app), clear old personal data once a business day.
        """
        import logging
        stop = threading.Event()
        purged_on = [None]   # the business day the last purge ran on

        def run():
            while not stop.wait(interval):
                try:
                    self.tick()
                    if accounts:
                        self.close_windows_of_removed_accounts()
                    if purge and purged_on[0] != self.state.business_day:
                        purged_on[0] = self.state.business_day
                        self.purge_personal_data()
                except Exception:  # a failed tick is retried at the next one
                    logging.getLogger(__name__).exception("hall tick failed")
        threading.Thread(target=run, name="hall-ticker", daemon=True).start()
        return stop

    def _commit_missed(self, now: datetime, day_over: bool) -> None:
        """Appointments nobody checked in for: missed once check-in can no longer happen."""
        rules = self.config.appointments
        day = self.state.business_day
        local = now.astimezone(self.engine.tz).replace(tzinfo=None)
        missed = [a for a in self.store.appointments_of_day(day) if a.status == "booked" and (
            day_over or (not rules.late_becomes_ordinary and
                         local > datetime.combine(a.day, a.slot_end) + timedelta(minutes=rules.checkin_after_minutes)))]
        if not missed:
            return
        since = day - timedelta(days=rules.block_window_days)
        earlier = {a.id_hash: self.store.missed_appointments(a.id_hash, since) for a in missed if a.id_hash}
        self._commit(self.engine.miss_appointments(self.state, missed, earlier, now))

    def _commit(self, change: Change) -> None:
        if change.empty:
            return
        fresh = {t.id: t for t in change.tickets}

        def lookup(tid):
            return fresh.get(tid) or self.state.tickets.get(tid)

        payloads = [self.ser.event(e, lookup) for e in change.events]
        # A bad rating (its case), a case's step, a device's state and a window opened, paused or closed
        # are judged at once; the rest (waits, lines, time limits) at the next tick.
        if change.cases or any(e.name == "device_changed" for e in change.events) or any(
                w.status != self.state.windows.get(w.id, w).status or w.id not in self.state.windows
                for w in change.windows):
            self._alarms_due = True
        seqs = self.store.commit(change, payloads, self.state.business_day, sync=False)
        self._note_pauses(change)
        before = {t.id: self.state.tickets.get(t.id) for t in change.tickets}
        apply(self.state, change)
        self._note_finished(before)
        minute = self._outlook_cache[0][1] if self._outlook_cache[0] is not None else None
        if minute is not None and any(e.at <= minute for e in change.events):
            self._outlook_cache = (None, None)   # it happened at the minute's start: the outlook counts it
        if self.raters:
            for t in change.tickets:
                self._expect_rating(self.state.tickets.get(t.id, t))
            for r in change.ratings:
                self._unrated_due.pop(r.ticket_id, None)
        for payload, seq in zip(payloads, seqs):
            payload["seq"] = seq
            self.state.last_seq = seq
            self.bus.publish(payload)

    def _roll(self) -> None:
        self.tick()

    # -- what the estimate learns of this hall's pauses ---------------------------------

    def _note_pauses(self, change: Change) -> None:
        """Keep today's pauses (began, ended) for the estimate as windows pause and resume."""
        day, ended, began = self._today_pauses()
        for w in change.windows:
            old = self.state.windows.get(w.id)
            was = old is not None and old.status == "paused"
            if w.status == "paused" and not was:
                began[w.id] = w.since or self.clock()
            elif was and w.status != "paused" and w.id in began:
                at = began.pop(w.id)
                if w.status == "open":     # a clerk who signs out while paused is not back: no length learned
                    ended.append(estimate.pause_of(self.config, w.id, at, w.since or self.clock()))

    def _today_pauses(self) -> tuple:
        """Today's pauses, read from the day's log once (after a restart too), then kept as they come."""
        day = self.state.business_day
        if self._pauses[0] != day:
            self._pauses = (day, *self._pauses_of(day))
        return self._pauses

    def _pauses_of(self, day) -> tuple[list, dict]:
        return estimate.pauses_from(self.config, self.store.window_changes_of_day(day))

    def _history_of(self, day, off_loop: bool = False) -> estimate.History:
        """The same weekday of the last four weeks (read once a business day): the estimate's prior.
        `off_loop`: read in the "forecast" helper process (the server), not on the loop."""
        if self._history[0] != day:
            from hall.store import read_history
            path = self.store.path
            if path == ":memory:" or path.startswith("file:"):
                history = estimate.History()
            elif off_loop:
                from hall.offloop import run_off_loop
                history = run_off_loop(read_history, path, self.config, day)
            else:
                history = read_history(path, self.config, day)
            self._history = (day, history)
        return self._history[1]

    # -- electronic supervision (电子监察) ------------------------------------------------

    def _commit_alarms(self, now: datetime) -> None:
        """Judge the alarm rules (hall/alarms.py) now: raise what became true, clear what ended."""
        from hall import alarms
        from hall.events import Event
        self._alarms_due = False
        devices = self._device_reports()
        conditions = alarms.evaluate(self.state, self.config, now, devices=devices, cases=self.store.open_cases(),
                                     workdays=self.workdays)
        d = alarms.diff(self.state.alarms.values(), conditions, now, next_id=self.state.next_alarm_id,
                        business_day=self.state.business_day, kinds=alarms.judged_kinds(devices is not None))
        if d.empty:
            return
        tz = self.engine.tz
        events = tuple([Event("alarm_cleared", now, data={"alarm": alarms.alarm_json(a, tz)}) for a in d.cleared]
                       + [Event("alarm_raised", now, data={"alarm": alarms.alarm_json(a, tz)}) for a in d.raised])
        self._commit(Change(alarms=d.cleared + d.raised, events=events))

    def _commit_alarms_safely(self, now: datetime) -> None:
        """After an action: the action is committed already, so a fault of the rules is logged, not
        handed to its caller; the next tick judges them again."""
        import logging
        try:
            self._commit_alarms(now)
        except Exception:
            logging.getLogger(__name__).exception("the alarm rules failed")

    def _device_reports(self):
        """The devices' states as the device manager last heard them; None without one (not known)."""
        if self.devices is None:
            return None
        from hall.alarms import DeviceReport
        return [DeviceReport(d["device"], d["kind"], d["state"],
                             datetime.fromisoformat(d["since"]) if d.get("since") else None, d.get("detail") or "")
                for d in self.devices.snapshot()]

    def alarm_json(self, alarm) -> dict:
        from hall.alarms import alarm_json
        return alarm_json(alarm, self.engine.tz)

    def open_alarms(self) -> list[dict]:
        """The open alarms, newest first: what the board's snapshot lists."""
        with self._lock:
            found = sorted(self.state.alarms.values(), key=lambda a: (a.raised_at, a.id), reverse=True)
        return [self.alarm_json(a) for a in found]

    def acknowledge_alarm(self, alarm_id: int, by: dict, note: Optional[str] = ""):
        """A manager (or admin) `by` ({username, role}) has seen alarm `alarm_id`: who, when and a note
        are recorded, with an `alarm_acknowledged` event. Once only; an alarm cleared since may still be
        acknowledged (the figures count how long acknowledging took). Returns the Alarm."""
        from hall import alarms, auth
        from hall.events import Event
        if auth._RANK.get(by.get("role"), -1) < auth._RANK["manager"]:
            raise HallError("forbidden", "只有管理人员可以确认告警。", "Only a manager may acknowledge an alarm.", 403)
        tz = self.engine.tz

        def act(state, now):
            alarm = state.alarms.get(alarm_id) or self.store.alarm(alarm_id)
            if alarm is None:
                raise HallError("unknown_alarm", "找不到这条告警，请刷新页面。", f"There is no alarm {alarm_id}.", 404)
            seen = alarms.acknowledge(alarm, by["username"], now, note, tz)
            return Change(alarms=(seen,), events=(Event("alarm_acknowledged", now,
                                                        data={"alarm": alarms.alarm_json(seen, tz)}),), result=seen)
        return self._run(act)

    # -- actions ---------------------------------------------------------------

    def issue_ticket(self, service: str, *, priority: Optional[str] = None, matter: Optional[str] = None,
                     id_number: Optional[str] = None) -> Ticket:
        """Issue a ticket; `id_number` (real-name) is checked and kept only as a keyed hash and a mask."""
        id_hash, id_masked = self._identify(id_number)
        return self._run(self.engine.issue_ticket, service, token=secrets.token_urlsafe(12), priority=priority,
                         matter=matter, id_hash=id_hash, id_masked=id_masked)

    def check_in(self, code: Optional[str] = None, id_number: Optional[str] = None) -> tuple[Ticket, bool]:
        """An appointment holder checks in by appointment code or ID number.

        Returns the ticket and whether it keeps the appointment's priority
        (False: checked in late and made an ordinary ticket).
        """
        if not code and not id_number:
            raise HallError("appointment_not_found", "请输入预约码或刷身份证。", "Enter the appointment code or ID number.", 400)
        id_hash = self._identify(id_number)[0] if id_number else None
        with self._lock:
            appt = self.store.find_appointment(self.state.business_day, code=code.strip().upper() if code else None,
                                               id_hash=id_hash)
            if appt is None:
                raise HallError("appointment_not_found", "没有找到今天的这个预约，请核对预约码或身份证号。",
                                "No appointment for today matches; check the code or ID number.", 404)
            return self._run(self.engine.check_in, appt, token=secrets.token_urlsafe(12))

    def add_appointments(self, rows: list[dict]) -> list[Appointment]:
        """Validate appointment rows ({code, service, date, slot, name, id_number}) and store them all or none."""
        from hall.appointments import parse_rows
        appts = parse_rows(rows, self.config, self.id_key)
        try:
            self.store.add_appointments(appts, self.clock())
        except Exception as exc:  # sqlite3.IntegrityError: a code already exists
            if "UNIQUE" not in str(exc):
                raise
            raise HallError("duplicate_appointment", "预约码已存在，未导入任何预约；请检查重复的预约码。",
                            "An appointment code already exists; nothing was imported.") from None
        return appts

    def record_print(self, ticket_id: int, status: str, reason: Optional[str], reprint: bool = False) -> Ticket:
        return self._run(self.engine.record_print, ticket_id, status, reason, reprint)

    def device_changed(self, device: str, kind: str, state: str, detail: str) -> None:
        self._run(self.engine.device_changed, device, kind, state, detail)

    def ticket_by_number(self, number: str) -> Ticket:
        with self._lock:
            return self.engine._ticket_by_number(self.state, number)

    def mark_priority(self, number: str, category: str) -> Ticket:
        return self._run(self.engine.mark_priority, number, category)

    def rejoin(self, number: str) -> Ticket:
        return self._run(self.engine.rejoin, number)

    def transfer(self, window_id: int, service: str, target_window: Optional[int] = None) -> Ticket:
        return self._run(self.engine.transfer, window_id, service, target_window)

    def _identify(self, id_number: Optional[str]) -> tuple[Optional[str], Optional[str]]:
        if id_number is None or id_number == "":
            return None, None
        wrong = idnumber.explain(id_number) if isinstance(id_number, str) else idnumber.explain("")
        if wrong:
            raise HallError("invalid_id_number", *wrong, 400)
        return idnumber.keyed_hash(id_number, self.id_key), idnumber.mask(id_number)

    def cancel(self, number: str) -> Ticket:
        return self._run(self.engine.cancel, number)

    def open_window(self, window_id: int, staff: str, staff_name: str):
        return self._run(self.engine.open_window, window_id, staff, staff_name)

    def close_window(self, window_id: int):
        return self._run(self.engine.close_window, window_id)

    def call_next(self, window_id: int) -> Ticket:
        return self._run(self.engine.call_next, window_id)

    def call(self, window_id: int, number: str) -> Ticket:
        return self._run(self.engine.call, window_id, number)

    def recall(self, window_id: int) -> Ticket:
        return self._run(self.engine.recall, window_id)

    def no_show(self, window_id: int) -> Ticket:
        return self._run(self.engine.no_show, window_id)

    def start(self, window_id: int) -> Ticket:
        return self._run(self.engine.start, window_id)

    def finish(self, window_id: int) -> Ticket:
        return self._run(self.engine.finish, window_id)

    def pause(self, window_id: int, reason: str):
        return self._run(self.engine.pause, window_id, reason)

    def resume(self, window_id: int):
        return self._run(self.engine.resume, window_id)

    def record_rating(self, ticket_id: int, window_id: Optional[int], staff: Optional[str], level: Optional[str],
                      channel: str = "rater", device: Optional[str] = None, *, step: Optional[int] = None,
                      reasons=(), comment: str = ""):
        """A citizen rates a served step at a window's rater or tablet (`window_id`), or on the phone
        (`window_id` None). `staff` is what the device believed; the rating goes to whoever served
        the step. A bad rating opens a case in the same transaction."""
        return self._run(self.engine.rate, ticket_id, window_id, level, channel, device, step=step,
                         reasons=reasons, comment=comment)

    def record_unrated(self, ticket_id: int, window_id: int, staff: Optional[str], device: Optional[str] = None):
        """The citizen did not rate in time: kept as its own figure, never counted as satisfied."""
        return self._run(self.engine.rate, ticket_id, window_id, None, "rater", device)

    def rate_by_token(self, token: str, level: str, *, step: Optional[int] = None, reasons=(), comment: str = ""):
        """The phone page /t/<token> rates its ticket's served step, today or within the hall's
        phone time (RatingRules.phone_hours) on a later day."""
        with self._lock:
            # The clock first: past midnight, the ticket is of an earlier day even before the ticker says so.
            self._housekeeping(self._now())
            t = self.ticket_by_token(token)
            if t is None:
                raise HallError("unknown_ticket", "找不到这张号，请核对二维码或链接。",
                                "No ticket has this link; check the QR code or the address.", 404)
            if t.business_day == self.state.business_day:
                return self._run(self.engine.rate, t.id, None, level, "phone", None, step=step, reasons=reasons,
                                 comment=comment)
            existing = self.store.rating_of_step(t.id, step) if step is not None else None
            if step is None:
                from hall.ratings import served_steps
                served = served_steps(t)
                existing = self.store.rating_of_step(t.id, served[-1].step) if served else None
            return self._run(self.engine.rate, t.id, None, level, "phone", None, step=step, reasons=reasons,
                             comment=comment, ticket=t, existing=existing)


    # -- bad-rating cases ------------------------------------------------------

    def case_action(self, case_id: int, action: str, by: dict, **words):
        """A step of a bad-rating case (hall/cases.py) by the signed-in `by` ({username, role}),
        committed with its event and, for an upheld appeal, the rating's exclusion."""
        from hall import auth, cases
        if action not in cases.ACTION_ROLES:
            raise HallError("invalid_field", f"没有“{action}”这一步。",
                            f"Unknown case action {action!r}; one of {', '.join(cases.ACTION_ROLES)}.", 400)
        if auth._RANK.get(by.get("role"), -1) < auth._RANK[cases.ACTION_ROLES[action]]:
            raise HallError("forbidden", "您的账号不能办理这一步。", "Your account may not take this step of a case.", 403)
        with self._lock:
            case = self.store.case(case_id)
            if case is None:
                raise HallError("unknown_case", "找不到这件差评。", f"No case {case_id}.", 404)
            fn = getattr(cases, action)
            extra = {"workdays": self.workdays, "deadline_days": self.config.ratings.case_deadline_days} \
                if action == "rectify" else {}

            def act(state, now):
                step = fn(case, by["username"], now, **words, **extra)
                return Change(cases=(step.case,), events=(case_event(step.event, step.case),),
                              exclusions=(step.exclude,) if step.exclude else (), result=step.case)
            return self._run(act)

    # -- star ratings ------------------------------------------------------------

    def enter_stars(self, month: str, by: dict, self_assessment: Optional[dict] = None,
                    inspection: Optional[dict] = None):
        """A month's star-rating inputs (星级考评) for this hall, by the signed-in `by` ({username,
        role}: an assessor, a manager or an admin): the self-assessment {aspect: 0..100} and the
        inspections {"score": 0..100, "findings": [...]}. Entered again, they replace the month's;
        each entry is a `stars_entered` event. Returns the StarInputs stored."""
        from hall import auth
        from assess.stars import Inspection, StarInputs, month_score
        if by.get("role") not in auth.ASSESSMENT_ROLES:
            raise HallError("forbidden", "只有考评员或管理人员可以录入星级考评。",
                            "Only an assessor or a manager may enter the star rating.", 403)
        if inspection is not None:
            if not isinstance(inspection, dict) or not isinstance(inspection.get("findings", []), list) \
                    or not all(isinstance(f, str) for f in inspection.get("findings", [])):
                raise HallError("invalid_field", "明察暗访结果应为分数（score）和发现的问题（findings，文字列表）。",
                                "inspection must be {\"score\": 0..100, \"findings\": [text, ...]}.", 400)
            inspection = Inspection(inspection.get("score"), tuple(f.strip() for f in inspection.get("findings", [])
                                                                   if f.strip()))
        if self_assessment is not None and not isinstance(self_assessment, dict):
            raise HallError("invalid_field", "月度自评应为五个方面各自的分数。",
                            "self_assessment must map each aspect to a score from 0 to 100.", 400)
        inputs = StarInputs(month, self_assessment, inspection)
        try:
            month_score(inputs, None)       # the rules' own checks: the month, the aspects, 0..100
        except ValueError as exc:
            raise HallError("invalid_field", f"星级考评录入有误：{exc}。", f"The star-rating inputs are wrong: {exc}.",
                            400) from None
        from hall.events import Event
        from hall.state import StarEntry
        from hall.store import star_inputs_to_json
        code = self.config.code

        def act(state, now):
            data = {"hall": code, "month": month, "inputs": star_inputs_to_json(inputs), "by": by["username"]}
            return Change(star_months=(StarEntry(code, inputs, by["username"], now),),
                          events=(Event("stars_entered", now, data=data),), result=inputs)
        return self._run(act)

    @property
    def workdays(self):
        """The working-day calendar of the configuration in force."""
        from hall.workdays import Workdays
        config = self.config
        cached = getattr(self, "_workdays", None)
        if cached is None or cached[0] is not config:
            cal = config.calendar
            self._workdays = cached = (config, Workdays(closed=config.queue.holidays, extra_workdays=cal.extra_workdays,
                                                        extra_holidays=cal.extra_holidays, tz=self.engine.tz))
        return cached[1]

    # -- the configuration -------------------------------------------------------

    def apply_config(self, new: HallConfig, by: str, note: str = "", source: str = "browser") -> dict:
        """Put a new configuration version in effect now, while the hall serves (hall/reconfigure.py
        says what it keeps and what it refuses). `new` has passed the loader's checks; its devices
        are checked here, then the version, its `config_changed` event and an audit row (before and
        after of each section changed) are committed in one transaction, every reader sees it from
        the next use, and the devices whose settings changed are rebuilt. `by`: who (a username);
        `source`: browser, import or seed. Returns {version, changed}: changed [] when nothing
        differs from the version in force (then nothing is stored)."""
        from config.loader import parse_data
        from config.writer import config_data, config_json, dump_toml, sections_changed
        from hall import reconfigure
        from hall.devices import build_devices
        from hall.events import Event
        from hall.store import _audit, put_config_version
        # Through the loader's own checks, whoever built it: a version stored must read back.
        new = dataclasses.replace(parse_data(config_data(new), source=new.source), source=new.source)
        with self._config_lock:
            if self.devices is None or self.devices.override is None:
                build_devices(self, new.devices, getattr(self.devices, "data_dir", None) or ".", dry_run=True)
            with self._lock:
                now = self._now()
                self._housekeeping(now)
                old = self.config
                running = reconfigure.running_config(new, old, self.state.tickets.values(), self.state.windows)
                changed = sections_changed(old, running)
                if not changed:
                    return {"version": self.config_version, "changed": []}
                version = (self.store.config_version() or {"version": 0})["version"] + 1
                before, after = config_json(old), config_json(running)
                text = dump_toml(running)
                event = Event("config_changed", now, data={"version": version, "by": by, "note": note or "",
                                                           "source": source, "changed": changed})
                payload = self.ser.event(event, self.state.tickets.get)

                def also(conn):
                    put_config_version(conn, version, now, by, source, text, note)
                    _audit(conn, now, by, "config_changed", f"version {version}: {', '.join(changed)}",
                           {k: before.get(k) for k in changed}, {k: after.get(k) for k in changed})
                change = Change(events=(event,))
                seq = self.store.commit(change, [payload], self.state.business_day, also)[0]
                apply(self.state, change)
                self.config, self.config_version = running, version
                if self.devices is None:
                    self.raters.clear()
                    for entry in _rater_entries(running.devices):
                        self.watch_rater(entry.get("window"), entry.get("rating_timeout", DEFAULT_RATING_TIMEOUT),
                                         entry.get("id"))
                payload["seq"] = self.state.last_seq = seq
                self.bus.publish(payload)
                # Thresholds, hours and windows in force from now: the alarm rules judge them at once.
                self._commit_alarms_safely(now)
            self.store.sync()
            if self.devices is not None and "devices" in changed:
                # Outside the hall's lock: a driver stopping may be reporting its state through it.
                self.devices.reconfigure(running.devices)
            return {"version": version, "changed": changed}

    def _with_retired_services(self, config: HallConfig) -> HallConfig:
        """At start: a service an earlier version had and the stored one removed while its tickets were
        open today stays retired until they are served (hall/reconfigure.py), found in that version."""
        from hall import configs, reconfigure
        tickets = [t for t in self.state.tickets.values() if t.is_open]
        missing = {t.service for t in tickets} - {s.code for s in config.services}
        for row in self.store.config_versions() if missing else ():
            old = configs.load(self.store.config_version(row["version"]))
            if missing & {s.code for s in old.services}:
                config = reconfigure.with_retired(config, old, tickets, strict=False)
                missing -= {s.code for s in config.services}
            if not missing:
                break
        return config

    # -- reading ---------------------------------------------------------------

    def ticket_json(self, t: Ticket) -> dict:
        return self.ser.ticket(t)

    def window_json(self, window_id: int) -> dict:
        with self._lock:
            w = self.engine._window(self.state, window_id)
            return self.ser.window(w, self.state.tickets.get)

    # The estimate's readers take the forecast before the hall's lock: it is worked out without
    # the lock (see _forecast), so a call or a ticket never waits for one.

    def ahead_of(self, t: Ticket) -> int:
        """How many tickets of the same service will be called before this one."""
        order = self._order_now()
        with self._lock:
            t = self.state.tickets.get(t.id, t)
            if t.status != WAITING:
                return 0
            return self._ahead(t, self._lines_of(order)(t.service), order)

    @staticmethod
    def _ahead(t: Ticket, line: tuple[list, list], order) -> int:
        """People ahead of waiting `t` in its line (`_lines_of`): by the forecast's order when it
        places `t`, else by the order windows will call (hall/policy.py), as no open window reaches it."""
        ranked, keys = line
        if t.id in order:
            return bisect.bisect_left(ranked, order[t.id])
        return bisect.bisect_left(keys, policy.calling_key(t))

    def wait_minutes(self, t: Ticket) -> Optional[int]:
        """Estimated minutes until this waiting ticket is called (None: no open window serves it).

        A ticket newer than the latest background forecast is told that forecast's wait of a
        ticket taken now in its service: the wait its kiosk button showed.
        """
        return estimate.minutes_until(self._call_time(self._forecast(), t), self.clock())

    def wait_range(self, t: Ticket) -> tuple[Optional[int], Optional[int]]:
        """The likely range of this waiting ticket's wait in minutes (the sampled futures' 20th and 80th
        percentiles; hall/estimate.py RANGE): (None, None) without an estimate, (low, None) when the
        later futures do not reach it."""
        return self._range_of(self._forecast(), t, self.clock())

    @staticmethod
    def _range_of(fc: estimate.Forecast, t: Ticket, now: datetime) -> tuple[Optional[int], Optional[int]]:
        r = fc.ranges.get(t.id)
        if r is None and t.id not in fc.order:
            r = fc.probe_ranges.get(t.service)
        if r is None:
            return None, None
        return estimate.minutes_until(r[0], now), estimate.minutes_until(r[1], now)

    @staticmethod
    def _call_time(fc: estimate.Forecast, t: Ticket) -> Optional[datetime]:
        """When the forecast expects `t` called; a ticket newer than the forecast gets the time of
        a ticket taken then in its service."""
        when = fc.calls.get(t.id)
        if when is None and t.id not in fc.order:
            when = fc.probes.get(t.service)
        return when

    def service_waits(self) -> dict[str, Optional[int]]:
        """For each service, the estimated wait of a ticket taken now."""
        probes = self._forecast().probes
        now = self.clock()
        return {s.code: estimate.minutes_until(probes.get(s.code), now) for s in self.config.services}

    def _forecast(self) -> estimate.Forecast:
        """The forecast readers use: of this state and minute, or in the server the latest one.

        With `forecast_every`, a reader never works one out (after the first): it takes the
        latest, at most a few events and `forecast_every` seconds old, and wakes the background
        worker when the state has moved on. A forecast of hundreds of waiting tickets takes
        tens of milliseconds, too long for every kiosk press and every call at a full house.
        """
        if self.forecast_every is None:
            return self._work_out_forecast()
        with self._lock:
            key = (self.state.last_seq, self.clock().replace(second=0, microsecond=0))
            cached_key, fc = self._forecast_cache
        if fc is None:
            return self._work_out_forecast()
        if cached_key != key:
            self._forecast_wanted.set()
        return fc

    def _order_now(self) -> dict[int, int]:
        """The forecast's order of calls if it is of the current state; else none, so that people
        ahead are counted by the calling order itself (a background forecast may predate a
        rejoin or a transfer that moved a ticket)."""
        fc = self._forecast()
        with self._lock:
            current = self._forecast_cache[0] is not None and self._forecast_cache[0][0] == self.state.last_seq
        return fc.order if current or self.forecast_every is None else _NO_ORDER

    def start_forecasts(self) -> threading.Event:
        """Work forecasts out in the background, at most every `forecast_every` s; set the event to stop."""
        import logging
        import time as _time
        stop = threading.Event()

        def run():
            while not stop.is_set():
                if not self._forecast_wanted.wait(1.0):
                    continue
                self._forecast_wanted.clear()
                began = _time.monotonic()
                try:
                    self._work_out_forecast(off_loop=True)
                except Exception:  # the next change asks again
                    logging.getLogger(__name__).exception("forecast failed")
                stop.wait(max(0.0, self.forecast_every - (_time.monotonic() - began)))
        threading.Thread(target=run, name="hall-forecast", daemon=True).start()
        return stop

    def _work_out_forecast(self, off_loop: bool = False) -> estimate.Forecast:
        """The forecast of this state and minute (hall/estimate.py), worked out once.

        Its inputs are copied under the hall's lock; the futures are played under a lock of
        their own, so calls and new tickets go on meanwhile (a forecast of hundreds of
        waiting tickets takes tens of milliseconds). Call it without holding the hall's lock.
        `off_loop`: play them in the helper process (the background worker under gevent).
        """
        history = self._history_of(self.state.business_day, off_loop)   # once a business day, before the lock
        with self._lock:
            # As of the start of this minute: every reader in the minute gets the same call times, so
            # the wait a kiosk button shows is the wait the ticket taken at that moment is told.
            now = self.clock().replace(second=0, microsecond=0)
            key = (self.state.last_seq, now)
            if self._forecast_cache[0] == key:
                return self._forecast_cache[1]
            look = self._outlook(now, history)
            board = estimate.prepare(self.config, self.state, now)
        with self._forecast_lock:
            if self._forecast_cache[0] == key:
                return self._forecast_cache[1]
            args = (self.config, board, now, look, self.config.queue.estimate_futures)
            if off_loop:
                # The futures are pure CPU: in a helper process under gevent (hall/offloop.py), so
                # that they take no GIL from the sockets and requests.
                from hall.offloop import run_off_loop
                fc = run_off_loop(estimate.work_out, *args)
            else:
                fc = estimate.work_out(*args)
            self._forecast_cache = (key, fc)
            return fc

    def _finished(self) -> list:
        """estimate.finished of today's tickets, kept ticket by ticket as they finish (call under
        the hall's lock): the outlook's pace would otherwise sort a whole day of tickets."""
        if self._done[0] is not self.state.tickets:
            pairs = estimate.finished_pairs(self.state.tickets.values())
            self._done = (self.state.tickets, [k for k, _ in pairs], [e for _, e in pairs])
        return self._done[2]

    def _note_finished(self, before: dict) -> None:
        """The tickets a change finished, into the kept list (`_finished`), in their order."""
        tickets, keys, done = self._done
        if tickets is not self.state.tickets:
            return                                   # a new day: built afresh when next asked
        for tid, old in before.items():
            t = tickets.get(tid)
            was = old is not None and estimate.counts_done(old)
            counts = t is not None and estimate.counts_done(t)
            if was and (not counts or estimate.done_entry(t) != estimate.done_entry(old)):
                self._done = (None, [], [])          # a counted ticket changed what it says: build again
                return
            if counts and not was:
                key = estimate.finished_key(t)
                i = bisect.bisect(keys, key)
                keys.insert(i, key)
                done.insert(i, estimate.done_entry(t))

    def _outlook(self, now: datetime, history: estimate.History) -> estimate.Outlook:
        """Today's pace, spread and habits (estimate.outlook), worked out once a minute (call under
        the hall's lock). It reads every ticket of the day, so late on a busy day it is the
        forecast's costliest input; what it learns moves by the minute, not by the ticket: it is
        of the tickets finished by the minute's start, and every forecast of a minute plays on
        the same pace (the wait a kiosk button shows and the wait the ticket taken then is told
        agree). A pause begun or ended, a new day or configuration, the day's history read, or
        a change at the minute's start itself, works it out again at once."""
        _, ended, began = self._today_pauses()
        pauses = ended + [estimate.pause_of(self.config, wid, at, None) for wid, at in began.items()]
        key = (self.state.business_day, now, self.config, history, tuple(pauses))
        cached_key, look = self._outlook_cache
        if cached_key is None or any(a is not b and a != b for a, b in zip(cached_key, key)):
            look = estimate.outlook(self.config, self.state.tickets.values(), now, self.config.queue.estimate_sample,
                                    pauses, history, done=self._finished())
            self._outlook_cache = (key, look)
        return look

    def ticket_by_token(self, token: str) -> Optional[Ticket]:
        with self._lock:
            found = self.state.ticket_of_token(token) if token else None
        return found or self.store.ticket_by_token(token)

    def waiting_for_window(self, window_id: int) -> list[dict]:
        """The tickets this window may call, in the order it will call them (hall/policy.py)."""
        with self._lock:
            cfg = self.engine._window_cfg(window_id)
            ws = self.engine._window(self.state, window_id)
            order = policy.calling_order(self.state.waiting(), cfg, ws, self.config.queue.priority_ratio)
            return [self.ser.ticket(t) for t in order]

    def services_json(self) -> list[dict]:
        """Each service as the kiosk shows it: waiting, estimated wait, open now or why not, matters."""
        from hall import rules
        waits = self.service_waits()
        with self._lock:
            counts = {s.code: 0 for s in self.config.services}
            for t in self.state.waiting():
                counts[t.service] = counts.get(t.service, 0) + 1
            local = self.clock().astimezone(self.engine.tz)
            out = []
            for s in self.config.services:
                if s.retired:
                    continue      # kept only for its waiting tickets: the kiosk no longer offers it
                closed = None
                try:
                    rules.check_open(self.config, s, local, self.state.day_closed)
                    rules.check_quota(s, self.state.tickets.values())
                except HallError as err:
                    closed = err
                out.append({
                    "code": s.code, "prefix": s.prefix, "name": s.name, "name_en": s.name_en,
                    "waiting": counts[s.code], "wait_minutes": waits[s.code], "open": closed is None,
                    "closed_code": closed.code if closed else None,
                    "closed_message": closed.message if closed else None,
                    "closed_message_en": closed.message_en if closed else None,
                    "real_name": s.real_name,
                    "matters": [{"code": m.code, "name": m.name, "name_en": m.name_en, "materials": list(m.materials),
                                 "materials_en": list(m.materials_en), "time_limit_days": m.time_limit_days} for m in s.matters],
                })
            return out

    def progress(self, token: str) -> dict:
        """What the phone page shows: the ticket (public fields only), people ahead, estimated wait,
        its queue's length, where to go."""
        t = self.ticket_by_token(token)
        if t is None:
            raise HallError("unknown_ticket", "找不到这个号，请核对链接。", "No such ticket; check the link.", 404)
        found = self.progress_many([token]).get(token)
        if found is not None:
            return found[1]
        with self._lock:   # a ticket of an earlier day: done with the queue, its steps still rated on the phone
            return self._progress_json(t, 0, None, 0)

    def progress_many(self, tokens: list[str], services: Optional[set] = None,
                      known: Optional[dict] = None) -> dict[str, tuple]:
        """The phone progress of many tickets at once (the push's phones), in one pass per service.

        token -> (fingerprint, progress) for each token of `services` (all when None), as
        `progress` answers it plus `waiting` (its queue's length). People ahead come from one
        forecast and one sort per service, not a scan of the line per ticket. A token whose
        fingerprint equals `known[token]` (nothing a phone shows has changed) is left out
        before its progress is built: a full house re-checks thousands of phones per call.
        """
        fc = self._forecast()
        order = self._order_now()
        now = self.clock()
        known = known or {}
        out: dict[str, tuple] = {}
        from hall import rating_screens
        with self._lock:
            chosen = [self.state.ticket_of_token(token) for token in tokens]
            wanted = {t.service for t in chosen if t is not None} if services is None else services
            lines = self._lines_of(order)
            for token, t in zip(tokens, chosen):
                if t is None or t.service not in wanted:
                    continue
                line = lines(t.service)
                ahead, wait, count, span = 0, None, len(line[1]), (None, None)
                if t.status == WAITING:
                    ahead = self._ahead(t, line, order)
                    wait = estimate.minutes_until(self._call_time(fc, t), now)
                    span = self._range_of(fc, t, now)
                # What the phone shows of its own ticket; the line's length rides along with the
                # next change (a new ticket behind it changes nothing for this citizen).
                fingerprint = (t.status, t.service, t.window, len(t.calls), ahead, wait, span, t.finished_at,
                               rating_screens.phone_fingerprint(self, t))
                if known.get(token) == fingerprint:
                    continue
                out[token] = (fingerprint, self._progress_json(t, ahead, wait, count, span))
        return out

    def _lines_of(self, order) -> Callable[[str], tuple[list, list]]:
        """service -> (its waiting tickets' places in `order`, their calling keys), both sorted,
        for counting people ahead by bisection (call under the hall's lock).

        Kept while the state and the order are the same: the push works phones out a chunk at a
        time, and each chunk of a line would otherwise sort the same line again.
        """
        state = self.state
        cached = self._lines_cache
        if not (cached[0] is state and cached[1] == state.last_seq and cached[2] is order):
            cached = self._lines_cache = (state, state.last_seq, order, {})
        lines = cached[3]

        def line(service: str) -> tuple[list, list]:
            found = lines.get(service)
            if found is None:
                mine = state.waiting({service})
                found = lines[service] = (sorted(order[t.id] for t in mine if t.id in order),
                                          sorted(policy.calling_key(t) for t in mine))
            return found
        return line

    def _progress_json(self, t: Ticket, ahead: int, wait: Optional[int], waiting: int,
                       span: tuple = (None, None)) -> dict:
        window = self.config.window(t.window) if t.window else None
        rejoin_until = None
        if t.status == "no_show" and t.finished_at and t.business_day == self.state.business_day:
            until = t.finished_at + timedelta(minutes=self.config.queue.rejoin_minutes)
            if until > self.clock():
                rejoin_until = until.astimezone(self.engine.tz).isoformat(timespec="seconds")
        from hall import rating_screens
        from hall.audiences import public_ticket
        return {"ticket": public_ticket(self.ser.ticket(t)), "ahead": ahead, "wait_minutes": wait,
                "wait_low_minutes": span[0], "wait_high_minutes": span[1],
                "waiting": waiting, "window_name": window.name if window else None,
                "window_name_en": window.name_en if window else None,
                "hall": {"name": self.config.name, "name_en": self.config.name_en},
                "rejoin_until": rejoin_until, "rating": rating_screens.phone_rating(self, t), "seq": self.state.last_seq,
                "now": self.clock().astimezone(self.engine.tz).isoformat(timespec="seconds")}

    def snapshot(self) -> dict:
        """Everything a screen needs to draw the hall, with the seq it is current to."""
        waits = self.service_waits()
        with self._lock:
            st = self.state
            waiting = st.waiting()
            services = []
            for s in self.config.services:
                mine = [t for t in waiting if t.service == s.code]
                if s.retired and not mine:
                    continue
                services.append({"code": s.code, "prefix": s.prefix, "name": s.name, "name_en": s.name_en,
                                 "waiting": len(mine), "wait_minutes": waits[s.code],
                                 "longest_waiting_since": self.ser.ticket(mine[0])["queued_at"] if mine else None,
                                 "retired": s.retired})
            windows = [self.ser.window(self.engine._window(st, w.id), st.tickets.get) for w in self.config.windows]
            recent = []
            for c in self.store.recent_calls(10, st.business_day):
                row = {k: c.get(k) for k in ("number", "service", "window", "window_name", "window_name_en",
                                             "at", "seq", "recall")}
                t = st.ticket_of_number(c["number"]) if isinstance(c.get("number"), str) else None
                row["status"] = t.status if t is not None else None   # what became of the ticket since
                recent.append(row)
            return {"seq": st.last_seq, "business_day": st.business_day.isoformat(),
                    "now": self.clock().astimezone(self.engine.tz).isoformat(timespec="seconds"),
                    "hall": {"name": self.config.name, "name_en": self.config.name_en},
                    "services": services, "windows": windows,
                    "waiting": [self.ser.ticket(t) for t in waiting], "recent_calls": recent,
                    "devices": self.devices.snapshot() if self.devices else []}
