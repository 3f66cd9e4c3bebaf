"""``locker demo``: the simulator and the service in one process, on SQLite.

The demo cabinet has two Kerong CU16 boards (32 compartments of mixed sizes) that
the production drivers reach through the in-process ``locksim://`` serial URL.
Demo accounts and their API tokens are created on the first start and kept in the
data directory, so a second start reuses the same data; the simulated doors and items
are kept there too (``sim-state.json``).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from firmware_sim.gpio import SimGpio
from firmware_sim.keeper import StateKeeper
from firmware_sim.layout import DEMO_GPIO, demo_compartments
from firmware_sim.simulator import Simulator
from locker.accounts import create_account, create_token
from locker.config import Config, HttpConfig, config_from_dict
from locker.db import Database
from locker.keyfile import load_or_create_secret

from .server import build_runtime, listen, serve_forever

#: Shown with every error at the demo kiosk (0123 numbers are no longer assigned in Vietnam).
DEMO_OFFICE = {"name": "Bộ phận Một cửa (demo)", "hotline": "0123 456 789", "hours": "Thứ Hai - Thứ Sáu, 7:30 - 17:00"}
#: The demo's list of procedures, shipped with the kiosk (docs/procedures.md): a district's starting point.
DEMO_PROCEDURES = Path(__file__).resolve().parent / "kiosk" / "procedures.toml"
#: The demo cabinet's floor heights (mm above the ground) of its 16 rows, top row first: rows 7-16
#: are within wheelchair reach (1200 mm).
DEMO_ROW_FLOORS = [1800 - 110 * row for row in range(16)]
DEMO_ACCOUNTS = (("clerk", "clerk", "clerk-demo"), ("technician", "technician", "tech-demo"),
                 ("admin", "admin", "admin-demo"), ("onestop", "system", "onestop-demo"))


def demo_config(*, host: str, port: int, data_dir: Path, bus_url: str, scanner_url: str,
                printer_url: str = "") -> Config:
    data_dir = data_dir.resolve()
    return config_from_dict({
        "database": {"url": f"sqlite:///{data_dir / 'locker.db'}"},
        "http": {"host": host, "port": port, "public_url": f"http://{host}:{port}"},
        "bus": {"url": bus_url, "protocol": "kerong-cu16", "baudrate": 19200},
        "scanner": {"url": scanner_url},
        "printer": {"url": printer_url},
        "notify": {"sms": {"kind": "log"}},
        "security": {"secret_file": str(data_dir / "locker.secret")},
        "office": DEMO_OFFICE,
        "kiosk": {"procedures_file": str(DEMO_PROCEDURES)},
        "layout": {"row_floor_mm": DEMO_ROW_FLOORS},
        "gpio": DEMO_GPIO,
        "compartment": demo_compartments(2),
    }, env={})


def demo_labels() -> dict[tuple[int, int], str]:
    """Compartment labels of the demo cabinet by (board, lock), shown on the simulator page.

    >>> demo_labels()[(0, 5)], demo_labels()[(1, 16)]
    ('A05', 'B16')
    """
    return {(room["board"], room["lock"]): room["label"] for room in demo_compartments(2)}


def ensure_demo_accounts(database: Database, data_dir: Path) -> dict[str, str]:
    """Create the demo accounts once; return their API tokens (kept in the data dir)."""
    tokens_file = data_dir / "demo-tokens.json"
    if tokens_file.exists():
        return json.loads(tokens_file.read_text(encoding="utf-8"))
    tokens: dict[str, str] = {}
    with database.session() as session:
        for name, role, password in DEMO_ACCOUNTS:
            create_account(session, name, role, password)
            tokens[name] = create_token(session, name)
    tokens_file.write_text(json.dumps(tokens, indent=2), encoding="utf-8")
    tokens_file.chmod(0o600)
    return tokens


def run_demo(*, host: str, port: int, data_dir: Path) -> None:
    sockets = listen(HttpConfig(host=host, port=port))
    data_dir.mkdir(parents=True, exist_ok=True)
    simulator = Simulator(boards=2, board_type="kerong-cu16", labels=demo_labels(), gpio=SimGpio(DEMO_GPIO))
    simulator.sizes = {(room["board"], room["lock"]): room["size"] for room in demo_compartments(2)}
    keeper = StateKeeper(simulator, data_dir / "sim-state.json")
    keeper.load()  # before the service reads the boards: what was inside is still there
    keeper.start()
    try:
        config = demo_config(host=host, port=port, data_dir=data_dir,
                             bus_url=simulator.serve_bus("inprocess"),
                             scanner_url=simulator.serve_scanner("inprocess"),
                             printer_url=simulator.serve_printer("inprocess"))
        database = Database(config.database.url)
        database.seal_with(load_or_create_secret(config.security.secret_file))
        database.upgrade()
        tokens = ensure_demo_accounts(database, data_dir)
        database.dispose()
        serve_forever(build_runtime(config, simulator=simulator), sockets,
                      banner=lambda: _print_banner(host, port, data_dir, tokens))
    finally:
        keeper.stop()
        simulator.close()


def _print_banner(host: str, port: int, data_dir: Path, tokens: dict[str, str]) -> None:
    base = f"http://{host}:{port}"
    lines = [
        "",
        "Tủ hồ sơ mô phỏng đã sẵn sàng / simulated dossier locker ready",
        f"  Kiosk (công dân / citizens):      {base}/",
        f"  Console (cán bộ / operators):     {base}/console/   (sign in with an account below)",
        f"  Clerk API (cán bộ / clerks):      {base}/api/v1/compartments   (Authorization: Bearer <token>)",
        f"  Technician (kỹ thuật viên):       {base}/console/technician/   {base}/healthz   {base}/metrics",
        f"  Simulator (mô phỏng / simulator): {base}/sim/   {base}/sim/state",
        f"  One-stop system (hệ thống một cửa): {base}/api/v1/announcements   (token of onestop)",
        f"  OpenAPI:                          {base}/api/v1/openapi.json",
        "",
        "Tài khoản demo / demo accounts (name / password / API token):",
    ]
    for name, _role, password in DEMO_ACCOUNTS:
        lines.append(f"  {name:<11} {password:<11} {tokens.get(name, '')}")
    lines += [
        f"Dữ liệu / data: {data_dir.resolve()}",
        f"Tin nhắn SMS (đầy đủ) / SMS messages in full: GET {base}/sim/sms (nhật ký che mã / the log masks codes)",
        f"Biên nhận in ra / printed receipts: {base}/sim/ (GET {base}/sim/receipts)",
        "Nhấn Ctrl-C để dừng / press Ctrl-C to stop.",
        "",
    ]
    click.echo("\n".join(lines))
