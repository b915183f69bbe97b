"""VoiceDriver: settings, states, the joined audio for the display page, the cache."""
from __future__ import annotations

import os
import shutil
from datetime import time

import pytest

from devices.voice import VoiceDriver, VoiceSettingsError, VoiceUnavailable
from devices.voice.announcement import AnnouncementCache, Gaps, Script, build
from devices.voice.clips import ClipSet
from devices.voice.driver import QuietHours
from devices.voice.join import read_wav
from devices.voice.player import missing_sound_card, sound_output_gone

from .conftest import TINY_GAPS


@pytest.mark.parametrize("settings, message", [
    ({"language": ["zh"]}, "不认识的键 ['language']"),
    ({"languages": ["zh", "fr"]}, "languages 必须是不重复的语言列表"),
    ({"languages": []}, "languages 必须是不重复的语言列表"),
    ({"repeat": 0}, "repeat 必须是 1 到 5 的整数"),
    ({"volume": 120}, "volume 必须是 0 到 100 的整数"),
    ({"volume": "80"}, "volume 必须是 0 到 100 的整数"),
    ({"quiet_hours": {"start": "22:00"}}, "quiet_hours 写成"),
    ({"quiet_hours": {"start": "22h", "end": "07:00"}}, "quiet_hours.start 必须是"),
    ({"quiet_hours": {"start": "07:00", "end": "07:00"}}, "不能相同"),
    ({"audio_output": "afile:"}, "冒号后面要有文件路径"),
    ({"audio_output": "alsa; rm -rf"}, "audio_output 只能是"),
    ({"number_reading": "words"}, "number_reading 只能是"),
    ({"templates": {"zh": "请到{window}号窗口"}}, "没有 {number}"),
    ({"gaps": {"after_chime": 300}}, "gaps 设置里有不认识的键"),
    ({"gaps": {"tail_ms": -1}}, "gaps.tail_ms 必须是"),
    ({"timezone": "Mars/Olympus"}, "不是时区名"),
])
def test_bad_settings_are_refused_with_a_sentence_naming_the_key(settings, message):
    with pytest.raises(VoiceSettingsError) as err:
        VoiceDriver(settings)
    assert message in str(err.value)


@pytest.mark.parametrize("at, quiet", [
    ("21:59", False), ("22:00", True), ("23:59", True), ("00:00", True), ("06:59", True), ("07:00", False),
    ("12:00", False),
])
def test_quiet_hours_may_cross_midnight(at, quiet):
    h, m = map(int, at.split(":"))
    assert (time(h, m) in QuietHours("22:00", "07:00")) is quiet
    assert (time(h, m) in QuietHours("12:00", "13:30")) is (at == "12:00")


def test_start_reports_connecting_then_online(tiny_clips, tmp_path):
    states = []
    driver = VoiceDriver({"clips_dir": str(tiny_clips), "cache_dir": str(tmp_path), "audio_output": "adummy"},
                         on_state=lambda *s: states.append(s))
    driver.start()
    driver.stop()
    assert states == [("voice", "connecting", "正在准备语音片段 / preparing the voice clips"), ("voice", "online", "待播报 0 条 / 0 waiting to be announced"),
                      ("voice", "stopped", "")]


def test_default_clip_set_is_generated_into_the_cache_dir(espeak_clips, tmp_path):
    shutil.copytree(espeak_clips / "zh", tmp_path / "clips" / "zh")  # generated already: only checked
    shutil.copy(espeak_clips / "generated.json", tmp_path / "clips")
    (tmp_path / "clips" / "zh" / "请.wav").unlink()  # ... but for this one
    driver = VoiceDriver({"cache_dir": str(tmp_path), "audio_output": "none", "languages": ["zh"]})
    driver.start()
    assert driver.state == "online"
    assert driver.clipset.directory == tmp_path / "clips"
    assert (tmp_path / "clips" / "zh" / "请.wav").is_file()
    assert driver.clipset.clip("zh", "请").frames > 2205
    assert not (tmp_path / "clips" / "en").exists()


def test_audio_for_the_display_page_is_the_speakers_announcement(tiny_clips, tmp_path):
    driver = VoiceDriver({"clips_dir": str(tiny_clips), "cache_dir": str(tmp_path), "audio_output": "none",
                          "gaps": TINY_GAPS, "repeat": 2})
    driver.start()
    both = driver.audio_path_for("A001", 3)
    assert both.parent == tmp_path / "announcements"
    assert both.name.startswith("A001-3-zh-en-")
    assert driver.audio_path_for("a001", "3") == both  # same call, same cached file
    zh = driver.audio_path_for("A001", 3, "zh")
    assert zh.name.startswith("A001-3-zh-")
    clipset, gaps = driver.clipset, Gaps(**TINY_GAPS)
    assert read_wav(both) == build(clipset, Script.for_call("A001", 3, ["zh", "en"], 2), gaps)
    assert read_wav(zh) == build(clipset, Script.for_call("A001", 3, ["zh"], 2), gaps)
    with pytest.raises(ValueError, match="语言 'fr' 没有配置"):
        driver.audio_path_for("A001", 3, "fr")
    with pytest.raises(ValueError, match="窗口号"):
        driver.audio_path_for("A001", 0)


def test_without_a_clip_set_there_is_no_audio(tmp_path):
    driver = VoiceDriver({"clips_dir": str(tmp_path / "missing"), "cache_dir": str(tmp_path)})
    driver.start()
    assert driver.state == "faulted"
    with pytest.raises(VoiceUnavailable, match="语音设备未就绪"):
        driver.audio_path_for("A001", 3)


def test_no_speaker_output_queues_nothing(tiny_clips, tmp_path):
    driver = VoiceDriver({"clips_dir": str(tiny_clips), "cache_dir": str(tmp_path), "audio_output": "none"})
    driver.start()
    driver.handle({"event": "ticket_called", "number": "A001", "window": 3, "recall": False})
    assert driver.queue_length == 0
    assert driver.state == "online"


def test_bad_events_are_logged_never_raised(tiny_clips, tmp_path, caplog):
    driver = VoiceDriver({"clips_dir": str(tiny_clips), "cache_dir": str(tmp_path), "audio_output": "adummy"})
    driver.start()
    try:
        driver.handle({"event": "ticket_called", "number": "A-1", "window": 3})
        driver.handle({"event": "ticket_called"})
        driver.handle({"event": "ticket_issued", "ticket": {}})
        assert driver.queue_length == 0
        assert sum("cannot announce" in m for m in caplog.messages) == 2
    finally:
        driver.stop()


def test_changed_gaps_never_serve_a_stale_file(tiny_clips, tmp_path):
    clipset = ClipSet.load(tiny_clips, ["zh"])
    script = Script.for_call("A001", 3, ["zh"], 1)
    a = AnnouncementCache(tmp_path, clipset, Gaps(**TINY_GAPS)).path_for(script, "A001-3-zh")
    b = AnnouncementCache(tmp_path, clipset, Gaps()).path_for(script, "A001-3-zh")
    assert a != b and read_wav(a).frames < read_wav(b).frames


def test_cache_keeps_at_most_max_files_dropping_the_least_recently_used(tiny_clips, tmp_path):
    clipset = ClipSet.load(tiny_clips, ["zh"])
    cache = AnnouncementCache(tmp_path, clipset, Gaps(**TINY_GAPS), max_files=3)
    paths = [cache.path_for(Script.for_call(f"A00{n}", 1, ["zh"], 1), f"A00{n}") for n in range(1, 4)]
    for i, p in enumerate(paths):  # deterministic ages: A001 oldest
        os.utime(p, ns=(10**18 + i, 10**18 + i))
    cache.path_for(Script.for_call("A001", 1, ["zh"], 1), "A001")  # used again: now the newest
    cache.path_for(Script.for_call("A009", 1, ["zh"], 1), "A009")
    assert sorted(p.name.split("-")[0] for p in tmp_path.glob("*.wav")) == ["A001", "A003", "A009"]


@pytest.mark.parametrize("cards, env, missing", [
    (" 0 [PCH            ]: HDA-Intel - HDA Intel PCH\n", {}, False),
    ("--- no soundcards ---\n", {}, True),
    (None, {}, True),
    (None, {"PULSE_SERVER": "tcp:speaker-pc"}, False),
])
def test_a_machine_without_sound_card_or_server_is_told(tmp_path, cards, env, missing):
    cards_file = tmp_path / "cards"
    if cards is not None:
        cards_file.write_text(cards)
    reason = missing_sound_card(str(cards_file), env)
    assert (reason is not None) is missing
    if missing:
        assert "audio_output 设为 \"adummy\"" in reason


def test_pulse_socket_counts_as_a_sound_server(tmp_path):
    (tmp_path / "pulse").mkdir()
    (tmp_path / "pulse" / "native").touch()
    assert missing_sound_card(str(tmp_path / "none"), {"XDG_RUNTIME_DIR": str(tmp_path)}) is None


def test_a_sound_server_that_went_away_is_told_and_one_that_answers_is_not(tmp_path):
    import socket
    path = tmp_path / "native"
    env = {"PULSE_SERVER": f"unix:{path}"}
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        server.listen()
        assert sound_output_gone("pulse", env) is None
        assert sound_output_gone("default", env) is None
    gone = sound_output_gone("pulse", env)          # the socket file is left, nothing answers it
    assert gone is not None and str(path) in gone
    assert sound_output_gone("adummy", env) is None  # nothing to unplug
    assert sound_output_gone("pulse", {"PULSE_SERVER": "tcp:speaker-pc"}) is None


@pytest.mark.skipif(missing_sound_card() is None, reason="this machine has a sound output")
def test_a_speaker_fault_still_serves_the_display_page(tiny_clips, tmp_path):
    driver = VoiceDriver({"clips_dir": str(tiny_clips), "cache_dir": str(tmp_path), "audio_output": "default"})
    driver.start()
    assert driver.status() == {"id": "voice", "state": "faulted", "detail": missing_sound_card(), "queue": 0}
    assert read_wav(driver.audio_path_for("A001", 3)).frames > 0
    driver.handle({"event": "ticket_called", "number": "A001", "window": 3, "recall": False})
    assert driver.queue_length == 0
