"""Bad input never answers 500, and no request makes the server hold more than it takes.

Each input from issue 10 that used to answer 500 (or lift a bound) is a row
of a table here with the exact status and error code it answers now.
"""
from __future__ import annotations

import io
import json
import socket
from types import SimpleNamespace

import pytest

from config import DEFAULT_CONFIG_PATH, parse_config
from hall import idnumber
from hall.jsonbody import JSON_LIMIT, MAX_DEPTH, UPLOAD_LIMIT, nesting_depth_exceeds
from tests.conftest import PASSWORD, login

ELDER_ID = "11010519491231002X"
FULL_WIDTH_ID = "１１０１０５１９４９１２３１００２Ｘ"
FULL_WIDTH_LOWER_X = "１１０１０５１９４９１２３１００２ｘ"
ARABIC_INDIC_ID = "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X"        # the same number in Arabic-Indic digits
DEVANAGARI_ID = "११०१०५१९४९१२३१००२X"
CSV_HEADER = "code,service,date,slot,name,id_number\n"


def error(r) -> tuple[int, str]:
    body = r.get_json()
    assert body["error"]["message"] and body["error"]["message_en"], body
    return r.status_code, body["error"]["code"]


def nested(depth: int) -> str:
    """{"service": "A", "x": [[...]]} nesting `depth` levels in all (the object is the first)."""
    return '{"service": "A", "x": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"


def manager(app):
    """A test client signed in as the manager (carrying the session's CSRF token, when the sign-in gives one)."""
    c = app.test_client()
    body = login(c, "manager", window=None)
    if body.get("csrf"):
        c.environ_base["HTTP_X_HALLQ_CSRF"] = body["csrf"]
    return c


# -- 1. request body size ------------------------------------------------------------------------

def test_a_json_body_over_one_mib_is_refused_with_413_and_a_sentence(client):
    body = json.dumps({"service": "A", "pad": "x" * JSON_LIMIT})
    r = client.post("/api/tickets", data=body, content_type="application/json")
    assert error(r) == (413, "too_large")
    assert "1 MB" in r.get_json()["error"]["message"]
    assert client.get("/api/state").get_json()["waiting"] == []          # nothing was issued


def test_an_appointments_import_may_be_larger_than_ordinary_json_but_not_over_two_mib(app):
    c = manager(app)
    # 1.5 MiB of JSON is within the import's limit: it reaches the rows' validation.
    rows = [{"code": f"YY{i:04d}", "service": "B", "date": "2026-11-27", "slot": "10:00-10:30", "name": "王" * 40}
            for i in range(6000)]
    rows.append({"code": "bad"})
    body = json.dumps({"appointments": rows}, ensure_ascii=False).encode()
    assert JSON_LIMIT < len(body) < UPLOAD_LIMIT
    r = c.post("/api/appointments", data=body, content_type="application/json")
    assert error(r) == (400, "invalid_appointment")
    assert r.get_json()["error"]["message"].startswith("第6001条预约")
    csv_body = (CSV_HEADER + "YY0001,B,2026-11-27,10:00-10:30,王大爷,\n" * (UPLOAD_LIMIT // 40)).encode()
    assert len(csv_body) > UPLOAD_LIMIT
    r = c.post("/api/appointments", data=csv_body, content_type="text/csv")
    assert error(r) == (413, "too_large")
    assert c.get("/api/appointments").get_json()["appointments"] == []


@pytest.mark.parametrize("path", ["/api/tickets", "/api/appointments/check-in", "/api/windows/1/call-next",
                                  "/api/progress/nosuchtoken/rejoin"])
def test_an_announced_length_over_the_limit_is_refused_before_the_body_is_read(client, path):
    class Unreadable(io.BytesIO):
        def read(self, *args):
            raise AssertionError("the body was read")

        readinto = readline = read1 = read

    r = client.post(path, input_stream=Unreadable(), content_type="application/json",
                    environ_overrides={"CONTENT_LENGTH": str(200_000_000)})
    assert error(r) == (413, "too_large")


@pytest.mark.parametrize("path, size, limit_mb, hint", [
    ("/api/tickets", int(1.5 * JSON_LIMIT), 1, "请减少内容后重试"),
    ("/api/tickets", 3 * JSON_LIMIT, 1, "请减少内容后重试"),    # over the app's largest limit as well: still its own
    ("/api/login", 3 * JSON_LIMIT, 1, "请减少内容后重试"),
    ("/api/appointments", 3 * JSON_LIMIT, 2, "预约文件分成几个不超过 2 MB"),
    ("/api/admin/config/import", 3 * JSON_LIMIT, 2, "配置文件"),
])
def test_a_413_names_the_endpoints_own_limit_and_what_to_do(app, path, size, limit_mb, hint, clock):
    if "admin" in path:       # the hall file's import is the admin's
        from hall import auth
        app.extensions["hallq"].store.put_user("root", "管理员", "admin", auth.hash_password(PASSWORD), clock())
        c = app.test_client()
        c.environ_base["HTTP_X_HALLQ_CSRF"] = login(c, "root", window=None)["csrf"]
    else:
        c = manager(app)
    r = c.post(path, data=json.dumps({"service": "A", "x": "a" * size}), content_type="application/json")
    assert error(r) == (413, "too_large")
    message = r.get_json()["error"]["message"]
    assert f"超过 {limit_mb} MB 的上限" in message and hint in message, message
    assert ("预约" in message) == (path == "/api/appointments")     # the import's advice for the import alone


@pytest.mark.parametrize("path, content_type, limit", [
    ("/api/tickets", "application/json", JSON_LIMIT),
    ("/api/appointments", "text/csv", UPLOAD_LIMIT),     # not imported cut short at the limit: refused
])
def test_a_chunked_body_is_cut_off_at_the_limit(app, path, content_type, limit):
    client = manager(app)
    sent = []

    class Endless(io.BytesIO):        # a chunked body with no end: the server stops reading at the limit
        def read(self, size=-1):
            size = 65536 if size is None or size < 0 else min(size, 65536)
            sent.append(size)
            return b"[" * size

        def readinto(self, b):
            data = self.read(len(b))
            b[:len(data)] = data
            return len(data)

        read1 = read

    r = client.post(path, input_stream=Endless(), content_type=content_type,
                    headers={"Transfer-Encoding": "chunked"}, environ_overrides={"wsgi.input_terminated": True})
    assert error(r) == (413, "too_large")
    assert f"{limit >> 20} MB" in r.get_json()["error"]["message"]
    assert limit < sum(sent) <= limit + 65536


# -- 2. JSON nesting ------------------------------------------------------------------------------

@pytest.mark.parametrize("data, deeper", [
    (b"{}", False),
    (b"[" * MAX_DEPTH + b"]" * MAX_DEPTH, False),
    (b"[" * (MAX_DEPTH + 1), True),
    (b"[" * 100_000, True),
    (b'{"a": "' + b"[" * 1000 + b'"}', False),                  # brackets in a string do not count
    (b'{"a": "\\"' + b"[" * 1000 + b'"}', False),               # nor after an escaped quote
    (b'{"a": "\\\\"' + b", \"b\": " + b"[" * 40 + b"]" * 40 + b"}", True),   # an escaped backslash ends the string
    (b"[{" * 17 + b"}]" * 17, True),                           # 34 levels of arrays and objects together
    (b'"' + b"[" * 1000, False),                               # a string left open runs to the end
    (b"]" * 1000 + b"[" * MAX_DEPTH, False),
])
def test_nesting_depth_is_measured_without_parsing(data, deeper):
    assert nesting_depth_exceeds(data) is deeper


DEEP_PATHS = ["/api/tickets", "/api/appointments/check-in", "/api/appointments", "/api/login",
              "/api/windows/1/call", "/api/windows/1/transfer", "/api/windows/1/pause",
              "/api/tickets/A001/priority"]


@pytest.mark.parametrize("path", DEEP_PATHS)
def test_json_nested_100000_deep_is_a_400_on_every_json_endpoint(app, path):
    c = manager(app)
    r = c.post(path, data="[" * 100_000 + "]" * 100_000, content_type="application/json")
    assert error(r) == (400, "invalid_json")
    assert f"{MAX_DEPTH} 层" in r.get_json()["error"]["message"]


@pytest.mark.parametrize("depth, status", [(MAX_DEPTH, 201), (MAX_DEPTH + 1, 400)])
def test_the_depth_bound_is_exact(client, depth, status):
    r = client.post("/api/tickets", data=nested(depth), content_type="application/json")
    assert r.status_code == status, r.get_json()


@pytest.mark.parametrize("data, content_type", [
    ("1" * 5000, "application/json"),                # an integer past Python's 4,300 digits
    (b"\xff\xfe{", "application/json"),              # not UTF-8
    ('["service", "A"]', "application/json"),
    ('{"service": "A"', "application/json"),
])
def test_a_body_that_is_not_a_json_object_is_invalid_json(client, data, content_type):
    assert error(client.post("/api/tickets", data=data, content_type=content_type)) == (400, "invalid_json")


# A JSON string may escape a lone surrogate ("\ud800"): valid JSON, yet no character, and every encoder
# after the parser (SQLite's, the password hash's, the answer's) failed on it with a 500.
SURROGATE_BODIES = [
    ("/api/appointments/check-in", '{"code": "\\ud800"}', False),
    ("/api/login", '{"username": "\\ud800", "password": "xxxxxxxx"}', False),
    ("/api/tickets", '{"service": "A", "matter": "\\udfff"}', False),
    ("/api/windows/1/call", '{"ticket": "\\ud800"}', True),
    ("/api/windows/1/pause", '{"reason": "\\udbff"}', True),
    ("/api/assess/stars", '{"month": "2026-12", "inspection": {"score": 50, "findings": ["\\ud800"]}}', True),
    ("/api/tickets", '{"service": "A", "\\ud800": 1}', False),                      # in a key too
    ("/api/tickets", b'{"service": "A", "matter": "\xed\xa0\x80"}', False),         # the bytes, not an escape
]


@pytest.mark.parametrize("path, body, signed_in", SURROGATE_BODIES)
def test_a_lone_surrogate_in_a_json_string_is_a_400_not_a_500(app, path, body, signed_in):
    c = manager(app) if signed_in else app.test_client()
    r = c.post(path, data=body, content_type="application/json")
    assert error(r) == (400, "invalid_json")
    assert "\\ud800" in r.get_json()["error"]["message"]
    assert app.test_client().get("/api/state").get_json()["waiting"] == []          # nothing was issued


def test_a_surrogate_pair_is_one_character_and_is_taken(client):
    r = client.post("/api/tickets", data='{"service": "A", "pad": "\\ud83d\\ude00 \\u4e2d"}',
                    content_type="application/json")
    assert r.status_code == 201, r.get_json()


# -- 3. ID numbers in full-width and other digits ---------------------------------------------------

@pytest.mark.parametrize("raw, problem", [
    (FULL_WIDTH_ID, None),
    (FULL_WIDTH_LOWER_X, None),
    ("１１０１０５　１９４９１２３１　００２Ｘ", None),                # ideographic spaces too
    (ARABIC_INDIC_ID, "characters"),
    (DEVANAGARI_ID, "characters"),
    ("１１０１０５１９４９１２３１００２Ｙ", "characters"),
])
def test_full_width_digits_are_normalised_and_other_digits_refused(raw, problem):
    assert idnumber.problem(raw) == problem
    if problem is None:
        assert idnumber.mask(raw) == "1101********002X"
        assert idnumber.keyed_hash(raw, b"k") == idnumber.keyed_hash(ELDER_ID, b"k")


def test_a_full_width_id_number_issues_the_same_persons_ticket(app, client):
    r = client.post("/api/tickets", json={"service": "E", "id_number": FULL_WIDTH_ID})
    assert r.status_code == 201, r.get_json()
    row = app.extensions["hallq"].store.conn.execute("SELECT id_masked FROM tickets").fetchone()
    assert row[0] == "1101********002X"
    # The ASCII form is the same person: the service's one ticket a day is taken.
    assert error(client.post("/api/tickets", json={"service": "E", "id_number": ELDER_ID})) == (409, "person_limit")


@pytest.mark.parametrize("raw", [ARABIC_INDIC_ID, DEVANAGARI_ID, "１１０１０５１９４９１２３１００２Ｙ"])
def test_other_digits_in_an_id_number_are_refused_with_a_sentence(client, raw):
    for path, body in (("/api/tickets", {"service": "E", "id_number": raw}),
                       ("/api/appointments/check-in", {"id_number": raw})):
        r = client.post(path, json=body)
        assert error(r) == (400, "invalid_id_number")
        assert r.get_json()["error"]["message"] == "身份证号码只能由数字 0-9 和最后一位的 X 组成，请用数字键重新输入。"


def test_a_full_width_id_checks_in_and_imports(app, client):
    c = manager(app)
    r = c.post("/api/appointments", data=CSV_HEADER + f"YY0001,B,2026-11-27,09:00-09:30,王大爷,{FULL_WIDTH_ID}\n",
               content_type="text/csv")
    assert r.status_code == 201, r.get_json()
    assert c.get("/api/appointments").get_json()["appointments"][0]["id_masked"] == "1101********002X"
    r = client.post("/api/appointments/check-in", json={"id_number": FULL_WIDTH_LOWER_X})
    assert (r.status_code, r.get_json()["appointment_priority"]) == (201, True)
    r = c.post("/api/appointments", data=CSV_HEADER + f"YY0002,B,2026-11-27,09:00-09:30,李阿姨,{ARABIC_INDIC_ID}\n",
               content_type="text/csv")
    assert error(r) == (400, "invalid_appointment")
    assert r.get_json()["error"]["message"].startswith("第1条预约：身份证号码只能由数字 0-9")


# -- 4. the appointments CSV ----------------------------------------------------------------------

@pytest.mark.parametrize("text, starts", [
    (CSV_HEADER + "YY0001,B,2026-11-27,09:00-09:30," + "王" * 140_000 + ",\n", "预约文件第1条预约（文件第2行起）无法读取（有一项超过 128 KB）"),
    (CSV_HEADER + "YY0001,B,2026-11-27,09:00-09:30,王大爷,\nYY0002,B,2026-11-27,09:00-09:30,\"" + "x" * 140_000 + "\"\n",
     "预约文件第2条预约（文件第3行起）无法读取（有一项超过 128 KB）"),
    ("code," + "c" * 140_000 + "\n", "预约文件第一行（表头）无法读取"),
    (CSV_HEADER + "YY0001,B,2026-11-27,09:00-09:30,王\r大爷,\n", "预约文件第1条预约（文件第2行起）无法读取（格式错误"),
    (CSV_HEADER + "x\n" * 20_001, "一次最多导入 20000 条预约"),
])
def test_an_unreadable_csv_is_a_400_naming_the_row(app, text, starts):
    c = manager(app)
    r = c.post("/api/appointments", data=text.encode(), content_type="text/csv")
    assert error(r) == (400, "invalid_appointment")
    assert r.get_json()["error"]["message"].startswith(starts), r.get_json()
    assert c.get("/api/appointments").get_json()["appointments"] == []


# -- 5. the event log's since and limit -------------------------------------------------------------

@pytest.mark.parametrize("query, answer", [
    ("since=99999999999999999999", 400),           # 20 digits: past SQLite's integers
    ("since=9223372036854775808", 400),            # 2**63
    ("since=9223372036854775807", (9223372036854775807, 1000)),
    ("since=-1", 400),
    ("since=abc", 400),
    ("since=1e3", 400),
    ("since=%D9%A3", 400),                         # an Arabic-Indic three
    ("since=" + "9" * 5000, 400),
    ("", (0, 1000)),
    ("since=7&limit=1", (7, 1)),
    ("limit=5000", (0, 5000)),
    ("limit=5001", (0, 5000)),                     # more than 5,000 is answered with 5,000
    ("limit=99999999999999999999", (0, 5000)),
    ("limit=-1", 400),                             # never lifts the cap
    ("limit=0", 400),
    ("limit=", 400),
])
def test_events_since_and_limit_are_whole_numbers_in_range(app, monkeypatch, query, answer):
    store = app.extensions["hallq"].store
    asked = []
    real = store.events_since
    monkeypatch.setattr(store, "events_since", lambda since, limit: asked.append((since, limit)) or real(since, limit))
    r = manager(app).get("/api/events?" + query)
    if answer == 400:
        assert error(r) == (400, "invalid_field")
        assert asked == []
    else:
        assert r.status_code == 200 and asked == [answer]


# -- 6. the device lab's input --------------------------------------------------------------------

@pytest.fixture
def lab(app):
    from hall.lab import bp as lab_bp
    pressed = []
    serial = SimpleNamespace(press=lambda kind, device, key: pressed.append((kind, device, key)),
                             state=lambda: {"raters": []})
    app.extensions["hallq_simulators"] = SimpleNamespace(printer=None, serial=serial)
    app.register_blueprint(lab_bp)
    return app.test_client(), pressed


@pytest.mark.parametrize("data, content_type, code", [
    ("[1, 2]", "application/json", "invalid_json"),
    ('"1"', "application/json", "invalid_json"),
    ("[" * 100_000, "application/json", "invalid_json"),
    ("{", "application/json", "invalid_json"),
])
def test_a_lab_press_that_is_not_a_json_object_is_a_400(lab, data, content_type, code):
    client, pressed = lab
    assert error(client.post("/api/lab/rater/1/press", data=data, content_type=content_type)) == (400, code)
    assert pressed == []


def test_a_lab_press_with_a_key_still_presses(lab):
    client, pressed = lab
    assert client.post("/api/lab/rater/1/press", json={"key": 1}).status_code == 200
    assert pressed == [("rater", "1", 1)]


# -- 7. the print status in the kiosk's answer -----------------------------------------------------

@pytest.fixture
def printing(app):
    hall = app.extensions["hallq"]

    def printer(ticket, issued):
        hall.record_print(ticket.id, "printed", None)
        return {"status": "printed", "reason": None, "message": None, "message_en": None}

    app.extensions["hallq_printer"] = printer
    return app


def test_the_issued_ticket_carries_the_print_status_the_printer_produced(printing, client):
    body = client.post("/api/tickets", json={"service": "A"}).get_json()
    assert (body["print"]["status"], body["ticket"]["print_status"]) == ("printed", "printed")
    assert printing.extensions["hallq"].state.tickets[body["ticket"]["id"]].print_status == "printed"


def test_a_checked_in_ticket_carries_the_print_status_too(printing, client):
    c = manager(printing)
    c.post("/api/appointments", json={"appointments": [
        {"code": "YY0001", "service": "B", "date": "2026-11-27", "slot": "09:00-09:30", "name": "王大爷"}]})
    body = client.post("/api/appointments/check-in", json={"code": "YY0001"}).get_json()
    assert (body["print"]["status"], body["ticket"]["print_status"], body["ticket"]["appointment"]) == \
        ("printed", "printed", "YY0001")


# -- 8. checking in too late when late appointments do not become ordinary tickets ------------------

@pytest.fixture
def strict_app(tmp_path, clock):
    from hall import auth
    from hall.app import create_app
    text = DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")
    assert "late_becomes_ordinary = true" in text
    config = parse_config(text.replace("late_becomes_ordinary = true", "late_becomes_ordinary = false"))
    app = create_app(config, data_dir=tmp_path / "strict", clock=clock, testing=True)
    app.extensions["hallq"].store.put_user("manager", "陈主任", "manager", auth.hash_password(PASSWORD), clock())
    yield app
    app.extensions["hallq"].bus.close()
    app.extensions["hallq"].store.close()


@pytest.mark.parametrize("swept, by", [(True, "code"), (True, "id_number"), (False, "code")])
def test_a_missed_appointment_is_too_late_not_unknown(strict_app, clock, swept, by):
    hall = strict_app.extensions["hallq"]
    manager(strict_app).post("/api/appointments", json={"appointments": [
        {"code": "YY0001", "service": "B", "date": "2026-11-27", "slot": "09:00-09:30", "name": "王大爷",
         "id_number": ELDER_ID}]})
    clock.advance(minutes=46)                       # check-in closed at 09:45
    if swept:
        hall.tick()
        assert [a.status for a in hall.store.appointments_of_day(hall.state.business_day)] == ["no_show"]
    r = strict_app.test_client().post("/api/appointments/check-in",
                                      json={"code": "yy0001"} if by == "code" else {"id_number": ELDER_ID})
    assert error(r) == (409, "appointment_too_late")
    assert r.get_json()["error"] == {
        "code": "appointment_too_late",
        "message": "您预约的时段 09:00-09:30 签到截止于 09:45，现已过时，预约已失效；今天办理请取普通号排队，或重新预约。",
        "message_en": "Check-in for your slot 09:00-09:30 closed at 09:45; the appointment has lapsed. "
                      "Take an ordinary ticket to be served today, or book again."}
    assert hall.snapshot()["waiting"] == []


def test_an_appointment_of_another_day_is_still_not_found(strict_app, clock):
    manager(strict_app).post("/api/appointments", json={"appointments": [
        {"code": "YY0001", "service": "B", "date": "2026-11-28", "slot": "09:00-09:30", "name": "王大爷"}]})
    r = strict_app.test_client().post("/api/appointments/check-in", json={"code": "YY0001"})
    assert error(r) == (404, "appointment_not_found")


# -- 9. ids beyond SQLite's 64 bits in the path ------------------------------------------------------

def _int_routes(app) -> list[tuple[str, str]]:
    """(method, path) of every rule with an integer in its path, that integer left as {n}."""
    import re as _re
    out = []
    for rule in app.url_map.iter_rules():
        if "<int:" not in rule.rule:
            continue
        path = _re.sub(r"<int:[^>]+>", "{n}", rule.rule)
        path = _re.sub(r"<[^>]+>", "A001", path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((method, path))
    return out


@pytest.mark.parametrize("n", [1 << 63, 10 ** 30])
def test_an_id_beyond_64_bits_in_any_path_is_a_4xx(app, n):
    c = manager(app)
    routes = _int_routes(app)
    assert any("alarms" in p for _, p in routes) and len(routes) >= 15
    for method, path in routes:
        r = c.open(path.format(n=n), method=method, json={} if method == "POST" else None)
        assert r.status_code < 500, (method, path, r.status_code)


# -- the real server does not buffer a huge body ------------------------------------------------------

def _answer(sock) -> bytes:
    """Read one HTTP answer (headers and a Content-Length body) from `sock`."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def test_the_running_server_refuses_a_200_mb_body_from_its_header(tmp_path):
    from tests.server import ServerProcess
    server = ServerProcess(tmp_path / "data").start()
    try:
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            # A safety net, not a measurement: had the server waited for the 200 MB, nothing would come back.
            sock.settimeout(30)
            sock.sendall(b"POST /api/tickets HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 200000000\r\n\r\n" + b'{"service": "' + b"A" * 1000)
            answer = _answer(sock)
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.split(b"\r\n")[0].split(b" ")[:2] == [b"HTTP/1.1", b"413"]
        assert json.loads(body)["error"]["code"] == "too_large"
        # Still serving, and nothing was issued.
        import requests
        assert requests.get(server.url + "/api/state", timeout=10).json()["waiting"] == []
    finally:
        server.stop()
