"""The alarm figures (assess/alarm_figures.py) from records, and the records read from a real hall's file."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from assess.alarm_figures import AlarmRow, alarm_figures
from assess.reader import Reader
from assess.records import ALARM_KINDS, AlarmRecord
from tests.conftest import TZ

DAY = date(2026, 11, 27)
T0 = datetime(2026, 11, 27, 9, 0, tzinfo=TZ)


def alarm(i, kind, ack_after=None, cleared_after=None):
    """An alarm raised at 09:00 + i minutes, acknowledged and cleared so many minutes after (None: not)."""
    raised = T0 + timedelta(minutes=i)
    return AlarmRecord("demo-city", i, kind, "A", DAY, raised, "manager" if ack_after is not None else None,
                       raised + timedelta(minutes=ack_after) if ack_after is not None else None,
                       raised + timedelta(minutes=cleared_after) if cleared_after is not None else None)


RECORDS = [alarm(i, "long_wait", ack, 60) for i, ack in enumerate((1, 2, 3, 4, 5, 6, 7, 8, 9, 30), start=1)] + [
    alarm(20, "long_wait", None, 10),          # cleared before anyone saw it
    alarm(21, "device_fault", 0.5, None),      # acknowledged at once, still faulted
    alarm(22, "bad_rating", None, None),       # nobody has looked yet
    alarm(23, "bad_rating", 90, 30),           # acknowledged after it cleared
    alarm(24, "some_later_kind", 2, None),     # a kind this HallQ does not know: the total only
]


def test_each_kind_has_its_row_then_the_total():
    rows = alarm_figures(RECORDS)
    assert [r.kind for r in rows] == list(ALARM_KINDS) + ["total"]
    got = {r.kind: r for r in rows}
    assert got["long_wait"] == AlarmRow("long_wait", raised=11, acknowledged=10, unacknowledged=1, still_open=0,
                                        avg_minutes_to_acknowledge=7.5, p90_minutes_to_acknowledge=9)
    assert got["device_fault"] == AlarmRow("device_fault", 1, 1, 0, 1, 0.5, 0.5)
    assert got["bad_rating"] == AlarmRow("bad_rating", 2, 1, 1, 1, 90, 90)
    assert got["long_queue"] == AlarmRow("long_queue", 0, 0, 0, 0, None, None)
    total = got["total"]
    assert (total.raised, total.acknowledged, total.unacknowledged, total.still_open) == (15, 13, 2, 3)
    assert total.avg_minutes_to_acknowledge == pytest.approx((75 + 0.5 + 90 + 2) / 13)
    assert total.p90_minutes_to_acknowledge == 30
    # additive: the kinds' counts sum to the total's (the unknown kind aside)
    known = [r for r in rows if r.kind in ALARM_KINDS]
    assert sum(r.raised for r in known) == total.raised - 1


def test_no_alarms_gives_rows_of_zeros():
    rows = alarm_figures([])
    assert all((r.raised, r.acknowledged, r.still_open, r.avg_minutes_to_acknowledge) == (0, 0, 0, None) for r in rows)


def test_the_reader_reads_the_alarms_the_hall_raised(hall, store, clock):
    for _ in range(21):
        hall.issue_ticket("B")
    hall.tick()                                         # 09:00: B's line is over 20
    clock.advance(minutes=4)
    hall.acknowledge_alarm(1, {"username": "manager", "role": "manager"}, "")
    clock.advance(days=1)
    hall.tick()                                         # the next day: the tickets expired, the line is gone
    with Reader(store.path, "demo-city") as reader:
        [record] = reader.alarms(DAY, DAY)
        assert reader.alarms(DAY + timedelta(days=1), DAY + timedelta(days=1)) == []
    assert record == AlarmRecord("demo-city", 1, "long_queue", "B", DAY, T0, "manager", T0 + timedelta(minutes=4),
                                 T0 + timedelta(days=1, minutes=4))
    [row] = [r for r in alarm_figures([record]) if r.kind == "long_queue"]
    assert (row.raised, row.acknowledged, row.still_open, row.avg_minutes_to_acknowledge) == (1, 1, 0, 4)
