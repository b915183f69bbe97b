"""Joining clips into one announcement: PCM in, PCM out, plus WAV read/write.

Everything is brought to one format before joining: 16-bit signed PCM at the
clip set's sample rate and channel count. Clips in another format are
converted here (8/24/32-bit to 16-bit, mono/stereo, linear-interpolation
resampling) so a hall can drop in recordings made at 44.1 kHz stereo next to
espeak-ng's 22.05 kHz mono. The stdlib's audioop would do this but is gone
in Python 3.13, hence plain Python; it runs once per clip at load time.
"""
from __future__ import annotations

import array
import os
import sys
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

SAMPLE_WIDTH = 2  # bytes: every Pcm here is 16-bit signed, little-endian


class WavError(ValueError):
    """A file that is not a WAV this module can read."""


@dataclass(frozen=True)
class Pcm:
    """16-bit little-endian interleaved samples with their rate and channel count."""

    data: bytes
    rate: int
    channels: int

    @property
    def frames(self) -> int:
        return len(self.data) // (SAMPLE_WIDTH * self.channels)

    @property
    def seconds(self) -> float:
        return self.frames / self.rate


def read_wav(path: str | os.PathLike) -> Pcm:
    """Read a PCM WAV of 8, 16, 24 or 32 bits as 16-bit Pcm (WavError if it cannot)."""
    try:
        with wave.open(str(path), "rb") as w:
            width, rate, channels = w.getsampwidth(), w.getframerate(), w.getnchannels()
            raw = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as exc:
        raise WavError(f"{path} 不是可读的 PCM WAV 文件（{exc}）；请用 sox 转换："
                       f"sox 原文件 -b 16 {Path(path).name}。") from None
    return Pcm(_to_16bit(raw, width), rate, channels)


def write_wav(path: str | os.PathLike, pcm: Pcm) -> Path:
    """Write Pcm as a WAV file atomically (a reader never sees half a file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".part-", suffix=".wav", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f, wave.open(f, "wb") as w:
            w.setnchannels(pcm.channels)
            w.setsampwidth(SAMPLE_WIDTH)
            w.setframerate(pcm.rate)
            w.writeframes(pcm.data)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; the hall serves these files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def silence(ms: int, rate: int, channels: int) -> Pcm:
    """A stretch of silence of round(ms * rate / 1000) frames."""
    return Pcm(bytes(gap_frames(ms, rate) * channels * SAMPLE_WIDTH), rate, channels)


def gap_frames(ms: int, rate: int) -> int:
    """How many frames a gap of `ms` milliseconds takes at `rate`."""
    if ms < 0:
        raise ValueError(f"停顿时长不能是负数：{ms} 毫秒。")
    return round(ms * rate / 1000)


def convert(pcm: Pcm, rate: int, channels: int) -> Pcm:
    """The same sound at another rate and channel count (1 or 2).

    Resampled length is round(frames * rate / pcm.rate) frames.
    """
    if channels not in (1, 2):
        raise ValueError(f"只支持单声道或立体声输出，不支持 {channels} 声道。")
    if pcm.rate == rate and pcm.channels == channels:
        return pcm
    samples = _samples(pcm.data)
    src_ch = pcm.channels
    if src_ch != 1 and (channels == 1 or src_ch != channels):
        # Down-mix to mono first: average of the channels.
        samples = array.array("h", (sum(samples[i:i + src_ch]) // src_ch
                                    for i in range(0, len(samples), src_ch)))
        src_ch = 1
    if pcm.rate != rate:
        samples = _resample(samples, src_ch, pcm.rate, rate)
    if src_ch == 1 and channels == 2:
        stereo = array.array("h", bytes(len(samples) * 2 * SAMPLE_WIDTH))
        stereo[0::2] = samples
        stereo[1::2] = samples
        samples = stereo
    return Pcm(_bytes(samples), rate, channels)


def join(pieces: list[Pcm]) -> Pcm:
    """Concatenate Pcm pieces of one format; the result has exactly the sum of their frames."""
    if not pieces:
        raise ValueError("没有可拼接的语音片段。")
    rate, channels = pieces[0].rate, pieces[0].channels
    for p in pieces:
        if (p.rate, p.channels) != (rate, channels):
            raise ValueError(f"片段格式不一致：{p.rate} Hz/{p.channels} 声道 与 {rate} Hz/{channels} 声道；"
                             "先用 convert() 统一格式。")
    return Pcm(b"".join(p.data for p in pieces), rate, channels)


def trim_silence(pcm: Pcm, threshold: int = 200, keep_ms: int = 15) -> Pcm:
    """Cut leading and trailing near-silence (|sample| <= threshold), keeping keep_ms either side."""
    samples = _samples(pcm.data)
    first = next((i for i, s in enumerate(samples) if abs(s) > threshold), None)
    if first is None:
        return pcm
    last = len(samples) - next(i for i, s in enumerate(reversed(samples)) if abs(s) > threshold)
    ch = pcm.channels
    keep = gap_frames(keep_ms, pcm.rate)
    start = max(0, first // ch - keep)
    end = min(pcm.frames, -(-last // ch) + keep)
    step = ch * SAMPLE_WIDTH
    return Pcm(pcm.data[start * step:end * step], pcm.rate, ch)


# -- sample helpers -------------------------------------------------------

def _samples(data: bytes) -> array.array:
    a = array.array("h")
    a.frombytes(data)
    if sys.byteorder == "big":
        a.byteswap()
    return a


def _bytes(samples: array.array) -> bytes:
    if sys.byteorder == "big":
        samples = array.array("h", samples)
        samples.byteswap()
    return samples.tobytes()


def _to_16bit(raw: bytes, width: int) -> bytes:
    if width == 2:
        return raw
    if width == 1:  # WAV 8-bit is unsigned
        return _bytes(array.array("h", ((b - 128) << 8 for b in raw)))
    if width in (3, 4):  # keep the top 16 bits of each little-endian sample
        return b"".join(raw[i + width - 2:i + width] for i in range(0, len(raw), width))
    raise WavError(f"不支持 {width * 8} 位的 WAV；请转换成 16 位：sox 原文件 -b 16 新文件.wav。")


def _resample(samples: array.array, channels: int, src: int, dst: int) -> array.array:
    frames = len(samples) // channels
    out_frames = round(frames * dst / src)
    out = array.array("h", bytes(out_frames * channels * SAMPLE_WIDTH))
    if frames == 0:
        return out
    last = frames - 1
    for c in range(channels):
        chan = samples[c::channels]
        for i in range(out_frames):
            pos = i * src / dst
            i0 = int(pos)
            if i0 >= last:
                out[i * channels + c] = chan[last]
                continue
            frac = pos - i0
            out[i * channels + c] = round(chan[i0] + (chan[i0 + 1] - chan[i0]) * frac)
    return out
