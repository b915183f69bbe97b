"""Clip sets: espeak-ng generation, loading, the missing-clip sentence, the chime."""
from __future__ import annotations

import json
import shutil
import wave

import pytest

from devices.voice import phrases
from devices.voice.clips import (DEFAULT_CHIME, ClipSet, ClipSetError, chime_pcm, generate_clip_set,
                                 speakable_text)
from devices.voice.join import read_wav, write_wav

from .conftest import tone, write_tiny_clip_set


def test_generated_set_holds_every_required_clip_as_speech(espeak_clips):
    for lang in ("zh", "en"):
        for name in phrases.required_clips(lang):
            with wave.open(str(espeak_clips / lang / f"{name}.wav")) as w:
                assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (22050, 1, 2)
                # Trimmed speech: more than a tenth of a second, less than two and a half.
                assert 2205 < w.getnframes() < 55125, f"{lang}/{name}"
    manifest = json.loads((espeak_clips / "generated.json").read_text(encoding="utf-8"))
    assert manifest["zh/号窗口办理"] == ["cmn-Latn-pinyin", "hao4 chuang1 kou3 ban4 li3", 150]
    assert manifest["en/please_go_to_window"] == ["en", "please go to window", 150]
    assert len(manifest) == len(phrases.required_clips("zh")) + len(phrases.required_clips("en"))


def test_second_generation_speaks_nothing_again(espeak_clips):
    before = {p: p.stat().st_mtime_ns for p in espeak_clips.rglob("*.wav")}
    assert generate_clip_set(espeak_clips.parent, ["zh", "en"]) == espeak_clips
    assert {p: p.stat().st_mtime_ns for p in espeak_clips.rglob("*.wav")} == before


def test_a_deleted_clip_is_generated_again(espeak_clips, tmp_path):
    out = tmp_path / "clips"
    shutil.copytree(espeak_clips, out)
    (out / "zh" / "十.wav").unlink()
    other = (out / "zh" / "百.wav").stat().st_mtime_ns
    generate_clip_set(tmp_path, ["zh"])
    assert (out / "zh" / "十.wav").is_file()
    assert (out / "zh" / "百.wav").stat().st_mtime_ns == other


@pytest.mark.parametrize("lang, name, text", [
    ("zh", "请", "qing3"), ("zh", "号到", "hao4 dao4"), ("zh", "十", "shi2"), ("zh", "零", "ling2"),
    ("zh", "A", "A"), ("en", "please_go_to_window", "please go to window"), ("en", "Q", "Q"),
])
def test_speakable_text_is_tone_numbered_pinyin_or_words(lang, name, text):
    assert speakable_text(lang, name) == text


def test_missing_clips_fail_loading_with_one_sentence_listing_them(tmp_path):
    directory = write_tiny_clip_set(tmp_path / "hall", skip={"zh/十", "en/hundred"})
    with pytest.raises(ClipSetError) as err:
        ClipSet.load(directory, ["zh", "en"])
    assert err.value.missing == ["zh/十.wav", "en/hundred.wav"]
    assert str(err.value) == (
        f"语音片段目录 {directory} 缺少 2 个片段：zh/十.wav, en/hundred.wav；"
        "请补上这些 WAV 文件（每个片段名一个文件），或删除 clips_dir 设置以使用自动生成的语音。")
    assert "lacks 2 clips: zh/十.wav, en/hundred.wav" in err.value.message_en


def test_only_the_configured_languages_are_required(tmp_path):
    directory = write_tiny_clip_set(tmp_path / "hall", languages=("zh",))
    assert ClipSet.load(directory, ["zh"]).clip("zh", "请").frames > 0
    with pytest.raises(ClipSetError, match="en/number.wav"):
        ClipSet.load(directory, ["zh", "en"])


def test_missing_directory_is_told_plainly(tmp_path):
    with pytest.raises(ClipSetError, match="不存在；请检查 clips_dir 设置"):
        ClipSet.load(tmp_path / "nowhere", ["zh"])


def test_unreadable_clip_is_named(tmp_path):
    directory = write_tiny_clip_set(tmp_path / "hall", languages=("zh",))
    (directory / "zh" / "请.wav").write_bytes(b"fLaC not a wav")
    with pytest.raises(ClipSetError, match=r"1 个文件不是可读的 PCM WAV：zh/请.wav"):
        ClipSet.load(directory, ["zh"])


def test_recorded_clips_in_another_format_are_converted_to_the_sets_format(tmp_path):
    directory = write_tiny_clip_set(tmp_path / "hall", languages=("zh",))
    write_wav(directory / "zh" / "请.wav", tone(100, 440, rate=44100, channels=2))
    clipset = ClipSet.load(directory, ["zh"])
    assert (clipset.rate, clipset.channels) == (22050, 1)
    qing = clipset.clip("zh", "请")
    assert (qing.rate, qing.channels, qing.frames) == (22050, 1, 2205)


def test_hall_chime_replaces_the_packaged_one(tmp_path):
    directory = write_tiny_clip_set(tmp_path / "hall", languages=("zh",))
    assert ClipSet.load(directory, ["zh"]).chime == tone(30, 880)
    (directory / "chime.wav").unlink()
    assert ClipSet.load(directory, ["zh"]).chime == read_wav(DEFAULT_CHIME)


def test_packaged_chime_is_the_synthesised_two_tone_chime():
    chime = read_wav(DEFAULT_CHIME)
    assert chime == chime_pcm()
    assert (chime.rate, chime.channels, chime.frames) == (22050, 1, round(22050 * 0.38) + round(22050 * 0.52))


def test_fingerprint_changes_when_a_clip_is_re_recorded(tmp_path):
    directory = write_tiny_clip_set(tmp_path / "hall", languages=("zh",))
    first = ClipSet.load(directory, ["zh"]).fingerprint
    write_wav(directory / "zh" / "三.wav", tone(200, 300))
    assert ClipSet.load(directory, ["zh"]).fingerprint != first
