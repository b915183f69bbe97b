"""Files only the hall's user may read: the data directory (0700), the database and the session key (0600).

Modes are set with chmod after creating, so they do not depend on the umask
of whoever started the hall. A directory is tightened when it was made here,
or when this user owns it and it is a hall's own (empty, or holding a
hall's database or key) and not a shared one (sticky or writable by all, as
/tmp is): a `--data-dir /tmp` or a database file put straight in /tmp must
not lock every other user and service out of /tmp.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: str | Path) -> Path:
    """Create `path` (and its parents) if need be and make it 0700 when it is the hall's own."""
    path = Path(path)
    created = not path.exists()
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    st = path.stat()
    if st.st_mode & 0o777 == DIR_MODE or st.st_uid != os.geteuid():
        return path
    if created or _hall_own(path, st.st_mode):
        path.chmod(DIR_MODE)
    return path


HALL_FILES = ("hallq.db", "secret_key")


def _hall_own(path: Path, mode: int) -> bool:
    """An existing directory that is a hall's data directory, not a shared or system one."""
    if mode & (stat.S_ISVTX | stat.S_IWOTH):
        return False
    return not any(path.iterdir()) or any((path / name).exists() for name in HALL_FILES)


def private_file(path: str | Path) -> Path:
    """Create `path` empty if it is missing (never readable by others, not even for a moment) and make it 0600."""
    path = Path(path)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return path
