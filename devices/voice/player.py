"""Playing announcements through libvlc, one after another, on one thread.

`VlcPlayer` plays one file to its end. `Announcer` owns the queue and the
only thread that touches the player: announcements play in submission
order, never overlap (the next starts only after libvlc reports the end of
the previous one) and are never dropped while the announcer runs.

libvlc is not re-entrant: its event callbacks run on libvlc's own thread
and must not call libvlc, so they only record the event and raise a flag
that the announcer waits on. The flag is a plain attribute polled every few
milliseconds, not a threading.Event: the hall server runs under gevent,
where threading.Event is a greenlet primitive that a native thread libvlc
started must not touch.
"""
from __future__ import annotations

import logging
import os
import queue
import re
import sys
import threading
import time
import wave
from pathlib import Path
from typing import Callable

log = logging.getLogger(__name__)

# Playing, end and error as names for listeners (tests, the benchmark).
PLAYING, END, ERROR = "playing", "end", "error"
# How much longer than its own duration a file may take before libvlc is
# declared stuck: covers opening the output device and its buffer.
PLAY_MARGIN_S = 10.0


class PlaybackError(Exception):
    """libvlc could not start, or could not play a file to its end."""


def vlc_arguments(audio_output: str, volume: int) -> list[str]:
    """libvlc options for an output setting and a volume (0-100).

    audio_output: "default" (the system's sound card), "adummy" (plays and
    discards), "afile:/path.wav" (plays into a WAV file), or any other
    libvlc audio output module name ("alsa", "pulse").
    Volume is libvlc's software gain (volume / 100), which every output
    honours, the file output included, so it can be checked in tests.
    """
    args = ["--no-video", "--quiet", "--no-xlib", f"--gain={volume / 100:.2f}"]
    if audio_output == "default":
        return args
    if audio_output.startswith("afile:"):
        target = audio_output[len("afile:"):]
        if not target:
            raise ValueError("audio_output 写成 \"afile:/路径/输出.wav\"，冒号后面要有文件路径。")
        return args + ["--aout=afile", f"--audiofile-file={target}"]
    if not audio_output or not audio_output.replace("_", "").isalnum():
        raise ValueError(f"audio_output 只能是 \"default\"、\"adummy\"、\"afile:/路径.wav\" "
                         f"或 libvlc 的输出模块名（如 \"alsa\"），不能是 {audio_output!r}。")
    return args + [f"--aout={audio_output}"]


def missing_sound_card(cards_file: str = "/proc/asound/cards", env: dict | None = None) -> str | None:
    """A sentence if this Linux machine has no sound card and no sound server, else None.

    libvlc's default output on such a machine "plays" every file in silence
    without reporting an error, so the driver checks before it goes online.
    """
    if not sys.platform.startswith("linux"):
        return None
    env = os.environ if env is None else env
    runtime = env.get("XDG_RUNTIME_DIR")
    if env.get("PULSE_SERVER") or (runtime and os.path.exists(os.path.join(runtime, "pulse", "native"))):
        return None
    try:
        with open(cards_file, encoding="utf-8", errors="replace") as f:
            cards = f.read()
    except OSError:
        cards = ""
    if re.search(r"^\s*\d+\s+\[", cards, re.MULTILINE):
        return None
    return ("这台电脑没有声卡，也没有声音服务，叫号语音放不出来；请接上音箱/声卡，"
            "或把 audio_output 设为 \"adummy\"（演示、测试）或 \"none\"（只在显示屏页面的浏览器里播放）。")


def sound_output_gone(audio_output: str, env: dict | None = None) -> str | None:
    """A sentence if the sound output the hall plays through is not there now, else None.

    Asked before and after each announcement and every IDLE_CHECK_S between them: a sound
    server that went away (PulseAudio or PipeWire stopped, the speaker PC's server gone)
    leaves libvlc "playing" every later file in silence with no error, and its output never
    reconnects, so the driver must notice by itself. A local sound server is tried by
    connecting to its socket; without one, a sound card must be listed.
    """
    if audio_output not in ("default", "alsa", "pulse"):
        return None          # adummy, afile and other modules have nothing to unplug
    env = os.environ if env is None else env
    server = env.get("PULSE_SERVER") or ""
    runtime = env.get("XDG_RUNTIME_DIR")
    path = server[len("unix:"):] if server.startswith("unix:") else server if server.startswith("/") else None
    if path is None and not server and runtime and os.path.exists(os.path.join(runtime, "pulse", "native")):
        path = os.path.join(runtime, "pulse", "native")
    if path is not None:
        import socket
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(1.0)
                s.connect(path)
            return None
        except OSError as exc:
            return (f"声音服务不见了（{path}：{exc.strerror or exc}），叫号语音放不出来；请检查音箱和声音服务，"
                    f"恢复后语音自动重新接上。 / The sound server is gone ({path}); calls are not announced "
                    "until it is back.")
    if server or audio_output == "pulse":
        return None          # a sound server elsewhere (tcp:host): libvlc reports its own errors
    return missing_sound_card(env=env)


class NativeFlag:
    """A flag raised from any thread, native ones included, and waited on by polling.

    Setting a Python attribute is atomic under the GIL; the waiter sleeps in
    short steps (time.sleep, which gevent makes cooperative), so the wait works
    the same with threads and with greenlets, and costs at most POLL_S of latency.
    """
    POLL_S = 0.004

    def __init__(self):
        self._set = False

    def set(self) -> None:
        self._set = True

    def clear(self) -> None:
        self._set = False

    def is_set(self) -> bool:
        return self._set

    def wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not self._set:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(self.POLL_S, left))
        return True


class VlcPlayer:
    """One libvlc instance and media player; play() blocks until the file has played."""

    def __init__(self, audio_output: str = "default", volume: int = 100,
                 listener: Callable[[str, str, float], None] | None = None):
        """Create the libvlc instance (PlaybackError if libvlc or the output is missing).

        listener(kind, path, monotonic_time) is told of each "playing", "end"
        and "error" libvlc reports; it runs on libvlc's thread and must not
        call libvlc or block.
        """
        try:
            import vlc
        except (ImportError, OSError) as exc:
            raise PlaybackError(f"无法加载 libvlc（{exc}）；请安装 libvlc5 和 vlc-plugin-base。") from None
        self._vlc = vlc
        self.listener = listener
        self.instance = vlc.Instance(vlc_arguments(audio_output, volume))
        if self.instance is None:
            raise PlaybackError(f"libvlc 无法以输出 {audio_output!r} 启动；请检查 audio_output 设置"
                                "和 vlc-plugin-base 是否已安装。")
        self.player = self.instance.media_player_new()
        self._current = ""
        self._finished = NativeFlag()
        self._failed = False
        self._abort = False
        events = self.player.event_manager()
        events.event_attach(vlc.EventType.MediaPlayerPlaying, self._on_playing)
        events.event_attach(vlc.EventType.MediaPlayerEndReached, self._on_end)
        events.event_attach(vlc.EventType.MediaPlayerEncounteredError, self._on_error)

    # libvlc's thread: record and signal only.
    def _on_playing(self, event) -> None:
        self._tell(PLAYING)

    def _on_end(self, event) -> None:
        self._tell(END)
        self._finished.set()

    def _on_error(self, event) -> None:
        self._failed = True
        self._tell(ERROR)
        self._finished.set()

    def _tell(self, kind: str) -> None:
        if self.listener is not None:
            try:
                self.listener(kind, self._current, time.monotonic())
            except Exception:  # a listener's bug must not reach libvlc's thread
                log.exception("voice listener failed")

    def play(self, path: str | Path, timeout: float | None = None) -> None:
        """Play a WAV to its end; PlaybackError if libvlc reports an error or never ends."""
        path = str(path)
        if timeout is None:
            timeout = wav_seconds(path) + PLAY_MARGIN_S
        self._finished.clear()
        if self._abort:  # checked after clear(), so an abort() from now on still wakes the wait
            return
        self._failed = False
        self._current = path
        self.player.set_media(self.instance.media_new_path(path))
        if self.player.play() != 0:
            raise PlaybackError(f"libvlc 无法播放 {path}。")
        ended = self._finished.wait(timeout)
        if self._abort:
            self.player.stop()
            return
        if not ended:
            self.player.stop()
            raise PlaybackError(f"libvlc 播放 {Path(path).name} 超过 {timeout:.0f} 秒仍未结束，已停止。")
        if self._failed:
            raise PlaybackError(f"libvlc 播放 {Path(path).name} 出错；请检查音频输出设备。")

    def abort(self) -> None:
        """Wake a play() in progress (from another thread); it stops the player and returns."""
        self._abort = True
        self._finished.set()

    def close(self) -> None:
        """Stop and release libvlc (call from the thread that plays, or after it has ended)."""
        self.player.stop()  # closes the output; afile writes its WAV header here
        self.player.release()
        self.instance.release()


def wav_seconds(path: str | Path) -> float:
    """Duration of a WAV file in seconds (0 if it cannot be read)."""
    try:
        with wave.open(str(path), "rb") as w:
            return w.getnframes() / w.getframerate()
    except (OSError, wave.Error, EOFError):
        return 0.0


class Announcement:
    """One queued announcement: a label for logs and how to get its WAV."""

    def __init__(self, label: str, prepare: Callable[[], Path]):
        self.label = label
        self.prepare = prepare


class Announcer:
    """The announcement queue and its one playing thread.

    is_quiet() is asked just before each announcement plays: during quiet
    hours it is logged and skipped, not held. on_change(pending, error) is
    called after every change of the number of announcements not yet
    finished (queued plus playing); error is None or the sentence of the
    last playback failure, which the driver turns into its state.
    """

    IDLE_CHECK_S = 1.0

    def __init__(self, player: VlcPlayer, is_quiet: Callable[[], bool] = lambda: False,
                 on_change: Callable[[int, str | None], None] = lambda pending, error: None,
                 output_gone: Callable[[], str | None] = lambda: None,
                 new_player: Callable[[], VlcPlayer] | None = None):
        self.player = player
        self.is_quiet = is_quiet
        self.on_change = on_change
        self.output_gone = output_gone
        self.new_player = new_player
        self._gone: str | None = None        # the sentence while the sound output is away
        self._fault: str | None = None       # the last failure's sentence, until an announcement plays
        self._queue: queue.Queue[Announcement | None] = queue.Queue()
        self._pending = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = False

    @property
    def pending(self) -> int:
        """Announcements not yet finished: waiting plus the one playing."""
        return self._pending

    def start(self) -> None:
        """Start the playing thread."""
        self._thread = threading.Thread(target=self._run, name="voice-announcer", daemon=True)
        self._thread.start()

    def submit(self, announcement: Announcement) -> None:
        """Queue an announcement behind all earlier ones; returns at once."""
        with self._lock:
            if self._stopping:
                log.warning("voice stopped: %s not announced", announcement.label)
                return
            self._pending += 1
            pending = self._pending
            self._queue.put(announcement)
        self._changed(pending, self._fault)     # a waiting announcement does not clear a fault

    def stop(self, timeout: float = 5.0) -> int:
        """Stop now: cut the playing announcement, drop the waiting ones (returned count), close libvlc."""
        with self._lock:
            self._stopping = True
            dropped = 0
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is not None:
                    dropped += 1
                    log.debug("voice stopped: %s not announced", item.label)
            self._pending -= dropped
            self._queue.put(None)
        self.player.abort()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.error("voice thread did not stop within %.0f s", timeout)
                return dropped
        self.player.close()
        return dropped

    def _watch(self) -> str | None:
        """Whether the sound output is there; a player whose output went away is made anew when it
        is back (libvlc's output does not reconnect). Tells on_change when either happens."""
        gone = self.output_gone()
        if gone and self._gone is None:
            self._gone = self._fault = gone
            log.error("voice: %s", gone)
            self._changed(self._pending, gone)
        elif not gone and self._gone is not None:
            if self.new_player is not None:
                try:
                    fresh = self.new_player()
                except PlaybackError as exc:
                    return str(exc)
                old, self.player = self.player, fresh
                try:
                    old.close()
                except Exception:
                    log.exception("voice: the old player did not close")
            self._gone = self._fault = None
            log.warning("voice: the sound output is back")
            self._changed(self._pending, None)
        return gone

    def _run(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=self.IDLE_CHECK_S)
            except queue.Empty:
                self._watch()
                continue
            if item is None:
                return
            error = None
            try:
                if self.is_quiet():
                    log.info("quiet hours: %s not announced", item.label)
                elif gone := self._watch():
                    raise PlaybackError(gone)
                else:
                    self.player.play(item.prepare())
                    if gone := self._watch():     # the output went while it played: maybe not heard
                        raise PlaybackError(gone)
            except Exception as exc:  # a fault is a state, the queue goes on
                error = str(exc)
                log.error("voice: %s not announced: %s", item.label, error)
            with self._lock:
                self._pending -= 1
                pending = self._pending
                self._fault = error
            self._changed(pending, error)

    def _changed(self, pending: int, error: str | None) -> None:
        try:
            self.on_change(pending, error)
        except Exception:
            log.exception("voice state callback failed")
