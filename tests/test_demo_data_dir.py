"""`hallq demo` adds its public-password accounts only to a directory it made itself."""
from __future__ import annotations

import sqlite3

from hall import auth
from hall.cli import DEMO_PASSWORD, DEMO_USERS, _create_demo_users
from hall.clock import system_now
from hall.store import Store
from tests.server import free_port
from tests.test_cli import hallq


def usernames(data_dir) -> list[str]:
    with sqlite3.connect(data_dir / "hallq.db") as db:
        return [r[0] for r in db.execute("SELECT username FROM users ORDER BY username")]


def test_the_demo_refuses_a_real_halls_directory_and_adds_nobody(tmp_path):
    assert hallq("user", "add", "chen", "--role", "manager", stdin="a-long-password\n", data_dir=tmp_path).returncode == 0
    r = hallq("demo", "--port", str(free_port()), "--no-devices", data_dir=tmp_path)
    assert r.returncode == 2
    assert "chen" in r.stderr and "another directory" in r.stderr and "另一个目录" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert usernames(tmp_path) == ["chen"]


def test_the_demo_refuses_a_demo_named_account_with_another_password(tmp_path):
    store = Store(tmp_path / "hallq.db")
    store.put_user("admin", "系统管理员", "admin", auth.hash_password("the-real-admin-password"), system_now())
    store.close()
    r = hallq("demo", "--port", str(free_port()), "--no-devices", data_dir=tmp_path)
    assert r.returncode == 2 and "admin" in r.stderr
    assert usernames(tmp_path) == ["admin"]
    store = Store(tmp_path / "hallq.db")
    assert auth.check_password(store.get_user("admin")["password_hash"], "the-real-admin-password")


def test_a_new_directory_becomes_a_demo_hall_that_keeps_accounts_added_to_it(tmp_path):
    assert _create_demo_users(tmp_path) is None
    assert usernames(tmp_path) == sorted(u for u, _, _ in DEMO_USERS)
    # The README's way to add an account to the demo hall: the demo still opens it.
    assert hallq("user", "add", "zhao", "--role", "staff", stdin="a-long-password\n", data_dir=tmp_path).returncode == 0
    assert _create_demo_users(tmp_path) is None
    assert "zhao" in usernames(tmp_path)


def test_a_directory_of_an_older_demo_is_still_the_demo_hall(tmp_path):
    store = Store(tmp_path / "hallq.db")  # the demo accounts, but no mark: made before the mark existed
    pw = auth.hash_password(DEMO_PASSWORD)
    for username, name, role in DEMO_USERS[:2]:
        store.put_user(username, name, role, pw, system_now())
    store.close()
    assert _create_demo_users(tmp_path) is None
    assert usernames(tmp_path) == sorted(u for u, _, _ in DEMO_USERS)
