"""The FF 68 frame, the keypad and rater commands, and the streaming parser."""
from __future__ import annotations

import pytest
from hypothesis import assume, given, settings, strategies as st

from devices import ff68
from devices.keypad import protocol as kp
from devices.rater import protocol as rp


def hx(s):
    return bytes.fromhex(s)


@pytest.mark.parametrize("frame, wire", [
    (kp.key(3, "call"), "FF 68 03 03 68 03 01 01 05 16"),
    (kp.key(3, "transfer", "B"), "FF 68 04 04 68 03 01 04 42 4A 16"),
    (kp.key_ack(3, 0x01), "FF 68 03 03 68 03 81 01 85 16"),
    (kp.show(3, "A001"), "FF 68 06 06 68 03 10 41 30 30 31 E5 16"),
    (kp.poll(3), "FF 68 02 02 68 03 00 03 16"),
    (kp.reply(3, kp.SHOW), "FF 68 02 02 68 03 90 93 16"),
    (rp.arm(13, "A001"), "FF 68 06 06 68 0D 20 41 30 30 31 FF 16"),
    (rp.press(13, 1), "FF 68 03 03 68 0D 21 01 2F 16"),
    (rp.press_ack(13, 1), "FF 68 03 03 68 0D A1 01 AF 16"),
    (rp.disarm(13), "FF 68 02 02 68 0D 22 2F 16"),
    (rp.reply(13, rp.ARM), "FF 68 02 02 68 0D A0 AD 16"),
])
def test_golden_frames(frame, wire):
    assert frame == hx(wire)
    assert ff68.decode(frame).encode() == frame


def test_checksum_is_the_sum_of_addr_to_data():
    assert ff68.checksum(hx("FF 01 02")) == 0x02


@pytest.mark.parametrize("raw, why", [
    ("FF 68 03 03 68 03 01 01 06 16", "bad checksum"),
    ("FF 68 03 04 68 03 01 01 05 16", "length bytes disagree"),
    ("FF 68 03 03 68 03 01 01 05 17", "missing end byte 16"),
])
def test_decode_says_what_is_wrong(raw, why):
    with pytest.raises(ff68.FrameError, match=why):
        ff68.decode(hx(raw))


def test_keys_parse_back_to_actions():
    assert kp.parse_key(ff68.decode(kp.key(2, "give_up"))) == ("give_up", "")
    assert kp.parse_key(ff68.decode(kp.key(2, "transfer", "C"))) == ("transfer", "C")
    assert kp.parse_key(ff68.Frame(2, kp.KEY, b"\x7f")) is None


def test_parser_drops_bad_frames_and_resynchronises():
    good1, good2 = kp.key(1, "call"), rp.press(9, 4)
    bad = bytearray(kp.key(2, "recall"))
    bad[-2] ^= 1
    truncated = kp.show(5, "A123")[:7]
    p = ff68.FrameParser()
    frames = p.feed(b"\x00\xff\x13" + bytes(bad) + good1 + truncated + good2 + b"\xff")
    assert [(f.address, f.command) for f in frames] == [(1, kp.KEY), (9, rp.PRESS)]
    assert p.bad_checksum == 1
    # The truncated frame swallowed good2's first bytes, failed, and the parser looked again.
    assert p.malformed >= 1


def test_gap_drops_a_half_frame_and_finds_what_it_hid():
    p = ff68.FrameParser()
    half = ff68.encode(1, 0x10, b"x" * 40)[:12]
    assert p.feed(half + kp.key(4, "finish")) == []      # still waiting for the long frame
    frames = p.gap()
    assert [(f.address, kp.parse_key(f)) for f in frames] == [(4, ("finish", ""))]
    assert p.truncated == 1


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400), st.integers(1, 50))
def test_random_bytes_never_raise(noise, chunk):
    p = ff68.FrameParser()
    for i in range(0, len(noise), chunk):
        p.feed(noise[i:i + chunk])
    p.gap()


frame_st = st.tuples(st.integers(0, 255), st.integers(0, 255), st.binary(max_size=20))


@settings(max_examples=300, deadline=None)
@given(st.lists(frame_st, min_size=1, max_size=6), st.lists(st.binary(max_size=30), min_size=7, max_size=7),
       st.integers(1, 40))
def test_every_frame_in_noise_is_found(items, noises, chunk):
    # Noise is anything that does not itself hold a frame start (FF 68).
    for noise in noises:
        assume(b"\xff\x68" not in noise and not noise.endswith(b"\xff"))
    wire = bytearray(noises[0])
    for (addr, cmd, data), noise in zip(items, noises[1:]):
        wire += ff68.encode(addr, cmd, data) + noise
    p = ff68.FrameParser()
    found = []
    for i in range(0, len(wire), chunk):
        found += p.feed(bytes(wire[i:i + chunk]))
    found += p.gap()
    assert [(f.address, f.command, f.data) for f in found] == items


@settings(max_examples=200, deadline=None)
@given(st.lists(frame_st, min_size=2, max_size=5), st.data())
def test_truncated_frames_never_hide_the_next_good_one(items, data):
    wire = bytearray()
    expected = []
    for i, (addr, cmd, payload) in enumerate(items):
        raw = ff68.encode(addr, cmd, payload)
        if i % 2 == 0:
            cut = data.draw(st.integers(1, len(raw) - 1))
            wire += raw[:cut]
        else:
            wire += raw
            expected.append((addr, cmd, payload))
    p = ff68.FrameParser()
    found = p.feed(bytes(wire)) + p.gap()
    got = [(f.address, f.command, f.data) for f in found]
    # Every complete frame is found, in order (a cut frame may not fake one).
    it = iter(got)
    assert all(any(g == e for g in it) for e in expected)
