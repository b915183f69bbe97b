"""Voice announcements: joined clips played through libvlc, one at a time.

Public API: VoiceDriver (driver.py), phrase_clips / required_clips
(phrases.py), ClipSet / generate_clip_set (clips.py). See docs/voice.md.
"""
from .clips import ClipSet, ClipSetError, generate_clip_set
from .driver import VoiceDriver, VoiceSettingsError, VoiceUnavailable
from .phrases import phrase_clips, required_clips

__all__ = ["ClipSet", "ClipSetError", "generate_clip_set", "VoiceDriver", "VoiceSettingsError",
           "VoiceUnavailable", "phrase_clips", "required_clips"]
