"""Electronic supervision (电子监察): each alarm raised, not raised twice, cleared and acknowledged,
on a simulated clock through a real Hall and store; and the pure rules' opening-hours arithmetic."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta

import pytest

from hall import alarms
from hall.clock import FakeClock
from hall.devices import DeviceManager
from hall.errors import HallError
from hall.hall import Hall
from hall.model import AlarmRules, WindowState
from hall.state import HallState
from tests.conftest import TZ

MANAGER = {"username": "manager", "role": "manager"}


@pytest.fixture
def config(config):
    """The demo hall, opening 09:00-12:00 and 13:30-17:30, with thresholds the rows below reach: B's line
    over 3, window 1 paused over 10 minutes, window 3 unstaffed over 15 (the other windows: never)."""
    services = tuple(replace(s, alarm_queue_length=3) if s.code == "B" else
                     replace(s, matters=tuple(replace(m, service_limit_minutes=20) if m.code == "business-licence"
                                              else m for m in s.matters)) if s.code == "A" else s
                     for s in config.services)
    windows = tuple(replace(w, alarm_pause_minutes=10) if w.id == 1 else
                    replace(w, alarm_unstaffed_minutes=15) if w.id == 3 else w for w in config.windows)
    rules = AlarmRules(wait_minutes=30, queue_length=20, pause_minutes=30, unstaffed_minutes=0, device_minutes=1,
                       hours=((time(9), time(12)), (time(13, 30), time(17, 30))))
    return replace(config, services=services, windows=windows, alarms=rules)


@pytest.fixture
def hall(config, store, clock):
    h = Hall(config, store, clock=clock)
    h.devices = DeviceManager(h)
    h.devices.add("printer", object(), "printer-1")   # a printer's driver, here only its reported states
    h.heard = []
    h.bus.subscribe("test", h.heard.append)
    yield h
    h.bus.close()


def heard(h, name, kind=None, subject=None, since=0):
    """The alarms of the `name` events in the hall's event log (after seq `since`), of that kind and subject."""
    return [e["alarm"] for e in h.store.events_since(since, limit=10**6) if e["event"] == name
            and (kind is None or e["alarm"]["kind"] == kind) and (subject is None or e["alarm"]["subject"] == subject)]


def on_the_bus(h, count, timeout=3.0):
    """The alarm events the bus handed on, once there are `count` of them (a thread of its own hands them)."""
    import time as _time
    deadline = _time.monotonic() + timeout
    while True:
        got = [e for e in h.heard if e["event"].startswith("alarm_")]
        if len(got) >= count or _time.monotonic() > deadline:
            return got
        _time.sleep(0.01)


def serve(h, service="A", window=1, matter=None):
    t = h.issue_ticket(service, matter=matter)
    if h.state.windows.get(window) is None or h.state.windows[window].status == "closed":
        h.open_window(window, "zhang", "张敏")
    h.call(window, t.number)
    h.start(window)
    return t


def rate_badly(h, clock):
    t = serve(h, "B", window=3)
    clock.advance(minutes=3)
    h.finish(3)
    h.record_rating(t.id, 3, "zhang", "dissatisfied", "tablet")
    return h.store.open_cases()[-1].case_id


def printer(h, state):
    h.devices.on_state("printer")("printer-1", state, "打印机缺纸 / out of paper" if state == "paper_out" else "")


# Each row: the kind, how its condition comes about (returns the subject), how it ends, and whether its
# raising waits for the ticker (else it is raised by the action itself, at once).
def long_wait(h, clock):
    h.issue_ticket("A")
    clock.advance(minutes=31)
    return "A"


def long_wait_ends(h, clock):
    h.open_window(1, "zhang", "张敏")
    h.call_next(1)


def long_queue(h, clock):
    for _ in range(4):
        h.issue_ticket("B")
    return "B"


def long_queue_ends(h, clock):
    h.open_window(3, "zhang", "张敏")
    h.call_next(3)


def overtime(h, clock):
    t = serve(h, "A", matter="business-licence")
    clock.advance(minutes=21)
    return str(t.id)


def overtime_ends(h, clock):
    h.finish(1)


def paused(h, clock):
    h.open_window(1, "zhang", "张敏")
    h.pause(1, "meeting")
    clock.advance(minutes=11)
    return "1"


def paused_ends(h, clock):
    h.resume(1)


def unstaffed(h, clock):
    clock.advance(minutes=16)          # 09:16: 16 minutes of opening time nobody signed in at window 3
    return "3"


def unstaffed_ends(h, clock):
    h.open_window(3, "li", "李强")


def device(h, clock):
    printer(h, "paper_out")
    clock.advance(minutes=1)
    return "printer-1"


def device_ends(h, clock):
    printer(h, "online")


def bad_rating(h, clock):
    return str(rate_badly(h, clock))


def bad_rating_ends(h, clock):
    h.case_action(h.store.open_cases()[-1].case_id, "verify", MANAGER, note="属实")


def overdue(h, clock):
    case_id = rate_badly(h, clock)
    clock.advance(days=12)             # Friday 27 Nov + 5 working days is Friday 4 Dec
    return str(case_id)


def overdue_ends(h, clock):
    case_id = h.store.open_cases()[-1].case_id
    h.case_action(case_id, "verify", MANAGER, note="属实")
    h.case_action(case_id, "rectify", MANAGER, mode="on_spot", note="当场道歉")


ROWS = [  # kind, raise, end, raised by the action itself (no tick needed), cleared by the action itself
    ("long_wait", long_wait, long_wait_ends, False, False),
    ("long_queue", long_queue, long_queue_ends, False, False),
    ("service_overtime", overtime, overtime_ends, False, False),
    ("window_paused", paused, paused_ends, False, True),     # a window's status changing is judged at once
    ("window_unstaffed", unstaffed, unstaffed_ends, False, True),
    ("device_fault", device, device_ends, False, True),
    ("bad_rating", bad_rating, bad_rating_ends, True, True),
    ("case_overdue", overdue, overdue_ends, False, True),
]


@pytest.mark.parametrize("kind, bring_about, end, at_once, cleared_at_once", ROWS, ids=[r[0] for r in ROWS])
def test_each_alarm_is_raised_once_and_cleared_when_its_condition_ends(hall, clock, kind, bring_about, end, at_once,
                                                                       cleared_at_once):
    subject = bring_about(hall, clock)
    if not at_once:
        assert heard(hall, "alarm_raised", kind, subject) == []
        hall.tick()
    [raised] = heard(hall, "alarm_raised", kind, subject)
    assert raised["cleared_at"] is None and raised["acknowledged_at"] is None
    assert raised["message"] and raised["message_en"] and raised["raised_at"] == clock().isoformat(timespec="seconds")
    row = hall.store.conn.execute("SELECT kind, subject, cleared_at FROM alarms WHERE id = ?", (raised["id"],)).fetchone()
    assert tuple(row) == (kind, subject, None)

    for _ in range(3):                 # still true: not raised again
        clock.advance(seconds=10)
        hall.tick()
    assert len(heard(hall, "alarm_raised", kind, subject)) == 1
    assert [a.id for a in hall.state.alarms.values() if a.key == (kind, subject)] == [raised["id"]]

    clock.advance(seconds=10)
    end(hall, clock)
    if not cleared_at_once:
        assert heard(hall, "alarm_cleared", kind, subject) == []
        hall.tick()
    [cleared] = heard(hall, "alarm_cleared", kind, subject)
    assert cleared["id"] == raised["id"] and cleared["cleared_at"] == clock().isoformat(timespec="seconds")
    assert raised["id"] not in hall.state.alarms
    assert hall.store.alarm(raised["id"]).cleared_at == clock().replace(microsecond=0)
    hall.tick()
    assert len(heard(hall, "alarm_cleared", kind, subject)) == 1


@pytest.mark.parametrize("kind, bring_about, end, at_once, cleared_at_once", ROWS, ids=[r[0] for r in ROWS])
def test_each_alarm_is_acknowledged_once_by_a_manager_with_a_note(hall, clock, kind, bring_about, end, at_once,
                                                                  cleared_at_once):
    subject = bring_about(hall, clock)
    hall.tick()
    [raised] = heard(hall, "alarm_raised", kind, subject)
    clock.advance(minutes=2)
    with pytest.raises(HallError) as refused:
        hall.acknowledge_alarm(raised["id"], {"username": "zhang", "role": "staff"}, "")
    assert refused.value.code == "forbidden"
    seen = hall.acknowledge_alarm(raised["id"], MANAGER, "  已通知值班长  ")
    assert (seen.acknowledged_by, seen.acknowledged_at, seen.note, seen.cleared_at) == (
        "manager", clock().replace(microsecond=0), "已通知值班长", None)
    [event] = heard(hall, "alarm_acknowledged", kind, subject)
    assert (event["acknowledged_by"], event["note"]) == ("manager", "已通知值班长")
    assert event["acknowledged_at"] == clock().isoformat(timespec="seconds")
    row = hall.store.conn.execute("SELECT acknowledged_by, acknowledged_at, note FROM alarms WHERE id = ?",
                                  (raised["id"],)).fetchone()
    assert tuple(row) == ("manager", clock().replace(microsecond=0).isoformat(), "已通知值班长")
    with pytest.raises(HallError) as twice:
        hall.acknowledge_alarm(raised["id"], {"username": "chen", "role": "admin"}, "")
    assert twice.value.code == "alarm_acknowledged" and "manager" in twice.value.message
    # Acknowledging is a manager's "seen": the alarm stays open while its condition holds.
    hall.tick()
    assert hall.state.alarms[raised["id"]].acknowledged_by == "manager"
    assert heard(hall, "alarm_cleared", kind, subject) == []


def test_an_alarm_cleared_before_anyone_saw_it_may_still_be_acknowledged(hall, clock):
    long_queue(hall, clock)
    hall.tick()
    long_queue_ends(hall, clock)
    hall.tick()
    [cleared] = heard(hall, "alarm_cleared", "long_queue", "B")
    seen = hall.acknowledge_alarm(cleared["id"], MANAGER, "")
    assert seen.cleared_at is not None and seen.acknowledged_by == "manager"
    assert hall.store.alarm(cleared["id"]).acknowledged_by == "manager"


def test_an_unknown_alarm_and_a_bad_note_are_refused_with_a_sentence(hall, clock):
    with pytest.raises(HallError) as unknown:
        hall.acknowledge_alarm(99, MANAGER, "")
    assert (unknown.value.code, unknown.value.status) == ("unknown_alarm", 404)
    long_queue(hall, clock)
    hall.tick()
    for note, sentence in ((42, "备注（note）应为文字。"), ("长" * 501, "备注最多 500 个字，请删减后再确认。")):
        with pytest.raises(HallError) as bad:
            hall.acknowledge_alarm(1, MANAGER, note)
        assert (bad.value.code, bad.value.message) == ("invalid_field", sentence)
    assert hall.store.alarm(1).acknowledged_at is None


def test_the_alarms_carry_what_a_manager_needs_to_act(hall, clock):
    long_queue(hall, clock)
    hall.open_window(4, "li", "李强")
    serve(hall, "A", matter="business-licence")
    clock.advance(minutes=21)
    hall.tick()
    [queue] = heard(hall, "alarm_raised", "long_queue", "B")
    assert queue["detail"]["waiting"] == 4 and queue["detail"]["open_windows"] == [4]
    assert [w["id"] for w in queue["detail"]["windows_to_open"]] == [3]
    assert [w["id"] for w in queue["detail"]["helping_windows"]] == [8]
    assert queue["message"] == "社会保障排队 4 人，超过 3 人。建议增开3号窗口，或由8号窗口跨窗通办。"
    assert queue["message_en"] == ("Social Security: 4 waiting, over 3. Open Window 3 or let Window 8 call it "
                                   "(cross-window service).")
    [overtime] = heard(hall, "alarm_raised", "service_overtime")
    assert overtime["message"] == "1号窗口办理 A001（营业执照设立登记）已 21 分钟，超过时限 20 分钟。"
    assert overtime["detail"]["staff"] == "zhang" and overtime["detail"]["limit_minutes"] == 20
    assert heard(hall, "alarm_raised", "long_wait") == []       # 21 minutes: under the 30 of [alarms]


def test_a_device_reconnecting_or_flapping_keeps_its_alarm_and_raises_none(hall, clock):
    device(hall, clock)
    hall.tick()
    [raised] = heard(hall, "alarm_raised", "device_fault", "printer-1")
    printer(hall, "connecting")        # the link drops and reconnects: not known, held
    printer(hall, "faulted")           # a new fault state: its minute has not passed, held
    hall.tick()
    clock.advance(minutes=2)
    hall.tick()
    assert heard(hall, "alarm_cleared", "device_fault") == [] and len(heard(hall, "alarm_raised", "device_fault")) == 1
    printer(hall, "online")
    assert [a["id"] for a in heard(hall, "alarm_cleared", "device_fault")] == [raised["id"]]
    printer(hall, "faulted")           # faulted for less than [alarms] device_minutes: nothing yet
    hall.tick()
    assert len(heard(hall, "alarm_raised", "device_fault")) == 1


def test_a_restart_neither_raises_the_open_alarms_again_nor_loses_them(hall, config, store, clock):
    long_wait(hall, clock)
    long_queue(hall, clock)
    hall.tick()
    first = {a.id: a for a in hall.state.alarms.values()}
    # 09:31: A001 waited 31 minutes, B's line is 4 long, nobody has been at window 3 since 09:00
    assert [a.kind for a in first.values()] == ["long_wait", "long_queue", "window_unstaffed"]
    hall.acknowledge_alarm(min(first), MANAGER, "在处理")
    hall.bus.close()
    before = hall.state.last_seq

    clock.advance(seconds=30)
    again = Hall(config, store, clock=clock)       # the server restarts over the same file
    again.tick()
    assert sorted(again.state.alarms) == sorted(first)
    assert again.state.alarms[min(first)].note == "在处理"
    assert [e["event"] for e in store.events_since(before)] == []
    assert again.state.next_alarm_id == max(first) + 1
    long_queue_ends(again, clock)                  # and it still clears them when their conditions end
    again.tick()
    assert [a["kind"] for a in heard(again, "alarm_cleared", since=before)] == ["window_unstaffed", "long_queue"]
    with pytest.raises(HallError) as twice:
        again.acknowledge_alarm(min(first), MANAGER, "")
    assert twice.value.code == "alarm_acknowledged"
    again.bus.close()


def test_a_restart_keeps_a_device_alarm_until_the_device_reports_again(hall, config, store, clock):
    device(hall, clock)
    hall.tick()
    hall.bus.close()
    again = Hall(config, store, clock=clock)
    again.devices = DeviceManager(again)          # the drivers start again: connecting, then what they find
    again.devices.add("printer", object(), "printer-1")
    again.tick()
    assert [a.kind for a in again.state.alarms.values()] == ["device_fault"]
    again.devices.on_state("printer")("printer-1", "online", "")
    assert again.state.alarms == {}
    again.bus.close()


def test_only_the_board_hears_the_alarms(hall, clock):
    from hall import audiences as aud
    long_wait(hall, clock)
    hall.tick()
    hall.acknowledge_alarm(1, MANAGER, "")
    long_wait_ends(hall, clock)
    hall.tick()
    events = [e for e in on_the_bus(hall, len(heard(hall, "alarm_raised")) + 2) if e["alarm"]["kind"] == "long_wait"]
    assert [e["event"] for e in events] == ["alarm_raised", "alarm_acknowledged", "alarm_cleared"]
    for e in events:
        assert [room for room, _ in aud.room_events(e, [w.id for w in hall.config.windows])] == ["board"]
    logged = [e["event"] for e in hall.store.events_since(0)
              if e["event"].startswith("alarm_") and e["alarm"]["kind"] == "long_wait"]
    assert logged == ["alarm_raised", "alarm_acknowledged", "alarm_cleared"]


# -- the pure rules ----------------------------------------------------------------------

def at(hh, mm=0, day=27):
    return datetime(2026, 11, day, hh, mm, tzinfo=TZ)


WINDOW_ROWS = [
    # (window 1's status, since, now) -> the kind raised now, if any. Opening 09:00-12:00, 13:30-17:30;
    # window 1 breaks 12:00-12:45 is outside opening hours anyway; window 1 has a 10:00-10:15 break here.
    ("paused", at(9, 30), at(9, 40), None),                   # 10 minutes: not over 10
    ("paused", at(9, 30), at(9, 41), "window_paused"),
    ("paused", at(9, 50), at(10, 5), None),                   # in its own break: not opening time for it
    ("paused", at(9, 50), at(10, 16), "window_paused"),       # 10 + 1 minutes of opening time
    ("paused", at(11, 55), at(12, 30), None),                 # lunch: the hall is closed
    ("paused", at(11, 55), at(13, 36), "window_paused"),      # 5 before lunch + 6 after: over 10
    ("paused", at(11, 55), at(13, 34), None),                 # 5 + 4
    ("closed", None, at(9, 15), None),                        # 15 minutes since opening: not over 15
    ("closed", None, at(9, 16), "window_unstaffed"),
    ("closed", at(17, 0, day=26), at(9, 16), "window_unstaffed"),   # signed out yesterday: counts from 09:00
    ("closed", at(9, 10), at(9, 26), "window_unstaffed"),     # signed out at 09:10
    ("closed", at(9, 10), at(9, 25), None),
    ("closed", None, at(8, 50), None),                        # before opening
    ("closed", None, at(18, 0), None),                        # after closing
    ("closed", None, at(9, 30, day=28), None),                # Saturday: not a working day
    ("open", at(9, 0), at(11, 0), None),
]


@pytest.mark.parametrize("status, since, now, kind", WINDOW_ROWS)
def test_window_alarms_count_opening_time_only(config, status, since, now, kind):
    windows = tuple(replace(w, alarm_pause_minutes=10, alarm_unstaffed_minutes=15, breaks=((time(10), time(10, 15)),))
                    if w.id == 1 else w for w in config.windows)
    cfg = replace(config, windows=windows)
    state = HallState(business_day=now.date(), windows={1: WindowState(id=1, status=status, since=since,
                                                                       staff="zhang" if status != "closed" else None,
                                                                       pause_reason="break" if status == "paused"
                                                                       else None)})
    found = [c.kind for c in alarms.evaluate(state, cfg, now) if c.subject == "1"]
    assert found == ([kind] if kind else [])


def test_without_opening_hours_no_window_alarm_is_raised(config):
    cfg = replace(config, alarms=AlarmRules(unstaffed_minutes=1))
    assert all(s.hours == () for s in cfg.services)
    state = HallState(business_day=at(10).date())
    assert alarms.evaluate(state, cfg, at(10)) == []
    services = tuple(replace(s, hours=((time(8, 30), time(12)),)) if s.code == "A" else s for s in cfg.services)
    with_hours = replace(cfg, services=services)   # the services' issuing hours are the hall's opening hours
    assert len([c for c in alarms.evaluate(state, with_hours, at(10)) if c.kind == "window_unstaffed"]) == 8
    assert alarms.opening_hours(with_hours) == ((time(8, 30), time(12)),)


@pytest.mark.parametrize("periods, breaks, start, end, seconds", [
    (((time(9), time(12)),), (), time(9), time(10), 3600),
    (((time(9), time(12)),), ((time(10), time(10, 30)),), time(9), time(11), 5400),
    (((time(9), time(12)), (time(13, 30), time(17))), (), time(11), time(14), 5400),
    (((time(9), time(12)),), ((time(8), time(13)),), time(9), time(12), 0),
    (((time(9), time(12)),), (), time(12, 30), time(13), 0),
])
def test_opening_seconds(periods, breaks, start, end, seconds):
    assert alarms._open_seconds(alarms._minus(periods, breaks), start, end) == seconds


def test_diff_raises_once_clears_when_ended_and_leaves_held_and_unjudged_kinds_alone():
    now = at(10)
    c = alarms.Condition
    first = alarms.diff([], [c("long_wait", "A", {"x": 1}), c("long_wait", "A", {"x": 2}),
                             c("device_fault", "p", {}, held=True)], now, next_id=7, business_day=now.date())
    assert [(a.id, a.key, a.detail) for a in first.raised] == [(7, ("long_wait", "A"), {"x": 1})]
    assert first.cleared == ()
    dev = replace(first.raised[0], id=8, kind="device_fault", subject="p")
    later = now + timedelta(minutes=1)
    second = alarms.diff([first.raised[0], dev], [c("long_wait", "A", {"x": 3}), c("device_fault", "p", {}, held=True)],
                         later, next_id=9, business_day=now.date())
    assert second.empty
    third = alarms.diff([first.raised[0], dev], [], later, next_id=9, business_day=now.date(),
                        kinds=alarms.judged_kinds(False))
    assert [(a.id, a.cleared_at) for a in third.cleared] == [(7, later)] and third.raised == ()


def test_a_device_taken_out_of_the_configuration_clears_its_alarm(hall, clock):
    device(hall, clock)
    hall.tick()
    [raised] = heard(hall, "alarm_raised", "device_fault")
    hall.devices.remove("printer-1")               # a new configuration without it: "removed", then not known
    assert [a["id"] for a in heard(hall, "alarm_cleared", "device_fault")] == [raised["id"]]


# -- the hall file ---------------------------------------------------------------------

def _hall_file(extra: str = "", service: str = "", window: str = "", matter: str = "") -> str:
    from config import DEFAULT_CONFIG_PATH
    text = DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")
    text = text.replace('code = "A"\nprefix = "A"\n', f'code = "A"\nprefix = "A"\n{service}\n', 1)
    text = text.replace('code = "business-licence"\n', f'code = "business-licence"\n{matter}\n', 1)
    text = text.replace("[[windows]]\nid = 1\n", f"[[windows]]\nid = 1\n{window}\n", 1)
    # [alarms] as `extra` says, the demo's own keys left out
    start = text.index("[alarms]\n")
    end = text.index("\n\n", start)
    return text[:start] + f"[alarms]\n{extra}" + text[end:]


def test_the_hall_file_sets_the_thresholds_and_each_service_and_window_its_own():
    from config import parse_config
    cfg = parse_config(_hall_file('hours = [["08:30", "12:00"], ["13:30", "17:30"]]\nopen_days = "every_day"',
                                  service="alarm_wait_minutes = 20\nalarm_queue_length = 0\nservice_limit_minutes = 25",
                                  window="alarm_pause_minutes = 5\nalarm_unstaffed_minutes = 0",
                                  matter="service_limit_minutes = 40"))
    assert cfg.alarms == AlarmRules(wait_minutes=30, queue_length=20, pause_minutes=30, unstaffed_minutes=15,
                                    device_minutes=1, hours=((time(8, 30), time(12)), (time(13, 30), time(17, 30))),
                                    open_days="every_day")
    a = cfg.service("A")
    assert (a.alarm_wait_minutes, a.alarm_queue_length, a.service_limit_minutes) == (20, 0, 25)
    assert a.matter("business-licence").service_limit_minutes == 40
    assert (cfg.window(1).alarm_pause_minutes, cfg.window(1).alarm_unstaffed_minutes) == (5, 0)
    assert alarms.service_limit(cfg, "A", "business-licence") == 40
    assert alarms.service_limit(cfg, "A", "food-licence") == 25
    assert alarms.service_limit(cfg, "B", None) is None
    from assess.period import settings_of           # the figures judge the same limits
    settings = settings_of(cfg)
    assert (settings.service_limits, settings.matter_limits) == ({"A": 25}, {"business-licence": 40})


@pytest.mark.parametrize("kwargs, sentence", [
    ({"extra": "wait_minutes = -1"},
     "alarms.wait_minutes = -1 is not allowed; expected a whole number from 0 to 1440."),
    ({"extra": 'open_days = "weekends"'},
     "alarms.open_days = 'weekends' is not allowed; expected \"workdays\" (the official calendar's working days)"
     " or \"every_day\"."),
    ({"extra": 'hours = [["13:30", "17:30"], ["08:30", "14:00"]]'},
     "alarms.hours = [['13:30', '17:30'], ['08:30', '14:00']] is not allowed; expected opening periods in order"
     " that do not overlap, such as [[\"08:30\", \"12:00\"], [\"13:30\", \"17:30\"]]."),
    ({"extra": "noise = 3"}, "alarms.noise is not a known key"),
    ({"service": "alarm_queue_length = true"},
     "services[0].alarm_queue_length = True is not allowed; expected a whole number from 0 to 99999."),
    ({"window": "alarm_pause_minutes = 1.5"},
     "1号窗口 (window 1): alarm_pause_minutes = 1.5 is not allowed; expected a whole number from 0 to 1440."),
    ({"matter": "service_limit_minutes = 0"},
     "services[0].matters[0].service_limit_minutes = 0 is not allowed; expected a whole number from 1 to 1440."),
])
def test_a_wrong_threshold_is_one_sentence(kwargs, sentence):
    from config import parse_config
    from hall.errors import ConfigError
    with pytest.raises(ConfigError) as refused:
        parse_config(_hall_file(**kwargs), source="hall.toml")
    assert sentence in str(refused.value)
