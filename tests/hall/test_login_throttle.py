"""Sign-ins are throttled per account and per address on the hall's clock; passwords are argon2id."""
from __future__ import annotations

import argon2
import pytest
from werkzeug.security import generate_password_hash

from hall import auth
from tests.conftest import PASSWORD

WRONG = "not-the-password"


def attempt(client, username="zhang", password=WRONG, addr="10.0.0.5"):
    r = client.post("/api/login", json={"username": username, "password": password},
                    environ_overrides={"REMOTE_ADDR": addr})
    return r.status_code, r.get_json()["error"]["code"] if r.status_code != 200 else None


def test_fifty_wrong_passwords_do_not_let_a_51st_guess_through_and_the_right_one_works_after_the_delay(client, clock):
    answers = [attempt(client) for _ in range(50)]
    assert answers == [(401, "bad_credentials")] * 5 + [(429, "too_many_attempts")] * 45
    assert attempt(client, password=PASSWORD) == (429, "too_many_attempts")     # the 51st, right, is refused
    r = client.post("/api/login", json={"username": "zhang", "password": PASSWORD},
                    environ_overrides={"REMOTE_ADDR": "10.0.0.5"})
    body = r.get_json()["error"]
    assert (r.headers["Retry-After"], body["retry_after"]) == ("60", 60)
    assert "09:01:00" in body["message"] and "正确的密码" in body["message"]
    assert "09:01:00" in body["message_en"] and "right password will work" in body["message_en"]
    clock.advance(seconds=59)
    assert attempt(client, password=PASSWORD) == (429, "too_many_attempts")
    clock.advance(seconds=1)
    assert attempt(client, password=PASSWORD) == (200, None)


def test_the_delay_doubles_with_each_failure_after_the_limit(client, clock):
    for _ in range(5):
        attempt(client)
    delays = []
    for _ in range(4):
        r = client.post("/api/login", json={"username": "zhang", "password": WRONG})
        delays.append(r.get_json()["error"]["retry_after"])
        clock.advance(seconds=delays[-1])
        assert attempt(client) == (401, "bad_credentials")     # one guess once the wait is over
    assert delays == [60, 120, 240, 480]


def test_a_success_clears_the_accounts_count_and_old_failures_are_forgotten(client, clock):
    for _ in range(4):
        attempt(client)
    assert attempt(client, password=PASSWORD) == (200, None)
    for _ in range(4):
        attempt(client)
    clock.advance(minutes=16)
    assert [attempt(client) for _ in range(5)] == [(401, "bad_credentials")] * 5


def test_an_unknown_name_answers_as_a_wrong_password_and_is_throttled_the_same(client, monkeypatch):
    checked = []
    real = auth.check_password
    monkeypatch.setattr(auth, "check_password", lambda h, p: checked.append(h[:10]) or real(h, p))
    known = client.post("/api/login", json={"username": "zhang", "password": WRONG})
    unknown = client.post("/api/login", json={"username": "nobody", "password": WRONG})
    assert (known.status_code, known.get_json()) == (unknown.status_code, unknown.get_json())
    assert known.status_code == 401
    # The unknown name was checked against an argon2id hash too, so it costs the same time.
    assert checked == ["$argon2id$", "$argon2id$"]
    for _ in range(4):
        client.post("/api/login", json={"username": "nobody", "password": WRONG})
    a = client.post("/api/login", json={"username": "nobody", "password": WRONG})
    for _ in range(4):
        client.post("/api/login", json={"username": "zhang", "password": WRONG})
    b = client.post("/api/login", json={"username": "zhang", "password": WRONG})
    assert (a.status_code, a.get_json()) == (b.status_code, b.get_json())
    assert a.status_code == 429


def test_one_address_guessing_many_names_is_stopped_and_other_addresses_are_not(client):
    names = [f"user{i}" for i in range(20)]
    assert [attempt(client, name) for name in names] == [(401, "bad_credentials")] * 20
    assert attempt(client, "zhang", PASSWORD) == (429, "too_many_attempts")
    assert attempt(client, "zhang", PASSWORD, addr="10.0.0.6") == (200, None)


def test_a_legacy_scrypt_hash_signs_in_and_is_upgraded_to_argon2id(app, client, clock):
    store = app.extensions["hallq"].store
    store.put_user("old", "老账号", "staff", generate_password_hash(PASSWORD, method="scrypt"), clock())
    assert store.get_user("old")["password_hash"].startswith("scrypt:")
    assert attempt(client, "old", WRONG) == (401, "bad_credentials")
    assert store.get_user("old")["password_hash"].startswith("scrypt:")     # a wrong password changes nothing
    assert attempt(client, "old", PASSWORD) == (200, None)
    upgraded = store.get_user("old")["password_hash"]
    assert upgraded.startswith("$argon2id$") and not auth.needs_rehash(upgraded)
    assert client.get("/api/me").status_code == 200       # the rehash did not end the new session
    assert attempt(app.test_client(), "old", PASSWORD) == (200, None)


def test_an_argon2_hash_of_weaker_parameters_is_rehashed(app, client, clock):
    store = app.extensions["hallq"].store
    weak = argon2.PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    store.put_user("weak", "弱", "staff", weak, clock())
    assert auth.needs_rehash(weak)
    assert attempt(client, "weak", PASSWORD) == (200, None)
    assert store.get_user("weak")["password_hash"] != weak
    assert not auth.needs_rehash(store.get_user("weak")["password_hash"])


@pytest.mark.parametrize("stored", ["", "plain-text", "$argon2id$broken"])
def test_a_damaged_hash_fails_the_sign_in_instead_of_answering_500(stored):
    assert auth.check_password(stored, PASSWORD) is False
