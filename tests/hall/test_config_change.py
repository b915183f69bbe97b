"""A new configuration applied mid-day: nothing of the day is lost, renumbered or stranded.

The hall works the embedded configuration with tickets waiting, being served and
transferred; a new version adds a window with its own work profile, changes
another's, removes a service while its tickets still wait, edits a matter's
materials and removes an idle window. Everything goes on from the next action.
"""
from __future__ import annotations

import dataclasses

import pytest

from config import DEFAULT_CONFIG_PATH
from config.writer import config_data
from hall import configs
from hall.errors import ConfigError, HallError
from hall.hall import Hall
from hall.model import Window


def _without(config, service_code, window_ids=()):
    """The configuration less one service (and the windows named), its code taken off every profile."""
    windows = tuple(dataclasses.replace(w, services=tuple(c for c in w.services if c != service_code),
                                        helps=tuple(c for c in w.helps if c != service_code))
                    for w in config.windows if w.id not in window_ids)
    return dataclasses.replace(config, services=tuple(s for s in config.services if s.code != service_code),
                               windows=windows)


def _new_version(config):
    """Window 9 added (A own, C helped); window 2 calls B too; service F gone (window 8, F's own,
    now calls B); window 6 gone; the business licence's materials edited."""
    new = _without(config, "F", window_ids=(6,))
    profiles = {2: {"services": ("A", "B")}, 8: {"services": ("B",), "helps": ("A",)}}
    windows = tuple(dataclasses.replace(w, **profiles.get(w.id, {})) for w in new.windows)
    windows += (Window(id=9, name="9号窗口", name_en="Window 9", services=("A",), helps=("C",)),)
    a = new.service("A")
    licence = dataclasses.replace(a.matter("business-licence"), materials=("申请书", "营业执照"),
                                  materials_en=("Application form", "Business licence"))
    a = dataclasses.replace(a, matters=(licence,) + a.matters[1:])
    return dataclasses.replace(new, windows=windows,
                               services=tuple(a if s.code == "A" else s for s in new.services))


@pytest.fixture
def busy(hall):
    """09:00 in the hall: A001 served at window 1, B001 transferred from window 3 to C, F001 and F002
    waiting, A002 waiting."""
    hall.open_window(1, "zhang", "张敏")
    hall.open_window(3, "li", "李强")
    numbers = [hall.issue_ticket(s).number for s in ("A", "A", "B", "F", "F")]
    assert numbers == ["A001", "A002", "B001", "F001", "F002"]
    hall.call_next(1)
    hall.start(1)
    hall.call_next(3)
    hall.start(3)
    hall.transfer(3, "C")
    return hall


def _tickets(hall):
    return {t.number: (t.id, t.status, t.service, t.window) for t in hall.state.tickets.values()}


def test_a_change_mid_day_loses_nothing_and_renumbers_nothing(busy, store):
    hall = busy
    before = _tickets(hall)
    events = len(store.events_since(0))
    result = hall.apply_config(_new_version(hall.config), by="admin", note="新开9号窗口")
    assert result == {"version": 2, "changed": ["services", "windows"]}
    assert _tickets(hall) == before                       # every ticket as it was, in memory...
    again = {t.number: (t.id, t.status, t.service, t.window) for t in store.tickets_of_day(hall.state.business_day)}
    assert again == before                                # ...and in the database
    assert before["A001"] == (1, "serving", "A", 1) and before["B001"][1:] == ("waiting", "C", None)
    # Numbering goes on: the next A is A003, the next B B002.
    assert [hall.issue_ticket(s).number for s in ("A", "B")] == ["A003", "B002"]
    logged = store.events_since(0)[events:]
    assert [e["event"] for e in logged][:1] == ["config_changed"]
    assert {k: logged[0][k] for k in ("version", "by", "note", "source", "changed")} == {
        "version": 2, "by": "admin", "note": "新开9号窗口", "source": "browser", "changed": ["services", "windows"]}


def test_a_window_added_is_signed_in_to_and_calls_at_once(busy):
    hall = busy
    hall.apply_config(_new_version(hall.config), by="admin")
    hall.open_window(9, "wang", "王芳")
    assert hall.call_next(9).number == "A002"              # its own service
    hall.finish(9)
    assert hall.call_next(9).number == "B001"              # C, helped, once A has nobody: the transferred ticket
    assert hall.window_json(9)["services"] == ["A"] and hall.window_json(9)["helps"] == ["C"]


def test_a_changed_work_profile_counts_from_the_next_call(busy):
    hall = busy
    hall.apply_config(_new_version(hall.config), by="admin")
    b = hall.issue_ticket("B")
    hall.open_window(2, "wang", "王芳")
    assert hall.call_next(2).number == "A002"
    hall.finish(2)
    assert hall.call_next(2).number == b.number            # window 2 now calls B of its own


def test_a_removed_service_keeps_its_waiting_tickets_until_they_are_served(busy):
    hall = busy
    hall.apply_config(_new_version(hall.config), by="admin")
    assert "F" not in [s["code"] for s in hall.services_json()]          # the kiosk no longer offers it
    with pytest.raises(HallError) as refused:
        hall.issue_ticket("F")
    assert refused.value.code == "service_retired"
    assert hall.config.service("F").retired
    assert "F" not in [s["code"] for s in config_data(hall.config)["services"]]   # nor is it in the version
    # Window 1 had F of its own: it calls F's tickets after its A.
    hall.finish(1)
    assert [hall.call_next(1).number, hall.finish(1).number] == ["A002", "A002"]
    assert hall.call_next(1).number == "F001"
    assert hall.ticket_json(hall.state.tickets[hall.ticket_by_number("F001").id])["service_name"] == "综合咨询"
    snapshot = {s["code"]: s for s in hall.snapshot()["services"]}
    assert snapshot["F"]["retired"] is True and snapshot["F"]["waiting"] == 1
    hall.finish(1)
    assert hall.call_next(1).number == "F002"
    hall.finish(1)
    assert "F" not in {s["code"] for s in hall.snapshot()["services"]}   # nobody left: the screens drop it
    with pytest.raises(HallError) as refused:
        hall.transfer(3, "F") if hall.state.windows[3].current else hall.issue_ticket("F")
    assert refused.value.code in ("service_retired", "no_current_ticket")


def test_a_restart_mid_day_finds_the_removed_service_in_the_version_that_had_it(busy, store, clock):
    hall = busy
    hall.apply_config(_new_version(hall.config), by="admin")
    hall.bus.close()
    restarted = Hall(configs.load(store.config_version()), store, clock=clock)
    try:
        assert restarted.config_version == 2
        assert restarted.config.service("F").retired
        assert "F" in restarted.config.window(1).services     # window 1 still calls them
        restarted.finish(1)
        assert restarted.call_next(1).number == "A002"
        restarted.finish(1)
        assert restarted.call_next(1).number == "F001"
    finally:
        restarted.bus.close()


def test_the_version_and_its_audit_row_are_stored_with_the_event(busy, store):
    hall = busy
    hall.apply_config(_new_version(hall.config), by="admin", note="9号窗口")
    versions = store.config_versions()
    assert [(v["version"], v["username"], v["source"], v["note"]) for v in versions] == [
        (2, "admin", "browser", "9号窗口"), (1, "hallq", "seed", str(DEFAULT_CONFIG_PATH))]
    assert configs.load(store.config_version(2)).window(9).helps == ("C",)
    rows = store.audit_entries(action="config_changed")
    assert [(r["username"], r["target"]) for r in rows] == [("admin", "version 2: services, windows")]
    before, after = rows[0]["before"], rows[0]["after"]
    assert set(before) == set(after) == {"services", "windows"}
    assert [w["id"] for w in before["windows"]] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert [w["id"] for w in after["windows"]] == [1, 2, 3, 4, 5, 7, 8, 9]


def test_the_same_configuration_again_stores_nothing(busy, store):
    hall = busy
    events = len(store.events_since(0))
    assert hall.apply_config(hall.config, by="admin") == {"version": 1, "changed": []}
    assert len(store.config_versions()) == 1 and len(store.events_since(0)) == events


@pytest.mark.parametrize("change, code, fragment", [
    # window 1 is signed in (zhang, serving A001)
    (lambda c: dataclasses.replace(c, windows=tuple(w for w in c.windows if w.id != 1)), "window_in_use", "张敏"),
    # the time zone decides the business day
    (lambda c: dataclasses.replace(c, timezone="Asia/Urumqi"), "timezone_in_use", "时区"),
])
def test_a_change_that_would_strand_someone_is_refused_and_nothing_changes(busy, store, change, code, fragment):
    hall = busy
    before, events, config = _tickets(hall), len(store.events_since(0)), hall.config
    with pytest.raises(HallError) as refused:
        hall.apply_config(change(hall.config), by="admin")
    assert refused.value.code == code and fragment in refused.value.message
    assert refused.value.message.endswith("。") and refused.value.message_en.endswith(".")
    assert (hall.config, _tickets(hall), len(store.events_since(0)), len(store.config_versions())) == (
        config, before, events, 1)


def test_a_configuration_the_loader_refuses_is_refused_with_its_sentence(hall, store):
    empty = dataclasses.replace(hall.config.windows[7], services=())          # window 8 with no service
    with pytest.raises(ConfigError) as refused:
        hall.apply_config(dataclasses.replace(hall.config, windows=hall.config.windows[:7] + (empty,)), by="admin")
    assert refused.value.field == "windows[7].services"
    assert "8号窗口 (window 8): services = [] is not allowed" in str(refused.value)
    assert len(store.config_versions()) == 1


def test_a_service_removed_with_nobody_left_to_call_its_waiting_tickets_is_refused(hall, store):
    hall.issue_ticket("F")
    new = _without(hall.config, "F", window_ids=(1, 2, 4, 8))
    with pytest.raises(HallError) as refused:
        hall.apply_config(new, by="admin")
    assert refused.value.code == "service_unreachable"
    assert "综合咨询还有 1 人在等候" in refused.value.message
    assert len(store.config_versions()) == 1


def test_a_window_with_tickets_transferred_to_it_cannot_be_removed(hall):
    hall.open_window(1, "zhang", "张敏")
    hall.issue_ticket("A")
    hall.call_next(1)
    hall.transfer(1, "B", target_window=3)
    with pytest.raises(HallError) as refused:
        hall.apply_config(dataclasses.replace(hall.config, windows=tuple(w for w in hall.config.windows if w.id != 3)),
                          by="admin")
    assert refused.value.code == "window_in_use" and "A001 已转到3号窗口等候" in refused.value.message


def test_an_idle_window_is_removed_and_can_no_longer_be_signed_in_to(hall):
    hall.apply_config(dataclasses.replace(hall.config, windows=tuple(w for w in hall.config.windows if w.id != 6)),
                      by="admin")
    with pytest.raises(HallError) as refused:
        hall.open_window(6, "zhang", "张敏")
    assert refused.value.code == "unknown_window"


def test_every_reader_sees_the_new_version_at_once(busy):
    hall = busy
    hall.apply_config(_new_version(hall.config), by="admin")
    a = next(s for s in hall.services_json() if s["code"] == "A")
    assert a["matters"][0]["materials"] == ["申请书", "营业执照"]
    assert hall.engine.config is hall.config and hall.ser.config is hall.config
    assert [w["id"] for w in hall.snapshot()["windows"]] == [1, 2, 3, 4, 5, 7, 8, 9]
    rules = dataclasses.replace(hall.config.ratings, case_deadline_days=9)
    hall.apply_config(dataclasses.replace(hall.config, ratings=rules, calendar=dataclasses.replace(
        hall.config.calendar, extra_holidays=(hall.state.business_day,))), by="admin")
    assert hall.workdays.is_workday(hall.state.business_day) is False
