"""Phrase → clip sequence, the tables documented in docs/voice.md."""
from __future__ import annotations

import pytest

from devices.voice import numbers, phrases
from devices.voice.phrases import phrase_clips, required_clips


@pytest.mark.parametrize("number, window, zh, en", [
    ("A001", 3, "请 A 零 零 一 号到 三 号窗口办理",
     "number A zero zero one please_go_to_window three"),
    ("B120", 12, "请 B 一 二 零 号到 十 二 号窗口办理",
     "number B one two zero please_go_to_window twelve"),
    ("C007", 20, "请 C 零 零 七 号到 二 十 号窗口办理",
     "number C zero zero seven please_go_to_window twenty"),
    ("A001", 1, "请 A 零 零 一 号到 一 号窗口办理",
     "number A zero zero one please_go_to_window one"),
    ("A001", 10, "请 A 零 零 一 号到 十 号窗口办理",
     "number A zero zero one please_go_to_window ten"),
    ("A001", 11, "请 A 零 零 一 号到 十 一 号窗口办理",
     "number A zero zero one please_go_to_window eleven"),
    ("A001", 100, "请 A 零 零 一 号到 一 百 号窗口办理",
     "number A zero zero one please_go_to_window one hundred"),
])
def test_call_reads_letter_digits_and_window_as_natural_number(number, window, zh, en):
    assert phrase_clips("zh", number, window) == zh.split()
    assert phrase_clips("en", number, window) == en.split()


@pytest.mark.parametrize("number, zh, en", [
    ("A001", "A 一", "A one"),
    ("B120", "B 一 百 二 十", "B one hundred twenty"),
    ("C007", "C 七", "C seven"),
    ("D000", "D 零", "D zero"),
    ("E1010", "E 一 千 零 一 十", "E one thousand ten"),
])
def test_natural_reading_reads_the_digits_as_one_number(number, zh, en):
    assert phrases.ticket_clips("zh", number, "natural") == zh.split()
    assert phrases.ticket_clips("en", number, "natural") == en.split()


@pytest.mark.parametrize("n, zh", [
    (0, "零"), (3, "三"), (10, "十"), (11, "十一"), (12, "十二"), (20, "二十"), (21, "二十一"),
    (100, "一百"), (101, "一百零一"), (110, "一百一十"), (111, "一百一十一"), (120, "一百二十"),
    (1000, "一千"), (1001, "一千零一"), (1010, "一千零一十"), (1100, "一千一百"), (9999, "九千九百九十九"),
])
def test_chinese_natural_numbers(n, zh):
    assert "".join(numbers.zh_natural(n)) == zh


@pytest.mark.parametrize("n, en", [
    (0, "zero"), (13, "thirteen"), (20, "twenty"), (42, "forty two"), (100, "one hundred"),
    (105, "one hundred five"), (999, "nine hundred ninety nine"), (2000, "two thousand"),
    (2019, "two thousand nineteen"),
])
def test_english_natural_numbers(n, en):
    assert " ".join(numbers.en_natural(n)) == en


def test_long_numbers_fall_back_to_digits_in_natural_reading():
    assert phrases.ticket_clips("zh", "A12345", "natural") == ["A", "一", "二", "三", "四", "五"]


def test_lower_case_ticket_numbers_are_read_as_capitals():
    assert phrases.ticket_clips("en", "vip07") == ["V", "I", "P", "zero", "seven"]


@pytest.mark.parametrize("number", ["A-01", "", "A 01", "甲001"])
def test_bad_ticket_number_is_refused_with_a_sentence(number):
    with pytest.raises(ValueError, match="只能由字母 A-Z 和数字组成"):
        phrase_clips("zh", number, 3)


@pytest.mark.parametrize("window", [0, 10000, "三", -1])
def test_bad_window_is_refused(window):
    with pytest.raises(ValueError, match="窗口号"):
        phrase_clips("zh", "A001", window)


def test_custom_template_literals_become_clip_names():
    template = "请{number}号，到{window}号窗口。"
    assert phrase_clips("zh", "A1", 2, template=template) == ["请", "A", "一", "号到", "二", "号窗口"]
    en = "Ticket {number} to counter {window}!"
    assert phrase_clips("en", "A1", 2, template=en) == ["ticket", "A", "one", "to_counter", "two"]


@pytest.mark.parametrize("template, message", [
    ("请到{window}号窗口", "没有 {number}"),
    ("请{number}号到{counter}号窗口", "{counter} 不认识"),
    ("请{number}号到{window", "写错了"),
])
def test_bad_template_is_refused(template, message):
    with pytest.raises(ValueError, match=message):
        phrase_clips("zh", "A001", 3, template=template)


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="播报语言只能是 zh, en"):
        phrase_clips("fr", "A001", 3)


def test_required_clips_cover_every_number_and_window():
    zh, en = set(required_clips("zh")), set(required_clips("en"))
    for n in range(0, 10000, 7):
        assert set(numbers.zh_natural(n)) <= zh
        assert set(numbers.en_natural(n)) <= en
    assert {"请", "号到", "号窗口办理", "A", "Z", "十", "百", "千"} <= zh
    assert {"number", "please_go_to_window", "A", "hundred", "thousand"} <= en
    assert len(zh) == 26 + 10 + 3 + 3
    assert len(en) == 26 + 20 + 8 + 2 + 2
