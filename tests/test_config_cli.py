"""`hallq config export` and `hallq config import`: the configuration in the database, to and from a file.

An export reads back the same; an import goes through the loader's and the
devices' checks and Hall.apply_config, so a refused file is one sentence, exit
2, and nothing changed; and no import happens under a running hall server.
"""
from __future__ import annotations

import fcntl

from config import DEFAULT_CONFIG_PATH, load_config, parse_config
from config.writer import config_data
from hall import configs
from hall.clock import system_now
from hall.cli import _configuration, hold_data_dir
from hall.hall import Hall
from hall.store import Store
from tests.test_cli import hallq


def _versions(data_dir):
    store = Store(data_dir / "hallq.db")
    try:
        return [(v["version"], v["source"]) for v in store.config_versions()]
    finally:
        store.close()


def _seeded(data_dir, config=None):
    store = Store(data_dir / "hallq.db")
    hall = Hall(config or load_config(), store, clock=system_now)
    return hall, store


def test_an_export_reads_back_the_same_and_imported_again_changes_nothing(tmp_path):
    hall, store = _seeded(tmp_path)
    hall.bus.close()
    store.close()
    out = tmp_path / "hall.toml"
    r = hallq("config", "export", "--output", str(out), data_dir=tmp_path)
    assert r.returncode == 0, r.stderr
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# 示范市政务服务中心: HallQ configuration version 1, saved ")
    assert config_data(parse_config(text)) == config_data(load_config())
    assert hallq("config", "export", data_dir=tmp_path).stdout == text       # to standard output, the same
    r = hallq("config", "import", str(out), data_dir=tmp_path)
    assert (r.returncode, r.stderr) == (0, "")
    assert "与正在使用的第 1 版配置相同，没有改动" in r.stdout
    assert _versions(tmp_path) == [(1, "seed")]


def test_an_imported_file_is_a_new_version_in_effect(tmp_path):
    hall, store = _seeded(tmp_path)
    hall.issue_ticket("A")
    hall.bus.close()
    store.close()
    changed = tmp_path / "changed.toml"
    changed.write_text(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8") + '\n[[windows]]\nid = 9\nservices = ["A"]\n',
                       encoding="utf-8")
    r = hallq("config", "import", str(changed), "--note", "九号窗口", data_dir=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "已作为第 2 版配置生效，改动了：windows" in r.stdout
    assert _versions(tmp_path) == [(2, "import"), (1, "seed")]
    store = Store(tmp_path / "hallq.db")
    try:
        row = store.config_version()
        assert row["note"] == "九号窗口" and configs.load(row).window(9).services == ("A",)
        event = [e for e in store.events_since(0) if e["event"] == "config_changed"][-1]
        assert (event["version"], event["source"], event["changed"]) == (2, "import", ["windows"])
        assert store.audit_entries(action="config_changed")[0]["target"] == "version 2: windows"
        assert [t.number for t in store.tickets_of_day(store.load_state(system_now().date()).business_day)] == ["A001"]
    finally:
        store.close()


def test_a_refused_file_is_one_sentence_exit_2_and_nothing_changes(tmp_path):
    hall, store = _seeded(tmp_path)
    hall.bus.close()
    store.close()
    bad = tmp_path / "bad.toml"
    for text, sentence in (
        (DEFAULT_CONFIG_PATH.read_text(encoding="utf-8").replace('services = ["D"]', 'services = ["Q"]'),
         "6号窗口 (window 6): services names 'Q', which is not a service"),
        (DEFAULT_CONFIG_PATH.read_text(encoding="utf-8") + '\n[devices.printer]\nlink = "socket://127.0.0.1:9100"\n'
         'paper_mm = 3\n', "devices.printer"),
    ):
        bad.write_text(text, encoding="utf-8")
        r = hallq("config", "import", str(bad), data_dir=tmp_path)
        assert r.returncode == 2 and r.stdout == ""
        assert r.stderr.startswith("hallq: configuration error: ") and sentence in r.stderr
        assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert _versions(tmp_path) == [(1, "seed")]


def test_an_import_that_would_strand_a_clerk_is_refused_by_the_hall(tmp_path):
    hall, store = _seeded(tmp_path)
    hall.open_window(6, "zhang", "张敏")
    hall.bus.close()
    store.close()
    text = DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")
    without_6 = text.replace('[[windows]]\nid = 6\nname = "6号窗口"\nname_en = "Window 6"\nservices = ["D"]\n', "")
    assert without_6 != text
    f = tmp_path / "without6.toml"
    f.write_text(without_6, encoding="utf-8")
    r = hallq("config", "import", str(f), data_dir=tmp_path)
    assert r.returncode == 2
    assert "6号窗口正由张敏登录使用，不能删除" in r.stderr and "sign out there" in r.stderr
    assert _versions(tmp_path) == [(1, "seed")]


def test_no_import_under_a_running_hall_server(tmp_path):
    hall, store = _seeded(tmp_path)
    hall.bus.close()
    store.close()
    with open(tmp_path / "hallq.lock", "a+") as lock:          # what hallq serve holds while it runs
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        r = hallq("config", "import", str(DEFAULT_CONFIG_PATH), data_dir=tmp_path)
    assert r.returncode == 2 and "/admin/config" in r.stderr and "A hall server is running" in r.stderr
    assert hold_data_dir(tmp_path) is not None                   # free again once the server is gone


def test_export_of_a_database_without_a_configuration_says_so(tmp_path):
    r = hallq("config", "export", data_dir=tmp_path)
    assert r.returncode == 2 and "has no hall configuration to export yet" in r.stderr


def test_a_start_with_a_file_runs_on_the_database_and_says_so(tmp_path, capsys):
    first = _configuration(tmp_path, load_config())                    # a new hall: seeded from the file
    assert config_data(first) == config_data(load_config()) and capsys.readouterr().err == ""
    other = parse_config(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8").replace("示范市政务服务中心", "别的中心"))
    again = _configuration(tmp_path, other)
    assert again.name == "示范市政务服务中心"                             # the database's version, not the file
    err = capsys.readouterr().err
    assert "hallq config import" in err and "runs on it, not on" in err
    assert _configuration(tmp_path, None).name == "示范市政务服务中心"     # no file: the database's
    assert _configuration(tmp_path / "new", None) is None              # neither: the start is refused
