"""`hallq report`: a range's figures on the terminal or in a file, and one sentence for a wrong input."""
from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from config import load_config
from hall import auth
from hall.clock import FakeClock
from hall.hall import Hall
from hall.store import Store
from tests.conftest import TZ

ROOT = Path(__file__).resolve().parent.parent


def hallq(*args, cwd):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "hall.cli", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=60)


@pytest.fixture
def data_dir(tmp_path):
    """A hall's November: zhang serves A001 (2 min wait, rated satisfied), li serves B001 (4 min wait,
    rated very satisfied), F001 is cancelled."""
    data = tmp_path / "data"
    clock = FakeClock(datetime(2026, 11, 27, 9, 0, tzinfo=TZ))
    store = Store(data / "hallq.db")
    store.put_user("zhang", "张敏", "staff", auth.hash_password("a-good-password"), clock())
    hall = Hall(load_config(), store, clock=clock)
    hall.open_window(1, "zhang", "张敏")
    hall.open_window(3, "li", "李强")
    a, b, f = hall.issue_ticket("A"), hall.issue_ticket("B"), hall.issue_ticket("F")
    clock.advance(minutes=2)
    hall.call_next(1)
    clock.advance(minutes=1)
    hall.start(1)
    clock.advance(minutes=1)
    hall.call_next(3)
    hall.start(3)
    clock.advance(minutes=4)
    hall.finish(1)
    hall.record_rating(a.id, 1, "zhang", "satisfied")
    hall.cancel(f.number)
    clock.advance(minutes=6)
    hall.finish(3)
    hall.record_rating(b.id, 3, "li", "very_satisfied")
    hall.bus.close()
    store.close()
    return data


def test_the_table_shows_each_clerk_with_chinese_headers(data_dir, tmp_path):
    r = hallq("report", "--from", "2026-11-01", "--to", "2026-11-30", "--by", "staff", "--data-dir", str(data_dir),
              cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""                                          # no bar off a terminal
    lines = r.stdout.splitlines()
    assert lines[0] == "示范市政务服务中心 统计报表 · 按工作人员 · 2026-11-01 至 2026-11-30"
    assert lines[1].split() == ["工作人员", "名称", "取号数", "办理数", "过号数", "转移数", "平均等候时间",
                                "90%等候时间", "平均办理时间", "服务水平", "评价数", "满意率", "差评数", "未评价率",
                                "差评工单数", "整改率", "逾期数"]
    assert [line.split() for line in lines[3:]] == [
        ["li", "1", "1", "0", "0", "4:00", "4:00", "10:00", "100.0%", "1", "100.0%", "0", "0.0%", "0", "—", "0"],
        ["zhang", "张敏", "1", "1", "0", "0", "2:00", "2:00", "5:00", "100.0%", "1", "100.0%", "0", "0.0%", "0", "—",
         "0"],
        ["无工作人员", "1", "0", "0", "0", "—", "—", "—", "—", "0", "—", "0", "—", "0", "—", "0"],
        ["-" * len(lines[2])],
        ["合计", "Total", "3", "2", "0", "0", "3:00", "4:00", "7:30", "100.0%", "2", "100.0%", "0", "0.0%", "0", "—",
         "0"],
    ]


def test_xlsx_goes_to_a_file_named_for_the_month_and_the_slice(data_dir, tmp_path):
    r = hallq("report", "--from", "2026-11-01", "--to", "2026-11-30", "--by", "window", "--format", "xlsx",
              "--data-dir", str(data_dir), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    path = tmp_path / "report-2026-11-window.xlsx"
    assert r.stdout.startswith(f"hallq: 已写入 {path.name}：3 行，")
    ws = openpyxl.load_workbook(path)["统计报表"]
    assert ws["A1"].value == "示范市政务服务中心 统计报表 · 按窗口 · 2026-11-01 至 2026-11-30"
    assert [[c.value for c in row][:4] for row in ws.iter_rows(min_row=5)] == [
        [1, "1号窗口", 1, 1], [3, "3号窗口", 1, 1], ["未叫号", None, 1, 1], ["合计 Total", None, 3, 3]]


def test_csv_goes_to_the_file_given(data_dir, tmp_path):
    out = tmp_path / "out" / "by-service.csv"
    out.parent.mkdir()
    r = hallq("report", "--from", "2026-11-27", "--to", "2026-11-27", "--by", "service", "--format", "csv",
              "--output", str(out), "--data-dir", str(data_dir), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == ["示范市政务服务中心 统计报表 · 按业务 · 2026-11-27"]
    assert [row[:3] for row in rows[3:]] == [["A", "行政审批", "1"], ["B", "社会保障", "1"],
                                            ["F", "综合咨询", "1"], ["合计 Total", "", "3"]]


@pytest.mark.parametrize("args, sentence", [
    (("--from", "2026-11-31", "--to", "2026-12-01", "--by", "staff"),
     "hallq: --from 2026-11-31 不是日期，请写成 YYYY-MM-DD，例如 2026-11-01。"
     " (--from 2026-11-31 is not a date; write it YYYY-MM-DD, e.g. 2026-11-01.)"),
    (("--from", "2026-11-01", "--to", "30/11/2026", "--by", "staff"),
     "hallq: --to 30/11/2026 不是日期，请写成 YYYY-MM-DD，例如 2026-11-01。"
     " (--to 30/11/2026 is not a date; write it YYYY-MM-DD, e.g. 2026-11-01.)"),
    (("--from", "2026-11-30", "--to", "2026-11-01", "--by", "staff"),
     "hallq: --to 2026-11-01 早于 --from 2026-11-30：结束日期不能在开始日期之前。"
     " (--to 2026-11-01 is before --from 2026-11-30; the range must end on or after the day it starts.)"),
    (("--from", "2026-11-01", "--to", "2026-11-30", "--by", "clerk"),
     "hallq: 不能按“clerk”统计，--by 可选 staff、window、service、matter、hall、day、month。"
     " (--by clerk is not a slice; choose one of staff, window, service, matter, hall, day, month.)"),
    (("--from", "2026-11-01", "--to", "2026-11-30", "--by", "staff", "--format", "pdf"),
     "hallq: 没有“pdf”这种格式，--format 可选 table、csv、xlsx。"
     " (--format pdf is not a format; choose table, csv or xlsx.)"),
])
def test_a_wrong_input_is_one_sentence_and_exit_code_2(data_dir, tmp_path, args, sentence):
    r = hallq("report", *args, "--data-dir", str(data_dir), cwd=tmp_path)
    assert (r.returncode, r.stdout, r.stderr.strip()) == (2, "", sentence)


def test_a_data_dir_without_a_hall_is_one_sentence(tmp_path):
    r = hallq("report", "--from", "2026-11-01", "--to", "2026-11-30", "--by", "staff",
              "--data-dir", str(tmp_path / "empty"), cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip() == (f"hallq: 找不到大厅数据库 {tmp_path / 'empty' / 'hallq.db'}：请用 --data-dir 指定大厅的"
                                f"数据目录。 (There is no hall database at {tmp_path / 'empty' / 'hallq.db'}; give the "
                                f"hall's data directory with --data-dir.)")
