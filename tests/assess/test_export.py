"""A figures table as XLSX, CSV and text (assess/export.py): the cells, formats and headers people open."""
from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date, timedelta

import openpyxl

from assess.export import COLUMNS, Report, text_table, write_csv, write_xlsx
from assess.figures import ROW_FIGURES, FigureSettings, figures

EMPTY = figures([], [], [], by="total", settings=FigureSettings(), today=date(2026, 12, 1))[0]
ZHANG = replace(EMPTY, key="zhang", tickets=120, served=110, avg_wait=754.5, p90_wait=1500.0, rated=100,
                very_satisfied=90, satisfied=5, basic=0, dissatisfied=5, bad=5, satisfaction=0.95)
NOBODY = replace(EMPTY, key=None, tickets=3, steps=3, cancellations=3)
TOTAL = replace(ZHANG, key="total", tickets=123, satisfaction=0.95, avg_wait=3725.0)
REPORT = Report(rows=[ZHANG, NOBODY], by="staff", start=date(2026, 11, 1), end=date(2026, 11, 30),
                hall="示范市政务服务中心", hall_en="Demo City Government Service Centre", total=TOTAL,
                labels={"zhang": "张敏"})


def column(name: str) -> int:
    """The 1-based column of a figure: after the key and the name."""
    return 3 + ROW_FIGURES.index(name)


def test_every_figure_of_a_row_has_a_column():
    assert set(COLUMNS) == set(ROW_FIGURES)


def test_the_xlsx_has_a_title_two_header_rows_and_formatted_cells():
    out, seen = io.BytesIO(), []
    write_xlsx(REPORT, out, progress=lambda done, total: seen.append((done, total)))
    wb = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    assert wb.sheetnames == ["统计报表", "指标说明"]
    ws = wb["统计报表"]
    assert ws["A1"].value == "示范市政务服务中心 统计报表 · 按工作人员 · 2026-11-01 至 2026-11-30"
    assert ws["A2"].value == "Demo City Government Service Centre: figures by staff, 2026-11-01 to 2026-11-30"
    assert [c.value for c in ws[3]][:5] == ["工作人员", "名称", "取号数", "环节数", "叫号数"]
    assert [c.value for c in ws[4]][:5] == ["Staff", "Name", "Tickets", "Steps", "Called"]
    assert ws.cell(3, column("satisfaction")).value == "满意率"
    assert ws.freeze_panes == "C5"

    zhang = {c.column: c for c in ws[5]}
    assert (zhang[1].value, zhang[2].value) == ("zhang", "张敏")
    assert (zhang[column("tickets")].value, zhang[column("tickets")].number_format) == (120, "0")
    wait = zhang[column("avg_wait")]
    # Stored as 754.5 / 86400 of a day, a duration Excel shows 0:12:35 (openpyxl reads it back as one).
    assert (wait.value, wait.number_format) == (timedelta(seconds=754.5), "[h]:mm:ss")
    rate = zhang[column("satisfaction")]
    assert (rate.value, rate.number_format) == (0.95, "0.0%")
    assert zhang[column("service_level")].value is None          # nothing to divide: empty, not 0
    assert [c.value for c in ws[6]][:4] == ["无工作人员", None, 3, 3]
    total = [c for c in ws[7]]
    assert (total[0].value, total[0].font.b, total[column("tickets") - 1].value) == ("合计 Total", True, 123)
    assert ws.max_row == 7
    assert seen == [(0, 3), (1, 3), (2, 3), (3, 3)]

    notes = wb["指标说明"]
    assert [c.value for c in notes[2]] == ["tickets", "取号数", "Tickets", "个 count"]
    assert [c.value for c in notes[1 + 1 + ROW_FIGURES.index("avg_wait")]] == [
        "avg_wait", "平均等候时间", "Average wait", "时:分:秒 h:mm:ss"]


def test_the_csv_opens_in_excel_as_chinese_with_units_in_the_headers():
    out = io.BytesIO()
    write_csv(REPORT, out)
    data = out.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")                      # the BOM Excel looks for
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["示范市政务服务中心 统计报表 · 按工作人员 · 2026-11-01 至 2026-11-30"]
    assert rows[1][column("avg_wait") - 1] == "平均等候时间（秒）"
    assert rows[2][column("satisfaction") - 1] == "Satisfaction (%)"
    zhang = rows[3]
    assert zhang[:3] == ["zhang", "张敏", "120"]
    assert (zhang[column("avg_wait") - 1], zhang[column("satisfaction") - 1]) == ("754.5", "95.00")
    assert zhang[column("service_level") - 1] == ""
    assert rows[5][:3] == ["合计 Total", "", "123"] and len(rows) == 6


def test_the_text_table_lines_up_chinese_headers():
    text = text_table(REPORT, figures=("tickets", "avg_wait", "satisfaction"))
    assert text.splitlines() == [
        "示范市政务服务中心 统计报表 · 按工作人员 · 2026-11-01 至 2026-11-30",
        "工作人员    名称  取号数  平均等候时间  满意率",
        "----------------------------------------------",
        "zhang       张敏     120         12:35   95.0%",
        "无工作人员             3             —       —",
        "----------------------------------------------",
        "合计 Total           123       1:02:05   95.0%",
    ]
