"""PrinterDriver against the simulated printer over a real pty and TCP."""
import threading

import pytest

from devices.printer import PrinterDriver, PrinterSettingsError, TemplateError
from devices.printer.sim import PtyPrinter, SimulatedPrinter, TcpPrinter

TICKET = {"id": 12, "number": "A001", "service": "A", "service_name": "行政审批",
          "business_day": "2026-11-27", "issued_at": "2026-11-27T09:03:00+08:00"}
EXTRAS = {"hall_name": "东湖街道365便民服务中心", "matter_name": "企业设立登记", "people_ahead": 3,
          "wait_minutes": 12, "progress_url": "http://hall.local/t/12?k=9f3a",
          "materials": "身份证原件"}
FAST = {"status_timeout_s": 0.2, "reconnect_timeout_s": 2.0, "poll_interval_s": 0.1}


def ticket(n: int, service: str = "A") -> dict:
    return dict(TICKET, id=n, number=f"{service}{n:03d}")


class States:
    """Records on_state calls, as the hall's device registry would."""

    def __init__(self):
        self.calls, self._cond = [], threading.Condition()

    def __call__(self, device_id, state, detail):
        with self._cond:
            self.calls.append((device_id, state))
            self._cond.notify_all()

    def wait_for(self, state, timeout=3.0):
        with self._cond:
            return self._cond.wait_for(lambda: any(s == state for _, s in self.calls), timeout)

    @property
    def states(self):
        return [s for _, s in self.calls]


@pytest.fixture
def printer():
    return SimulatedPrinter()


@pytest.fixture(params=["pty", "tcp"])
def carrier(request, printer):
    c = (PtyPrinter if request.param == "pty" else TcpPrinter)(printer).start()
    c.link = c.path if request.param == "pty" else c.url
    yield c
    c.stop()


@pytest.fixture
def pty(printer):
    c = PtyPrinter(printer).start()
    yield c
    c.stop()


@pytest.fixture
def make_driver():
    drivers = []

    def make(link, **settings):
        states = States()
        d = PrinterDriver({"link": link, **FAST, **settings}, on_state=states)
        d.states = states
        d.start()
        drivers.append(d)
        return d

    yield make
    for d in drivers:
        d.stop()


def test_ticket_goes_round_trip_through_the_printer(carrier, printer, make_driver):
    driver = make_driver(carrier.link)
    result = driver.print_ticket(TICKET, EXTRAS)
    assert (result.status, result.reason, result.number, result.attempts) == ("printed", None, "A001", 1)
    assert printer.wait_for_tickets(1)
    t = printer.tickets[0]
    assert t.texts[:5] == ["东湖街道365便民服务中心", "行政审批", "企业设立登记", "", "A001"]
    assert t.qr == ["http://hall.local/t/12?k=9f3a"]
    # DLE EOT 1, 2, 4 before the ticket and again after it.
    assert printer.status_queries == 6


def test_a_thousand_tickets_through_a_pty_none_lost_or_doubled(pty, printer, make_driver):
    driver = make_driver(pty.path, poll_interval_s=5)
    results = [driver.print_ticket(ticket(n), EXTRAS) for n in range(1, 1001)]
    assert [r.status for r in results] == ["printed"] * 1000
    assert printer.wait_for_tickets(1000)
    assert printer.numbers() == [f"A{n:03d}" for n in range(1, 1001)]
    assert printer.stubs == []


@pytest.mark.parametrize("sim, state, printed", [
    ({"paper": "near_end"}, "paper_near_end", True),
    ({"paper": "out"}, "paper_out", False),
    ({"cover_open": True}, "cover_open", False),
    ({"offline": True}, "offline", False),
    ({"silent": True}, "unknown", False),
])
def test_each_printer_state_decides_whether_a_ticket_prints(pty, printer, make_driver, sim, state, printed):
    driver = make_driver(pty.path)
    assert driver.states.wait_for("online")
    printer.set_state(**sim)
    result = driver.print_ticket(TICKET, EXTRAS)
    assert result.printed is printed
    assert result.printer_state == state
    assert result.reason == (None if printed else ("no_answer" if state == "unknown" else state))
    assert driver.states.states[-1] == state
    assert len(printer.tickets) == (1 if printed else 0)


def test_idle_printer_reports_paper_out_without_a_ticket(pty, printer, make_driver):
    driver = make_driver(pty.path)
    assert driver.states.wait_for("online")
    printer.set_state(paper="out")
    assert driver.states.wait_for("paper_out")
    printer.set_state(paper="ok")
    driver.states.calls.clear()
    assert driver.states.wait_for("online")


def test_unplugged_mid_ticket_is_reprinted_once(carrier, printer, make_driver):
    # A second for the status answer after the reconnect: on a loaded machine the
    # simulator's first answer on the new link came later than FAST's 0.2 s.
    driver = make_driver(carrier.link, status_timeout_s=1.0)
    assert driver.print_ticket(ticket(1), EXTRAS).printed
    carrier.unplug_after(100, for_seconds=0.3)  # 9 bytes of status query, then 91 of the ticket
    result = driver.print_ticket(ticket(2), EXTRAS)
    assert (result.status, result.attempts) == ("printed", 2)
    assert driver.print_ticket(ticket(3), EXTRAS).printed
    assert printer.wait_for_tickets(3)
    assert printer.numbers() == ["A001", "A002", "A003"]
    assert [s.texts[:2] for s in printer.stubs] == [["东湖街道365便民服务中心", "行政审批"]]
    assert "faulted" in driver.states.states


def test_unplugged_for_good_mid_ticket_is_not_printed_and_not_sent_a_third_time(pty, printer, make_driver):
    driver = make_driver(pty.path, reconnect_timeout_s=0.3)
    pty.unplug_after(100, for_seconds=2.0)
    result = driver.print_ticket(ticket(1), EXTRAS)
    assert (result.status, result.reason, result.attempts) == ("not_printed", "link_lost", 1)
    assert printer.tickets == [] and len(printer.stubs) == 1


def test_paper_running_out_in_a_queue_of_20_loses_none(pty, printer, make_driver):
    driver = make_driver(pty.path)
    printer.paper_out_after(7)
    jobs = [driver.submit(ticket(n), EXTRAS) for n in range(1, 21)]
    assert all(job.wait(10) for job in jobs)
    results = [job.result for job in jobs]
    assert [r.status for r in results] == ["printed"] * 7 + ["not_printed"] * 13
    assert {r.reason for r in results[7:]} == {"paper_out"}
    assert [r.attempts for r in results] == [1] * 8 + [0] * 12  # 9..20 never sent
    assert printer.numbers() == [r.number for r in results if r.printed]
    # The eighth ran out of paper half way: a stub, reported not printed.
    assert [s.texts for s in printer.stubs] == [["东湖街道365便民服务中心", "行政审批", "企业设立登记"]]


def test_reprint_prints_the_ticket_again_marked(pty, printer, make_driver):
    driver = make_driver(pty.path)
    assert driver.reprint(TICKET, EXTRAS).printed
    printer.wait_for_tickets(1)
    assert "补打" in printer.tickets[0].texts


def test_raster_mode_prints_one_image_the_width_of_the_head(pty, printer, make_driver):
    driver = make_driver(pty.path, text_mode="raster", paper_width_mm=58)
    assert driver.print_ticket(TICKET, EXTRAS).printed
    printer.wait_for_tickets(1)
    t = printer.tickets[0]
    assert t.texts == [] and t.qr == []
    assert t.image().width == 384


def test_file_link_gets_the_bytes_and_state_stays_unknown(tmp_path, make_driver):
    out = tmp_path / "tickets.bin"
    driver = make_driver(f"file://{out}")
    result = driver.print_ticket(TICKET, EXTRAS)
    assert (result.status, result.printer_state) == ("printed", "unknown")
    assert out.read_bytes().startswith(b"\x1b@\x1c&") and out.read_bytes().endswith(b"\x1dV\x00")


def test_missing_printer_is_reported_not_printed_at_once(tmp_path, make_driver):
    driver = make_driver(str(tmp_path / "ttyUSB9"))
    result = driver.print_ticket(TICKET, EXTRAS)
    assert (result.status, result.reason, result.attempts) == ("not_printed", "link_down", 0)
    assert "faulted" in driver.states.states


def test_not_started_driver_says_so():
    driver = PrinterDriver({"link": "file:///dev/null"})
    assert driver.print_ticket(TICKET, EXTRAS).reason == "stopped"


@pytest.mark.parametrize("settings, start", [
    ({"link": "/dev/null", "paper": 80}, "打印机配置里有不认识的键 ['paper']"),
    ({"link": "/dev/null", "paper_width_mm": 76}, "paper_width_mm 只能是 58 或 80"),
    ({"link": "/dev/null", "text_mode": "graphics"}, "打印机的 text_mode 只能是"),
    ({"link": "lpt://1"}, "打印机的 link lpt://1 不认识"),
    ({"link": "usb://printer"}, "USB 打印机地址 usb://printer 写法不对"),
    ({"link": "/dev/ttyUSB0?speed=9600"}, "串口打印机地址 /dev/ttyUSB0?speed=9600 里的 speed 不认识"),
])
def test_bad_settings_are_refused_at_start_up(settings, start):
    with pytest.raises(PrinterSettingsError) as caught:
        PrinterDriver(settings)
    assert caught.value.message.startswith(start)


def test_template_with_unknown_field_is_refused_at_start_up():
    with pytest.raises(TemplateError, match="未知字段 {queue_length}"):
        PrinterDriver({"link": "/dev/null", "template": {"lines": [{"text": "{queue_length}"}]}})
