"""A table of figures (assess/figures.py) as a file people open: CSV, XLSX, or text for the terminal.

Every format has the same shape: a title naming the hall, the slice and the date
range; a header row in Chinese and one in English under it; a row per group
(the key, its name when known, then every figure in Row's order); and the total.

- XLSX (openpyxl, write-only, so it streams): times are Excel durations shown
  h:mm:ss, rates fractions shown as percentages, nothing to divide an empty
  cell. A second sheet defines each column.
- CSV: UTF-8 with a byte-order mark, so Excel opens the Chinese as Chinese;
  times in seconds, rates in percent, the unit in the header.
- Text: an aligned table of the main figures, for `hallq report`.

`progress(done, total)` is called as rows are written, for a page or a terminal.
"""
from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any, Callable, Mapping, Optional, Sequence, Union

from assess.figures import ROW_FIGURES, Row

Progress = Callable[[int, int], None]
COUNT, SECONDS, RATE = "count", "seconds", "rate"

# Every figure of a Row: (中文, English, kind). Names as docs/assessment.md gives them.
COLUMNS: dict[str, tuple[str, str, str]] = {
    "tickets": ("取号数", "Tickets", COUNT),
    "steps": ("环节数", "Steps", COUNT),
    "called": ("叫号数", "Called", COUNT),
    "called_within": ("限时内叫号数", "Called in time", COUNT),
    "answered": ("应答数", "Answered", COUNT),
    "served": ("办理数", "Served", COUNT),
    "no_shows": ("过号数", "No-shows", COUNT),
    "transfers": ("转移数", "Transfers", COUNT),
    "cancellations": ("取消数", "Cancellations", COUNT),
    "expired": ("过期数", "Expired", COUNT),
    "open": ("进行中", "Open", COUNT),
    "breaches": ("超时办结数", "Over time limit", COUNT),
    "served_as_a": ("A岗办理数", "Served as A post", COUNT),
    "served_as_b": ("B岗办理数", "Served as B post", COUNT),
    "avg_wait": ("平均等候时间", "Average wait", SECONDS),
    "p90_wait": ("90%等候时间", "90th percentile wait", SECONDS),
    "avg_service": ("平均办理时间", "Average service time", SECONDS),
    "p90_service": ("90%办理时间", "90th percentile service time", SECONDS),
    "service_level": ("服务水平", "Service level", RATE),
    "no_show_rate": ("过号率", "No-show rate", RATE),
    "very_satisfied": ("非常满意", "Very satisfied", COUNT),
    "satisfied": ("满意", "Satisfied", COUNT),
    "basic": ("基本满意", "Basically satisfied", COUNT),
    "dissatisfied": ("不满意", "Dissatisfied", COUNT),
    "very_dissatisfied": ("非常不满意", "Very dissatisfied", COUNT),
    "rated": ("评价数", "Rated", COUNT),
    "bad": ("差评数", "Bad ratings", COUNT),
    "excluded": ("申诉剔除数", "Excluded on appeal", COUNT),
    "unrated": ("未评价数", "Unrated", COUNT),
    "satisfaction": ("满意率", "Satisfaction", RATE),
    "unrated_share": ("未评价率", "Unrated share", RATE),
    "cases_opened": ("差评工单数", "Cases opened", COUNT),
    "cases_upheld": ("申诉成立数", "Appeals upheld", COUNT),
    "cases_closed": ("工单办结数", "Cases closed", COUNT),
    "cases_rectified": ("整改数", "Cases rectified", COUNT),
    "cases_called_back": ("回访数", "Cases called back", COUNT),
    "cases_overdue": ("逾期数", "Cases overdue", COUNT),
    "rectification_rate": ("整改率", "Rectification rate", RATE),
    "callback_rate": ("回访率", "Callback rate", RATE),
}
# The slices a table can be of, as `figures(by=...)` names them.
DIMENSION_NAMES: dict[str, tuple[str, str]] = {
    "staff": ("工作人员", "Staff"), "window": ("窗口", "Window"), "service": ("业务", "Service"),
    "matter": ("事项", "Matter"), "hall": ("大厅", "Hall"), "day": ("日期", "Day"), "month": ("月份", "Month"),
    "total": ("合计", "Total"),
}
# What a None key means in each slice (docs/assessment.md, Groups).
_NONE_KEYS = {"staff": "无工作人员", "window": "未叫号", "matter": "未选事项"}
# The figures the terminal's table shows; the files have them all.
TABLE_FIGURES = ("tickets", "served", "no_shows", "transfers", "avg_wait", "p90_wait", "avg_service",
                 "service_level", "rated", "satisfaction", "bad", "unrated_share", "cases_opened",
                 "rectification_rate", "cases_overdue")


@dataclass(frozen=True)
class Report:
    """A figures table and what it is of: `figures(..., by=by)` over the business days start..end."""
    rows: Sequence[Row]
    by: Union[str, tuple[str, ...]]
    start: date
    end: date
    hall: str                                   # the hall's name, as its file names it
    hall_en: str = ""
    total: Optional[Row] = None                 # figures(..., by="total")[0], written last
    labels: Mapping[Any, str] = field(default_factory=dict)   # key -> its name (a clerk's, a window's, ...)

    @property
    def dimensions(self) -> tuple[str, ...]:
        return (self.by,) if isinstance(self.by, str) else tuple(self.by)

    def title(self) -> tuple[str, str]:
        """The title in Chinese and in English."""
        zh = "、".join(DIMENSION_NAMES[d][0] for d in self.dimensions)
        en = ", ".join(DIMENSION_NAMES[d][1].lower() for d in self.dimensions)
        span = self.start.isoformat() if self.start == self.end else f"{self.start.isoformat()} 至 {self.end.isoformat()}"
        span_en = self.start.isoformat() if self.start == self.end else f"{self.start.isoformat()} to {self.end.isoformat()}"
        return (f"{self.hall} 统计报表 · 按{zh} · {span}",
                f"{self.hall_en or self.hall}: figures by {en}, {span_en}")


def _figures() -> tuple[str, ...]:
    missing = [f for f in ROW_FIGURES if f not in COLUMNS]
    if missing:   # a figure added to Row without a column here would be silently dropped
        raise KeyError(f"assess/export.py has no column for {', '.join(missing)}")
    return ROW_FIGURES


def _key_cells(report: Report, row: Row, total: bool) -> list:
    """The key column(s) and, when the report has labels, the name column."""
    dims = report.dimensions
    if total:
        cells = ["合计 Total"] + [None] * (len(dims) - 1)
    else:
        parts = row.key if len(dims) > 1 else (row.key,)
        cells = [_key_text(d, k) for d, k in zip(dims, parts)]
    if report.labels:
        cells.append(None if total else report.labels.get(row.key))
    return cells


def _key_text(dim: str, key) -> Union[str, int]:
    if key is None:
        return _NONE_KEYS.get(dim, "—")
    if isinstance(key, date):
        return key.isoformat()
    return key


def _key_headers(report: Report) -> tuple[list[str], list[str]]:
    zh = [DIMENSION_NAMES[d][0] for d in report.dimensions]
    en = [DIMENSION_NAMES[d][1] for d in report.dimensions]
    if report.labels:
        zh.append("名称")
        en.append("Name")
    return zh, en


def _all_rows(report: Report) -> list[tuple[Row, bool]]:
    rows = [(r, False) for r in report.rows]
    if report.total is not None:
        rows.append((report.total, True))
    return rows


# -- XLSX ------------------------------------------------------------------------

_XLSX_FORMATS = {COUNT: "0", SECONDS: "[h]:mm:ss", RATE: "0.0%"}


def write_xlsx(report: Report, out: Union[str, Path, IO[bytes]], progress: Optional[Progress] = None) -> None:
    """The report as an Excel workbook, written row by row (openpyxl's write-only mode)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    figures = _figures()
    rows = _all_rows(report)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("统计报表")
    key_zh, key_en = _key_headers(report)
    keys = len(key_zh)
    for i in range(1, keys + 1):
        ws.column_dimensions[get_column_letter(i)].width = 14
    for i in range(keys + 1, keys + len(figures) + 1):
        ws.column_dimensions[get_column_letter(i)].width = 11
    ws.freeze_panes = f"{get_column_letter(keys + 1)}5"
    ws.print_title_rows = "3:4"

    title_zh, title_en = report.title()
    bold, header_fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="center", horizontal="center")

    def cell(value, *, font=None, fill=None, fmt=None, align=None):
        c = WriteOnlyCell(ws, value=value)
        if font:
            c.font = font
        if fill:
            c.fill = fill
        if fmt:
            c.number_format = fmt
        if align:
            c.alignment = align
        return c

    ws.append([cell(title_zh, font=Font(bold=True, size=14))])
    ws.append([cell(title_en, font=Font(italic=True, color="595959"))])
    ws.append([cell(h, font=bold, fill=header_fill, align=wrap) for h in key_zh + [COLUMNS[f][0] for f in figures]])
    ws.append([cell(h, fill=header_fill, align=wrap, font=Font(color="595959"))
               for h in key_en + [COLUMNS[f][1] for f in figures]])
    kinds = [COLUMNS[f][2] for f in figures]
    total = len(rows)
    if progress:
        progress(0, total)
    for done, (row, is_total) in enumerate(rows, start=1):
        font = bold if is_total else None
        values = [cell(v, font=font) for v in _key_cells(report, row, is_total)]
        for name, kind in zip(figures, kinds):
            v = getattr(row, name)
            if v is not None and kind == SECONDS:
                v = v / 86400          # Excel keeps a duration as a fraction of a day
            values.append(cell(v, font=font, fmt=_XLSX_FORMATS[kind]))
        ws.append(values)
        if progress:
            progress(done, total)

    notes = wb.create_sheet("指标说明")
    notes.column_dimensions["A"].width = 20
    notes.column_dimensions["B"].width = 16
    notes.column_dimensions["C"].width = 30
    notes.append([cell(h, font=bold, fill=header_fill) for h in ("字段 Field", "中文", "English", "单位 Unit")])
    units = {COUNT: "个 count", SECONDS: "时:分:秒 h:mm:ss", RATE: "百分比 percent"}
    for name in figures:
        zh, en, kind = COLUMNS[name]
        notes.append([name, zh, en, units[kind]])
    notes.append([])
    notes.append(["各指标的定义见 docs/assessment.md；空格表示没有可计算的数据（不是 0）。"])
    notes.append(["docs/assessment.md defines every figure; an empty cell means nothing to compute it over (not 0)."])
    wb.save(out)


# -- CSV -------------------------------------------------------------------------

_CSV_UNITS = {COUNT: ("", ""), SECONDS: ("（秒）", " (s)"), RATE: ("（%）", " (%)")}


def write_csv(report: Report, out: Union[str, Path, IO[bytes]], progress: Optional[Progress] = None) -> None:
    """The report as CSV in UTF-8 with a byte-order mark: times in seconds, rates in percent."""
    if isinstance(out, (str, Path)):
        with open(out, "wb") as f:
            return write_csv(report, f, progress)
    figures = _figures()
    rows = _all_rows(report)
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    try:
        w = csv.writer(text)
        key_zh, key_en = _key_headers(report)
        w.writerow([report.title()[0]])
        w.writerow(key_zh + [COLUMNS[f][0] + _CSV_UNITS[COLUMNS[f][2]][0] for f in figures])
        w.writerow(key_en + [COLUMNS[f][1] + _CSV_UNITS[COLUMNS[f][2]][1] for f in figures])
        if progress:
            progress(0, len(rows))
        for done, (row, is_total) in enumerate(rows, start=1):
            w.writerow([_csv_value(v) for v in _key_cells(report, row, is_total)]
                       + [_csv_figure(getattr(row, f), COLUMNS[f][2]) for f in figures])
            if progress:
                progress(done, len(rows))
        text.flush()
    finally:
        text.detach()       # the caller's file stays open


def _csv_value(v) -> str:
    return "" if v is None else str(v)


def _csv_figure(v, kind: str) -> str:
    if v is None:
        return ""
    if kind == SECONDS:
        return f"{v:.1f}"
    if kind == RATE:
        return f"{100 * v:.2f}"
    return str(v)


# -- the terminal ------------------------------------------------------------------

def text_table(report: Report, figures: Sequence[str] = TABLE_FIGURES) -> str:
    """An aligned table of `figures` for a terminal, Chinese headers; wide characters count two columns."""
    key_zh, _ = _key_headers(report)
    header = key_zh + [COLUMNS[f][0] for f in figures]
    lines = []
    for row, is_total in _all_rows(report):
        lines.append([_csv_value(v) for v in _key_cells(report, row, is_total)]
                     + [_text_figure(getattr(row, f), COLUMNS[f][2]) for f in figures])
    keys = len(key_zh)
    widths = [max(_width(x) for x in col) for col in zip(header, *lines)]

    def fmt(cells):
        out = []
        for i, (c, w) in enumerate(zip(cells, widths)):
            pad = " " * (w - _width(c))
            out.append(c + pad if i < keys else pad + c)
        return "  ".join(out).rstrip()
    title_zh, _ = report.title()
    rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
    body = [fmt(cells) for cells in lines]
    if report.total is not None and len(body) > 1:
        body.insert(len(body) - 1, rule)
    return "\n".join([title_zh, fmt(header), rule, *body]) + "\n"


def _text_figure(v, kind: str) -> str:
    if v is None:
        return "—"
    if kind == SECONDS:
        s = int(v + 0.5)         # half a second up, as Excel shows a duration
        h, rest = divmod(s, 3600)
        return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"
    if kind == RATE:
        return f"{100 * v:.1f}%"
    return str(v)


def _width(text: str) -> int:
    """Columns a terminal gives the text: two for each wide (CJK) character."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
