"""The `hallq` command: demo, serve, user add / list / remove, check-config, device-agent, report, backup, restore.

`--data-dir` (or HALLQ_DATA_DIR) applies to every command.
"""
from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Optional

from hall.errors import ConfigError, HallError

DEMO_PASSWORD = "demo1234"
DEMO_USERS = [
    # username, name, role
    ("zhang", "张敏", "staff"),
    ("li", "李强", "staff"),
    ("wang", "王芳", "staff"),
    ("manager", "陈主任", "manager"),
    ("admin", "系统管理员", "admin"),
    ("assessor", "刘考评", "assessor"),
]


def default_data_dir() -> Path:
    env = os.environ.get("HALLQ_DATA_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "hallq"


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: a subcommand's parser must not reset a --data-dir given before the subcommand.
    common.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS,
                        help="where the hall's database lives (default: $HALLQ_DATA_DIR or ~/.local/share/hallq)")
    p = argparse.ArgumentParser(prog="hallq", description="HallQ: queue, number-calling and rating for a service hall.",
                                parents=[common])
    sub = p.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", parents=[common], help="run a whole demo hall on the embedded configuration")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--config", type=Path, default=None, help="a hall file instead of the embedded default")
    demo.add_argument("--no-devices", action="store_true", help="run without the simulated devices")
    demo.add_argument("--lab-from-anywhere", action="store_true",
                      help="let other machines open the device lab, which presses buttons with no sign-in "
                           "(by default it answers this PC only)")
    demo.add_argument("--fake-clock", action="store_true",
                      help="for browser tests: the hall's clock stands still at its start until "
                           "POST /api/lab/clock moves it forward")

    serve = sub.add_parser("serve", parents=[common], help="run the hall server for production")
    serve.add_argument("--config", type=Path, default=None,
                       help="the hall file a new hall is seeded from; once the database has a configuration of "
                            "its own, that one is used (hallq config import FILE replaces it)")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=8000)

    user = sub.add_parser("user", parents=[common], help="manage staff accounts")
    usub = user.add_subparsers(dest="user_command", required=True)
    add = usub.add_parser("add", parents=[common], help="add or update an account; the password is read from standard input")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=["staff", "manager", "admin", "assessor"])
    add.add_argument("--name", default=None, help="the name shown on screens (default: the username)")
    usub.add_parser("list", parents=[common], help="list accounts")
    remove = usub.add_parser("remove", parents=[common],
                             help="remove an account: it can no longer sign in; its tickets and ratings keep the username")
    remove.add_argument("username")

    agent = sub.add_parser("device-agent", parents=[common],
                           help="share this PC's serial ports with the hall server (RFC 2217)")
    agent.add_argument("--share", action="append", required=True, metavar="DEVICE=PORT",
                       help="a local serial port and the TCP port to serve it on, e.g. /dev/ttyUSB0=7000 (repeatable)")
    agent.add_argument("--host", default="127.0.0.1",
                       help="the address to listen on (default 127.0.0.1; any other needs a key)")
    agent.add_argument("--key-file", default=None, metavar="FILE",
                       help="the shared key the hall server must prove it holds (default: $HALLQ_AGENT_KEY)")

    config_cmd = sub.add_parser("config", parents=[common],
                                help="the hall's configuration in its database: export it, or import a file")
    csub = config_cmd.add_subparsers(dest="config_command", required=True)
    export = csub.add_parser("export", parents=[common], help="write the configuration in force as a hall file")
    export.add_argument("--output", type=Path, default=None, metavar="FILE",
                        help="the file to write (default: standard output)")
    imp = csub.add_parser("import", parents=[common],
                          help="put a hall file in effect as a new version (the server must be stopped; "
                               "in a running hall, import it at /admin/config)")
    imp.add_argument("file", type=Path)
    imp.add_argument("--note", default="", help="why, kept with the version and in the audit log")

    purge = sub.add_parser("purge", parents=[common],
                           help="clear the personal data older than [privacy] keep_days (ID hashes and masks, "
                                "appointment names, bad ratings' words); every figure stays")
    purge.add_argument("--config", type=Path, default=None,
                       help="the hall file, for a database that has no configuration of its own yet "
                            "(default: the database's)")

    backup = sub.add_parser("backup", parents=[common],
                            help="copy the hall's database to FILE while the hall serves (SQLite's online backup)")
    backup.add_argument("file", type=Path)
    restore = sub.add_parser("restore", parents=[common],
                             help="put a backup in place as the hall's database (the server must be stopped); "
                                  "the replaced database is kept aside")
    restore.add_argument("file", type=Path)

    check = sub.add_parser("check-config", parents=[common], help="validate a hall configuration file")
    check.add_argument("file", type=Path)

    report = sub.add_parser("report", parents=[common],
                            help="the figures of a date range, by staff, window, service, matter or hall: "
                                 "a table on the terminal, or a CSV or XLSX file")
    report.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD", help="the first business day")
    report.add_argument("--to", dest="end", required=True, metavar="YYYY-MM-DD", help="the last business day")
    # Checked by _report, not by choices=: a wrong value is one sentence, not argparse's usage.
    report.add_argument("--by", required=True, metavar="|".join(REPORT_SLICES), help="one row per what")
    report.add_argument("--format", default="table", metavar="table|csv|xlsx",
                        help="table (the terminal, the default), csv or xlsx")
    report.add_argument("--output", type=Path, default=None, metavar="FILE",
                        help="the file to write (default: report-<range>-<by>.csv or .xlsx here)")
    report.add_argument("--config", type=Path, default=None,
                        help="the hall file: the hall's code, names and figure settings (default: the hall's own "
                             "configuration in its database, else the embedded one)")
    from city.cli import add_parser as add_city_parser
    add_city_parser(sub, common)
    return p


# The slices `hallq report --by` takes (assess/figures.py DIMENSIONS but the total, which every report ends with).
REPORT_SLICES = ("staff", "window", "service", "matter", "hall", "day", "month")
REPORT_FORMATS = ("table", "csv", "xlsx")


def read_password(username: str, command: str) -> Optional[str]:
    """A new password for `username`: typed twice at a terminal, else the first line of standard input.
    None (the reason said on stderr) when the two differ or nothing was given; `command` is the
    command to show in the example of piping one in."""
    if sys.stdin.isatty():
        password = getpass.getpass(f"Password for {username}: ")
        if getpass.getpass("Again: ") != password:
            print("hallq: the two passwords differ; nothing was changed.", file=sys.stderr)
            return None
        return password
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        print(f"hallq: 没有读到密码：请在终端里运行并按提示输入，或用管道输入，例如 echo '新密码' | {command}。"
              f" (No password was given: run it in a terminal and type it when asked, or pipe it in.)",
              file=sys.stderr)
        return None
    return password


def padded(text: str, columns: int) -> str:
    """`text` padded with spaces to `columns` terminal columns (a Chinese character takes two)."""
    import unicodedata
    width = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, columns - width)


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    if args.command in ("serve", "demo"):
        # First of all: the hall serves on gevent, and the standard library must be
        # made cooperative before the app, its devices and their threads are imported.
        from hall.server import patch
        patch()
        # The server's own account of itself (serving, backups, devices back online, the cycle
        # collector's pauses) goes to its standard error, one timestamped line each.
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        for name in ("engineio.server", "socketio.server"):
            # Errors only, as Flask-SocketIO sets them; set before the server exists, so that they
            # reach these lines rather than a second handler of their own (every line twice).
            logging.getLogger(name).setLevel(logging.ERROR)
    args.data_dir = getattr(args, "data_dir", None)
    data_dir = args.data_dir or default_data_dir()
    try:
        if args.command == "check-config":
            return _check_config(args.file)
        if args.command == "device-agent":
            from devices.agent import main as agent_main
            try:
                return agent_main(args.share, args.host, args.key_file)
            except ValueError as exc:
                print(f"hallq: {exc}", file=sys.stderr)
                return 2
            except OSError as exc:  # the address or port cannot be listened on
                print(f"hallq: 设备代理无法在 {args.host} 上监听（{exc.strerror}）。"
                      f" (The device agent cannot listen on {args.host}: {exc.strerror}.)", file=sys.stderr)
                return 2
        if args.command == "user":
            return _user(args, data_dir)
        if args.command == "config":
            return _config(args, data_dir)
        if args.command == "backup":
            return _backup(args, data_dir)
        if args.command == "restore":
            return _restore(args, data_dir)
        if args.command == "purge":
            return _purge(args, data_dir)
        if args.command == "report":
            return _report(args, data_dir)
        if args.command == "city":
            from city.cli import run as city_run
            return city_run(args, data_dir)
        if args.command == "serve":
            return _serve(args, data_dir, demo=False)
        if args.command == "demo":
            return _serve(args, args.data_dir or default_data_dir() / "demo", demo=True)
    except ConfigError as exc:
        print(f"hallq: configuration error: {exc}", file=sys.stderr)
        return 2
    except HallError as exc:
        print(f"hallq: {exc.message} ({exc.message_en})", file=sys.stderr)
        return 2
    return 1


def _port_in_use(host: str, port: int) -> Optional[str]:
    """A port another program holds is one sentence before anything starts, not gunicorn's retries."""
    import socket
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            return (f"端口 {port} 无法使用（{exc.strerror}）：请停止占用它的程序，或换一个端口，例如 --port {port + 1}"
                    f"（make demo ARGS=\"--port {port + 1}\"）。 (Port {port} cannot be used ({exc.strerror}): stop the "
                    f"program holding it or choose another, e.g. --port {port + 1}.)")
    return None


def _check_config(path: Path) -> int:
    from config import load_config
    from hall.devices import check_devices
    cfg = load_config(path)
    devices = check_devices(cfg)
    print(f"{path}: OK — {cfg.name}: {len(cfg.services)} services, {len(cfg.windows)} windows, "
          f"{len(devices)} devices.")
    warning = calendar_warning(cfg, date.today())
    if warning:
        print(f"{path}: 注意 (warning): {warning['message']} ({warning['message_en']})", file=sys.stderr)
    return 0


def calendar_warning(cfg, today: date, ahead_days: int = 60) -> Optional[dict]:
    """The working-day calendar's warning when a year the hall works in within `ahead_days` (case
    deadlines reach that far) is unknown to the installed chinese-calendar and the hall gave no days."""
    from hall.workdays import Workdays
    days = Workdays(closed=cfg.queue.holidays, extra_workdays=cfg.calendar.extra_workdays,
                    extra_holidays=cfg.calendar.extra_holidays, tz=cfg.timezone)
    return days.warning({today.year, (today + timedelta(days=ahead_days)).year})


def _open_store(data_dir: Path):
    from hall.store import Store
    return Store(Path(data_dir) / "hallq.db")


def _user(args, data_dir: Path) -> int:
    from hall import accounts
    from hall.clock import system_now
    store = _open_store(data_dir)
    if args.user_command == "list":
        for u in store.list_users():  # a removed account is kept for the history, not listed
            print(f"{u['username']}\t{u['name']}\t{u['role']}" + ("" if u["active"] else "\tdisabled"))
        return 0
    if args.user_command == "remove":
        # Through the same account rules and audit log as the admin's accounts page.
        if not store.remove_user(args.username, system_now(), by=accounts.cli_actor()):
            print(f"hallq: 没有名为 {args.username} 的账号，请用 hallq user list 查看现有账号。"
                  f" (There is no account named {args.username}; hallq user list shows the accounts.)", file=sys.stderr)
            return 2
        print(f"hallq: 账号 {args.username} 已删除，不能再登录；该账号办理过的号和评价仍保留这个用户名。"
              f" (Account {args.username} removed in {data_dir}: it can no longer sign in;"
              f" its tickets and ratings keep the username.)")
        return 0
    password = read_password(args.username, f"hallq user add {args.username} --role {args.role}")
    if password is None:
        return 2
    accounts.put(store, args.username, args.name or args.username, args.role, password, system_now(),
                 by=accounts.cli_actor())
    print(f"hallq: account {args.username} ({args.role}) saved in {data_dir}.")
    return 0


def _serve(args, data_dir: Path, demo: bool) -> int:
    from config import load_config
    from hall.server import serve
    offered = load_config(args.config) if args.config or demo else None   # one sentence before anything starts
    if offered is not None and not demo:
        from hall.devices import check_devices
        check_devices(offered)
    busy = _port_in_use(args.host, args.port)
    if busy:
        print(f"hallq: {busy}", file=sys.stderr)
        return 2
    held = hold_data_dir(data_dir)
    if held is None:
        print(f"hallq: {_SERVER_RUNNING.format(data_dir=data_dir)}", file=sys.stderr)
        return 2
    # The database's configuration, seeded from the file when it has none (hall/configs.py).
    config = _configuration(data_dir, offered)
    if config is None:
        print(f"hallq: {data_dir} 里还没有大厅的配置：第一次启动请用 --config 文件 指定，例如 hallq serve --config "
              f"myhall.toml。 ({data_dir} has no hall configuration yet: give the first start one with --config "
              f"FILE.)", file=sys.stderr)
        return 2
    if not demo and config is not offered:
        from hall.devices import check_devices
        check_devices(config)
    from hall.private import private_dir
    data_dir = private_dir(data_dir)  # 0700 whatever the umask
    if demo:
        refused = _create_demo_users(data_dir)
        if refused:
            print(f"hallq: {refused}", file=sys.stderr)
            return 2

    def factory():
        from hall.app import create_app
        # --fake-clock (browser tests): the hall's clock stands still until POST /api/lab/clock moves it.
        clock = {}
        if demo and args.fake_clock:
            from hall.clock import FakeClock, system_now
            clock = {"clock": FakeClock(system_now())}
        if not demo or args.no_devices:
            app = create_app(config, data_dir=data_dir, **clock)
        else:
            from hall.demo import start_simulators
            from hall.lab import FROM_ANYWHERE, bp as lab_bp
            sims = start_simulators(config, data_dir)
            app = create_app(config, data_dir=data_dir, devices=sims.settings, **clock)
            app.extensions["hallq_simulators"] = sims
            app.config[FROM_ANYWHERE] = args.lab_from_anywhere
            app.register_blueprint(lab_bp)
        if clock:
            from hall.lab import clock_bp
            app.extensions["hallq_clock"] = clock["clock"]
            app.register_blueprint(clock_bp)
        return app

    host = "127.0.0.1" if args.host in ("0.0.0.0", "") else args.host
    base = f"http://{host}:{args.port}"

    def ready():
        print(f"HallQ {'demo ' if demo else ''}hall “{config.name}” is running; data in {data_dir}", flush=True)
        pages = [("/kiosk", "取号机 kiosk"), ("/counter", "窗口叫号 counter"),
                 ("/display", "大厅显示屏 hall display"), ("/board", "管理看板 manager's board"),
                 ("/assess", "考评 assessment"), ("/admin/config", "大厅配置 configuration")]
        if demo and not getattr(args, "no_devices", True):
            pages.append(("/devices", "设备实验室 device lab"))
        for path, what in pages:
            print(f"  {padded(what, 32)} {base}{path}", flush=True)
        if demo:
            print(f"Demo accounts (password {DEMO_PASSWORD}): " +
                  ", ".join(f"{u} ({r})" for u, _, r in DEMO_USERS), flush=True)
        print("Press Ctrl+C to stop.", flush=True)

    warning = calendar_warning(config, date.today())
    if warning:   # case deadlines would be counted Monday to Friday: the hall should hear it at start
        print(f"hallq: 注意 (warning): {warning['message']} ({warning['message_en']})", file=sys.stderr)
    serve(factory, args.host, args.port, on_ready=ready)
    return 0


# -- the configuration in the database ------------------------------------------------------

_SERVER_RUNNING = ("另一个大厅服务器正在使用 {data_dir}：请先停止它；运行中的大厅请在浏览器里的 /admin/config 导入配置。"
                   " (A hall server is running on {data_dir}: stop it first; in a running hall, import the file "
                   "in the browser at /admin/config.)")
_held_data_dirs: list = []     # the lock files this process holds for as long as it runs


def hold_data_dir(data_dir: Path):
    """Take the data directory's lock (its hallq.lock, held until the process ends): one hall server
    per database, and no `hallq config import` under a running one. None when another process holds it."""
    import fcntl
    from hall.private import private_dir
    path = private_dir(Path(data_dir)) / "hallq.lock"
    f = open(path, "a+")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        f.close()
        return None
    _held_data_dirs.append(f)
    return f


def _configuration(data_dir: Path, offered):
    """The configuration a start runs on: the database's (told so when the file differs), or `offered`
    stored as version 1 of a new hall; None when there is neither."""
    from hall import configs
    from hall.clock import system_now
    store = _open_store(data_dir)
    try:
        if offered is None:
            row = store.config_version()
            return configs.load(row) if row else None
        config, _version, warning = configs.current(store, offered, system_now())
    finally:
        store.close()
    if warning:
        print(f"hallq: 注意 (warning): {warning['message']} ({warning['message_en']})", file=sys.stderr)
    return config


def _config(args, data_dir: Path) -> int:
    """`hallq config export` and `hallq config import FILE`."""
    if args.config_command == "export":
        return _config_export(args, data_dir)
    return _config_import(args, data_dir)


def _config_export(args, data_dir: Path) -> int:
    from hall import configs
    row = configs.read_latest(Path(data_dir) / "hallq.db")
    if row is None:
        print(f"hallq: {data_dir} 里还没有大厅的配置，没有可导出的；hallq serve --config 文件 第一次启动时会存入它。"
              f" ({data_dir} has no hall configuration to export yet; the first hallq serve --config FILE stores it.)",
              file=sys.stderr)
        return 2
    text = configs.export_text(row)
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"hallq: 无法写入 {args.output}（{exc.strerror}），请换一个位置。 ({args.output} cannot be written: "
              f"{exc.strerror}; choose another place.)", file=sys.stderr)
        return 2
    print(f"hallq: 已把第 {row['version']} 版配置写入 {args.output}。 (Wrote configuration version {row['version']} "
          f"to {args.output}.)")
    return 0


def _config_import(args, data_dir: Path) -> int:
    """Validate the file as the loader and the devices do, then put it in effect through Hall.apply_config:
    the one mechanism the browser uses too. A refusal changes nothing."""
    import getpass
    from config import load_config
    from hall import configs
    from hall.clock import system_now
    from hall.hall import Hall
    from hall.devices import check_devices
    new = load_config(args.file)          # a ConfigError: its sentence, exit 2
    check_devices(new)
    if hold_data_dir(data_dir) is None:
        print(f"hallq: {_SERVER_RUNNING.format(data_dir=data_dir)}", file=sys.stderr)
        return 2
    store = _open_store(data_dir)
    try:
        row = store.config_version()
        hall = Hall(configs.load(row) if row else new, store, clock=system_now)
        try:
            done = hall.apply_config(new, by=getpass.getuser(), note=args.note or f"hallq config import {args.file}",
                                     source="import")
        finally:
            hall.bus.close()
    finally:
        store.close()
    if row is None:
        print(f"hallq: 新大厅：{args.file} 已存为第 1 版配置。 (A new hall: {args.file} is stored as configuration "
              f"version 1.)")
        return 0
    if not done["changed"]:
        print(f"hallq: {args.file} 与正在使用的第 {done['version']} 版配置相同，没有改动。 ({args.file} is the same as "
              f"configuration version {done['version']}; nothing changed.)")
        return 0
    print(f"hallq: {args.file} 已作为第 {done['version']} 版配置生效，改动了：{'、'.join(done['changed'])}。 ({args.file} is "
          f"now configuration version {done['version']}; changed: {', '.join(done['changed'])}.)")
    return 0


def _backup(args, data_dir: Path) -> int:
    """`hallq backup FILE`: a consistent copy beside the serving hall, through a connection of its own."""
    from hall import backup
    done = backup.take(Path(data_dir) / backup.DB_NAME, args.file)   # a refusal: a HallError, its sentence
    print(f"hallq: 已把 {data_dir} 的数据库备份到 {done.path}：{done.tickets} 张号，事件记录到第 {done.last_seq} 条，"
          f"已通过完整性检查。 (Backed up {data_dir}'s database to {done.path}: {done.tickets} tickets, events up to "
          f"seq {done.last_seq}, integrity check ok.)")
    return 0


def _restore(args, data_dir: Path) -> int:
    """`hallq restore FILE`: into a stopped hall only; the backup is checked before anything is replaced."""
    from hall import backup
    if hold_data_dir(data_dir) is None:
        print(f"hallq: 大厅服务器正在使用 {data_dir}，不能在运行中恢复备份：请先停止它（例如 systemctl stop hallq），"
              f"再运行 hallq restore {args.file}。 (A hall server is running on {data_dir}: a backup cannot be restored "
              f"under it; stop it first, e.g. systemctl stop hallq, then run hallq restore {args.file}.)", file=sys.stderr)
        return 2
    done = backup.restore(args.file, data_dir)
    kept = (f"原来的数据库已改名保留为 {done['kept']}" if done["kept"] else "该目录原来没有数据库")
    kept_en = (f"the database it replaced is kept as {done['kept']}" if done["kept"] else "there was no database before")
    print(f"hallq: 已把 {args.file} 恢复为 {data_dir} 的数据库；{kept}。 (Restored {args.file} as {data_dir}'s "
          f"database; {kept_en}.)")
    if done["key"] == "absent":
        print("hallq: 注意 (warning): 这份备份里没有大厅的会话密钥，身份证号的记录（每人限号、黑名单）要用原来数据目录里的 "
              "secret_key 文件才能对上。 (This backup carries no session key: the ID records (per-person limits, the "
              "block list) match only with the original data directory's secret_key file.)", file=sys.stderr)
    return 0


def _purge(args, data_dir: Path) -> int:
    """`hallq purge`: what the hall's ticker does once a day, now, beside the server or without it."""
    from zoneinfo import ZoneInfo
    from config import load_config
    from hall import accounts, configs, privacy
    from hall.clock import system_now
    row = configs.read_latest(Path(data_dir) / "hallq.db")
    config = configs.load(row) if row is not None else load_config(args.config)
    store = _open_store(data_dir)
    try:
        now = system_now()
        today = now.astimezone(ZoneInfo(config.timezone)).date()
        counts = privacy.purge(store, config, today, now, by=accounts.cli_actor())
    finally:
        store.close()
    before = privacy.cutoff(config, today)
    print(f"hallq: 已清除 {before} 之前的个人信息（保留 {config.privacy.keep_days} 天）：{counts['tickets']} 张号的证件信息、"
          f"{counts['appointments']} 条预约的姓名和证件信息、{counts['ratings']} 条评价留言、{counts['events']} 条事件记录；"
          f"各项统计不变。 (Cleared the personal data from before {before} (kept {config.privacy.keep_days} days): "
          f"{counts['tickets']} tickets, {counts['appointments']} appointments, {counts['ratings']} ratings' words, "
          f"{counts['events']} events, {counts['blocks']} ended blocks; every figure stays.)")
    return 0


def _report(args, data_dir: Path) -> int:
    """`hallq report`: read the range through a read-only connection, work the figures out, show or write them."""
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    def refuse(zh: str, en: str) -> int:
        print(f"hallq: {zh} ({en})", file=sys.stderr)
        return 2

    days = {}
    for flag, text in (("--from", args.start), ("--to", args.end)):
        try:
            days[flag] = date.fromisoformat(text)
        except ValueError:
            return refuse(f"{flag} {text} 不是日期，请写成 YYYY-MM-DD，例如 2026-11-01。",
                          f"{flag} {text} is not a date; write it YYYY-MM-DD, e.g. 2026-11-01.")
    start, end = days["--from"], days["--to"]
    if end < start:
        return refuse(f"--to {end} 早于 --from {start}：结束日期不能在开始日期之前。",
                      f"--to {end} is before --from {start}; the range must end on or after the day it starts.")
    if args.by not in REPORT_SLICES:
        return refuse(f"不能按“{args.by}”统计，--by 可选 {'、'.join(REPORT_SLICES)}。",
                      f"--by {args.by} is not a slice; choose one of {', '.join(REPORT_SLICES)}.")
    if args.format not in REPORT_FORMATS:
        return refuse(f"没有“{args.format}”这种格式，--format 可选 table、csv、xlsx。",
                      f"--format {args.format} is not a format; choose table, csv or xlsx.")

    from tqdm import tqdm
    from assess.export import Report, text_table, write_csv, write_xlsx
    from assess.figures import figures
    from assess.period import settings_of
    from assess.reader import Reader, ReaderError
    from config import load_config
    from hall.workdays import Workdays
    from hall import configs
    row = None if args.config else configs.read_latest(Path(data_dir) / "hallq.db")
    config = configs.load(row) if row else load_config(args.config)
    try:
        reader = Reader(Path(data_dir) / "hallq.db", config.code)
    except ReaderError as exc:
        return refuse(exc.message, exc.message_en)
    # The bar is for a person watching a long run; a pipe or a log gets only the result.
    bar = tqdm(desc="读取记录 reading", unit="条", leave=False, disable=not sys.stderr.isatty())

    def advance(done: int, total: int) -> None:
        bar.total, bar.n = total, done
        bar.refresh()
    try:
        steps, ratings, cases = reader.facts(start, end, progress=advance)
        labels = _report_labels(args.by, config, reader)
    finally:
        reader.close()
    bar.set_description("计算指标 computing")
    bar.reset()                # each phase its own count, time and rate
    settings = settings_of(config)
    workdays = Workdays(closed=config.queue.holidays, extra_workdays=config.calendar.extra_workdays,
                        extra_holidays=config.calendar.extra_holidays, tz=config.timezone)
    today = datetime.now(ZoneInfo(config.timezone)).date()
    common = dict(settings=settings, today=today, workdays=workdays)
    report = Report(rows=figures(steps, ratings, cases, by=args.by, **common), by=args.by, start=start, end=end,
                    hall=config.name, hall_en=config.name_en, labels=labels,
                    total=figures(steps, ratings, cases, by="total", **common)[0])
    if args.format == "table":
        bar.close()
        if args.output is None:
            sys.stdout.write(text_table(report))
        else:
            args.output.write_text(text_table(report), encoding="utf-8")
            print(f"hallq: 已写入 {args.output}。 (Wrote {args.output}.)")
        return 0
    output = args.output or Path(f"report-{_range_name(start, end)}-{args.by}.{args.format}")
    bar.set_description(f"写入 writing {output.name}")
    bar.reset()
    try:
        (write_xlsx if args.format == "xlsx" else write_csv)(report, output, progress=advance)
    except OSError as exc:
        bar.close()
        return refuse(f"无法写入 {output}（{exc.strerror}），请换一个位置，例如 --output /tmp/{output.name}。",
                      f"{output} cannot be written ({exc.strerror}); choose another place, e.g. "
                      f"--output /tmp/{output.name}.")
    bar.close()
    print(f"hallq: 已写入 {output}：{len(report.rows)} 行，{len(steps)} 个环节、{len(ratings)} 条评价、"
          f"{len(cases)} 件差评工单。 (Wrote {output}: {len(report.rows)} rows from {len(steps)} steps, "
          f"{len(ratings)} ratings and {len(cases)} cases.)")
    return 0


def _report_labels(by: str, config, reader) -> dict:
    """The names shown beside a report's keys: a clerk's name, a window's, a service's, a matter's."""
    if by == "staff":
        return reader.staff_names()
    if by == "window":
        return {w.id: w.name for w in config.windows}
    if by == "service":
        return {s.code: s.name for s in config.services}
    if by == "matter":
        return {m.code: m.name for s in config.services for m in s.matters}
    if by == "hall":
        return {config.code: config.name}
    return {}


def _range_name(start, end) -> str:
    """2026-11 for a whole month, 2026 for a whole year, the day for one day, else both ends."""
    from datetime import timedelta
    if start == end:
        return start.isoformat()
    if start.day == 1 and (end + timedelta(days=1)).day == 1 and (start.year, start.month) == (end.year, end.month):
        return f"{start.year:04d}-{start.month:02d}"
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        return f"{start.year:04d}"
    return f"{start.isoformat()}_{end.isoformat()}"


# The meta row that says the demo made this database: only such a directory gets the
# demo accounts, whose password is printed on the screen.
DEMO_MARK = "demo_hall"


def _create_demo_users(data_dir: Path) -> Optional[str]:
    """Add the missing demo accounts; or, for a directory the demo did not make, a sentence refusing it.

    A directory is the demo's when the demo marked it, or (made by an older demo, or
    empty) when every account in it is a demo account holding the demo password.
    """
    from hall import auth
    from hall.clock import system_now
    store = _open_store(data_dir)
    try:
        # meta is the store's key-value table (business_day, day_closed); one row marks a demo hall.
        marked = store.conn.execute("SELECT 1 FROM meta WHERE key = ?", (DEMO_MARK,)).fetchone() is not None
        if not marked:
            demo_names = {username for username, _, _ in DEMO_USERS}
            foreign = [u["username"] for u in store.list_users(removed=True) if u["username"] not in demo_names]
            foreign += [username for username in sorted(demo_names)
                        if (u := store.get_user(username)) is not None
                        and not auth.check_password(u["password_hash"], DEMO_PASSWORD)]
            if foreign:
                return (f"{data_dir} 里有不是演示建立的账号（{', '.join(sorted(foreign))}），像是正式大厅的数据："
                        f"演示不会在这里加入密码公开的演示账号；请用另一个目录，例如 --data-dir /tmp/hallq-demo。"
                        f" ({data_dir} holds accounts the demo did not create ({', '.join(sorted(foreign))}), so it"
                        f" looks like a real hall's data: the demo will not add its accounts, whose password is"
                        f" public, there; give it another directory, e.g. --data-dir /tmp/hallq-demo.)")
            store.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                               (DEMO_MARK, system_now().isoformat()))
        pw = auth.hash_password(DEMO_PASSWORD)
        for username, name, role in DEMO_USERS:
            if store.get_user(username) is None:
                store.put_user(username, name, role, pw, system_now())
    finally:
        store.close()
    return None


if __name__ == "__main__":
    sys.exit(main())
