"""Apache ECharts for the assessment pages' charts, served by the hall itself (halls have no internet).

`make venv` runs `python -m assess.vendor`: it takes the pinned release's
tarball from the npm registry, checks it against the integrity the registry
published for it (the sha512 a package-lock.json records) and the file
against its own sha256, and puts `echarts.min.js` with its LICENSE and
NOTICE in assess/static/vendor/. The file (1 MB) is git-ignored rather than
committed: the set-up machine reaches the registries anyway (pip runs in the
same step), and a new release is a change of the three lines below, not
another megabyte in the history. A present file that matches is left alone,
so a second run needs no network.
"""
from __future__ import annotations

import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

VERSION = "5.6.0"
TARBALL = f"https://registry.npmjs.org/echarts/-/echarts-{VERSION}.tgz"
INTEGRITY = "sha512-oTbVTsXfKuEhxftHqL5xprgLoc0k7uScAwtryCgWF6hPYFLRwOUHiFmHGCBKP5NPFNkDVopOieyUqYGH8Fa3kA=="
SHA256 = "bf4a223524e40b77c304bec67e1222cf551f14880cf42c69dc046558e11c07b1"   # of dist/echarts.min.js

VENDOR = Path(__file__).resolve().parent / "static" / "vendor"
ECHARTS = VENDOR / "echarts.min.js"
_MEMBERS = {"package/dist/echarts.min.js": ECHARTS, "package/LICENSE": VENDOR / "echarts.LICENSE",
            "package/NOTICE": VENDOR / "echarts.NOTICE"}


def installed() -> bool:
    """True when echarts.min.js is there and is the pinned release's."""
    return ECHARTS.is_file() and hashlib.sha256(ECHARTS.read_bytes()).hexdigest() == SHA256


def fetch(timeout: float = 60.0) -> None:
    """Download the pinned tarball, check it, and write the three files (each atomically)."""
    with urllib.request.urlopen(TARBALL, timeout=timeout) as res:
        data = res.read()
    got = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if got != INTEGRITY:
        raise SystemExit(f"assess.vendor: {TARBALL} does not match its pinned integrity ({got[:30]}…); not installed.")
    files = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for name, dest in _MEMBERS.items():
            files[dest] = tar.extractfile(name).read()
    if hashlib.sha256(files[ECHARTS]).hexdigest() != SHA256:
        raise SystemExit("assess.vendor: echarts.min.js in the tarball does not match its pinned sha256; not installed.")
    VENDOR.mkdir(parents=True, exist_ok=True)
    for dest, content in files.items():
        tmp = dest.with_suffix(dest.suffix + ".tmp")
        tmp.write_bytes(content)
        tmp.replace(dest)


def main() -> int:
    if installed():
        return 0
    print(f"Fetching Apache ECharts {VERSION} for the assessment pages' charts…", flush=True)
    fetch()
    return 0


if __name__ == "__main__":
    sys.exit(main())
