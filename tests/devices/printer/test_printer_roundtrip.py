"""Bytes the driver makes, read back by the simulated printer's reader."""
import pytest

from devices.printer.layout import Feed, QrCode, Rule, Template, TextLine
from devices.printer.protocol import (CHINESE_ON, dot_width, encode_raster_ticket,
                                      encode_text_ticket)
from devices.printer.reader import EscposReader
from devices.printer.render import render_ticket

TICKET = {"number": "A001", "service": "A", "service_name": "行政审批",
          "issued_at": "2026-11-27T09:03:00+08:00"}
EXTRAS = {"hall_name": "东湖街道365便民服务中心", "matter_name": "——。，！",  # punctuation only
          "people_ahead": 3, "wait_minutes": 12, "progress_url": "http://hall.local/t/12?k=9f3a",
          "materials": "身份证原件"}


def expected_lines(blocks, cols):
    """What a reader should see for these blocks: one line per text, blanks for feeds."""
    out = []
    for b in blocks:
        if isinstance(b, TextLine):
            out.append(b.text)
        elif isinstance(b, Rule):
            out.append(b.char * cols)
        elif isinstance(b, Feed):
            out.extend([""] * b.lines)
    return out


def read(data: bytes, chunk: int | None = None):
    tickets, queries = [], []
    reader = EscposReader(tickets.append, queries.append)
    step = chunk or len(data)
    for i in range(0, len(data), step):
        reader.feed(data[i:i + step])
    return tickets, queries, reader


@pytest.mark.parametrize("chunk", [None, 1, 7])
def test_text_ticket_reads_back_to_the_same_text_and_qr(chunk):
    blocks = Template().build(TICKET, EXTRAS, columns=48)
    tickets, queries, reader = read(encode_text_ticket(blocks, 80), chunk)
    assert len(tickets) == 1 and tickets[0].complete
    ticket = tickets[0]
    assert ticket.texts == expected_lines(blocks, 48)
    assert "——。，！" in ticket.texts
    assert "前面还有 3 人，预计等候约 12 分钟" in ticket.texts
    assert ticket.qr == ["http://hall.local/t/12?k=9f3a"]
    big = [line for line in ticket.lines if line.size != (1, 1) and line.text]
    assert [(b.text, b.size, b.align, b.bold) for b in big] == [("A001", (4, 4), "center", True)]
    assert queries == [] and reader.unknown == []


def test_without_chinese_mode_the_reader_prints_mojibake():
    # The simulator is strict like a real printer: no FS &, no Hanzi.
    blocks = [TextLine("行政审批")]
    data = encode_text_ticket(blocks, 80).replace(CHINESE_ON, b"")
    tickets, _, _ = read(data)
    assert tickets[0].texts == ["╨╨╒■╔≤┼·"]


@pytest.mark.parametrize("mm", [58, 80])
def test_raster_ticket_is_exactly_the_dot_width_and_reads_back_pixel_for_pixel(mm):
    blocks = Template().build(TICKET, EXTRAS, columns=48)
    image = render_ticket(blocks, dot_width(mm))
    assert image.width == {58: 384, 80: 576}[mm]
    tickets, _, _ = read(encode_raster_ticket(image))
    printed = tickets[0].image()
    assert printed.size == image.size
    assert printed.tobytes() == image.tobytes()
    assert tickets[0].texts == []  # nothing sent as text: no Chinese font needed


def test_raster_qr_code_is_drawn_into_the_image():
    small = render_ticket([QrCode("http://h/t/1", size=4)], 384)
    assert small.width == 384
    # Black dots only where the code is: the code is centred.
    box = small.point(lambda v: 255 - v).getbbox()
    assert box is not None and abs((box[0] + box[2]) / 2 - 192) <= 2


def test_status_queries_and_a_cut_in_one_stream():
    data = b"\x10\x04\x01" + encode_text_ticket([TextLine("A002")], 58) + b"\x10\x04\x04"
    tickets, queries, _ = read(data, 2)
    assert queries == [1, 4]
    assert [t.texts for t in tickets] == [["A002"]]


def test_interrupted_stream_leaves_a_stub_not_a_ticket():
    data = encode_text_ticket([TextLine("A003"), TextLine("行政审批")], 58)
    tickets, _, reader = read(data[: data.index(b"\n") + 1])
    reader.interrupt()
    assert [(t.texts, t.complete) for t in tickets] == [(["A003"], False)]
