"""The kiosk prints through the configured printer: a simulated one on a real pty."""
from __future__ import annotations

import pytest

from hall.app import create_app
from devices.printer.sim import PtyPrinter, SimulatedPrinter
from tests.conftest import PASSWORD, login


@pytest.fixture
def printer():
    sim = SimulatedPrinter()
    carrier = PtyPrinter(sim).start()
    yield sim, carrier
    carrier.stop()


@pytest.fixture
def printing_app(tmp_path, config, clock, printer):
    sim, carrier = printer
    settings = {"printer": {"link": f"{carrier.path}?baudrate=115200", "paper_width_mm": 80,
                            "status_timeout_s": 0.3, "reconnect_timeout_s": 1.0, "poll_interval_s": 0.2}}
    app = create_app(config, data_dir=tmp_path / "d", clock=clock, testing=True, devices=settings)
    from hall import auth
    app.extensions["hallq"].store.put_user("zhang", "张敏", "staff", auth.hash_password(PASSWORD), clock())
    yield app
    app.extensions["hallq_devices"].stop()
    app.extensions["hallq"].bus.close()


def test_a_ticket_from_the_kiosk_is_printed_with_its_qr(printing_app, printer):
    sim, _ = printer
    c = printing_app.test_client()
    body = c.post("/api/tickets", json={"service": "A"}).get_json()
    assert body["print"] == {"status": "printed", "reason": None, "message": None, "message_en": None}
    assert sim.numbers() == ["A001"]
    printed = sim.tickets[0]
    assert printed.qr == [body["progress_url"]]
    assert any("行政审批" in line.text for line in printed.lines)
    assert c.get("/api/state").get_json()["waiting"][0]["print_status"] == "printed"


def test_paper_out_issues_the_ticket_and_marks_it_for_reprint(printing_app, printer):
    sim, _ = printer
    sim.set_state(paper="out")
    c = printing_app.test_client()
    r = c.post("/api/tickets", json={"service": "B"})
    body = r.get_json()
    assert r.status_code == 201 and body["ticket"]["number"] == "B001"       # the ticket exists all the same
    assert (body["print"]["status"], body["print"]["reason"]) == ("not_printed", "paper_out")
    assert "缺纸" in body["print"]["message"] and "out of paper" in body["print"]["message_en"]
    assert sim.tickets == []
    login(c, window=3)
    assert [t["number"] for t in c.get("/api/reprints").get_json()["tickets"]] == ["B001"]
    sim.set_state(paper="ok")
    r = c.post("/api/tickets/B001/reprint").get_json()
    assert r["print"]["status"] == "printed" and r["ticket"]["print_status"] == "printed"
    assert sim.numbers() == ["B001"]
    assert c.get("/api/reprints").get_json()["tickets"] == []
    devices = {d["device"]: d["state"] for d in c.get("/api/state").get_json()["devices"]}
    assert devices["printer"] in ("online", "paper_near_end")


def test_twenty_tickets_while_paper_runs_out_none_lost(printing_app, printer):
    sim, _ = printer
    sim.paper_out_after(7)
    c = printing_app.test_client()
    results = [c.post("/api/tickets", json={"service": "C"}).get_json() for _ in range(20)]
    numbers = [r["ticket"]["number"] for r in results]
    assert numbers == [f"C{i:03d}" for i in range(1, 21)]
    printed = [r["ticket"]["number"] for r in results if r["print"]["status"] == "printed"]
    assert printed == sim.numbers()
    to_reprint = {t.number for t in printing_app.extensions["hallq"].state.tickets.values()
                  if t.print_status == "not_printed"}
    assert to_reprint == set(numbers) - set(printed) and len(printed) == 7
