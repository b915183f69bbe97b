"""The ticket template: fields filled, lines left out, bad templates refused."""
from pathlib import Path

import pytest

from devices.printer.layout import (DEFAULT_TEMPLATE, FIELDS, Feed, QrCode, Rule, Template,
                                    TemplateError, TextLine)

TICKET = {"id": 12, "number": "A001", "service": "A", "service_name": "行政审批",
          "business_day": "2026-11-27", "issued_at": "2026-11-27T09:03:00+08:00"}
EXTRAS = {"hall_name": "东湖街道365便民服务中心", "matter_name": "企业设立登记", "people_ahead": 3,
          "wait_minutes": 12, "progress_url": "http://hall.local/t/12?k=9f3a",
          "materials": "身份证原件及复印件、营业执照副本、授权委托书、申请表（加盖公章）"}


def test_default_template_fills_every_line_of_a_ticket():
    blocks = Template().build(TICKET, EXTRAS, columns=48)
    assert blocks == [
        TextLine("东湖街道365便民服务中心", "center", True),
        TextLine("行政审批", "center"),
        TextLine("企业设立登记", "center"),
        Feed(1),
        TextLine("A001", "center", True, 4),
        Feed(1),
        TextLine("前面还有 3 人，预计等候约 12 分钟", "center"),
        TextLine("2026-11-27 09:03", "center"),
        QrCode("http://hall.local/t/12?k=9f3a", "center", 6),
        TextLine("手机扫码查看排队进度", "center"),
        Rule("-"),
        TextLine("请备好：身份证原件及复印件、营业执照副本、授权…", "left", False, 1, True),
        TextLine("请留意叫号，过号需重新取号", "center"),
    ]


def test_lines_whose_fields_have_no_value_are_left_out():
    blocks = Template().build({"number": "B007", "service_name": "社会保障"}, {}, columns=32)
    texts = [b.text for b in blocks if isinstance(b, TextLine)]
    assert texts == ["政务服务中心", "社会保障", "B007", "请留意叫号，过号需重新取号"]
    assert not any(isinstance(b, QrCode) for b in blocks)


def test_reprint_is_marked():
    blocks = Template().build(TICKET, EXTRAS, columns=48, reprint=True)
    assert TextLine("补打", "center") in blocks


def test_materials_line_fits_one_line_of_a_58mm_printer():
    line = [b for b in Template().build(TICKET, EXTRAS, columns=32) if isinstance(b, TextLine)][-2]
    assert line.text == "请备好：身份证原件及复印件、营…"
    assert sum(2 if ord(c) > 0x2E80 else 1 for c in line.text) <= 32


def test_unknown_field_is_refused_with_a_sentence():
    spec = {"lines": [{"text": "{number}"}, {"text": "窗口 {window_name}"}]}
    with pytest.raises(TemplateError) as caught:
        Template(spec)
    assert isinstance(caught.value, ValueError)
    assert caught.value.message.startswith("打印模板第 2 行用了未知字段 {window_name}；可用的字段有：hall_name、")
    assert caught.value.message.endswith("请改正大厅配置里的打印模板后再启动。")


@pytest.mark.parametrize("spec, start", [
    ({"lines": [{"text": "{number}", "colour": "red"}]}, "打印模板第 1 行（text）有不认识的键 ['colour']"),
    ({"lines": [{"text": "{number}", "size": 9}]}, "打印模板第 1 行的 size 必须是 1 到 8 的整数"),
    ({"lines": [{"qr": "{progress_url}", "align": "middle"}]}, "打印模板第 1 行的 align 只能是"),
    ({"lines": [{"text": "{number:>5}"}]}, "打印模板第 1 行的 {number:>5} 写法不对"),
    ({"lines": [{"text": "{number"}]}, "打印模板第 1 行的花括号不成对"),
    ({"lines": [{"text": "x", "qr": "y"}]}, "打印模板第 1 行必须恰好有 text、qr、feed、rule 中的一个键"),
    ({"lines": []}, "打印模板的 lines 必须是非空的列表"),
    ({"lines": [{"text": "x"}], "values": {"hall": "x"}}, "打印模板 values 里用了未知字段 {hall}"),
    ({"lines": [{"text": "x", "if": "qr_url"}]}, "打印模板第 1 行的 if 条件用了未知字段 {qr_url}"),
    ({"rows": []}, "打印模板里有不认识的键 ['rows']"),
])
def test_bad_templates_are_refused(spec, start):
    with pytest.raises(TemplateError) as caught:
        Template(spec)
    assert caught.value.message.startswith(start)


def test_every_field_and_the_default_template_are_documented():
    doc = (Path(__file__).parents[3] / "docs" / "printer.md").read_text(encoding="utf-8")
    missing = [name for name in FIELDS if f"`{name}`" not in doc]
    assert missing == []
    for line in DEFAULT_TEMPLATE["lines"]:
        key = next(iter(line))
        assert f'{key} = "{line[key]}"' in doc or f"{key} = {line[key]}" in doc
