"""The clerks' runs across processes: announcements from the one-stop system, a batch
loaded by the cabinet's scanner (``/sim/scan`` of ``locker sim`` reaching ``locker serve``
over TCP), a morning collection with a mismatch flagged, and an expired result retrieved."""

from __future__ import annotations

import pytest
import requests

from tests.e2e.conftest import Cabinet, running_cabinet
from tests.support.net import wait_for

pytestmark = pytest.mark.e2e

PERSON = {"phone": "0912345678", "due": "2026-12-01", "procedure": "Cấp giấy phép xây dựng"}


def system_token(cab: Cabinet) -> dict[str, str]:
    result = cab.locker("user", "add", "onestop", "--role", "system", "--password-stdin", stdin="onestop-pass\n")
    assert result.returncode == 0, result.stdout + result.stderr
    result = cab.locker("token", "create", "onestop")
    assert result.returncode == 0, result.stderr
    return {"Authorization": f"Bearer {result.stdout.strip().splitlines()[-1]}"}


def run_items(cab: Cabinet, path: str) -> list[dict]:
    response = cab.get(path, clerk=True)
    assert response.status_code == 200, response.text
    return response.json()["items"]


@pytest.fixture
def short_deadline_cabinet(tmp_path, sms_gateway):
    """Results expire 5 seconds after loading; the reminder goes 2 seconds before."""
    with running_cabinet(tmp_path, f"sqlite:///{tmp_path / 'locker.db'}", sms_gateway,
                         security={"credential_ttl_days": 5 / 86400},
                         extra=f"[expiry]\nreminder_hours = {2 / 3600}\n") as cab:
        yield cab


def test_a_batch_of_three_announced_results_loaded_by_the_cabinet_s_scanner(cabinet):
    onestop = system_token(cabinet)
    for code, size, language in (("HS-101", "S", None), ("HS-102", "M", None), ("HS-103", "S", "en")):
        contact = {"language": language} if language else {}
        answer = requests.post(cabinet.api + "/api/v1/announcements", headers=onestop, timeout=10,
                               json={"dossier_code": code, "size": size, **PERSON, **contact})
        assert answer.status_code == 201, answer.text
    started = cabinet.post("/api/v1/load-runs", {"scanner": True}, clerk=True)
    assert started.status_code == 201, started.text
    path = f"/api/v1/load-runs/{started.json()['id']}"
    for n, code in enumerate(("hs-101", "HS-102", "HS-103"), 1):
        cabinet.sim_post("/sim/scan", {"data": code})
        item = wait_for(lambda: (run_items(cabinet, path) + [None] * n)[n - 1], message=f"{code} loading")
        assert item["dossier_code"] == code.upper() and item["announced"] is True
        cabinet.wait_door(item["compartment"], "open")
        cabinet.put_item(item["compartment"])  # the clerk puts the result in (the item sensor sees it)
        cabinet.close_door(item["compartment"])
        wait_for(lambda: run_items(cabinet, path)[n - 1]["state"] == "ready", message=f"{code} ready")
    items = run_items(cabinet, path)
    assert [cabinet.compartments[i["compartment"]]["size"] for i in items] == ["S", "M", "S"]
    wait_for(lambda: all(cabinet.sms.code_texts(i["dossier_code"]) for i in items), message="a pickup code for each")
    # HS-103 was announced in English: its SMS are; the others are in Vietnamese (without diacritics)
    assert [cabinet.sms.code_texts(code)[0].split(":")[0] for code in ("HS-101", "HS-102", "HS-103")] == [
        "Ma nhan", "Ma nhan", "Pickup code"]
    assert cabinet.post(path + "/close", {}, clerk=True).json()["status"] == "closed"
    manifest = cabinet.get(path + "/manifest.csv", clerk=True).text
    assert all(code in manifest for code in ("HS-101", "HS-102", "HS-103")) and "0912345678" not in manifest


def test_a_morning_collection_flags_a_mismatch(cabinet):
    labels = []
    for code in ("HS-201", "HS-202"):
        dropoff = cabinet.post("/api/v1/dropoffs", {"dossier_code": code, "phone": "0912345678", "size": "S"}).json()
        cabinet.wait_door(dropoff["compartment"], "open")
        cabinet.put_item(dropoff["compartment"])
        cabinet.close_door(dropoff["compartment"])
        cabinet.wait_status(f"/api/v1/dropoffs/{dropoff['id']}", "stored")
        labels.append(dropoff["compartment"])
    run = cabinet.post("/api/v1/collection-runs", {"kind": "collection"}, clerk=True).json()
    path = f"/api/v1/collection-runs/{run['id']}"
    first, second = sorted(labels)
    cabinet.wait_door(first, "open")
    cabinet.put_item(first, False)
    scanned = cabinet.post(path + "/scans", {"data": "HS-999"}, clerk=True)
    assert scanned.status_code == 200, scanned.text
    assert [(i["compartment"], i["check"]) for i in scanned.json()["items"]][0] == (first, "mismatch"), scanned.text
    cabinet.close_door(first)
    cabinet.wait_door(second, "open")  # the next one opened by itself
    cabinet.put_item(second, False)
    code = next(i["dossier_code"] for i in run_items(cabinet, path) if i["compartment"] == second)
    scanned = cabinet.post(path + "/scans", {"data": code}, clerk=True)
    assert scanned.status_code == 200, scanned.text
    cabinet.close_door(second)
    wait_for(lambda: all(i["state"] == "taken" for i in run_items(cabinet, path)), message="both taken")
    signed = cabinet.post(path + "/close", {}, clerk=True).json()
    assert [i["check"] for i in signed["items"]] == ["mismatch", "confirmed"] and signed["signed_by"] == "clerk1"
    assert [e["compartment"] for e in cabinet.events("run_item_mismatch")] == [first]


def test_an_expired_result_is_retrieved_and_its_history_says_returned(short_deadline_cabinet):
    cab = short_deadline_cabinet
    loaded = cab.post("/api/v1/results", {"dossier_code": "HS-301", "phone": "0987654321", "size": "S"},
                      clerk=True).json()
    cab.wait_door(loaded["compartment"], "open")
    cab.put_item(loaded["compartment"])
    cab.close_door(loaded["compartment"])
    cab.wait_status(f"/api/v1/results/{loaded['id']}", "ready", clerk=True)
    cab.wait_status(f"/api/v1/results/{loaded['id']}", "expired", clerk=True, timeout=15)
    # the code, the QR link, the reminder, then that the deadline passed
    wait_for(lambda: len([m for m in cab.sms.messages if "HS-301" in m["text"]]) == 4,
             message="the pickup code, its link, the reminder and the expiry")
    told = [m["text"] for m in cab.sms.messages if "HS-301" in m["text"]]
    assert told[2].startswith("Nhac: ") and told[3].startswith("Ho so HS-301 da het han"), told
    assert [r["dossier_code"] for r in cab.get("/api/v1/results/expired", clerk=True).json()] == ["HS-301"]
    run = cab.post("/api/v1/collection-runs", {"kind": "retrieval"}, clerk=True).json()
    cab.wait_door(loaded["compartment"], "open")
    cab.put_item(loaded["compartment"], False)  # the clerk takes the result out
    cab.post(f"/api/v1/collection-runs/{run['id']}/scans", {"data": "HS-301"}, clerk=True)
    cab.close_door(loaded["compartment"])
    path = f"/api/v1/collection-runs/{run['id']}"
    wait_for(lambda: run_items(cab, path)[0]["state"] == "taken", message="taken")
    assert cab.post(path + "/close", {}, clerk=True).json()["items"][0]["check"] == "confirmed"
    dossier = cab.get("/api/v1/dossiers/HS-301", clerk=True).json()
    assert dossier["status"] == "result_returned"
    assert [e["data"]["to"] for e in dossier["history"] if e["kind"] == "result_returned"] == ["counter"]
