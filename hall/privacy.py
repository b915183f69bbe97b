"""Personal data kept no longer than the hall needs it (个人信息保护法), while every figure stays.

`[privacy] keep_days` (docs/config.md): the personal data of business days older than that is
cleared — tickets' ID hashes and masks, appointments' names, ID hashes and masks, bad ratings' own
words, the same words and masks in the event log — by the hall's ticker once a day and by `hallq
purge`. The hall stores no phone numbers (the SMS gateway keeps its own). What the figures are
computed from (steps, times, windows, clerks and posts, levels, reasons, cases) is not touched, so
a report of any range is the same before and after a purge.

Days are cleared a week at a time, each week its own transaction, so the hall's one writer is never
held for long; a marker remembers the day cleared before, so each day's run clears one day.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

CHUNK_DAYS = 7
KINDS = ("tickets", "appointments", "ratings", "events", "blocks")


def cutoff(config, today: date) -> date:
    """The first business day whose personal data is kept: `keep_days` before `today`."""
    return today - timedelta(days=config.privacy.keep_days)


def purge(store, config, today: date, now: datetime, by: str) -> dict[str, int]:
    """Clear the personal data of every business day before `cutoff` not cleared yet; how many rows
    of each kind were changed. One audit row (`personal_data_purged`, by `by`) says what, when anything was."""
    end = cutoff(config, today)
    start = store.purged_before() or store.first_day()
    totals = dict.fromkeys(KINDS, 0)
    if start is None or start >= end:
        return totals
    first = start
    while start < end:
        stop = min(start + timedelta(days=CHUNK_DAYS), end)
        for kind, n in store.purge_personal_data(start, stop).items():
            totals[kind] += n
        start = stop
    if any(totals.values()):
        store.audit(now, by, "personal_data_purged", f"{first.isoformat()}..{(end - timedelta(days=1)).isoformat()}",
                    None, {"keep_days": config.privacy.keep_days, **totals})
    return totals
