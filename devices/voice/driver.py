"""The voice device: announces every ticket_called on the hall's speaker.

Settings (all optional; see docs/voice.md):

    {"id": "voice", "languages": ["zh", "en"], "repeat": 2, "volume": 80,
     "quiet_hours": null | {"start": "22:00", "end": "07:00"},
     "timezone": "Asia/Shanghai", "clips_dir": null, "cache_dir": "<data-dir>/voice",
     "audio_output": "default" | "adummy" | "afile:/path.wav" | "alsa" | "none",
     "number_reading": "digits" | "natural", "templates": null | {"zh": "...", "en": "..."},
     "gaps": null | {"after_chime_ms": 300, ...}, "cache_files": 200}

start() loads the clip set (generating the default one with espeak-ng on
first use) and opens libvlc; a missing clip or a missing libvlc leaves the
device "faulted" with a sentence that says what to do, never an exception.
handle() only queues: joining and playing happen on the announcer thread.
"""
from __future__ import annotations

import logging
import tempfile
import threading
from datetime import datetime, time as dtime
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import phrases
from .announcement import AnnouncementCache, Gaps, Script
from .clips import ClipSet, ClipSetError, generate_clip_set
from .player import (Announcement, Announcer, PlaybackError, VlcPlayer, missing_sound_card, sound_output_gone,
                     vlc_arguments)

log = logging.getLogger(__name__)

DEFAULTS = {
    "id": "voice",
    "languages": ["zh", "en"],
    "repeat": 2,
    "volume": 80,
    "quiet_hours": None,
    "timezone": "Asia/Shanghai",
    "clips_dir": None,
    "cache_dir": None,
    "audio_output": "default",
    "number_reading": "digits",
    "templates": None,
    "gaps": None,
    "cache_files": 200,
}


class VoiceSettingsError(ValueError):
    """A voice setting that cannot work, told as one sentence naming the key."""


class VoiceUnavailable(Exception):
    """The voice device has no clip set loaded (not started, or faulted)."""


class QuietHours:
    """A daily span of local time with no announcements; it may cross midnight (22:00-07:00)."""

    def __init__(self, start: str, end: str):
        self.start, self.end = _parse_hhmm("quiet_hours.start", start), _parse_hhmm("quiet_hours.end", end)
        if self.start == self.end:
            raise VoiceSettingsError("quiet_hours 的 start 和 end 不能相同；不要静音时段就把 quiet_hours 设为 null。")
        self.text = f"{start}-{end}"

    def __contains__(self, t: dtime) -> bool:
        if self.start < self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end


class VoiceDriver:
    """Announces calls through libvlc; see the module docstring for settings and behaviour."""

    def __init__(self, settings: dict | None = None,
                 on_state: Callable[[str, str, str], None] | None = None,
                 clock: Callable[[], datetime] | None = None,
                 listener: Callable[[str, str, float], None] | None = None):
        """Check the settings (VoiceSettingsError); nothing is opened until start().

        clock() gives the current time (aware datetimes are converted to the
        timezone setting); listener is handed to VlcPlayer (tests, benchmark).
        """
        settings = settings or {}
        unknown = sorted(set(settings) - set(DEFAULTS))
        if unknown:
            raise VoiceSettingsError(f"语音配置里有不认识的键 {unknown}；可用的键：{', '.join(DEFAULTS)}。")
        s = self.settings = {**DEFAULTS, **settings}
        self.device_id = str(s["id"])
        self.languages = _languages(s["languages"])
        self.repeat = _int_in("repeat", s["repeat"], 1, 5)
        self.volume = _int_in("volume", s["volume"], 0, 100)
        self.templates = dict(s["templates"] or {})
        self.reading = s["number_reading"]
        try:
            for lang in self.languages:
                phrases.template_parts(lang, self.templates.get(lang))
            if self.reading not in phrases.NUMBER_READINGS:
                raise ValueError(f"number_reading 只能是 \"digits\"（逐位读：A 零零一）或 \"natural\"（按数读：A 一），"
                                 f"不能是 {self.reading!r}。")
            self.gaps = Gaps.from_settings(s["gaps"])
            if s["audio_output"] != "none":
                vlc_arguments(str(s["audio_output"]), self.volume)
        except ValueError as exc:
            raise VoiceSettingsError(str(exc)) from None
        self.quiet = _quiet_hours(s["quiet_hours"])
        try:
            self.tz = ZoneInfo(s["timezone"])
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise VoiceSettingsError(f"语音 timezone {s['timezone']!r} 不是时区名，例如 \"Asia/Shanghai\"。") from None
        self.cache_dir = Path(s["cache_dir"] or Path(tempfile.gettempdir()) / "hallq-voice")
        self.cache_files = _int_in("cache_files", s["cache_files"], 10, 100000)
        self.on_state = on_state or (lambda device_id, state, detail: None)
        self.clock = clock or (lambda: datetime.now(self.tz))
        self.listener = listener
        self.state, self.detail = "stopped", ""
        self.clipset: ClipSet | None = None
        self._cache: AnnouncementCache | None = None
        self._announcer: Announcer | None = None
        # Re-entrant: an on_state callback may publish an event that lands back in handle().
        self._lock = threading.RLock()

    # -- life cycle -------------------------------------------------------
    def start(self) -> None:
        """Load (or generate) the clip set and open libvlc; a failure leaves the state "faulted".

        If only the speaker fails (no sound card, no libvlc), the clip set
        stays loaded, so audio_path_for still serves the display page.
        """
        if self._announcer is not None or self.state == "online":
            return
        self._publish("connecting", "正在准备语音片段 / preparing the voice clips")
        try:
            clips_dir = self.settings["clips_dir"]
            if clips_dir is None:
                clips_dir = generate_clip_set(self.cache_dir, self.languages, self.templates)
            clipset = ClipSet.load(clips_dir, self.languages, self.templates)
        except (ClipSetError, OSError) as exc:
            self._fail(exc)
            return
        self.clipset = clipset
        self._cache = AnnouncementCache(self.cache_dir / "announcements", clipset, self.gaps, self.cache_files)
        output = str(self.settings["audio_output"])
        try:
            if output in ("default", "alsa") and (reason := missing_sound_card()):
                raise PlaybackError(reason)
            if output != "none":
                self._announcer = Announcer(VlcPlayer(output, self.volume, self.listener),
                                            self._is_quiet, self._on_queue,
                                            lambda: sound_output_gone(output),
                                            lambda: VlcPlayer(output, self.volume, self.listener))
                self._announcer.start()
        except PlaybackError as exc:
            self._fail(exc)
            return
        self._publish("online", self._queue_text(0))

    def _fail(self, exc: Exception) -> None:
        self._publish("faulted", str(exc))
        log.error("voice device cannot start: %s", exc)

    def stop(self) -> None:
        """Cut the playing announcement, drop the waiting ones, close libvlc."""
        announcer, self._announcer = self._announcer, None
        if announcer is not None:
            dropped = announcer.stop()
            if dropped:
                log.warning("voice stopped with %d announcements not played", dropped)
        self._publish("stopped", "")

    # -- bus --------------------------------------------------------------
    def handle(self, event: dict) -> None:
        """Queue an announcement for a ticket_called event (recall: true announces again)."""
        if event.get("event") != "ticket_called":
            return
        try:
            self.announce(event["number"], event["window"], recall=bool(event.get("recall")))
        except Exception as exc:  # never raise into the bus
            log.error("voice: cannot announce %r: %s", event, exc)

    def announce(self, number: str, window: int | str, recall: bool = False) -> bool:
        """Queue the announcement of a call; False (and logged) when the device cannot play it."""
        announcer, cache = self._announcer, self._cache
        label = f"{number}-{window}" + ("-recall" if recall else "")
        if announcer is None or cache is None:
            log.warning("voice %s: %s not announced", self.state, label)
            return False
        script = Script.for_call(number, window, self.languages, self.repeat, self.reading, self.templates)
        file_label = _file_label(number, window, self.languages)
        announcer.submit(Announcement(label, lambda: cache.path_for(script, file_label)))
        return True

    # -- audio for the display page ---------------------------------------
    def audio_path_for(self, number: str, window: int | str, language: str | None = None) -> Path:
        """The joined WAV of a call, created on first use and cached.

        language None gives the announcement as the speaker plays it (every
        configured language, repeated); a language gives the chime and that
        language's phrase, repeated. Raises ValueError for a bad number,
        window or language, VoiceUnavailable when no clip set is loaded.
        """
        cache = self._cache
        if cache is None:
            raise VoiceUnavailable(f"语音设备未就绪（{self.state}：{self.detail}），暂时没有播报音频。")
        languages = self.languages if language is None else [language]
        if language is not None and language not in self.languages:
            raise ValueError(f"语言 {language!r} 没有配置；已配置的语言：{', '.join(self.languages)}。")
        script = Script.for_call(number, window, languages, self.repeat, self.reading, self.templates)
        return cache.path_for(script, _file_label(number, window, languages))

    # -- state ------------------------------------------------------------
    @property
    def queue_length(self) -> int:
        """Announcements not yet finished: waiting plus the one playing."""
        announcer = self._announcer
        return announcer.pending if announcer is not None else 0

    def status(self) -> dict:
        """State for the manager's board: {"id", "state", "detail", "queue"}."""
        return {"id": self.device_id, "state": self.state, "detail": self.detail, "queue": self.queue_length}

    def _on_queue(self, pending: int, error: str | None) -> None:
        if error is not None:
            self._publish("faulted", error)
        elif self.state in ("online", "faulted"):
            self._publish("online", self._queue_text(pending))

    def _queue_text(self, pending: int) -> str:
        return f"待播报 {pending} 条 / {pending} waiting to be announced"

    def _is_quiet(self) -> bool:
        if self.quiet is None:
            return False
        now = self.clock()
        if now.tzinfo is not None:
            now = now.astimezone(self.tz)
        return now.time() in self.quiet

    def _publish(self, state: str, detail: str) -> None:
        with self._lock:
            self.state, self.detail = state, detail
            try:
                self.on_state(self.device_id, state, detail)
            except Exception:
                log.exception("voice on_state callback failed")


def _file_label(number: str, window: int | str, languages: list[str]) -> str:
    """The readable part of a joined file's name (number and window already validated)."""
    return f"{str(number).strip().upper()}-{int(str(window).strip())}-{'-'.join(languages)}"


def _languages(value) -> list[str]:
    if (not isinstance(value, (list, tuple)) or not value or len(set(value)) != len(value)
            or any(lang not in phrases.LANGUAGES for lang in value)):
        raise VoiceSettingsError(f"语音 languages 必须是不重复的语言列表，取自 {list(phrases.LANGUAGES)}，"
                                 f"例如 [\"zh\", \"en\"]；现在是 {value!r}。")
    return list(value)


def _int_in(key: str, value, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise VoiceSettingsError(f"语音 {key} 必须是 {low} 到 {high} 的整数，不能是 {value!r}。")
    return value


def _quiet_hours(value) -> QuietHours | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != {"start", "end"}:
        raise VoiceSettingsError("quiet_hours 写成 {\"start\": \"22:00\", \"end\": \"07:00\"}，或设为 null 表示不静音。")
    return QuietHours(value["start"], value["end"])


def _parse_hhmm(key: str, text) -> dtime:
    try:
        hours, minutes = str(text).split(":")
        return dtime(int(hours), int(minutes))
    except ValueError:
        raise VoiceSettingsError(f"{key} 必须是 \"时:分\" 格式的时间，例如 \"22:00\"，不能是 {text!r}。") from None
