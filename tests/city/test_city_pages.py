"""The city's pages through Flask's test client on the real PostgreSQL: no figures without a city account,
and each page shows what assess/'s code gives over the city's records."""
from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime

import pytest

from assess.figures import FigureSettings, figures
from city import book
from city.reader import CityReader
from tests.city.cityfixture import SUPERVISOR, three_tiers
from city.app import create_app
from tests.conftest import TZ

PASSWORD = SUPERVISOR[2]


@pytest.fixture
def city(city_conn, tmp_path, config):
    three_tiers(city_conn, tmp_path, config)
    return city_conn


@pytest.fixture
def client(city, city_dsn):
    return create_app(city_dsn).test_client()


def sign_in(client, password=PASSWORD):
    page = client.get("/city/").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    return client.post("/city/signin", data={"username": "supervisor", "password": password, "csrf": csrf,
                                             "next": "/city/"})


@pytest.mark.parametrize("path", ["/city/", "/city/halls/demo-city", "/city/rankings", "/city/cases", "/city/stars"])
def test_no_figures_without_a_city_account(client, path):
    r = client.get(path)
    assert r.status_code == 401
    page = r.get_data(as_text=True)
    assert "市中心登录" in page and "东镇便民服务中心" not in page and 'id="halls"' not in page


def test_every_page_answers_200_once_signed_in(client):
    sign_in(client)
    for path in ("/city/", "/city/halls/demo-city", "/city/rankings?by=staff&figure=avg_wait", "/city/cases?status=all",
                 "/city/stars?year=2025"):
        r = client.get(path)
        assert (path, r.status_code) == (path, 200)
        assert "王督查" in r.get_data(as_text=True)


def test_a_wrong_password_is_refused_and_a_right_one_signs_in_until_signed_out(client):
    r = sign_in(client, "wrong")
    assert r.status_code == 401 and "用户名或密码不正确" in r.get_data(as_text=True)
    r = sign_in(client)
    assert r.status_code == 302 and r.headers["Location"] == "/city/"
    page = client.get("/city/").get_data(as_text=True)
    assert "王督查" in page
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    client.post("/city/signout", data={"csrf": csrf})
    assert client.get("/city/").status_code == 401


def test_a_sign_in_without_the_forms_token_is_refused(client):
    client.get("/city/")
    r = client.post("/city/signin", data={"username": "supervisor", "password": PASSWORD, "csrf": "forged"})
    assert r.status_code == 400 and client.get("/city/").status_code == 401


def _cell(page: str, hall: str, figure: str) -> str:
    row = re.search(rf'<tr data-hall="{hall}".*?</tr>', page, re.S).group(0)
    return re.search(rf'data-figure="{figure}">([^<]*)<', row).group(1)


def test_the_overview_shows_each_halls_tier_link_and_todays_figures(client, city):
    sign_in(client)
    page = client.get("/city/").get_data(as_text=True)
    today = datetime.now(TZ).date()
    for code in ("demo-city", "town-east"):
        steps, ratings, cases = CityReader(city, code).records(today, today)
        row = figures(steps, ratings, cases, by="total", settings=FigureSettings(), today=today)[0]
        assert row.tickets > 50
        assert _cell(page, code, "tickets") == str(row.tickets)
        assert _cell(page, code, "served") == str(row.served)
        assert _cell(page, code, "satisfaction") == f"{100 * row.satisfaction:.1f}%"
    assert _cell(page, "village-3", "tickets") == "0"
    assert re.search(r'data-hall="town-east" data-tier="township" data-link="offline"', page)
    assert "2 小时 0 分" in page and "离线" in page and "未连接" in page


def test_a_halls_page_gives_its_windows_and_staff(client, city):
    sign_in(client)
    today = datetime.now(TZ).date()
    page = client.get(f"/city/halls/town-east?month={today:%Y-%m}").get_data(as_text=True)
    hall = next(h for h in book.halls(city, datetime.now(TZ)) if h.code == "town-east")
    data = book.hall_figures(city, hall, today.replace(day=1), today, today)
    assert len(data["window"]) >= 4 and len(data["staff"]) >= 4
    for by in ("window", "staff"):
        table = re.search(rf'<table class="c-table" id="by-{by}">.*?</table>', page, re.S).group(0)
        for (zh, _en), r in data[by]:
            row = re.search(rf'<tr data-key="{r.key if r.key is not None else ""}">.*?</tr>', table, re.S).group(0)
            assert zh in row and f'data-figure="served">{r.served}<' in row
    assert sum(r.tickets for _, r in data["window"]) == data["total"].tickets
    assert client.get("/city/halls/nowhere").status_code == 404


def test_cases_across_halls_put_the_overdue_ones_first(client):
    sign_in(client)
    r = client.get("/city/cases?status=open")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert '<a href="?status=open" aria-current="true">' in page
    flags = re.findall(r'data-overdue="(yes|no)"', page)
    assert "yes" in flags and "no" in flags
    assert flags == sorted(flags, key=lambda f: f != "yes")
    assert "town-east" in page and "demo-city" in page


def test_the_rankings_rank_every_halls_windows(client):
    sign_in(client)
    page = client.get("/city/rankings?by=window&figure=served").get_data(as_text=True)
    halls = set(re.findall(r'<tr data-hall="([^"]+)" data-key', page))
    assert {"demo-city", "town-east"} <= halls
    served = [int(x) for x in re.findall(r'data-figure="served">(\d+)<', page)]
    assert served == sorted(served, reverse=True) and served[0] > 0


def test_the_star_page_shows_each_township_centres_year_and_verdict(client):
    sign_in(client)
    page = client.get("/city/stars?year=2025").get_data(as_text=True)
    assert re.search(r'data-hall="town-warning" data-verdict="warning"', page)
    assert re.search(r'data-hall="town-reward" data-verdict="reward"', page)
    assert "2025-07-28" in page
    assert 'data-hall="village-3"' not in page and 'data-hall="demo-city"' not in page


def test_hallq_city_account_add_makes_an_account_the_pages_let_in(city, city_dsn):
    from tests.server import ROOT
    cmd = [sys.executable, "-m", "hall.cli", "city", "account", "add", "inspector", "--name", "李督查", "--dsn", city_dsn]
    out = subprocess.run(cmd, cwd=ROOT, input="insp-pass-2\n", capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "insp-pass-2" not in out.stdout + out.stderr
    client = create_app(city_dsn).test_client()
    page = client.get("/city/").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    r = client.post("/city/signin", data={"username": "inspector", "password": "insp-pass-2", "csrf": csrf})
    assert r.status_code == 302
    assert "李督查" in client.get("/city/").get_data(as_text=True)
    refused = subprocess.run(cmd, cwd=ROOT, input="", capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "没有读到密码" in refused.stderr
