"""A rater pressed twice, or armed again after a restart, gives the ticket one rating."""
from __future__ import annotations

from devices.bus485 import BusPool
from devices.rater.driver import RaterDriver
from devices.rater.sim import RaterSim
from tests.devices.test_devices_with_hall import wait_until
from tests.devices.test_led_driver import States


def test_a_rater_pressed_twice_and_rearmed_after_a_restart_gives_one_rating(hall, store):
    with RaterSim(addresses=(11,), strict=False) as sim:   # sends every press, armed or not
        settings = {"id": "rater-1", "link": sim.url, "address": 11, "window": 1}
        states = States()
        pool = BusPool()
        rater = RaterDriver.from_settings(settings, facade=hall, pool=pool, on_state=states)
        hall.bus.subscribe("rater-1", rater.handle)
        rater.start()
        try:
            assert states.wait("rater-1", "online")
            hall.open_window(1, "zhang", "张敏")
            hall.issue_ticket("A")
            ticket = hall.call_next(1)
            hall.start(1)
            hall.finish(1)
            assert sim.wait_armed(11, "A001")
            sim.press(11, 1)
            sim.press(11, 5)                      # a second press, before the rater is disarmed
            assert wait_until(lambda: len(store.ratings()) == 1)
            assert sim.wait_armed(11, None)
        finally:
            rater.stop()
            pool.stop()       # the old server's port is closed: two readers on one pty steal each other's bytes
        # A new driver (the hall server restarted) knows nothing of that rating; armed with the
        # same ticket and pressed, the hall still keeps the first rating only.
        pool = BusPool()
        again = RaterDriver.from_settings(settings, facade=hall, pool=pool, on_state=states)
        again.start()
        try:
            assert states.wait("rater-1", "online")
            again.submit(lambda: again.arm({"id": ticket.id, "number": "A001", "staff": "zhang"}))
            assert sim.wait_armed(11, "A001")
            sim.press(11, 4)
            assert sim.wait_armed(11, None)
        finally:
            again.stop()
            pool.stop()
    rows = store.ratings()
    assert [(r["ticket_id"], r["level"]) for r in rows] == [(ticket.id, "very_satisfied")]
