"""`hallq city ...`: the city centre's service, its halls, and a hall's sender.

    hallq city serve [--dsn DSN] [--host H] [--port P]     the city's service (ingest and pages)
    hallq city hall add CODE --name N --tier T [--parent P] register a hall; prints its new key once
    hallq city account add NAME [--name 显示名]             a city account for the pages (password on stdin)
    hallq city send --code C --url URL [--key-file F]       send this hall's log to the city until stopped
    hallq city demo [--port 8100]                           the city and five demo halls linked to it

The DSN is taken from --dsn or HALLQ_CITY_DSN, a hall's key from --key-file or HALLQ_CITY_KEY:
neither is ever printed or logged (a key on the command line would show in the process list).
"""
from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

TIERS = ("city", "township", "village")


def add_parser(sub, common) -> None:
    city = sub.add_parser("city", parents=[common], help="the city centre (三级联动): its service, its halls, a hall's sender")
    csub = city.add_subparsers(dest="city_command", required=True)
    serve = csub.add_parser("serve", parents=[common], help="run the city centre's service on PostgreSQL")
    serve.add_argument("--dsn", default=None, help="the city's PostgreSQL (default: $HALLQ_CITY_DSN)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8100)
    hall = csub.add_parser("hall", parents=[common], help="the halls the city receives records from")
    hsub = hall.add_subparsers(dest="hall_command", required=True)
    add = hsub.add_parser("add", parents=[common], help="register a hall (or renew its key); prints the key once")
    add.add_argument("code")
    add.add_argument("--name", required=True)
    add.add_argument("--name-en", default="")
    add.add_argument("--tier", required=True, metavar="|".join(TIERS))
    add.add_argument("--parent", default=None, help="the code of the hall above it")
    add.add_argument("--key-file", type=Path, default=None,
                     help="use the key in this file instead of a new one (and print nothing)")
    add.add_argument("--dsn", default=None)
    account = csub.add_parser("account", parents=[common], help="the city's accounts, which its pages need")
    asub = account.add_subparsers(dest="account_command", required=True)
    aadd = asub.add_parser("add", parents=[common],
                           help="add a city account or give it a new name and password (read from standard input)")
    aadd.add_argument("username")
    aadd.add_argument("--name", default=None, help="the name the pages show (default: the username)")
    aadd.add_argument("--dsn", default=None)
    demo = csub.add_parser("demo", parents=[common],
                           help="a three-tier demo: the city, two township and three village demo halls linked to it")
    demo.add_argument("--dsn", default=None)
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8100, help="the city's port; the halls take the next five")
    send = csub.add_parser("send", parents=[common], help="send this hall's records to the city until stopped")
    send.add_argument("--code", required=True, help="the hall's code, as the city registered it")
    send.add_argument("--url", required=True, help="the city's address, such as http://city.example:8100")
    send.add_argument("--key-file", type=Path, default=None, help="the hall's key (default: $HALLQ_CITY_KEY)")
    send.add_argument("--batch", type=int, default=500, help="records per request (default 500)")


def _dsn(args) -> str:
    dsn = args.dsn or os.environ.get("HALLQ_CITY_DSN")
    if not dsn:
        raise SystemExit("hallq: 市中心需要 PostgreSQL：请设置 HALLQ_CITY_DSN 或给出 --dsn。"
                         " (The city needs its PostgreSQL: set HALLQ_CITY_DSN or give --dsn.)")
    return dsn


def _key(path) -> str:
    key = path.read_text(encoding="utf-8").strip() if path else os.environ.get("HALLQ_CITY_KEY", "")
    try:
        if len(bytes.fromhex(key)) < 16:
            raise ValueError
    except ValueError:
        raise SystemExit("hallq: 大厅密钥应为至少 32 位十六进制字符（hallq city hall add 给出的）。"
                         " (The hall's key must be at least 32 hex digits, as hallq city hall add prints it.)")
    return key


def run(args, data_dir: Path) -> int:
    from city import app as city_app
    if args.city_command == "serve":
        dsn = _dsn(args)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        city_app.serve(dsn, args.host, args.port)
        return 0
    if args.city_command == "hall":
        if args.tier not in TIERS:
            print(f"hallq: 层级应为 city、township 或 village，而不是 {args.tier!r}。"
                  f" (The tier is city, township or village, not {args.tier!r}.)", file=sys.stderr)
            return 2
        from city.signing import new_key
        dsn = _dsn(args)
        city_app.ensure_schema(dsn)
        key = _key(args.key_file) if args.key_file else new_key()
        city_app.add_hall(dsn, args.code, args.name, args.tier, args.parent, key, args.name_en)
        if not args.key_file:
            print(key)
            print(f"已登记大厅 {args.code}：把上面的密钥放进该大厅的密钥文件，只显示这一次。"
                  f" (Hall {args.code} registered: put the key above in the hall's key file; it is shown only once.)",
                  file=sys.stderr)
        return 0
    if args.city_command == "account":
        from city import accounts
        from city.reader import connect
        from hall.cli import read_password
        password = read_password(args.username, f"hallq city account add {args.username}")
        if password is None:
            return 2
        dsn = _dsn(args)
        city_app.ensure_schema(dsn)
        conn = connect(dsn)
        try:
            accounts.add_account(conn, args.username, args.name or args.username, password)
        finally:
            conn.close()
        print(f"hallq: 市中心账号 {args.username} 已保存，可登录 /city/。"
              f" (City account {args.username} saved: it signs in at /city/.)")
        return 0
    if args.city_command == "demo":
        from city.demo import run as run_demo
        return run_demo(_dsn(args), args.data_dir or data_dir / "city-demo", args.host,
                        args.port)
    if args.city_command == "send":
        import logging
        from hall.sender import Sender
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
        db = data_dir / "hallq.db"
        if not db.is_file():
            print(f"hallq: 找不到大厅数据库 {db}。 (There is no hall database at {db}.)", file=sys.stderr)
            return 2
        sender = Sender(db, args.code, args.url, _key(args.key_file), batch=max(1, args.batch),
                        status_path=data_dir / "city_link.json")
        signal.signal(signal.SIGTERM, lambda *_: sender.stop())
        try:
            sender.run()
        except KeyboardInterrupt:
            pass
        return 0
    return 1
