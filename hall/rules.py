"""Whether a service may issue a ticket now, and to whom: hours, holidays, quotas, limits, blocks.

Pure: the hall hands in the configuration, today's tickets and the time.
Each refusal is a HallError with a stable code and one sentence the kiosk
shows as it is.
"""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Iterable, Optional

from hall.errors import HallError
from hall.model import CANCELLED, HallConfig, Service, Ticket


def origin_service(t: Ticket) -> str:
    """The service a ticket was issued for (a transfer moves it on, but quotas count where it began)."""
    return t.steps[0].service if t.steps else t.service


def _hm(t: time) -> str:
    return t.strftime("%H:%M")


def check_open(config: HallConfig, service: Service, local: datetime, day_closed: bool) -> None:
    """Refuse with `service_closed` outside the service's issuing hours, on holidays, after day end."""
    if local.date() in config.queue.holidays:
        raise HallError("service_closed", "今天是节假日，大厅不办理业务。", "The hall is closed today (holiday).")
    if day_closed or (config.queue.day_end and local.time() >= config.queue.day_end):
        raise HallError("service_closed", "今日取号已结束，请明天再来。", "Ticket issuing has ended for today.")
    if not service.hours:
        return
    now = local.time()
    for start, end in service.hours:
        if start <= now < end:
            return
    upcoming = [start for start, _ in service.hours if start > now]
    if upcoming and now >= service.hours[0][1]:
        raise HallError("service_closed", f"{service.name}午休暂停取号，{_hm(upcoming[0])}恢复。",
                        f"{service.name_en} is closed for the break; issuing resumes at {_hm(upcoming[0])}.")
    if upcoming:
        raise HallError("service_closed", f"{service.name}尚未开始取号，{_hm(upcoming[0])}开始。",
                        f"{service.name_en} starts issuing at {_hm(upcoming[0])}.")
    raise HallError("service_closed", f"{service.name}今日已停止取号，请明天再来。",
                    f"{service.name_en} has stopped issuing for today.")


def check_quota(service: Service, today: Iterable[Ticket]) -> None:
    if service.daily_quota is None:
        return
    issued = sum(1 for t in today if origin_service(t) == service.code)
    if issued >= service.daily_quota:
        raise HallError("quota_exhausted", f"{service.name}今日号已取完，请明天再来或预约。",
                        f"All of today's tickets for {service.name_en} are taken.")


def check_person(service: Service, today: Iterable[Ticket], id_hash: Optional[str],
                 blocked_until: Optional[date], day: date) -> None:
    """Real-name rules: an ID number when required, the block list, the per-person daily limit."""
    if service.real_name and not id_hash:
        raise HallError("id_required", f"{service.name}需要实名取号，请刷身份证或输入身份证号。",
                        f"{service.name_en} needs your ID number.", 400)
    if not id_hash:
        return
    if blocked_until is not None and blocked_until >= day:
        raise HallError("blocked", f"该证件因多次预约未到，暂停取号至{blocked_until.isoformat()}，如有疑问请咨询导办台。",
                        f"This ID is blocked until {blocked_until.isoformat()} after repeated missed appointments.", 403)
    if service.person_daily_limit is None:
        return
    mine = sum(1 for t in today if t.id_hash == id_hash and origin_service(t) == service.code and t.status != CANCELLED)
    if mine >= service.person_daily_limit:
        raise HallError("person_limit", f"您今日已取过{service.name}的号，每人每天限取{service.person_daily_limit}个。",
                        f"You already have today's ticket for {service.name_en} (limit {service.person_daily_limit}).")
