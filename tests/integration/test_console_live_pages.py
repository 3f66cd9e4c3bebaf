"""The alarms, cabinet and dossier pages and the console's event stream, through a
Flask test client signed in as a person would be (CSRF tokens from the pages)."""

from __future__ import annotations

import pytest

from locker.ports import BoardAvailability, DoorChanged
from tests.support.console import ConsoleBrowser, console_runtime

LAYOUT = [{"label": "A01", "board": 0, "lock": 1, "size": "S"}, {"label": "A02", "board": 0, "lock": 2, "size": "M"},
          {"label": "B01", "board": 1, "lock": 1, "size": "L", "row": 1, "column": 3}]


@pytest.fixture
def console(tmp_path):
    runtime = console_runtime(tmp_path, bus={"url": "loop://"}, compartment=LAYOUT)
    runtime.service.sync_compartments()
    browser = ConsoleBrowser(runtime)
    yield browser
    runtime.hub.close()
    runtime.db.dispose()


def raise_forced_open(console, lock=1):
    """A latched door seen closed, then opened by hand."""
    console.runtime.service.handle_event(DoorChanged(0, lock, False))
    console.runtime.service.handle_event(DoorChanged(0, lock, True))
    return console.runtime.service.list_alarms("open")[0]


def test_the_alarms_page_lists_acknowledges_and_resolves(console):
    alarm = raise_forced_open(console)
    console.sign_in("clerk")
    page = console.get("/console/alarms/").get_data(as_text=True)
    assert f'data-alarm-id="{alarm["id"]}"' in page and "Cửa bị mở cưỡng bức" in page
    assert "alarm.wav" in page and 'data-testid="alarm-banner"' in page
    empty = console.submit("/console/alarms/", f"/console/alarms/{alarm['id']}/ack", {"note": " "})
    assert empty.status_code == 302
    assert console.runtime.service.list_alarms("open")[0]["state"] == "open", "no note: nothing changed"
    done = console.submit("/console/alarms/", f"/console/alarms/{alarm['id']}/ack", {"note": "đã xem"},
                          follow_redirects=True)
    assert "Đã xác nhận cảnh báo" in done.get_data(as_text=True)
    [acked] = console.runtime.service.list_alarms("acknowledged")
    assert (acked["acknowledged_by"], acked["note"]) == ("clerk", "đã xem")
    console.submit("/console/alarms/?state=acknowledged", f"/console/alarms/{alarm['id']}/resolve", {})
    [resolved] = console.runtime.service.list_alarms("resolved")
    assert resolved["resolved_by"] == "clerk"
    english = console.get("/console/alarms/?state=resolved&lang=en").get_data(as_text=True)
    assert "Door forced open" in english


def test_a_form_without_its_csrf_token_changes_nothing(console):
    alarm = raise_forced_open(console)
    console.sign_in("clerk")
    refused = console.client.post(f"/console/alarms/{alarm['id']}/ack", data={"note": "x"})
    assert refused.status_code in (400, 403)
    assert console.runtime.service.list_alarms("open")[0]["id"] == alarm["id"]


def test_signed_out_pages_redirect_and_change_nothing(console):
    alarm = raise_forced_open(console)
    for path in ("/console/alarms/", "/console/cabinet/", "/console/cabinet/cells.json",
                 "/console/cabinet/A01/history.json", "/console/dossiers/?code=X", "/console/events/stream"):
        response = console.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    console.client.post(f"/console/alarms/{alarm['id']}/resolve", data={})
    assert console.runtime.service.list_alarms("open")[0]["id"] == alarm["id"]


def test_every_role_may_use_the_live_pages(console):
    for role in ("clerk", "technician", "admin"):
        fresh = ConsoleBrowser(console.runtime)
        fresh.sign_in(role)
        for path in ("/console/alarms/", "/console/cabinet/", "/console/dossiers/"):
            assert fresh.get(path).status_code == 200, (role, path)


def test_the_cabinet_page_places_cells_and_serves_them_and_their_history(console):
    raise_forced_open(console, lock=2)
    console.sign_in("clerk")
    page = console.get("/console/cabinet/").get_data(as_text=True)
    assert 'data-label="B01" data-row="1" data-column="3"' in page
    assert 'data-label="A02" data-row="2" data-column="4"' in page, "right of the columns placed by hand"
    cells = {c["label"]: c for c in console.get("/console/cabinet/cells.json").get_json()}
    assert cells["A02"]["door"] == "open" and [a["kind"] for a in cells["A02"]["alarms"]] == ["forced_open"]
    history = console.get("/console/cabinet/A02/history.json").get_json()
    assert history[0]["kind"] == "forced_open"
    assert console.get("/console/cabinet/Z9/history.json").status_code == 404


def test_the_dossier_page_finds_a_code_in_any_case(console):
    svc = console.runtime.service
    svc.handle_event(BoardAvailability(0, True))
    svc.handle_event(DoorChanged(0, 1, False))
    result = svc.load_result("HS-P1", "0912345678", "S", actor="clerk")
    console.sign_in("clerk")
    page = console.get("/console/dossiers/?code=hs-p1").get_data(as_text=True)
    assert 'data-testid="dossier-found">HS-P1<' in page and result["compartment"] in page
    assert "0912345678" not in page
    missing = console.get("/console/dossiers/?code=HS-NONE")
    assert missing.status_code == 404 and "HS-NONE" in missing.get_data(as_text=True)


def test_the_event_stream_needs_a_session_and_is_bounded(console):
    console.sign_in("clerk")
    first = console.client.get("/console/events/stream", buffered=False)
    assert next(iter(first.response)).startswith(b"retry: ")
    first.close()
    assert console.runtime.hub.clients == 0
    streams = []
    for _ in range(console.runtime.hub.max_clients):
        response = console.client.get("/console/events/stream", buffered=False)
        assert response.status_code == 200 and response.mimetype == "text/event-stream"
        streams.append(response)
    busy = console.get("/console/events/stream")
    assert busy.status_code == 503 and busy.headers["Retry-After"]
    for response in reversed(streams):  # the test client's request contexts unwind in order
        response.close()
    assert console.runtime.hub.clients == 0
