"""Files only the hall's user may read: the data directory (0700), the database and the session key (0600).

Modes are set with chmod after creating, so they do not depend on the umask
of whoever started the hall. A directory is tightened only when this user
owns it, so a mistaken `--data-dir /` cannot change a system directory.
"""
from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: str | Path) -> Path:
    """Create `path` (and its parents) if need be and make it 0700 when this user owns it."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    st = path.stat()
    if st.st_uid == os.geteuid() and st.st_mode & 0o777 != DIR_MODE:
        path.chmod(DIR_MODE)
    return path


def private_file(path: str | Path) -> Path:
    """Create `path` empty if it is missing (never readable by others, not even for a moment) and make it 0600."""
    path = Path(path)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return path
