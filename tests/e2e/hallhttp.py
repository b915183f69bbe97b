"""A tiny client for the hall's JSON API, one cookie jar per signed-in person.

Used by the browser tests (to set the scene and read the truth) and by
screenshots.py. Standard library only, so the screenshot script runs anywhere.
"""
from __future__ import annotations

import http.cookiejar
import json
import urllib.error
import urllib.request


class HallClient:
    """Calls the hall's /api with its own session cookie."""

    def __init__(self, base_url: str, timeout: float = 10.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.csrf = ""
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        """(HTTP status, JSON body) of one call; 4xx answers are returned, not raised."""
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.csrf:
            headers["X-HallQ-CSRF"] = self.csrf     # the session's token, as the pages send it
        req = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)
        try:
            with self._opener.open(req, timeout=self.timeout) as res:
                status, answer = res.status, json.loads(res.read() or b"{}")
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"{}")
        if isinstance(answer, dict) and isinstance(answer.get("csrf"), str):
            self.csrf = answer["csrf"]     # the sign-in's and /api/me's answers carry it
        return status, answer

    def get(self, path: str) -> dict:
        """GET that must succeed."""
        status, body = self.request("GET", path)
        assert status == 200, (path, status, body)
        return body

    def post(self, path: str, body: dict | None = None, expect: int = 200) -> dict:
        """POST that must answer `expect`."""
        status, answer = self.request("POST", path, {} if body is None else body)
        assert status == expect, (path, status, answer)
        return answer

    def issue(self, service: str) -> dict:
        """Take a ticket as a kiosk would; the ticket dict."""
        return self.post("/api/tickets", {"service": service}, expect=201)["ticket"]

    def sign_in(self, username: str, password: str, window: int | None = None) -> dict:
        body = {"username": username, "password": password}
        if window is not None:
            body["window"] = window
        return self.post("/api/login", body)

    def window_serving(self, service: str, exclude=()) -> dict:
        """A window that serves `service` and no other, else any that serves it."""
        windows = [w for w in self.get("/api/state")["windows"]
                   if service in w["services"] and w["id"] not in exclude]
        only = [w for w in windows if w["services"] == [service]]
        return (only or windows)[0]
