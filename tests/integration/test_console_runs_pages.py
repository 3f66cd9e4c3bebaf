"""The pages of the clerks' runs through the Flask test client: signed out, CSRF, errors
as flash messages in the page's language, the live fragment, the manifests."""

from __future__ import annotations

import pytest

from tests.support.console import ConsoleBrowser, console_runtime

PAGES = ("/console/loading/", "/console/collection/", "/console/deadlines/")


@pytest.fixture
def clerk(tmp_path):
    runtime = console_runtime(tmp_path)
    browser = ConsoleBrowser(runtime)
    browser.sign_in("clerk")
    yield browser
    runtime.db.dispose()


def text(resp) -> str:
    return resp.get_data(as_text=True)


def test_signed_out_every_page_and_action_goes_to_the_sign_in_page(tmp_path):
    runtime = console_runtime(tmp_path)
    browser = ConsoleBrowser(runtime)
    for path in (*PAGES, "/console/loading/1", "/console/loading/1/live", "/console/collection/1/manifest"):
        resp = browser.get(path)
        assert resp.status_code == 302 and resp.headers["Location"].startswith("/login?next="), path
    assert runtime.service.runs.load.listing() == []


def test_a_batch_without_its_csrf_token_is_refused_and_starts_nothing(clerk):
    assert clerk.client.post("/console/loading/", data={"scanner": "on"}).status_code == 400
    assert clerk.client.post("/console/collection/", data={"kind": "collection"}).status_code == 400
    assert clerk.runtime.service.runs.load.listing() == []


def test_a_batch_page_scans_asks_for_details_and_shows_errors_in_the_page_s_language(clerk):
    resp = clerk.submit("/console/loading/", "/console/loading/", {})
    assert resp.status_code == 302
    page = resp.headers["Location"]
    resp = clerk.submit(page, page + "/scan", {"data": "LK1.7.AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA"},
                        follow_redirects=True)
    assert "không phải biên nhận hồ sơ" in text(resp)
    resp = clerk.submit(page, page + "/scan", {"data": "hs-77"}, follow_redirects=True)
    assert 'data-testid="details-form"' in text(resp) and "HS-77" in text(resp)
    clerk.get("/console/lang/en?next=" + page)
    resp = clerk.submit(page, page + "/details", {"phone": "0912345678", "size": "M"}, follow_redirects=True)
    assert "No free compartment of size M" in text(resp)  # this cabinet has none
    assert "Loading batch" in text(resp)
    live = text(clerk.get(page + "/live"))
    assert 'class="live-inner"' in live and 'data-pending="HS-77"' in live
    resp = clerk.submit(page, page + "/close", {}, follow_redirects=True)
    assert "The batch is closed." in text(resp) and 'data-testid="scan-form"' not in text(resp)
    assert clerk.get(page + "/manifest.csv").mimetype == "text/csv"
    assert clerk.get(page + "/manifest").status_code == 200


def test_nothing_to_collect_and_an_unknown_result_are_flash_errors(clerk):
    resp = clerk.submit("/console/collection/", "/console/collection/", {"kind": "collection"},
                        follow_redirects=True)
    assert "Không có ngăn nào cần lấy ra." in text(resp)
    resp = clerk.submit("/console/deadlines/", "/console/deadlines/7/extend", {"reason": "x"}, follow_redirects=True)
    assert 'data-testid="flash-error"' in text(resp)
    assert clerk.get("/console/collection/99").status_code == 404


def test_the_navigation_offers_the_run_pages_to_a_clerk(clerk):
    home = text(clerk.get("/console/"))
    for label in ("Nạp kết quả", "Lượt lấy hồ sơ", "Hạn nhận"):
        assert label in home
