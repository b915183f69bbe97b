"""The `hallq` command as an administrator uses it: accounts, config checks, clear sentences."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from config import DEFAULT_CONFIG_PATH
from hall import auth
from hall.store import Store

ROOT = Path(__file__).resolve().parent.parent


def hallq(*args, stdin: str = "", data_dir=None):
    cmd = [sys.executable, "-m", "hall.cli", *args]
    if data_dir is not None:
        cmd += ["--data-dir", str(data_dir)]
    return subprocess.run(cmd, input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=60)


def test_user_add_reads_the_password_from_stdin(tmp_path):
    r = hallq("user", "add", "zhang", "--role", "staff", "--name", "张敏", stdin="a-good-password\n", data_dir=tmp_path)
    assert r.returncode == 0, r.stderr
    user = Store(tmp_path / "hallq.db").get_user("zhang")
    assert (user["name"], user["role"]) == ("张敏", "staff")
    assert auth.check_password(user["password_hash"], "a-good-password")
    assert "a-good-password" not in (tmp_path / "hallq.db").read_bytes().decode("latin-1")
    r = hallq("user", "list", data_dir=tmp_path)
    assert r.stdout.splitlines() == ["zhang\t张敏\tstaff"]


def test_user_remove_stops_sign_in_and_keeps_the_history(tmp_path):
    for username in ("zhang", "li"):
        assert hallq("user", "add", username, "--role", "staff", stdin="a-good-password\n", data_dir=tmp_path).returncode == 0
    r = hallq("user", "remove", "zhang", data_dir=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "zhang" in r.stdout and r.stderr == ""
    store = Store(tmp_path / "hallq.db")
    assert store.get_user("zhang") is None            # what signing in looks up
    # The row stays, so tickets, ratings and events that name zhang still name a known account.
    assert store.conn.execute("SELECT active FROM users WHERE username = 'zhang'").fetchone() == (0,)
    assert hallq("user", "list", data_dir=tmp_path).stdout.splitlines() == ["li\tli\tstaff"]
    # Adding the name again brings the account back, with the new password.
    assert hallq("user", "add", "zhang", "--role", "staff", stdin="another-password\n", data_dir=tmp_path).returncode == 0
    assert auth.check_password(store.get_user("zhang")["password_hash"], "another-password")


@pytest.mark.parametrize("setup", [(), (("user", "add", "zhang", "--role", "staff"), ("user", "remove", "zhang"))])
def test_user_remove_of_an_unknown_account_is_one_sentence(tmp_path, setup):
    for args in setup:
        assert hallq(*args, stdin="a-good-password\n", data_dir=tmp_path).returncode == 0
    r = hallq("user", "remove", "zhang", data_dir=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip() == ("hallq: 没有名为 zhang 的账号，请用 hallq user list 查看现有账号。"
                                " (There is no account named zhang; hallq user list shows the accounts.)")


@pytest.mark.parametrize("args, stdin, fragment", [
    (("user", "add", "zhang", "--role", "staff"), "short\n", "at least 8 characters"),
    (("user", "add", "bad name!", "--role", "staff"), "a-good-password\n", "username"),
])
def test_user_add_refuses_with_a_sentence(tmp_path, args, stdin, fragment):
    r = hallq(*args, stdin=stdin, data_dir=tmp_path)
    assert r.returncode == 2 and fragment in r.stderr and "Traceback" not in r.stderr


def test_check_config_accepts_the_embedded_hall():
    r = hallq("check-config", str(DEFAULT_CONFIG_PATH))
    assert r.returncode == 0 and "6 services, 8 windows, 0 devices" in r.stdout


@pytest.mark.parametrize("change, sentence", [
    (('prefix = "B"', 'prefix = "BB"'), "services[1].prefix = 'BB' is not allowed; expected one capital letter A-Z."),
    (('services = ["C"]', 'services = ["Q"]'),
     "5号窗口 (window 5): services names 'Q', which is not a service; expected one of ['A', 'B', 'C', 'D', 'E', 'F']."),
    (('timezone = "Asia/Shanghai"', 'timezone = "Mars/Olympus"'), "hall.timezone = 'Mars/Olympus' is not a known time zone"),
    (('priority_ratio = 2 ', 'priority_ratio = 0 '), "queue.priority_ratio = 0 is not allowed; expected a whole number from 1 to 100."),
    (('id = 3\n', 'id = 2\n'), "第3个 [[windows]] (the 3rd [[windows]] entry): id = 2 is used twice"),
    (('helps = ["F"]', 'helps = ["F"]\nbreaks = [["12:00", "11:00"]]'),
     "2号窗口 (window 2): breaks[0] = ['12:00', '11:00'] is not allowed"),
    (('id = 7\n', 'id = 7\nnme = "x"\n'), "7号窗口 (window 7): nme is not a known key"),
    # A window whose number itself is wrong, missing or used twice is named by its place, counted from 1.
    (('id = 4\n', 'id = 0\n'), "第4个 [[windows]] (the 4th [[windows]] entry): id = 0 is not allowed; expected a whole number from 1 to 999."),
    (('id = 7\n', 'id = "7"\n'), "the 7th [[windows]] entry): id = '7' is not allowed"),
    (('id = 7\n', ''), "the 7th [[windows]] entry): id is missing"),
    (('name = "税费"', 'nme = "税费"'), "services[3].nme is not a known key"),
    (('[hall]', '[hall'), "is not valid TOML"),
])
def test_check_config_names_key_value_and_expectation(tmp_path, change, sentence):
    text = DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")
    assert change[0] in text
    bad = tmp_path / "hall.toml"
    bad.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    r = hallq("check-config", str(bad))
    assert r.returncode == 2
    assert sentence in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    if "window" in sentence:
        assert "windows[" not in r.stderr  # staff know windows by their number, not their place in the file


def test_serve_names_a_window_by_its_number_too(tmp_path):
    bad = tmp_path / "hall.toml"
    bad.write_text(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8").replace('services = ["C"]', 'services = ["Q"]', 1),
                   encoding="utf-8")
    r = hallq("serve", "--config", str(bad), "--port", "1", data_dir=tmp_path / "data")
    assert r.returncode == 2 and "5号窗口 (window 5): services names 'Q'" in r.stderr and "windows[" not in r.stderr


def test_serve_refuses_a_bad_config_before_starting(tmp_path):
    r = hallq("serve", "--config", str(tmp_path / "missing.toml"), data_dir=tmp_path)
    assert r.returncode == 2 and "no such file" in r.stderr and "Traceback" not in r.stderr


def test_serve_says_in_one_sentence_that_its_port_is_taken(tmp_path):
    import socket
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        r = hallq("serve", "--config", str(DEFAULT_CONFIG_PATH), "--port", str(port), data_dir=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "[ERROR]" not in r.stderr
    assert f"端口 {port} 无法使用" in r.stderr and f"--port {port + 1}" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "hallq.db").exists()          # nothing was set up for a server that did not start


def test_user_add_without_a_password_says_so(tmp_path):
    r = hallq("user", "add", "zhang", "--role", "staff", stdin="", data_dir=tmp_path)
    assert r.returncode == 2 and "没有读到密码" in r.stderr and "No password was given" in r.stderr
    assert "8" not in r.stderr                 # not the length rule: nothing was typed at all


def test_device_agent_refuses_a_bad_share():
    r = hallq("device-agent", "--share", "/dev/ttyUSB0")
    assert r.returncode == 2 and "/dev/ttyUSB0=7000" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("devices, sentence", [
    ('[devices.printer]\nlink = "socket://127.0.0.1:9100"\ntemplate = { lines = [{ text = "{hall_name}" }, { text = "{shoe_size}" }] }\n',
     "devices.printer"),
    ('[devices.printer]\nlink = "socket://127.0.0.1:9100"\npaper_width_mm = 70\n', "devices.printer"),
    ('[devices.voice]\nrepeat = 9\n', "devices.voice"),
    ('[[devices.led]]\nid = "strip-1"\nlink = "/dev/ttyUSB0"\naddress = 1\nkind = "banner"\n', "devices.led[0]"),
    ('[devices.fridge]\nlink = "x"\n', "devices.fridge is not a known device kind"),
])
def test_device_mistakes_are_one_sentence_before_anything_starts(tmp_path, devices, sentence):
    bad = tmp_path / "hall.toml"
    bad.write_text(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8") + devices, encoding="utf-8")
    for args in (("check-config", str(bad)), ("serve", "--config", str(bad), "--port", "1")):
        r = hallq(*args, data_dir=tmp_path / "data")
        assert r.returncode == 2, r.stdout + r.stderr
        assert sentence in r.stderr and "Traceback" not in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr


@pytest.mark.parametrize("where", ["first", "after_user", "last"])
def test_data_dir_counts_wherever_it_is_given(tmp_path, where):
    d = str(tmp_path / "hall")
    args = {"first": ["--data-dir", d, "user", "add", "qian", "--role", "staff"],
            "after_user": ["user", "--data-dir", d, "add", "qian", "--role", "staff"],
            "last": ["user", "add", "qian", "--role", "staff", "--data-dir", d]}[where]
    r = hallq(*args, stdin="a-good-password\n")
    assert r.returncode == 0, r.stderr
    assert Store(tmp_path / "hall" / "hallq.db").get_user("qian") is not None


def test_the_calendar_warning_names_a_year_the_installed_calendar_does_not_know(tmp_path):
    from datetime import date

    from config import load_config
    from hall.cli import calendar_warning
    cfg = load_config()
    far = calendar_warning(cfg, date(2099, 3, 1))
    assert far["years"] == [2099] and "[calendar]" in far["message_en"] and "chinese-calendar" in far["message"]
    assert calendar_warning(cfg, date(2025, 3, 1)) is None           # a year the library knows
    given = tmp_path / "hall.toml"
    given.write_text(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")
                     + "\n[calendar]\nholidays = [2099-01-01]\nworkdays = [2099-01-03]\n", encoding="utf-8")
    assert calendar_warning(load_config(given), date(2099, 3, 1)) is None   # the hall gave that year's days
