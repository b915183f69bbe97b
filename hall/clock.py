"""Time for the hall. The engine never reads the clock itself: it is handed `now`."""
from datetime import datetime, timezone


def system_now() -> datetime:
    """The current time, timezone-aware (UTC); callers convert to the hall's zone."""
    return datetime.now(timezone.utc)


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs) -> datetime:
        from datetime import timedelta
        self.now = self.now + timedelta(**kwargs)
        return self.now
