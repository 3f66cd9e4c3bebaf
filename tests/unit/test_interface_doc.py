"""docs/interface.md stays current: every command and route of the code is listed there, and
nothing it lists as available today is missing from the code."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import click
from flask import Flask

from api.app import create_app
from api.cli import cli
from firmware_sim.control import create_control_blueprint
from locker.config import Config

DOC = Path(__file__).resolve().parents[2] / "docs" / "interface.md"
ROUTE = re.compile(r"`(GET|POST|PUT|PATCH|DELETE) (/[^\s`?]*)")
COMMAND = re.compile(r"`locker ([a-z]+)(?: ([a-z]+))?")
PARAMETER = re.compile(r"<[^>]*>")
AUTOMATIC = {"HEAD", "OPTIONS"}


def section(number: int) -> str:
    """The text of ``## <number>.`` up to the next section."""
    text = DOC.read_text(encoding="utf-8")
    start = text.index(f"\n## {number}. ")
    end = text.find("\n## ", start + 1)
    return text[start:end if end >= 0 else len(text)]


def documented_routes(*numbers: int) -> set[tuple[str, str]]:
    return {(method, PARAMETER.sub("<>", path)) for number in numbers
            for method, path in ROUTE.findall(section(number))}


def served_routes(app: Flask) -> set[tuple[str, str]]:
    return {(method, PARAMETER.sub("<>", rule.rule)) for rule in app.url_map.iter_rules()
            if not rule.endpoint.endswith("static") for method in rule.methods - AUTOMATIC}


def test_every_route_of_the_service_is_documented_and_every_documented_route_is_served():
    app = create_app(runtime=SimpleNamespace(config=Config(), simulator=None))
    assert served_routes(app) == documented_routes(3)


def test_every_route_of_the_simulator_control_api_is_documented():
    app = Flask("control")
    app.register_blueprint(create_control_blueprint(sim=None))
    assert served_routes(app) == documented_routes(4)


def test_reserved_routes_are_not_served_yet_or_have_moved_up():
    """A feature of section 5 that lands moves into sections 1 to 4 (section 5 may be empty once all have)."""
    app = create_app(runtime=SimpleNamespace(config=Config(), simulator=None))
    reserved = documented_routes(5) - documented_routes(3, 4)
    assert ("GET", "/api/v1/reports") in documented_routes(3, 4) and not reserved & served_routes(app)


def commands(group: click.Group, prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found |= commands(command, (*prefix, name))
        else:
            found.add((*prefix, name))
    return found


def test_every_command_is_documented_and_every_documented_command_exists():
    documented = {tuple(word for word in match if word) for match in COMMAND.findall(section(1))}
    assert documented == commands(cli)


def options(group: click.Group, prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """(command words..., --option) for every long option of every command."""
    found: set[tuple[str, ...]] = set()
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found |= options(command, (*prefix, name))
            continue
        found |= {(*prefix, name, opt) for param in command.params for opt in param.opts if opt.startswith("--")}
    return found


def test_every_option_of_every_command_is_documented():
    rows = [(tuple(word for word in match if word), line) for line in section(1).splitlines()
            for match in COMMAND.findall(line)]
    missing = sorted((" ".join(words), opt) for *words, opt in options(cli)
                     if not any(opt in line for command, line in rows if command == tuple(words)))
    assert missing == []
