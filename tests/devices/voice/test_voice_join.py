"""Joining clips: exact frame counts, format conversion, WAV reading."""
from __future__ import annotations

import array
import wave

import pytest

from devices.voice.announcement import Gaps, Script, build, pieces
from devices.voice.clips import ClipSet
from devices.voice.join import Pcm, convert, gap_frames, join, read_wav, silence, trim_silence, write_wav

from .conftest import tone


def test_joined_announcement_is_exactly_its_clips_and_gaps(espeak_clips):
    clipset = ClipSet.load(espeak_clips, ["zh", "en"])
    gaps = Gaps(after_chime_ms=300, between_clips_ms=40, between_phrases_ms=700, tail_ms=300)
    script = Script.for_call("B120", 12, ["zh", "en"], repeat=2)
    pcm = build(clipset, script, gaps)

    zh = ["请", "B", "一", "二", "零", "号到", "十", "二", "号窗口办理"]
    en = ["number", "B", "one", "two", "zero", "please_go_to_window", "twelve"]
    spoken = [("zh", zh), ("en", en)] * 2
    clip_frames = sum(clipset.clip(lang, name).frames for lang, names in spoken for name in names)
    rate = clipset.rate
    gap_total = (gap_frames(300, rate) + gap_frames(300, rate) + 3 * gap_frames(700, rate)
                 + 2 * (len(zh) - 1) * gap_frames(40, rate) + 2 * (len(en) - 1) * gap_frames(40, rate))
    assert rate == 22050 and clipset.channels == 1
    assert pcm.frames == clipset.chime.frames + clip_frames + gap_total
    assert gap_frames(700, rate) == 15435


def test_pieces_start_with_chime_and_interleave_gaps(tiny_clips):
    clipset = ClipSet.load(tiny_clips, ["zh"])
    script = Script.for_call("A1", 2, ["zh"], repeat=1, reading="natural")
    got = pieces(clipset, script, Gaps(10, 5, 20, 10))
    silent = {gap_frames(ms, 22050): f"gap{ms}" for ms in (10, 5)}
    names = [silent[p.frames] if not any(p.data) else p for p in got]
    expected_clips = [clipset.clip("zh", n) for n in ["请", "A", "一", "号到", "二", "号窗口办理"]]
    assert names[0] is clipset.chime
    assert names[1] == "gap10"
    assert names[2::2] == expected_clips
    assert names[3:-1:2] == ["gap5"] * 5
    assert names[-1] == "gap10"


def test_join_refuses_mixed_formats():
    with pytest.raises(ValueError, match="片段格式不一致"):
        join([tone(10, 440), tone(10, 440, rate=44100)])


def test_resampled_clip_has_rounded_frame_count_and_keeps_its_shape():
    src = tone(100, 441, rate=44100, channels=2)
    out = convert(src, 22050, 1)
    assert (out.rate, out.channels, out.frames) == (22050, 1, 2205)
    direct = tone(100, 441, rate=22050)
    a, b = array.array("h", out.data), array.array("h", direct.data)
    assert max(abs(x - y) for x, y in zip(a, b)) <= 2
    odd = convert(Pcm(bytes(2 * 1001), 16000, 1), 22050, 2)
    assert odd.frames == round(1001 * 22050 / 16000) == 1380
    assert odd.channels == 2


def test_mono_to_stereo_duplicates_each_sample():
    out = convert(Pcm(b"\x01\x00\x02\x00", 8000, 1), 8000, 2)
    assert out.data == b"\x01\x00\x01\x00\x02\x00\x02\x00"


@pytest.mark.parametrize("width, raw, expected", [
    (1, bytes([128, 255, 0]), [0, 127 << 8, -128 << 8]),
    (3, bytes([0x11, 0x34, 0x12, 0x00, 0x00, 0x80]), [0x1234, -32768]),
    (4, bytes([0, 0, 0x34, 0x12]), [0x1234]),
])
def test_wav_of_other_sample_widths_is_read_as_16_bit(tmp_path, width, raw, expected):
    path = tmp_path / "clip.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(width)
        w.setframerate(8000)
        w.writeframes(raw)
    assert list(array.array("h", read_wav(path).data)) == expected


def test_non_wav_file_is_refused_with_the_fix(tmp_path):
    path = tmp_path / "clip.wav"
    path.write_bytes(b"ID3 not a wav at all")
    with pytest.raises(ValueError, match="sox"):
        read_wav(path)


def test_written_wav_reads_back_identically(tmp_path):
    pcm = tone(50, 500, channels=2)
    assert read_wav(write_wav(tmp_path / "a" / "b.wav", pcm)) == pcm


def test_trim_keeps_sound_and_a_little_margin():
    quiet, loud = silence(200, 22050, 1), tone(100, 440)
    trimmed = trim_silence(join([quiet, loud, quiet]), keep_ms=10)
    margin = gap_frames(10, 22050)
    # The tone's first sample is 0 and the next few are below the threshold,
    # so the kept span starts within a few frames of the tone.
    assert loud.frames <= trimmed.frames <= loud.frames + 2 * margin
    assert trimmed.data.find(loud.data[40:400]) >= 0
