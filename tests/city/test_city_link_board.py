"""The board's view of the link to the city (GET /api/city-link): what the sender last wrote, for managers only."""
from __future__ import annotations

import json
import time
from pathlib import Path

from tests.conftest import login


def _status(app, **fields) -> None:
    path = Path(app.config["HALLQ_DATA_DIR"]) / "city_link.json"
    path.write_text(json.dumps(dict({"state": "online", "url": "http://city:8100", "acked": 120, "behind": 0,
                                     "lag_seconds": None, "error": "", "at": time.time()}, **fields)))


def test_a_hall_without_a_link_says_none(app, client):
    login(client, "manager", window=None)
    assert client.get("/api/city-link").get_json() == {"state": "none"}


def test_the_board_sees_how_far_behind_the_city_is(app, client):
    _status(app, state="offline", acked=120, behind=42, lag_seconds=3600.0,
            error="城市不可达 (The city cannot be reached)")
    login(client, "manager", window=None)
    assert client.get("/api/city-link").get_json() == {
        "state": "offline", "url": "http://city:8100", "acked": 120, "behind": 42, "lag_seconds": 3600.0,
        "error": "城市不可达 (The city cannot be reached)"}


def test_a_status_no_sender_wrote_for_a_minute_is_stopped(app, client):
    _status(app, at=time.time() - 120)
    login(client, "manager", window=None)
    assert client.get("/api/city-link").get_json()["state"] == "stopped"


def test_a_clerk_is_not_shown_the_link(app, client):
    _status(app)
    login(client)
    assert client.get("/api/city-link").status_code == 403
