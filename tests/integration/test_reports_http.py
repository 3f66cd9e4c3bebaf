"""Reports, counter totals and erasure through the real Flask app and service: answers,
CSV, the console's page (chart, printable, counter totals, erase button) and the
refusals by role."""

from __future__ import annotations

import csv
import io

import pytest

from api.app import create_app
from locker import accounts
from tests.support.console import ConsoleBrowser, console_runtime

RANGE = "from=2026-01-01&to=2026-01-31"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    runtime = console_runtime(tmp_path_factory.mktemp("reports"))
    with runtime.db.session() as s:
        accounts.create_account(s, "onestop", "system", "a long password")
        tokens = {name: accounts.create_token(s, name) for name in ("clerk", "technician", "admin", "onestop")}
    yield runtime, create_app(runtime).test_client(), {n: {"Authorization": f"Bearer {t}"} for n, t in tokens.items()}
    runtime.db.dispose()


def test_reports_by_role(site):
    _rt, c, auth = site
    for name in ("clerk", "technician", "admin"):
        resp = c.get(f"/api/v1/reports?{RANGE}&period=week", headers=auth[name])
        assert resp.status_code == 200, name
        body = resp.get_json()
        assert body["from"] == "2026-01-01" and len(body["periods"]) == 5 and body["total"]["dropoffs"] == 0
    assert c.get(f"/api/v1/reports?{RANGE}", headers=auth["onestop"]).status_code == 403
    assert c.get(f"/api/v1/reports?{RANGE}").status_code == 401
    for bad in ("from=2026-01-31&to=2026-01-01", "from=2026-01-01", f"{RANGE}&period=year", f"{RANGE}&format=xml"):
        resp = c.get(f"/api/v1/reports?{bad}", headers=auth["clerk"])
        assert resp.status_code == 400 and resp.get_json()["error"] == "invalid_input", bad


def test_counter_totals_from_the_one_stop_system_feed_the_share(site):
    _rt, c, auth = site
    resp = c.post("/api/v1/counter-totals", json={"date": "2026-01-05", "count": 80}, headers=auth["onestop"])
    assert resp.status_code == 200 and resp.get_json() == {"date": "2026-01-05", "count": 80, "source": "onestop"}
    for name in ("clerk", "technician"):
        assert c.post("/api/v1/counter-totals", json={"date": "2026-01-05", "count": 1},
                      headers=auth[name]).status_code == 403
    for body in ({"date": "2026-01-05", "count": "80"}, {"date": "5/1/2026", "count": 8}, {"date": "2026-01-05"},
                 {"date": "2026-01-05", "count": 80.5}, {"date": "2026-01-05", "count": True}):
        assert c.post("/api/v1/counter-totals", json=body, headers=auth["admin"]).status_code == 400
    # JSON has one kind of number: 81.0 is the whole number 81 (the document says ``type: integer``).
    resp = c.post("/api/v1/counter-totals", json={"date": "2026-01-05", "count": 80.0}, headers=auth["onestop"])
    assert resp.status_code == 200 and resp.get_json()["count"] == 80
    total = c.get(f"/api/v1/reports?{RANGE}", headers=auth["clerk"]).get_json()["total"]
    assert total["counter_total"] == 80 and total["machine_share"] == 0.0
    resp = c.get(f"/api/v1/reports?{RANGE}&period=month&format=csv", headers=auth["clerk"])
    assert resp.mimetype == "text/csv" and "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert rows[0]["start"] == "2026-01-01" and rows[0]["counter_total"] == "80"


def test_erasure_is_for_admins(site):
    runtime, c, auth = site
    body = {"reason": "the citizen's written request"}
    for name in ("clerk", "technician", "onestop"):
        assert c.post("/api/v1/dossiers/HS-1/erase", json=body, headers=auth[name]).status_code == 403
    assert c.post("/api/v1/dossiers/HS-1/erase", json=body, headers=auth["admin"]).status_code == 404
    assert c.post("/api/v1/dossiers/HS-1/erase", json={}, headers=auth["admin"]).status_code == 400


def test_the_console_page_draws_the_chart_and_takes_totals_from_admins(site):
    runtime, _c, _auth = site
    clerk = ConsoleBrowser(runtime)
    clerk.sign_in("clerk")
    page = clerk.get(f"/console/reports/?{RANGE}&period=week")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<svg" in html and 'data-testid="report-total"' in html
    assert "counter-total-form" not in html and "@media print" in clerk.get(
        "/console/static/reports.css").get_data(as_text=True)
    assert clerk.get("/console/reports/?from=2026-02-01&to=2026-01-01").status_code == 400
    assert clerk.submit(f"/console/reports/?{RANGE}", "/console/reports/counter-totals",
                        {"date": "2026-01-06", "count": "5"}).status_code == 403
    admin = ConsoleBrowser(runtime)
    admin.sign_in("admin")
    assert "counter-total-form" in admin.get(f"/console/reports/?{RANGE}").get_data(as_text=True)
    resp = admin.submit(f"/console/reports/?{RANGE}", f"/console/reports/counter-totals?{RANGE}",
                        {"date": "2026-01-06", "count": "5"})
    assert resp.status_code == 302
    assert runtime.service.reports.counter_totals("2026-01-06", "2026-01-06")[0]["count"] == 5
