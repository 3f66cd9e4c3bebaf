"""The kiosk page's own stream of scans (``/kiosk/events``), the cabinet's front it draws
(``/api/v1/kiosk/layout``) and the waits it is given (``[kiosk] inactivity_s``, ``more_time_s``)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from locker.config import KioskConfig, config_from_dict
from tests.unit.test_http_support import REMOTE, assert_error, make_client

SCAN = {"at": "2025-01-01T00:00:00Z", "ok": True, "pickup": None, "error": None, "badge": None,
        "dossier_code": "H01.2025/000123"}


@pytest.fixture
def client(monkeypatch):
    return make_client(monkeypatch, kiosk_token="a-kiosk-token-of-at-least-32-chars")


def events(chunks) -> list[tuple[str, dict]]:
    """``(type, data)`` of the events in a stream's chunks read so far (comments left out)."""
    found = []
    for block in b"".join(chunks).decode().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if line.startswith(("event", "data")))
        if "event" in lines:
            found.append((lines["event"], json.loads(lines["data"])))
    return found


def test_a_scan_reaches_the_kiosk_page_as_it_is_read(client):
    c, rt = client
    response = c.get("/kiosk/events", buffered=False)
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-store"
    chunks = iter(response.response)
    first = next(chunks)
    assert events([first]) == [("hello", {})]
    rt.kiosk_hub.publish("scan", SCAN)
    assert events([next(chunks)]) == [("scan", SCAN)]
    response.close()
    assert rt.kiosk_hub.clients == 0


def test_only_a_kiosk_may_listen(client):
    c, rt = client
    assert_error(c.get("/kiosk/events", environ_base=REMOTE), 403, "kiosk_only")
    assert_error(c.get("/kiosk/events", environ_base=REMOTE, headers={"X-Kiosk-Token": "wrong"}), 403, "kiosk_only")
    assert_error(c.get("/kiosk/events", headers={"Host": "evil.example"}), 403, "foreign_host")
    assert rt.kiosk_hub.clients == 0
    token = c.get("/kiosk/events", environ_base=REMOTE, buffered=False,
                  headers={"X-Kiosk-Token": "a-kiosk-token-of-at-least-32-chars"})
    assert token.status_code == 200 and rt.kiosk_hub.clients == 1
    token.close()


def test_a_reloaded_kiosk_page_ends_its_old_stream_instead_of_being_refused(client):
    c, rt = client
    streams = [c.get("/kiosk/events", buffered=False) for _ in range(rt.kiosk_hub.max_clients + 1)]
    assert [s.status_code for s in streams] == [200] * len(streams)
    assert rt.kiosk_hub.clients == rt.kiosk_hub.max_clients
    for stream in reversed(streams):
        stream.close()


def test_the_layout_is_the_console_grid_s_places_without_what_compartments_hold(monkeypatch):
    config = config_from_dict({"bus": {"url": "loop://"}, "layout": {"rows": 2}, "compartment": [
        {"label": "A01", "board": 0, "lock": 1, "size": "S"}, {"label": "A02", "board": 0, "lock": 2, "size": "M"},
        {"label": "A03", "board": 0, "lock": 3, "size": "L"},
        {"label": "Z9", "board": 1, "lock": 1, "size": "M", "row": 1, "column": 1}]}, env={})
    c, rt = make_client(monkeypatch)
    rt.config = config
    answer = c.get("/api/v1/kiosk/layout")
    assert answer.status_code == 200
    assert answer.get_json() == {"rows": 2, "columns": 3, "compartments": [
        {"label": "A01", "row": 1, "column": 2, "size": "S"}, {"label": "A02", "row": 2, "column": 2, "size": "M"},
        {"label": "A03", "row": 1, "column": 3, "size": "L"}, {"label": "Z9", "row": 1, "column": 1, "size": "M"}]}
    assert_error(c.get("/api/v1/kiosk/layout", environ_base=REMOTE), 403, "kiosk_only")


def test_the_page_is_given_the_configured_waits(monkeypatch):
    c, rt = make_client(monkeypatch)
    rt.config = replace(rt.config, kiosk=replace(rt.config.kiosk, inactivity_s=45, more_time_s=15))
    html = c.get("/").get_data(as_text=True)
    assert 'data-inactivity="45"' in html and 'data-more-time="15"' in html
    assert (KioskConfig().inactivity_s, KioskConfig().more_time_s) == (90, 20)


@pytest.mark.parametrize("kiosk, key", [({"inactivity_s": 2}, "kiosk.inactivity_s"),
                                        ({"more_time_s": 301}, "kiosk.more_time_s"),
                                        ({"inactivity_s": "soon"}, "kiosk.inactivity_s")])
def test_waits_outside_their_range_stop_the_service_at_start(kiosk, key):
    from locker.config import ConfigError

    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        config_from_dict({"bus": {"url": "loop://"}, "kiosk": kiosk}, env={})
