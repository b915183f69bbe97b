"""A local PostgreSQL cluster in the project's own directory (.pg/), for `make test` and `make demo`.

`python -m city.localpg [DIR]` makes the cluster if it is missing (Debian's initdb, found under
/usr/lib/postgresql/*/bin), starts it if it is not running, and prints its DSN: a Unix socket in
DIR, no TCP listener, trust authentication for the one local user (the socket's directory is
readable by the cluster's owner only), so there is no password to log. Idempotent. As root,
PostgreSQL refuses to run: the cluster then belongs to the `postgres` account Debian's package made
(else `nobody`), which owns DIR. `--db NAME` names the database (default hallq_city; make test uses
hallq_city_test, which the tests empty). `python -m city.localpg --stop [DIR]` stops it.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

DATABASE = "hallq_city"
USER = "hallq"


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(Path(p).parts[4]))
    if not found:
        raise SystemExit("找不到 PostgreSQL（Debian 的 postgresql 包）：请先运行 make system。"
                         " (PostgreSQL is not installed (Debian's postgresql package): run make system first.)")
    return found[-1]


def _owner() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise SystemExit("no unprivileged account to run PostgreSQL as (postgres or nobody)")


def _as_owner(argv: list[str]) -> list[str]:
    owner = _owner()
    return ["runuser", "-u", owner, "--"] + argv if owner else argv


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dsn(root: Path, database: str = DATABASE) -> str:
    port = (root / "port").read_text().strip()
    return f"host={root} port={port} user={USER} dbname={database}"


def _running(root: Path) -> bool:
    if not (root / "port").exists():
        return False
    port = (root / "port").read_text().strip()
    return Path(root, f".s.PGSQL.{port}").exists() and subprocess.run(
        [_bin("pg_isready"), "-q", "-h", str(root), "-p", port], check=False).returncode == 0


def ensure(root: Path, database: str = DATABASE) -> str:
    """The cluster in `root`, made and started as needed, with the database `database`; its DSN."""
    root = root.resolve()
    data = root / "data"
    owner = _owner()
    if not (data / "PG_VERSION").exists():
        root.mkdir(parents=True, exist_ok=True)
        # Trust on the Unix socket: only the cluster's owner (and root) may reach the socket's directory.
        os.chmod(root, 0o700)
        if owner:
            shutil.chown(root, owner)
            # the owner must reach its directory through the project's folders
            for parent in root.parents:
                mode = parent.stat().st_mode
                if not mode & 0o001:
                    os.chmod(parent, mode | 0o001)
        subprocess.run(_as_owner([_bin("initdb"), "-D", str(data), "-U", USER, "--auth=trust", "-E", "UTF8",
                                  "--locale=C.UTF-8"]), check=True, stdout=subprocess.DEVNULL)
    if _running(root):
        _database(root, database)
        return dsn(root, database)
    (root / "port").write_text(str(_free_port()))
    if owner:
        shutil.chown(root / "port", owner)
    port = (root / "port").read_text().strip()
    subprocess.run(_as_owner([_bin("pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w", "-o",
                              f"-p {port} -k {root} -c listen_addresses=''", "start"]),
                   check=True, stdout=subprocess.DEVNULL)
    _database(root, database)
    return dsn(root, database)


def _database(root: Path, database: str) -> None:
    """The database made if missing (the tests' own, hallq_city_test, is apart from the demo's: they empty it)."""
    import psycopg
    if not database.replace("_", "").isalnum():
        raise SystemExit(f"not a database name: {database!r}")
    port = (root / "port").read_text().strip()
    deadline = time.monotonic() + 30
    while True:
        try:
            with psycopg.connect(f"host={root} port={port} user={USER} dbname=postgres", autocommit=True) as conn:
                if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone():
                    conn.execute(f"CREATE DATABASE {database}")
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def stop(root: Path) -> None:
    if (root / "data" / "PG_VERSION").exists():
        subprocess.run(_as_owner([_bin("pg_ctl"), "-D", str(root.resolve() / "data"), "-m", "fast", "stop"]),
                       check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "--stop":
        stop(Path(args[1] if len(args) > 1 else ".pg"))
    else:
        database = DATABASE
        if "--db" in args:
            i = args.index("--db")
            database = args[i + 1]
            del args[i:i + 2]
        print(ensure(Path(args[0] if args else ".pg"), database))
