"""Clip sets: a directory of WAV clips per language, generated or recorded.

Layout of a clip set directory (one WAV per clip name per language; the
names are those of phrases.required_clips, see docs/voice.md):

    <dir>/zh/请.wav  <dir>/zh/A.wav  <dir>/zh/零.wav ... <dir>/zh/号窗口办理.wav
    <dir>/en/number.wav  <dir>/en/A.wav  <dir>/en/zero.wav ... <dir>/en/please_go_to_window.wav
    <dir>/chime.wav      optional; the packaged two-tone chime otherwise

The default set is generated offline by espeak-ng into a cache directory:
Mandarin from tone-numbered pinyin (pypinyin Style.TONE3, voice
cmn-Latn-pinyin, since espeak-ng reads tone digits aloud when given Hanzi),
English with voice en. Only missing or changed clips are generated, in
parallel, so a first run takes about a second and later runs nothing.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import subprocess
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from . import numbers, phrases
from .join import Pcm, WavError, convert, read_wav, trim_silence, write_wav

SOUNDS = Path(__file__).parent / "sounds"
DEFAULT_CHIME = SOUNDS / "chime.wav"
CHIME_RATE = 22050

ESPEAK_VOICES = {"zh": "cmn-Latn-pinyin", "en": "en"}
ESPEAK_SPEED = 150  # words per minute; espeak-ng's 175 is brisk for elderly listeners
MANIFEST = "generated.json"


class ClipSetError(Exception):
    """A clip set that cannot be used; the message says what is missing and what to do."""

    def __init__(self, message: str, message_en: str = "", missing: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.message_en = message_en or message
        self.missing = missing or []


@dataclass
class ClipSet:
    """Loaded clips, all in one format (rate, channels), ready to be joined."""

    directory: Path
    rate: int
    channels: int
    chime: Pcm
    clips: dict[tuple[str, str], Pcm] = field(repr=False)
    fingerprint: str = ""

    def clip(self, language: str, name: str) -> Pcm:
        """The clip `name` of `language` (KeyError if the set does not hold it)."""
        return self.clips[(language, name)]

    @classmethod
    def load(cls, directory: str | os.PathLike, languages: list[str],
             templates: dict[str, str] | None = None) -> "ClipSet":
        """Load every clip the languages' phrases can need; ClipSetError names any missing.

        All clips are converted to the most common format in the set, so a
        joined announcement never needs converting.
        """
        directory = Path(directory)
        templates = templates or {}
        if not directory.is_dir():
            raise ClipSetError(
                f"语音片段目录 {directory} 不存在；请检查 clips_dir 设置，或删除该设置以使用自动生成的语音。",
                f"The voice clip directory {directory} does not exist; check the clips_dir setting "
                "or remove it to use the generated voice.")
        wanted = [(lang, name) for lang in languages
                  for name in phrases.required_clips(lang, templates.get(lang))]
        missing = [f"{lang}/{name}.wav" for lang, name in wanted
                   if not (directory / lang / f"{name}.wav").is_file()]
        if missing:
            raise ClipSetError(
                f"语音片段目录 {directory} 缺少 {len(missing)} 个片段：{', '.join(missing)}；"
                "请补上这些 WAV 文件（每个片段名一个文件），或删除 clips_dir 设置以使用自动生成的语音。",
                f"The voice clip directory {directory} lacks {len(missing)} clips: {', '.join(missing)}; "
                "add these WAV files (one per clip name) or remove clips_dir to use the generated voice.",
                missing)
        chime_path = directory / "chime.wav"
        if not chime_path.is_file():
            chime_path = DEFAULT_CHIME
        raw: dict[tuple[str, str], Pcm] = {}
        unreadable = []
        for lang, name in wanted:
            try:
                raw[(lang, name)] = read_wav(directory / lang / f"{name}.wav")
            except WavError:
                unreadable.append(f"{lang}/{name}.wav")
        try:
            chime = read_wav(chime_path)
        except WavError:
            unreadable.append(str(chime_path))
        if unreadable:
            raise ClipSetError(
                f"语音片段目录 {directory} 里有 {len(unreadable)} 个文件不是可读的 PCM WAV："
                f"{', '.join(unreadable)}；请用 sox 转成 16 位 PCM WAV（sox 原文件 -b 16 新文件.wav）。",
                f"{len(unreadable)} files in {directory} are not readable PCM WAV: {', '.join(unreadable)}; "
                "convert them with sox (sox in.wav -b 16 out.wav).")
        formats = Counter((p.rate, p.channels) for p in raw.values())
        # Most common format wins; on a tie the higher rate, so nothing is downsampled needlessly.
        rate, channels = max(formats, key=lambda f: (formats[f], f)) if formats else (chime.rate, chime.channels)
        channels = min(channels, 2)
        clips = {key: convert(p, rate, channels) for key, p in raw.items()}
        return cls(directory, rate, channels, convert(chime, rate, channels), clips,
                   _fingerprint([directory / lang / f"{name}.wav" for lang, name in wanted] + [chime_path]))


def generate_clip_set(cache_dir: str | os.PathLike, languages: list[str],
                      templates: dict[str, str] | None = None) -> Path:
    """Generate the default clip set with espeak-ng under cache_dir/clips and return that directory.

    Only clips that are missing or whose text or voice changed are spoken
    again. Raises ClipSetError if espeak-ng is not installed or fails.
    """
    templates = templates or {}
    out = Path(cache_dir) / "clips"
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        raise ClipSetError(
            "找不到 espeak-ng，无法生成默认语音；请安装（apt-get install espeak-ng），"
            "或在 clips_dir 设置里指定录好的语音片段目录。",
            "espeak-ng is not installed, so the default voice cannot be generated; install it "
            "(apt-get install espeak-ng) or set clips_dir to a directory of recorded clips.")
    manifest_path = out / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    jobs = []
    for lang in languages:
        for name in phrases.required_clips(lang, templates.get(lang)):
            spec = [ESPEAK_VOICES[lang], speakable_text(lang, name), ESPEAK_SPEED]
            target = out / lang / f"{name}.wav"
            if manifest.get(f"{lang}/{name}") != spec or not target.is_file():
                jobs.append((f"{lang}/{name}", spec, target))
    if jobs:
        with ThreadPoolExecutor(max_workers=min(16, 4 * (os.cpu_count() or 1))) as pool:
            for key, spec in pool.map(lambda job: _speak(espeak, *job), jobs):
                manifest[key] = spec
        out.mkdir(parents=True, exist_ok=True)
        tmp = manifest_path.with_suffix(".part")
        tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, manifest_path)
    return out


def speakable_text(language: str, name: str) -> str:
    """What espeak-ng is given for a clip: tone-numbered pinyin for Chinese, words for English."""
    if name in numbers.LETTERS:
        return name
    if language == "zh":
        from pypinyin import Style, lazy_pinyin
        return " ".join(lazy_pinyin(name, style=Style.TONE3, neutral_tone_with_five=True))
    return name.replace("_", " ")


def chime_pcm(rate: int = CHIME_RATE) -> Pcm:
    """The two-tone chime (叮咚): E5 then C5, each a decaying sine with a soft attack."""
    samples = []
    for freq, ms in ((659.25, 380), (523.25, 520)):
        n = round(rate * ms / 1000)
        for i in range(n):
            t = i / rate
            envelope = min(1.0, i / (0.005 * rate)) * math.exp(-3.5 * t)
            # A quiet octave partial makes it sound like a bell rather than a beep.
            value = math.sin(2 * math.pi * freq * t) + 0.25 * math.sin(4 * math.pi * freq * t)
            samples.append(round(12000 * envelope * value))
    data = b"".join(s.to_bytes(2, "little", signed=True) for s in samples)
    return Pcm(data, rate, 1)


def write_default_chime(path: str | os.PathLike = DEFAULT_CHIME) -> Path:
    """(Re)write the packaged chime from chime_pcm(); sounds/chime.wav is made by this."""
    return write_wav(path, chime_pcm())


def _speak(espeak: str, key: str, spec: list, target: Path) -> tuple[str, list]:
    voice, text, speed = spec
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".espeak-", suffix=".wav", dir=target.parent)
    os.close(fd)
    try:
        result = subprocess.run([espeak, "-v", voice, "-s", str(speed), "-w", tmp, text],
                                capture_output=True, timeout=30)
        if result.returncode != 0:
            raise ClipSetError(
                f"espeak-ng 生成片段 {key} 失败（{result.stderr.decode(errors='replace').strip()}）；"
                "请检查 espeak-ng 是否完整安装（apt-get install --reinstall espeak-ng）。",
                f"espeak-ng failed on clip {key}; reinstall espeak-ng.")
        # espeak-ng pads every clip with ~0.3 s of silence; the joiner adds its own gaps.
        write_wav(target, trim_silence(read_wav(tmp)))
    finally:
        Path(tmp).unlink(missing_ok=True)
    return key, spec


def _fingerprint(paths: list[Path]) -> str:
    h = hashlib.sha1()
    for p in paths:
        st = p.stat()
        h.update(f"{p}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]
