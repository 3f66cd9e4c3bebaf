"""Every route of the application is guarded, or open to anyone on purpose: docs/roles.md
lists each route with who may use it, and this test holds the table and the code together."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from api.app import create_app
from firmware_sim.simulator import Simulator
from locker.config import Config

ROLES_DOC = Path(__file__).resolve().parents[2] / "docs" / "roles.md"
ROW = re.compile(r"^\| (?P<methods>[A-Z, ]+) \| `(?P<rule>[^`]+)` \| (?P<who>[a-z]+)\b")
STATIC_ENDPOINTS = re.compile(r"(^|\.)static$")
#: Who a route's view says may use it, by the marks its guard leaves on the view.
GUARDED = ("clerk", "technician", "admin", "system")


@pytest.fixture(scope="module")
def app():
    simulator = Simulator(boards=1, seed=1, spring_delay=0.0)
    yield create_app(SimpleNamespace(config=Config(), simulator=simulator, secret=bytes(32)))
    simulator.close()


def documented() -> dict[tuple[str, str], str]:
    table = {}
    for line in ROLES_DOC.read_text(encoding="utf-8").splitlines():
        m = ROW.match(line)
        if m:
            for method in m["methods"].split(","):
                table[(method.strip(), m["rule"])] = m["who"]
    return table


def guard_of(app, endpoint: str, rule: str) -> str:
    """What the code says: a role, ``kiosk``, ``simulator``, or ``anyone`` (no guard)."""
    view = app.view_functions[endpoint]
    if getattr(view, "security", None) == "kiosk":
        return "kiosk"
    if getattr(view, "minimum_role", None):
        return view.minimum_role
    if rule.startswith("/sim/") or rule == "/sim":
        return "simulator"
    return "anyone"


def actual(app) -> dict[tuple[str, str], str]:
    routes = {}
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes[(method, rule.rule)] = guard_of(app, rule.endpoint, rule.rule)
    return routes


def test_every_route_is_in_docs_roles_with_the_role_its_guard_requires(app):
    docs, code = documented(), actual(app)
    missing = sorted(key for key in code if key not in docs)
    assert not missing, "docs/roles.md lacks these routes; add:\n" + "\n".join(
        f"| {method} | `{rule}` | {code[(method, rule)]} |" for method, rule in missing)
    wrong = sorted((key, docs[key], code[key]) for key in code if docs[key] != code[key])
    assert not wrong, f"docs/roles.md says (route, docs, guard): {wrong}"
    stale = sorted(key for key in docs if key not in code)
    assert not stale, f"docs/roles.md lists routes the app does not have: {stale}"


def test_only_sign_in_static_files_and_the_kiosk_and_citizen_reads_are_open_to_anyone(app):
    """A console page or a clerk's API route without a guard is a mistake this catches."""
    open_routes = {rule for (_, rule), who in actual(app).items() if who == "anyone"}
    for rule in open_routes:
        endpoint = next(r.endpoint for r in app.url_map.iter_rules() if r.rule == rule)
        if STATIC_ENDPOINTS.search(endpoint):
            continue
        assert not rule.startswith("/api/v1/") or rule == "/api/v1/openapi.json", rule
        assert not rule.startswith("/console/") or rule == "/console/lang/<lang>", rule


def test_the_table_names_known_roles_only():
    assert set(documented().values()) <= {"anyone", "kiosk", "simulator", *GUARDED}
    assert len(documented()) > 30


def test_a_console_view_without_a_guard_would_be_caught(app):
    """The check itself can fail: an unguarded view under /console/ is reported as open."""
    from flask import Blueprint

    bare = create_app(SimpleNamespace(config=Config(), simulator=None, secret=bytes(32)))
    bp = Blueprint("stray", __name__)
    bp.add_url_rule("/console/stray", "stray", lambda: "")
    bare.register_blueprint(bp)
    assert actual(bare)[("GET", "/console/stray")] == "anyone"
    with pytest.raises(AssertionError):
        test_only_sign_in_static_files_and_the_kiosk_and_citizen_reads_are_open_to_anyone(bare)
