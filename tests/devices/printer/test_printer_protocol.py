"""ESC/POS bytes of a ticket and the DLE EOT status answers."""
import pytest
from escpos.printer import Dummy

from devices.printer.layout import Template
from devices.printer.protocol import (STATUS_QUERY, decode_status, encode_line,
                                      encode_text_ticket, status_byte)

SMALL = {"lines": [
    {"text": "{hall_name}", "align": "center", "bold": True},
    {"text": "{number}", "align": "center", "size": 4},
    {"text": "——。，"},
    {"qr": "{progress_url}", "size": 4},
    {"feed": 1},
    {"rule": "="},
], "values": {"hall_name": "东湖中心"}}


def test_known_ticket_in_text_mode_is_exactly_these_bytes():
    blocks = Template(SMALL).build({"number": "A001"}, {"progress_url": "http://h/t/1"}, columns=32)
    url = b"http://h/t/1"
    expected = b"".join([
        b"\x1b\x40",                       # ESC @ initialise
        b"\x1c\x26",                       # FS & Chinese mode on
        b"\x1d\x21\x00\x1b\x45\x01\x1b\x61\x01", b"\xb6\xab\xba\xfe\xd6\xd0\xd0\xc4\x0a",  # 东湖中心
        b"\x1d\x21\x33\x1b\x45\x00\x1b\x61\x01", b"A001\x0a",               # GS ! 4x4
        b"\x1d\x21\x00\x1b\x45\x00\x1b\x61\x00", b"\xa1\xaa\xa1\xaa\xa1\xa3\xa3\xac\x0a",  # ——。，
        b"\x1b\x61\x01",                   # QR centred
        b"\x1d\x28\x6b\x04\x00\x31\x41\x32\x00",   # model 2
        b"\x1d\x28\x6b\x03\x00\x31\x43\x04",       # module size 4
        b"\x1d\x28\x6b\x03\x00\x31\x45\x31",       # error correction M
        b"\x1d\x28\x6b" + bytes([len(url) + 3, 0]) + b"\x31\x50\x30" + url,  # store
        b"\x1d\x28\x6b\x03\x00\x31\x51\x30",       # print
        b"\x0a",                           # feed 1
        b"\x1d\x21\x00\x1b\x45\x00\x1b\x61\x00", b"=" * 32 + b"\x0a",  # rule across 58 mm
        b"\x1d\x21\x00\x1b\x45\x00\x1b\x61\x00",   # back to plain
        b"\x1b\x64\x06\x1d\x56\x00",       # feed 6, full cut
    ])
    assert encode_text_ticket(blocks, paper_width_mm=58) == expected


def test_punctuation_only_line_is_gb18030_not_question_marks():
    # python-escpos on its own loses this line: the reason we encode ourselves.
    d = Dummy()
    d.textln("——。，")
    assert b"??" in d.output
    assert encode_line("——。，") == b"\xa1\xaa\xa1\xaa\xa1\xa3\xa3\xac\n"
    assert encode_line("请到3号窗口！") == "请到3号窗口！".encode("gb18030") + b"\n"


def test_status_query_asks_printer_offline_cause_and_paper():
    assert STATUS_QUERY == b"\x10\x04\x01\x10\x04\x02\x10\x04\x04"


@pytest.mark.parametrize("answer, state", [
    (bytes([0x12, 0x12, 0x12]), "online"),
    (bytes([0x12, 0x12, 0x1E]), "paper_near_end"),
    (bytes([0x1A, 0x32, 0x7E]), "paper_out"),
    (bytes([0x1A, 0x16, 0x12]), "cover_open"),
    (bytes([0x1A, 0x12, 0x12]), "offline"),
    (bytes([0x1A, 0x52, 0x12]), "offline"),
    (b"", "unknown"),                      # silent printer: never "OK"
    (bytes([0x12, 0x12]), "unknown"),      # cut short
    (bytes([0x00, 0x12, 0x12]), "unknown"),  # not a status byte
    (b"\xff\xff\xff", "unknown"),
])
def test_status_answers_map_to_printer_states(answer, state):
    assert decode_status(answer)[0] == state


@pytest.mark.parametrize("sim, state", [
    ({}, "online"),
    ({"paper": "near_end"}, "paper_near_end"),
    ({"paper": "out"}, "paper_out"),
    ({"cover_open": True}, "cover_open"),
    ({"offline": True}, "offline"),
    ({"error": True}, "offline"),
    ({"paper": "out", "cover_open": True}, "paper_out"),
])
def test_status_bytes_a_printer_sends_decode_to_its_state(sim, state):
    answer = bytes(status_byte(n, **sim) for n in (1, 2, 4))
    assert decode_status(answer)[0] == state
