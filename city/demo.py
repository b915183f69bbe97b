"""`hallq city demo`: a small three-tier demo (三级联动) on the city's PostgreSQL.

The city centre's service, and five demo halls linked to it — two township centres and three
village centres under them, each a `hallq demo` of its own (no simulated devices) with a [city]
link in its configuration — all on this machine. Tickets issued at any hall's kiosk appear in
the city's pages within a second. The halls' data and keys live in the data directory (default
~/.local/share/hallq/city-demo); a second run reuses them. Stop it with Ctrl-C.
"""
from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from city import app as city_app
from city.signing import new_key

HALLS = (  # code, name, tier, parent
    ("demo-city", "市行政服务中心（演示）", "city", None),
    ("demo-town-east", "东城镇365便民服务中心（演示）", "township", "demo-city"),
    ("demo-town-west", "西山镇365便民服务中心（演示）", "township", "demo-city"),
    ("demo-village-1", "东城镇一村便民服务中心（演示）", "village", "demo-town-east"),
    ("demo-village-2", "东城镇二村便民服务中心（演示）", "village", "demo-town-east"),
    ("demo-village-3", "西山镇三村便民服务中心（演示）", "village", "demo-town-west"),
)
CITY_ACCOUNT, CITY_PASSWORD = "city-demo", "city-demo-pass"


def run(dsn: str, data_dir: Path, host: str, port: int) -> int:
    from config.loader import DEFAULT_CONFIG_PATH
    from city import accounts
    from city.reader import connect
    city_app.ensure_schema(dsn)
    base = DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")
    url = f"http://{host}:{port}"
    halls = []
    for i, (code, name, tier, parent) in enumerate(HALLS):
        hall_dir = data_dir / code
        (hall_dir / "data").mkdir(parents=True, exist_ok=True)
        key_file = hall_dir / "data" / "city.key"     # [city] key_file is relative to the hall's data directory
        if not key_file.exists():
            key_file.write_text(new_key())
            key_file.chmod(0o600)
        city_app.add_hall(dsn, code, name, tier, parent, key_file.read_text().strip())
        if code == "demo-city":
            continue           # the city centre's own hall is registered; the demo runs the townships and villages
        text = base.replace('code = "demo-city"', f'code = "{code}"', 1)
        text = re.sub(r'^name = .*$', f'name = "{name}"', text, count=1, flags=re.M)
        text = text.replace("[hall]\n", f'[hall]\ntier = "{tier}"\nparent = "{parent}"\n', 1)
        (hall_dir / "hall.toml").write_text(text + f'\n[city]\nurl = "{url}"\nkey_file = "city.key"\n', encoding="utf-8")
        halls.append((code, name, hall_dir, port + i))
    conn = connect(dsn)
    try:
        accounts.add_account(conn, CITY_ACCOUNT, "市中心演示账号", CITY_PASSWORD)
    finally:
        conn.close()
    # SIGTERM stops the demo as Ctrl-C does: the five halls are stopped with it, not left running.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    threading.Thread(target=city_app.serve, args=(dsn, host, port), daemon=True).start()
    procs = []
    try:
        for code, name, hall_dir, hall_port in halls:
            procs.append(subprocess.Popen([sys.executable, "-m", "hall.cli", "demo", "--no-devices", "--host", host,
                                           "--port", str(hall_port), "--data-dir", str(hall_dir / "data"),
                                           "--config", str(hall_dir / "hall.toml")],
                                          stdout=open(hall_dir / "demo.log", "ab"), stderr=subprocess.STDOUT))
        time.sleep(3)
        print(f"\n市中心 / city centre:   {url}/city/   账号 / account {CITY_ACCOUNT} / {CITY_PASSWORD}")
        for (code, name, _, hall_port) in halls:
            print(f"{name}  {code}:  http://{host}:{hall_port}/kiosk")
        print("Ctrl-C 结束演示 / to stop the demo", flush=True)
        while all(p.poll() is None for p in procs):
            time.sleep(1)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(10)
