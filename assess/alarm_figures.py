"""The figures of electronic supervision (电子监察): alarms per kind and how long acknowledging took.

Pure over the stored alarms (assess/records.py `AlarmRecord`, read by `Reader.alarms(start, end)`),
like assess/figures.py over steps and ratings: whoever computes them from the same records gets the
same figures. A range's alarms are those raised on its business days. docs/assessment.md defines
each figure.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

from assess.figures import _percentile      # the same nearest-rank p90 as every other figure
from assess.records import ALARM_KINDS, AlarmRecord

TOTAL = "total"
# The kinds as a report names them (the board's page scripts name them the same).
KIND_NAMES = {"long_wait": "等候超时", "long_queue": "排队过长", "service_overtime": "办理超时",
              "window_paused": "窗口暂停过久", "window_unstaffed": "窗口无人", "device_fault": "设备故障",
              "bad_rating": "差评", "case_overdue": "差评整改逾期", TOTAL: "合计"}


@dataclass(frozen=True)
class AlarmRow:
    """The alarm figures of one kind (or of all, `kind` "total"). Minutes; None: nothing acknowledged."""
    kind: str
    raised: int                           # alarms raised
    acknowledged: int                     # ... that a manager acknowledged (while open or after they cleared)
    unacknowledged: int                   # raised - acknowledged
    still_open: int                       # not cleared yet (as of the read)
    avg_minutes_to_acknowledge: Optional[float]   # from raised_at to acknowledged_at, over the acknowledged
    p90_minutes_to_acknowledge: Optional[float]


def alarm_figures(alarms: Iterable[AlarmRecord]) -> list[AlarmRow]:
    """One row per kind, in ALARM_KINDS order (a kind with no alarm has a row of zeros), then the total.

    A kind not in ALARM_KINDS (a later HallQ's, read by an older one) counts in the total only.
    """
    by_kind: dict[str, list[AlarmRecord]] = {k: [] for k in ALARM_KINDS}
    every = list(alarms)
    for a in every:
        if a.kind in by_kind:
            by_kind[a.kind].append(a)
    return [_row(k, records) for k, records in by_kind.items()] + [_row(TOTAL, every)]


def _row(kind: str, records: list[AlarmRecord]) -> AlarmRow:
    waits = sorted((a.acknowledged_at - a.raised_at).total_seconds() / 60 for a in records
                   if a.acknowledged_at is not None)
    return AlarmRow(kind=kind, raised=len(records), acknowledged=len(waits), unacknowledged=len(records) - len(waits),
                    still_open=sum(1 for a in records if a.cleared_at is None),
                    avg_minutes_to_acknowledge=sum(waits) / len(waits) if waits else None,
                    p90_minutes_to_acknowledge=_percentile(waits, 0.9))
