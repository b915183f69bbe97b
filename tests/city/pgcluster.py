"""A throwaway PostgreSQL cluster for the city's tests and benchmarks, when no server is given.

`HALLQ_CITY_DSN` names a server to use as it is (the Makefile's cluster, say).
Otherwise `Cluster` runs Debian's initdb and pg_ctl (postgresql-15) in a
temporary directory on a Unix socket only, as an unprivileged user: the
`postgres` account when run as root (PostgreSQL refuses to run as root).
"""
from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

BIN = Path("/usr/lib/postgresql/15/bin")


def _as_user(argv: list[str]) -> list[str]:
    return (["runuser", "-u", "postgres", "--"] + argv) if os.geteuid() == 0 else argv


class Cluster:
    """initdb + pg_ctl start in a temporary directory; `dsn` once started; `stop()` removes it all."""

    def __init__(self, port: int = 0):
        # As root, in the postgres account's home: the server must reach its directory, and a temp
        # directory's parents are not always open to it (a process here once left /tmp 0700).
        base = pwd.getpwnam("postgres").pw_dir if os.geteuid() == 0 else None
        self.dir = Path(tempfile.mkdtemp(prefix="hallq-city-pg-", dir=base))
        self.port = port or 20000 + os.getpid() % 20000
        self.dsn = f"host={self.dir} port={self.port} user=hallq dbname=hallq_city"

    def start(self) -> "Cluster":
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        data = self.dir / "data"
        run = dict(check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        subprocess.run(_as_user([str(BIN / "initdb"), "-D", str(data), "-U", "hallq", "--auth=trust", "-E", "UTF8",
                                 "--locale=C.UTF-8"]), **run)
        subprocess.run(_as_user([str(BIN / "pg_ctl"), "-D", str(data), "-l", str(self.dir / "log"), "-w", "-o",
                                 f"-p {self.port} -k {self.dir} -c listen_addresses='' -c fsync=off", "start"]),
                       **run)
        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(f"host={self.dir} port={self.port} user=hallq dbname=postgres",
                                     autocommit=True) as conn:
                    conn.execute("CREATE DATABASE hallq_city")
                return self
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def stop(self) -> None:
        subprocess.run(_as_user([str(BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "stop"]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.dir, ignore_errors=True)


def reset(dsn: str, schema_sql: str) -> None:
    """Drop the city's tables and make them anew from `schema_sql`."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
        conn.execute(schema_sql)
