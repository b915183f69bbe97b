"""libvlc really playing: file output, queue order, recall, quiet hours, faults.

The tiny tone clip set keeps each announcement under half a second, so
twenty of them play in a couple of seconds on libvlc's dummy output.
"""
from __future__ import annotations

import array
import logging
import time
import wave
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from devices.voice import VoiceDriver
from devices.voice.join import read_wav, silence, write_wav
from devices.voice.player import END, PLAYING, Announcement, Announcer, VlcPlayer

from .conftest import TINY_GAPS, write_tiny_clip_set

TZ = ZoneInfo("Asia/Shanghai")


class Recorder:
    """Collects libvlc events as (kind, file name); appending is all it does on libvlc's thread."""

    def __init__(self):
        self.events: list[tuple[str, str]] = []

    def __call__(self, kind, path, at):
        self.events.append((kind, path.rsplit("/", 1)[-1]))


def wait_until(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("gave up waiting")
        time.sleep(0.01)


@pytest.fixture
def make_driver(tmp_path, tiny_clips):
    drivers = []

    def make(**settings):
        states = []
        base = {"clips_dir": str(tiny_clips), "cache_dir": str(tmp_path / "cache"),
                "audio_output": "adummy", "gaps": TINY_GAPS, "repeat": 1}
        driver = VoiceDriver({**base, **settings}, on_state=lambda *s: states.append(s),
                             listener=recorder, clock=clock)
        driver.states = states
        drivers.append(driver)
        return driver

    recorder = Recorder()
    clock_now = [datetime(2026, 11, 27, 9, 0, tzinfo=TZ)]
    clock = lambda: clock_now[0]  # noqa: E731
    make.recorder, make.clock_now = recorder, clock_now
    yield make
    for d in drivers:
        d.stop()


def called(number, window, recall=False):
    return {"event": "ticket_called", "seq": 1, "number": number, "service": number[0], "window": window,
            "window_name": f"{window}号窗口", "staff": "zhang", "recall": recall, "ticket": {}}


def test_file_output_holds_the_joined_announcement_sample_for_sample(make_driver, tmp_path):
    out = tmp_path / "speaker.wav"
    driver = make_driver(audio_output=f"afile:{out}", repeat=2, volume=100)
    driver.start()
    assert driver.state == "online"
    driver.handle(called("A001", 3))
    wait_until(lambda: driver.queue_length == 0)
    joined = read_wav(driver.audio_path_for("A001", 3))
    driver.stop()  # libvlc closes the file output and writes its WAV header

    with wave.open(str(out)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (22050, 1, 2)
        assert w.getnframes() == joined.frames
        assert w.readframes(w.getnframes()) == joined.data
    assert make_driver.recorder.events == [(PLAYING, driver.audio_path_for("A001", 3).name),
                                           (END, driver.audio_path_for("A001", 3).name)]


def test_volume_is_applied_to_the_samples_played(make_driver, tmp_path):
    out = tmp_path / "speaker.wav"
    driver = make_driver(audio_output=f"afile:{out}", volume=50)
    driver.start()
    driver.handle(called("A001", 3))
    wait_until(lambda: driver.queue_length == 0)
    joined = array.array("h", read_wav(driver.audio_path_for("A001", 3)).data)
    driver.stop()
    with wave.open(str(out)) as w:
        played = array.array("h", w.readframes(w.getnframes()))
    assert len(played) == len(joined)
    assert max(abs(p - s / 2) for p, s in zip(played, joined)) <= 1
    assert max(played) < max(joined)


def test_twenty_calls_in_a_second_play_in_call_order_without_overlap(make_driver):
    driver = make_driver()
    driver.start()
    numbers = [f"A{n:03d}" for n in range(1, 21)]
    for i, number in enumerate(numbers):
        driver.handle(called(number, i % 5 + 1))
    assert driver.queue_length == 20
    wait_until(lambda: driver.queue_length == 0, timeout=60)
    files = [driver.audio_path_for(number, i % 5 + 1).name for i, number in enumerate(numbers)]
    expected = [(kind, name) for name in files for kind in (PLAYING, END)]
    assert make_driver.recorder.events == expected
    assert driver.states[-1] == ("voice", "online", "待播报 0 条 / 0 waiting to be announced")
    assert ("voice", "online", "待播报 20 条 / 20 waiting to be announced") in driver.states


def test_recall_announces_the_ticket_again(make_driver):
    driver = make_driver()
    driver.start()
    driver.handle(called("B120", 12))
    driver.handle(called("C007", 20))
    driver.handle(called("B120", 12, recall=True))
    wait_until(lambda: driver.queue_length == 0)
    b, c = driver.audio_path_for("B120", 12).name, driver.audio_path_for("C007", 20).name
    assert make_driver.recorder.events == [(PLAYING, b), (END, b), (PLAYING, c), (END, c), (PLAYING, b), (END, b)]


def test_quiet_hours_play_nothing_and_log_it(make_driver, caplog):
    driver = make_driver(quiet_hours={"start": "22:00", "end": "07:00"})
    driver.start()
    make_driver.clock_now[0] = datetime(2026, 11, 27, 23, 30, tzinfo=TZ)
    with caplog.at_level(logging.INFO, logger="devices.voice"):
        driver.handle(called("A001", 3))
        wait_until(lambda: driver.queue_length == 0)
    assert make_driver.recorder.events == []
    assert "quiet hours: A001-3 not announced" in caplog.messages
    make_driver.clock_now[0] = datetime(2026, 11, 28, 7, 0, tzinfo=TZ)
    driver.handle(called("A002", 3))
    wait_until(lambda: driver.queue_length == 0)
    assert [kind for kind, _ in make_driver.recorder.events] == [PLAYING, END]


def test_missing_clip_fails_start_up_with_the_missing_names(tmp_path, make_driver):
    hall_clips = write_tiny_clip_set(tmp_path / "recorded", skip={"zh/号窗口办理", "en/twelve"})
    driver = make_driver(clips_dir=str(hall_clips))
    driver.start()
    state, detail = driver.states[-1][1:]
    assert state == "faulted"
    assert "缺少 2 个片段：zh/号窗口办理.wav, en/twelve.wav" in detail
    driver.handle(called("A001", 3))  # ignored, never raised
    assert driver.queue_length == 0
    assert driver.status() == {"id": "voice", "state": "faulted", "detail": detail, "queue": 0}


def test_a_failed_announcement_is_a_fault_and_the_queue_goes_on(tiny_clips, tmp_path):
    recorder, changes = Recorder(), []
    player = VlcPlayer("adummy", 100, recorder)
    announcer = Announcer(player, on_change=lambda pending, error: changes.append((pending, error)))
    announcer.start()
    good = tiny_clips / "chime.wav"

    def broken():
        raise OSError("磁盘已满")

    for item in (Announcement("A001-3", broken), Announcement("A002-3", lambda: good)):
        announcer.submit(item)
    wait_until(lambda: announcer.pending == 0)
    announcer.stop()
    assert changes == [(1, None), (2, None), (1, "磁盘已满"), (0, None)]
    assert recorder.events == [(PLAYING, "chime.wav"), (END, "chime.wav")]


def test_stop_cuts_playback_and_drops_what_is_waiting(tmp_path):
    recorder = Recorder()
    long_file = tmp_path / "long.wav"
    write_wav(long_file, silence(30000, 22050, 1))
    announcer = Announcer(VlcPlayer("adummy", 100, recorder))
    announcer.start()
    for n in range(3):
        announcer.submit(Announcement(f"A00{n}", lambda: long_file))
    wait_until(lambda: recorder.events)
    dropped = announcer.stop()
    assert dropped == 2
    assert announcer.pending == 0
    assert recorder.events == [(PLAYING, "long.wav")]
    announcer.submit(Announcement("A009", lambda: long_file))  # after stop: refused, not queued
    assert announcer.pending == 0
