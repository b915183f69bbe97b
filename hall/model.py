"""The hall's nouns as frozen dataclasses: services, windows, tickets, window states.

Configuration (Service, Window, HallConfig) says what the hall has; Ticket and
WindowState say what is happening today. The engine returns new instances,
never mutates old ones.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Optional

# Ticket states. OPEN_STATES are still in the hall's hands; the rest are final.
WAITING, CALLED, SERVING = "waiting", "called", "serving"
FINISHED, NO_SHOW, CANCELLED, EXPIRED = "finished", "no_show", "cancelled", "expired"
OPEN_STATES = frozenset({WAITING, CALLED, SERVING})
TICKET_STATES = (WAITING, CALLED, SERVING, FINISHED, NO_SHOW, CANCELLED, EXPIRED)

# Window states.
CLOSED, OPEN, PAUSED = "closed", "open", "paused"
WINDOW_STATES = (CLOSED, OPEN, PAUSED)
PAUSE_REASONS = ("break", "meeting", "helping", "other")

# The national five rating levels (GB/T 39734-2020), best first.
RATING_LEVELS = ("very_satisfied", "satisfied", "basic", "dissatisfied", "very_dissatisfied")
RATING_NAMES = {
    "very_satisfied": "非常满意",
    "satisfied": "满意",
    "basic": "基本满意",
    "dissatisfied": "不满意",
    "very_dissatisfied": "非常不满意",
}


@dataclass(frozen=True)
class Matter:
    """One matter (事项) of a service, with everything the citizen must bring (一次性告知)."""
    code: str
    name: str
    name_en: str
    materials: tuple[str, ...] = ()
    materials_en: tuple[str, ...] = ()    # the same list in English, one for one (empty: the kiosk shows the Chinese)
    time_limit_days: Optional[int] = None  # the promised time to finish (限时办结), in working days
    service_limit_minutes: Optional[int] = None  # a step served longer than this is over its time limit (None: the service's)


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    name_en: str
    prefix: str
    digits: int = 3
    matters: tuple[Matter, ...] = ()
    real_name: bool = False                 # tickets need an ID number
    # Removed by a later configuration while its tickets were still open: they are called and served as
    # before (hall/reconfigure.py), but it issues no ticket, takes no transfer, and is in no export.
    retired: bool = False
    person_daily_limit: Optional[int] = None
    daily_quota: Optional[int] = None
    hours: tuple[tuple[time, time], ...] = ()  # issuing periods; empty: all day
    average_minutes: float = 6.0            # service time assumed before today's figures exist
    # Electronic supervision (电子监察), this service's own thresholds; None: the hall's ([alarms]), 0: never.
    alarm_wait_minutes: Optional[int] = None
    alarm_queue_length: Optional[int] = None
    service_limit_minutes: Optional[int] = None  # a step served longer is over its time limit (None: [ratings]'s)

    def matter(self, code: str) -> Optional[Matter]:
        return next((m for m in self.matters if m.code == code), None)


@dataclass(frozen=True)
class Window:
    id: int
    name: str
    name_en: str
    services: tuple[str, ...]               # its own services: called first
    helps: tuple[str, ...] = ()             # called only when its own have nobody waiting (跨窗通办)
    breaks: tuple[tuple[time, time], ...] = ()  # scheduled breaks (a lunch rotation): the estimate counts them
    # Electronic supervision (电子监察), this window's own thresholds; None: the hall's ([alarms]), 0: never.
    alarm_pause_minutes: Optional[int] = None
    alarm_unstaffed_minutes: Optional[int] = None
    a_holder: Optional[str] = None          # AB岗: the username of the window's A holder (its own clerk)
    b_holder: Optional[str] = None          # ...and of its B holder, who covers it when A is away

    def post_of(self, username: Optional[str]) -> Optional[str]:
        """The post `username` holds at this window: "A", "B", or None (neither holder)."""
        if username is None:
            return None
        return "A" if username == self.a_holder else "B" if username == self.b_holder else None


@dataclass(frozen=True)
class PriorityCategory:
    code: str
    name: str
    name_en: str


@dataclass(frozen=True)
class QueueRules:
    priority_categories: tuple[PriorityCategory, ...] = ()
    priority_ratio: int = 2          # priority calls allowed per ordinary call while ordinary tickets wait
    max_recalls: int = 2             # a further recall makes the ticket a no-show
    rejoin_minutes: int = 30         # a no-show may rejoin within this time (过号重排)
    rejoin_after: int = 2            # ...placed after this many waiting tickets
    transfer_keeps_place: bool = True  # a transferred ticket keeps its original time (else: head of queue)
    day_end: Optional[time] = None   # open tickets expire at this time
    holidays: tuple[date, ...] = ()
    estimate_sample: int = 30        # recent services averaged for the estimated wait
    estimate_futures: int = 40       # sampled futures whose median is the estimate (0: one future of averages)

    def category(self, code: str) -> Optional[PriorityCategory]:
        return next((c for c in self.priority_categories if c.code == code), None)


@dataclass(frozen=True)
class AppointmentRules:
    checkin_before_minutes: int = 30
    checkin_after_minutes: int = 15
    late_becomes_ordinary: bool = True
    block_after_no_shows: int = 0    # 0: never block
    block_window_days: int = 90      # no-shows counted over this many days
    block_days: int = 30             # how long a blocked ID stays blocked


@dataclass(frozen=True)
class NotifyRules:
    url: Optional[str] = None        # the hall's SMS gateway webhook
    when_ahead: int = 3              # tell it when a ticket has this many people ahead
    timeout_seconds: float = 3.0
    base_url: str = ""               # the hall server's address as phones reach it, for progress links


@dataclass(frozen=True)
class RatingReason:
    """One reason a citizen may give for a bad rating (态度不好, 效率低, ...)."""
    code: str
    name: str
    name_en: str


DEFAULT_BAD_REASONS = (
    RatingReason("attitude", "态度不好", "Unfriendly"),
    RatingReason("slow", "效率低", "Slow"),
    RatingReason("not_told_once", "未一次告知", "Not told everything at once"),
    RatingReason("unclear_materials", "材料要求不清楚", "Unclear which documents to bring"),
    RatingReason("long_wait", "等候时间长", "Waited too long"),
    RatingReason("other", "其他", "Other"),
)


@dataclass(frozen=True)
class RatingRules:
    phone_hours: float = 24.0          # a served step may be rated on the phone this long after it ended
    reasons: tuple[RatingReason, ...] = DEFAULT_BAD_REASONS
    comment_chars: int = 500           # the longest free text with a bad rating
    case_deadline_days: int = 5        # working days to rectify a bad rating put on the ledger
    service_level_minutes: int = 15    # the service level: share of steps called within this many minutes
    service_limit_minutes: Optional[int] = None  # a served step longer than this is a time-limit breach

    def reason(self, code: str) -> Optional[RatingReason]:
        return next((r for r in self.reasons if r.code == code), None)


@dataclass(frozen=True)
class CalendarRules:
    """Days the official calendar (the chinese-calendar package) does not know yet, given by the hall."""
    extra_holidays: tuple[date, ...] = ()
    extra_workdays: tuple[date, ...] = ()   # make-up working days (调休), weekends that are worked


@dataclass(frozen=True)
class AlarmRules:
    """The hall's thresholds of electronic supervision (电子监察, hall/alarms.py); 0: never raised.

    A service's `alarm_wait_minutes` / `alarm_queue_length` and a window's `alarm_pause_minutes` /
    `alarm_unstaffed_minutes` override them for that service or window.
    """
    wait_minutes: int = 30           # a ticket waiting longer than this: long_wait
    queue_length: int = 20           # more tickets waiting than this in one line: long_queue
    pause_minutes: int = 30          # a window paused longer than this, counted in opening hours: window_paused
    unstaffed_minutes: int = 15      # a window nobody is signed in at longer than this, in opening hours
    device_minutes: int = 1          # a device faulted or offline this long (0: at once): device_fault
    hours: tuple[tuple[time, time], ...] = ()  # opening hours; empty: the services' issuing hours
    open_days: str = "workdays"      # workdays (the official calendar, hall/workdays.py) or every_day


@dataclass(frozen=True)
class PrivacyRules:
    """How long the hall keeps personal data (个人信息保护法): ID hashes and masks, appointment names,
    bad ratings' own words. Older, they are cleared (hall/privacy.py); every figure stays."""
    keep_days: int = 180


@dataclass(frozen=True)
class CityLink:
    """[city]: where the hall sends its records (三级联动, hall/sender.py); no link while `url` is not given.
    The key is read from `key_file`, never kept in the configuration (which is versioned, exported
    and shown to admins)."""
    url: Optional[str] = None         # the city centre's address, such as "https://city.example:8100"
    key_file: Optional[str] = None    # the file holding the key `hallq city hall add` printed
    batch: int = 500                  # records per request


@dataclass(frozen=True)
class BackupRules:
    """The nightly backup the server takes of its own database (hall/backup.py); none while
    `directory` is not given. `keep` is how many of its nightly files are kept, newest first."""
    directory: Optional[str] = None   # absolute, or relative to the data directory
    at: time = time(2, 30)            # the hall's local time of day it is taken at (or at start, if missed)
    keep: int = 14


@dataclass(frozen=True)
class HallConfig:
    name: str
    name_en: str
    timezone: str
    services: tuple[Service, ...]
    windows: tuple[Window, ...]
    queue: QueueRules = QueueRules()
    appointments: AppointmentRules = AppointmentRules()
    notify: NotifyRules = NotifyRules()
    devices: dict = field(default_factory=dict, hash=False, compare=False)
    # Origins (scheme://host:port) the hall's pages may be opened at besides the server's own address.
    origins: tuple[str, ...] = ()
    ratings: RatingRules = RatingRules()
    calendar: CalendarRules = CalendarRules()
    alarms: AlarmRules = AlarmRules()
    privacy: PrivacyRules = PrivacyRules()
    backup: BackupRules = BackupRules()
    code: str = "hall"                 # the hall's code in the city's records (三级联动)
    tier: str = "city"                 # city, township or village: the hall's place in the three tiers
    parent: Optional[str] = None       # the code of the hall above it (a village's township)
    city: CityLink = CityLink()
    source: str = "<embedded>"

    def service(self, code: str) -> Optional[Service]:
        return next((s for s in self.services if s.code == code), None)

    def window(self, window_id: int) -> Optional[Window]:
        return next((w for w in self.windows if w.id == window_id), None)


@dataclass(frozen=True)
class Call:
    at: datetime
    window: int


@dataclass(frozen=True)
class Step:
    """One finished step of a visit: the service it waited for and how it ended.

    A visit that is transferred, or that rejoins after a no-show, has several
    steps; waiting and service time are counted per step.
    """
    service: str
    queued_at: datetime
    calls: tuple[Call, ...]
    started_at: Optional[datetime]
    ended_at: datetime
    outcome: str                 # transferred, no_show
    window: Optional[int]
    staff: Optional[str]
    joined_at: Optional[datetime] = None  # when it joined this line (its place may be earlier: queued_at)
    post: Optional[str] = None            # "A" or "B": the post `staff` held at `window` (AB岗), or None


APPOINTMENT = "appointment"     # the priority class of a checked-in appointment


@dataclass(frozen=True)
class Ticket:
    id: int
    business_day: date
    service: str
    number: str
    serial: int  # the daily number within the service: A007 -> 7
    status: str
    issued_at: datetime
    calls: tuple[Call, ...] = ()
    started_at: Optional[datetime] = None
    finished_at: Optional[datetime] = None
    window: Optional[int] = None
    staff: Optional[str] = None
    token: str = ""                       # unguessable: the phone progress page /t/<token>
    queued_at: Optional[datetime] = None  # its place in line in this step (issued_at unless moved)
    priority: Optional[str] = None        # a green-channel category, or "appointment"
    matter: Optional[str] = None
    appointment: Optional[str] = None     # the appointment code it checked in with
    id_hash: Optional[str] = None         # keyed hash of the ID number (real-name tickets)
    id_masked: Optional[str] = None
    target_window: Optional[int] = None   # transferred to this window only
    steps: tuple[Step, ...] = ()
    print_status: Optional[str] = None    # printed, not_printed (to reprint); None: no printer
    joined_at: Optional[datetime] = None  # when this step joined its line (a transfer or rejoin); None: issued_at
    post: Optional[str] = None            # "A" or "B": the post `staff` held at `window` when calling it (AB岗)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    @property
    def place(self) -> datetime:
        return self.queued_at or self.issued_at

    def matter_of(self, service: str) -> Optional[str]:
        """The matter of this ticket's step for `service`: a matter is chosen for the service the
        ticket was issued for (its first step's), and a transfer keeps it on the ticket, not on
        the later services' steps."""
        issued_for = self.steps[0].service if self.steps else self.service
        return self.matter if service == issued_for else None


@dataclass(frozen=True)
class WindowState:
    id: int
    status: str = CLOSED
    staff: Optional[str] = None       # username of the signed-in staff member
    staff_name: Optional[str] = None
    pause_reason: Optional[str] = None
    current: Optional[int] = None     # ticket id being called or served
    since: Optional[datetime] = None  # when status last changed
    priority_streak: int = 0          # priority calls in a row while ordinary tickets waited
    post: Optional[str] = None        # "A" or "B": the post `staff` holds at this window (AB岗), or None


@dataclass(frozen=True)
class Appointment:
    code: str
    service: str
    day: date
    slot_start: time
    slot_end: time
    name: str
    id_hash: Optional[str]
    id_masked: Optional[str]
    status: str = "booked"          # booked, checked_in, no_show, cancelled
    ticket_id: Optional[int] = None
    matter: Optional[str] = None    # the matter booked, when the booking says (one of the service's)


RATING_CHANNELS = ("rater", "tablet", "phone")
BAD_LEVELS = RATING_LEVELS[3:]


@dataclass(frozen=True)
class Rating:
    """A citizen's rating of one served step of a ticket (一次一评: one per ticket per step)."""
    ticket_id: int
    business_day: date    # the business day of the step rated
    window: int
    staff: Optional[str]
    level: Optional[str]  # None: the citizen did not rate (kept as its own figure)
    channel: str          # rater, tablet, phone
    device: Optional[str]
    at: datetime
    step: int = 0         # which step of the visit: 0, then 1 after a transfer or a rejoin
    number: str = ""
    service: str = ""
    matter: Optional[str] = None
    reasons: tuple[str, ...] = ()   # a bad rating's reason codes (RatingRules.reasons)
    comment: str = ""               # a bad rating's free text


@dataclass(frozen=True)
class Alarm:
    """An alarm of electronic supervision (电子监察): raised once while its condition holds, acknowledged
    by a manager, cleared when the condition ends (hall/alarms.py). Open while `cleared_at` is None."""
    id: int
    kind: str                 # one of assess.records.ALARM_KINDS
    subject: str              # what it is about: a service code, a window id, a ticket id, a device id, a case id
    business_day: date        # the business day it was raised on
    raised_at: datetime
    detail: dict = field(default_factory=dict, hash=False, compare=False)  # as it was when raised, JSON-ready
    acknowledged_by: Optional[str] = None
    acknowledged_at: Optional[datetime] = None
    note: str = ""
    cleared_at: Optional[datetime] = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.subject)

    @property
    def is_open(self) -> bool:
        return self.cleared_at is None
