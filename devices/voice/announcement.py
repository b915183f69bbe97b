"""One announcement as one WAV: chime, then the call in each language, repeated.

Layout of the joined sound (gaps in milliseconds, see Gaps):

    chime | after_chime | phrase 1 | between_phrases | phrase 2 | ... | phrase N | tail

where the phrases are, for each repeat, each configured language in order,
and inside a phrase the clips are separated by between_clips. Joined files
are cached by what they contain, so the speaker and the display page's
browser get the same file and a recall costs nothing.
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from . import phrases
from .clips import ClipSet
from .join import Pcm, join, silence, write_wav


@dataclass(frozen=True)
class Gaps:
    """Silences inside an announcement, in milliseconds."""

    after_chime_ms: int = 300
    between_clips_ms: int = 40
    between_phrases_ms: int = 700
    # Some outputs report the end before the last buffer is heard; a short
    # tail keeps the last word from being cut by the next announcement.
    tail_ms: int = 300

    @classmethod
    def from_settings(cls, value: dict | None) -> "Gaps":
        """Gaps from a settings dict; unknown keys or negative values are refused with a sentence."""
        value = value or {}
        known = [f.name for f in fields(cls)]
        unknown = sorted(set(value) - set(known))
        if unknown:
            raise ValueError(f"语音 gaps 设置里有不认识的键 {unknown}；可用的键：{', '.join(known)}。")
        for key, ms in value.items():
            if not isinstance(ms, int) or isinstance(ms, bool) or not 0 <= ms <= 10000:
                raise ValueError(f"语音 gaps.{key} 必须是 0 到 10000 之间的整数毫秒，不能是 {ms!r}。")
        return cls(**value)


@dataclass(frozen=True)
class Script:
    """What one announcement says: the clip names of each phrase, in playing order."""

    phrases: tuple[tuple[str, tuple[str, ...]], ...]  # ((language, (clip, ...)), ...)

    @classmethod
    def for_call(cls, number: str, window: int | str, languages: list[str], repeat: int,
                 reading: str = "digits", templates: dict[str, str] | None = None) -> "Script":
        """The script of a call: each language's phrase, the whole round `repeat` times."""
        templates = templates or {}
        one_round = tuple((lang, tuple(phrases.phrase_clips(lang, number, window, reading,
                                                            templates.get(lang))))
                          for lang in languages)
        return cls(one_round * repeat)


def pieces(clipset: ClipSet, script: Script, gaps: Gaps) -> list[Pcm]:
    """The Pcm pieces of an announcement in order, gaps included (see the module docstring)."""
    rate, ch = clipset.rate, clipset.channels
    out = [clipset.chime, silence(gaps.after_chime_ms, rate, ch)]
    for i, (lang, names) in enumerate(script.phrases):
        if i:
            out.append(silence(gaps.between_phrases_ms, rate, ch))
        for j, name in enumerate(names):
            if j:
                out.append(silence(gaps.between_clips_ms, rate, ch))
            out.append(clipset.clip(lang, name))
    out.append(silence(gaps.tail_ms, rate, ch))
    return out


def build(clipset: ClipSet, script: Script, gaps: Gaps) -> Pcm:
    """The joined announcement: exactly the frames of its clips, chime and gaps."""
    return join(pieces(clipset, script, gaps))


class AnnouncementCache:
    """Joined announcements as WAV files in one directory, at most max_files of them.

    The file name carries the ticket, window and languages for people and a
    hash of everything that shapes the sound (clips, gaps, script) so a
    changed setting or a re-recorded clip never serves a stale file.
    """

    def __init__(self, directory: str | os.PathLike, clipset: ClipSet, gaps: Gaps, max_files: int = 200):
        self.directory = Path(directory)
        self.clipset, self.gaps, self.max_files = clipset, gaps, max_files
        self._lock = threading.Lock()

    def path_for(self, script: Script, label: str) -> Path:
        """The WAV of this script, joined and written on first use; label is a readable name part."""
        key = json.dumps([self.clipset.fingerprint, asdict(self.gaps), script.phrases], ensure_ascii=False)
        digest = hashlib.sha1(key.encode()).hexdigest()[:12]
        path = self.directory / f"{label}-{digest}.wav"
        with self._lock:
            if path.is_file():
                os.utime(path)  # most recently used: evicted last
                return path
            write_wav(path, build(self.clipset, script, self.gaps))
            self._evict(keep=path)
        return path

    def _evict(self, keep: Path) -> None:
        files = [p for p in self.directory.glob("*.wav") if p != keep]
        excess = len(files) + 1 - self.max_files
        if excess <= 0:
            return
        files.sort(key=lambda p: p.stat().st_mtime_ns)
        for p in files[:excess]:
            p.unlink(missing_ok=True)
