"""Fixtures of the city's read-side tests: a real PostgreSQL with the city's schema, emptied per test.

`city_dsn` is HALLQ_CITY_DSN when set, else a throwaway cluster of this test
session (tests/city/pgcluster.py). `city_conn` is a connection in the halls'
time zone to tables made anew from city/schema.sql.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from city.reader import connect
from tests.city.pgcluster import Cluster, reset

SCHEMA = Path(__file__).resolve().parents[2] / "city" / "schema.sql"


@pytest.fixture(scope="session")
def city_dsn():
    dsn = os.environ.get("HALLQ_CITY_DSN")
    if dsn:
        yield dsn
        return
    cluster = Cluster().start()
    yield cluster.dsn
    cluster.stop()


@pytest.fixture
def city_conn(city_dsn):
    reset(city_dsn, SCHEMA.read_text(encoding="utf-8"))
    conn = connect(city_dsn)
    yield conn
    conn.close()
