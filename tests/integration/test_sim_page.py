"""The simulator's page at /sim/: content negotiation, static files and labels (Flask test client)."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from api.app import create_app
from api.demo import demo_labels
from firmware_sim.control import create_control_app
from firmware_sim.faults import KINDS
from firmware_sim.layout import demo_compartments
from firmware_sim.simulator import Simulator
from locker.config import Config

PACKAGE = Path(__file__).resolve().parents[2] / "firmware_sim"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


@pytest.fixture
def sim():
    simulator = Simulator(boards=2, seed=5, spring_delay=0.0, labels={(0, 5): "A05", (1, 16): "B16"})
    yield simulator
    simulator.close()


@pytest.fixture(params=["control", "demo"])
def client(request, sim):
    """The page under ``locker sim`` (control app) and under ``locker demo`` (service app)."""
    if request.param == "control":
        return create_control_app(sim).test_client()
    return create_app(SimpleNamespace(config=Config(), simulator=sim)).test_client()


def lock_entry(state: dict, board: int, lock: int) -> dict:
    [entry] = [e for b in state["boards"] if b["address"] == board for e in b["locks"] if e["lock"] == lock]
    return entry


def test_a_browser_gets_the_page(client):
    response = client.get("/sim/", headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.headers["Vary"] == "Accept"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    page = response.get_data(as_text=True)
    assert '<html lang="vi">' in page
    assert 'src="static/sim.js"' in page and 'href="static/sim.css"' in page
    assert "Bộ mô phỏng tủ hồ sơ" in page and "Dossier locker simulator" in page


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "application/json, text/html;q=0.5",
                                    "text/html;q=bogus, application/json", "\x00\xff garbage"])
def test_other_clients_get_the_json_index(client, sim, accept):
    headers = {} if accept is None else {"Accept": accept}
    response = client.get("/sim/", headers=headers)
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert body["boards"] == 2 and body["simulator"] == "kerong-cu16"
    assert body["fault_kinds"] == list(KINDS)
    assert body["last_frame"] == sim.log.last_n == 0
    assert "GET /sim/state" in body["endpoints"]
    assert response.headers["Vary"] == "Accept"


def test_last_frame_follows_the_frame_log(client, sim):
    sim.log.add("host>board", bytes.fromhex("0200300335"))
    assert client.get("/sim/").get_json()["last_frame"] == 1


@pytest.mark.parametrize("name, mimetype", [("sim.js", "text/javascript"), ("sim.css", "text/css")])
def test_static_files_are_served(client, name, mimetype):
    response = client.get(f"/sim/static/{name}")
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert response.get_data() == (PACKAGE / "static" / name).read_bytes()


def test_a_missing_static_file_is_a_json_404(client):
    response = client.get("/sim/static/nothing.js")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_the_control_app_sends_a_browser_from_the_root_to_the_page(sim):
    client = create_control_app(sim).test_client()
    response = client.get("/", headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 302 and response.headers["Location"] == "sim/"
    assert client.get("/").get_json()["boards"] == 2
    assert client.get("/static/sim.js").status_code == 404


def test_state_carries_known_labels_only(client):
    state = client.get("/sim/state").get_json()
    assert lock_entry(state, 0, 5) == {"lock": 5, "door": "closed", "latched": True, "item": False,
                                       "jammed": False, "label": "A05"}
    assert lock_entry(state, 1, 16)["label"] == "B16"
    assert "label" not in lock_entry(state, 0, 1)
    assert sum("label" in e for b in state["boards"] for e in b["locks"]) == 2


def test_door_and_item_answers_carry_the_label(client, sim):
    opened = client.post("/sim/door", json={"board": 0, "lock": 5, "action": "open"}).get_json()
    assert opened == {"board": 0, "lock": 5, "door": "open", "latched": False, "item": False,
                      "jammed": False, "label": "A05", "forced": True}
    item = client.post("/sim/item", json={"board": 0, "lock": 6, "present": True}).get_json()
    assert "label" not in item and item["item"] is True
    assert sim.lock_state(0, 6)["item"] is True


def test_without_labels_the_state_is_the_contract_shape():
    plain = Simulator(boards=1)
    try:
        state = create_control_app(plain).test_client().get("/sim/state").get_json()
        assert plain.labels == {}
        assert all(set(e) == {"lock", "door", "latched", "item", "jammed"} for e in state["boards"][0]["locks"])
    finally:
        plain.close()


def test_demo_labels_match_the_demo_layout():
    labels = demo_labels()
    assert len(labels) == 32
    assert all(labels[(room["board"], room["lock"])] == room["label"] for room in demo_compartments(2))


def test_the_page_and_its_script_use_relative_urls_and_existing_ids():
    page = (PACKAGE / "templates" / "sim_page.html").read_text(encoding="utf-8")
    script = (PACKAGE / "static" / "sim.js").read_text(encoding="utf-8")
    links = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert links and all(not link.startswith(("/", "http")) for link in links), links
    paths = re.findall(r'api\("(?:GET|POST)", [`"]([^`"]+)[`"]', script)
    assert {"state", "faults", "door", "item", "scan", "fault", "./"} <= {p.split("?")[0] for p in paths}
    assert all(not path.startswith("/") for path in paths), paths
    ids_used = set(re.findall(r'\$\("([\w-]+)"\)', script))
    ids_defined = set(re.findall(r'id="([\w-]+)"', page))
    assert ids_used and ids_used <= ids_defined, ids_used - ids_defined
    assert "style=" not in page and "<script>" not in page  # the page's CSP forbids inline code
