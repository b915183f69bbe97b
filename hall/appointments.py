"""Appointments (预约) from a CSV file or the API, validated into Appointment records.

CSV columns (a header row, UTF-8, with or without BOM):
code,service,date,slot,name,id_number — slot is "09:00-09:30"; id_number may
be left out, and an optional `matter` column names the matter booked (one of
the service's matters, by code), which the ticket then carries.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date, time

from hall import idnumber
from hall.errors import HallError
from hall.model import Appointment, HallConfig

COLUMNS = ("code", "service", "date", "slot", "name", "id_number")
_SLOT = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–~]\s*(\d{1,2}:\d{2})\s*$")
MAX_ROWS = 20_000   # one import; a 2 MiB file of one-character lines would otherwise be a million dicts


def _too_many() -> HallError:
    return HallError("invalid_appointment", f"一次最多导入 {MAX_ROWS} 条预约，请把文件分成几份导入；未导入任何预约。",
                     f"At most {MAX_ROWS} appointments per import; split the file. Nothing was imported.", 400)


def read_csv(text: str) -> list[dict]:
    """Rows of an appointments CSV as dicts; a missing column is refused by name, an unreadable row by number."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    rows: list[dict] = []
    fieldnames = None
    try:
        fieldnames = reader.fieldnames or []
        missing = [c for c in COLUMNS if c not in fieldnames and c != "id_number"]
        if missing:
            raise HallError("invalid_appointment", f"预约文件缺少列：{', '.join(missing)}。第一行应为：{','.join(COLUMNS)}",
                            f"The appointments file lacks columns {', '.join(missing)}; the header must be {','.join(COLUMNS)}.", 400)
        for row in reader:
            if len(rows) == MAX_ROWS:
                raise _too_many()
            rows.append(row)
    except csv.Error as exc:   # a field over csv's 128 KiB limit, a quote left open, ...
        if fieldnames is None:
            where, where_en = "第一行（表头）", "the header"
        else:
            where = f"第{len(rows) + 1}条预约（文件第{reader.line_num + 1}行起）"
            where_en = f"appointment {len(rows) + 1} (from line {reader.line_num + 1} of the file)"
        reason = "有一项超过 128 KB" if "field limit" in str(exc) else f"格式错误：{exc}"
        raise HallError("invalid_appointment", f"预约文件{where}无法读取（{reason}），请检查该行的引号和内容；未导入任何预约。",
                        f"The appointments file cannot be read at {where_en} ({exc}); check its quotes and contents. "
                        "Nothing was imported.", 400) from None
    return rows


def parse_rows(rows: list[dict], config: HallConfig, id_key: bytes) -> list[Appointment]:
    """Validate every row; the first bad one is refused with its row number and what to fix."""
    if len(rows) > MAX_ROWS:
        raise _too_many()
    out, codes = [], set()
    for i, row in enumerate(rows, start=1):
        def bad(zh, en):
            raise HallError("invalid_appointment", f"第{i}条预约：{zh}", f"Appointment {i}: {en}", 400)
        if not isinstance(row, dict):
            bad("格式不对，应为对象。", "must be an object.")
        code = str(row.get("code") or "").strip().upper()
        if not re.fullmatch(r"[A-Z0-9-]{4,32}", code):
            bad("预约码应为 4 至 32 位字母或数字。", "code must be 4 to 32 letters or digits.")
        if code in codes:
            bad(f"预约码 {code} 重复。", f"code {code} appears twice.")
        codes.add(code)
        service = str(row.get("service") or "").strip()
        if config.service(service) is None:
            bad(f"没有代码为 {service!r} 的业务。", f"no service {service!r}.")
        try:
            day = date.fromisoformat(str(row.get("date") or "").strip())
        except ValueError:
            bad("日期应写成 2026-11-27 的形式。", "date must look like 2026-11-27.")
        m = _SLOT.match(str(row.get("slot") or ""))
        try:
            start, end = time.fromisoformat(m.group(1).zfill(5)), time.fromisoformat(m.group(2).zfill(5))
        except (AttributeError, ValueError):
            start = end = None
        if start is None or start >= end:
            bad("时段应写成 09:00-09:30 的形式。", "slot must look like 09:00-09:30.")
        name = str(row.get("name") or "").strip()
        if not name:
            bad("缺少姓名。", "name is missing.")
        matter = str(row.get("matter") or "").strip() or None
        if matter is not None and not any(m.code == matter for m in config.service(service).matters):
            known = ", ".join(m.code for m in config.service(service).matters) or "无 (none)"
            bad(f"业务 {service} 没有事项 {matter!r}，可填：{known}，或留空。",
                f"service {service} has no matter {matter!r}; use one of: {known}, or leave it empty.")
        raw_id = str(row.get("id_number") or "").strip()
        wrong = idnumber.explain(raw_id) if raw_id else None
        if wrong:
            bad(*wrong)
        out.append(Appointment(code=code, service=service, day=day, slot_start=start, slot_end=end, name=name,
                               id_hash=idnumber.keyed_hash(raw_id, id_key) if raw_id else None,
                               id_masked=idnumber.mask(raw_id) if raw_id else None, matter=matter))
    return out
