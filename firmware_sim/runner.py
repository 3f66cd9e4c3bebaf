"""The standalone simulator process behind ``locker sim``."""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Any, Callable, Mapping, Sequence

from waitress import create_server

from .control import create_control_app
from .gpio import SimGpio
from .layout import BAUDRATES, DEMO_GPIO, DEMO_RELAY_LOCKS, RELAY_PROTOCOL, config_toml, demo_compartments
from .errors import SimulatorError
from .simulator import Simulator


#: Firmware options that the service's ``[bus]`` table must repeat.
BUS_KEYS = ("channels", "status_order", "station_base")


class SimulatorSetupError(SimulatorError):
    """The simulator could not start (bad option, address in use); text is "Vietnamese / English"."""

    def __str__(self) -> str:
        return f"{self.vi} / {self.args[0]}"


def parse_serial_spec(spec: str) -> tuple[str, str, int]:
    """``"pty"`` or ``"tcp://H:P"`` as (kind, host, port).

    >>> parse_serial_spec("tcp://127.0.0.1:7701"), parse_serial_spec("pty")
    (('tcp', '127.0.0.1', 7701), ('pty', '', 0))
    """
    if spec == "pty":
        return "pty", "", 0
    if spec.startswith("tcp://"):
        host, port = parse_host_port(spec[len("tcp://"):])
        return "tcp", host, port
    raise SimulatorSetupError(f"serial must be 'pty' or 'tcp://HOST:PORT', not {spec!r}",
                              code="invalid_serial", vi=f"cổng phải là 'pty' hoặc 'tcp://HOST:PORT', không phải {spec!r}")


def parse_gpio_spec(spec: str, *, option: str = "gpio") -> tuple[str, int] | None:
    """``"none"`` (nothing served) or ``"tcp://H:P"`` (a pigpio daemon socket, a printer's port) as (host, port).

    >>> parse_gpio_spec("tcp://127.0.0.1:8888"), parse_gpio_spec("none")
    (('127.0.0.1', 8888), None)
    """
    if spec == "none":
        return None
    if spec.startswith("tcp://"):
        return parse_host_port(spec[len("tcp://"):])
    raise SimulatorSetupError(f"{option} must be 'none' or 'tcp://HOST:PORT', not {spec!r}", code=f"invalid_{option}",
                              vi=f"{'GPIO' if option == 'gpio' else 'Máy in'} phải là 'none' hoặc 'tcp://HOST:PORT', không phải {spec!r}")


def parse_host_port(spec: str) -> tuple[str, int]:
    """``"H:P"`` (IPv6 hosts in brackets) as (host, port).

    >>> parse_host_port("0.0.0.0:7700"), parse_host_port("[::1]:80")
    (('0.0.0.0', 7700), ('::1', 80))
    """
    host, _, port = spec.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise SimulatorSetupError(f"expected HOST:PORT, not {spec!r}", code="invalid_address",
                                  vi=f"cần dạng HOST:PORT, không phải {spec!r}")
    return host, int(port)


def run_standalone(*, boards: int = 2, board_type: str = "kerong-cu16", serial: str = "pty",
                   scanner: str = "pty", control: str = "127.0.0.1:7700", seed: int | None = None,
                   out: Callable[[str], object] = print, board_options: dict | None = None,
                   scanner_model: str = "line", gpio: str = "none", gpio_layout: dict | None = None,
                   relay_locks: Sequence[Mapping] | None = None, printer: str = "none", pace: bool = False,
                   service_view: Any = None) -> int:
    """Run the simulator and its control API until Ctrl-C or SIGTERM; returns 0.

    ``board_type`` is a protocol name (``kerong-cu16``, ``kerong-cu48``, ``8a``,
    ``winnsen``); ``board_options`` are that family's firmware options.
    ``gpio`` (``"none"`` or ``"tcp://H:P"``) serves the pins of ``gpio_layout``
    (default: the demo cabinet's) as a pigpio daemon for the service.
    ``service_view`` (a :class:`~firmware_sim.service_link.ServiceLink`) lets the page
    show what the service says of each compartment.
    ``board_type="gpio-relay"`` is a cabinet of relay locks only (``relay_locks``,
    default :data:`~firmware_sim.layout.DEMO_RELAY_LOCKS`) as board 0: no RS485 bus
    is served (``boards`` and ``serial`` do not apply) and ``gpio`` must be served.
    ``printer`` (``"none"`` or ``"tcp://H:P"``) serves the receipt printer like a
    network printer's raw port. ``pace`` moves the bus's bytes at the family's baud
    rate (:meth:`firmware_sim.line.SimLine.pace`).

    Raises :class:`SimulatorSetupError` when an option is wrong or an address is
    unavailable; nothing keeps running then.
    """
    relay_only = board_type == RELAY_PROTOCOL
    bus_spec = None if relay_only else parse_serial_spec(serial)
    scanner_spec = parse_serial_spec(scanner)
    control_host, control_port = parse_host_port(control)
    gpio_address = parse_gpio_spec(gpio)
    printer_address = parse_gpio_spec(printer, option="printer")
    if relay_only and gpio_address is None:
        raise SimulatorSetupError("gpio-relay locks are GPIO pins: serve them with --gpio tcp://HOST:PORT, "
                                  "not --gpio none", code="gpio_required",
                                  vi="khóa rơ-le (gpio-relay) nằm trên chân GPIO: hãy phục vụ chúng bằng "
                                     "--gpio tcp://HOST:PORT, không dùng --gpio none")
    layout = dict(gpio_layout or DEMO_GPIO) if gpio_address else {}
    relays = list(relay_locks or DEMO_RELAY_LOCKS) if relay_only else []
    try:
        sim = Simulator(boards=boards, board_type=board_type, seed=seed, board_options=board_options,
                        scanner_model=scanner_model, gpio=SimGpio(layout, relay_locks=relays))
        sim.labels = layout_labels(sim)
        sim.sizes = {(room["board"], room["lock"]): room["size"] for room in layout_compartments(sim)}
        if pace and sim.line is not None:
            sim.line.pace(BAUDRATES[board_type])
    except SimulatorError as exc:
        raise SimulatorSetupError(str(exc), code=exc.code, vi=exc.vi) from None
    server = None
    try:
        with _sigterm_as_interrupt():
            bus_url, scanner_url, server = _start(sim, bus_spec, scanner_spec, control_host, control_port,
                                                  service_view)
            gpio_url = _serve_gpio(sim, gpio_address)
            printer_url = _serve_printer(sim, printer_address)
            shown_host = f"[{control_host}]" if ":" in control_host else control_host
            shown_port = getattr(server, "effective_port", control_port)
            _announce(out, sim, bus_url, scanner_url, f"{shown_host}:{shown_port}", gpio_url, layout, printer_url)
            server.run()
    except KeyboardInterrupt:
        pass
    finally:
        if server is not None:
            server.close()
        sim.close()
    out("Đã dừng trình mô phỏng. / Simulator stopped.")
    return 0


def _start(sim: Simulator, bus_spec, scanner_spec, control_host: str, control_port: int, service_view=None):
    try:
        bus_url = "" if bus_spec is None else _serve(sim.serve_bus, bus_spec)
        scanner_url = _serve(sim.serve_scanner, scanner_spec)
        server = create_server(create_control_app(sim, service_view=service_view), host=control_host,
                               port=control_port)
    except (OSError, ValueError) as exc:
        raise SimulatorSetupError(f"cannot open an address: {exc}", code="address_unavailable",
                                  vi=f"không mở được địa chỉ: {exc}") from None
    return bus_url, scanner_url, server


def _serve_gpio(sim: Simulator, address: tuple[str, int] | None) -> str:
    if address is None:
        return ""
    try:
        return sim.serve_gpio(*address)
    except SimulatorError as exc:
        hint = "; choose another with --gpio tcp://HOST:PORT, or --gpio none"
        raise SimulatorSetupError(str(exc) + hint, code=exc.code,
                                  vi=exc.vi + "; chọn cổng khác bằng --gpio tcp://HOST:PORT, hoặc --gpio none") from None


def _serve_printer(sim: Simulator, address: tuple[str, int] | None) -> str:
    if address is None:
        return ""
    try:
        return sim.serve_printer("tcp", *address)
    except OSError as exc:
        raise SimulatorSetupError(f"cannot serve the printer on {address[0]}:{address[1]}: {exc}",
                                  code="address_unavailable",
                                  vi=f"không mở được cổng máy in {address[0]}:{address[1]}: {exc}") from None


def _serve(serve: Callable[..., str], spec: tuple[str, str, int]) -> str:
    kind, host, port = spec
    return serve(kind) if kind == "pty" else serve(kind, host, port)


def _announce(out, sim: Simulator, bus_url: str, scanner_url: str, control: str, gpio_url: str,
              gpio_layout: dict, printer_url: str = "") -> None:
    if sim.line is None:
        out(f"Khóa rơ-le / Relay locks (GPIO): {sim.gpio.lock_count}, bo mạch / board {sim.gpio.relay_board}")
    else:
        out(f"Đường truyền khóa / Lock bus (RS485): {bus_url}")
    out(f"Máy quét / Scanner: {scanner_url}")
    if gpio_url:
        out(f"GPIO (pigpio): {gpio_url}")
    if printer_url:
        out(f"Máy in biên nhận / Receipt printer: {printer_url}")
    out(f"API điều khiển / Control API: http://{control}/sim/state")
    out("Dán vào locker.toml / Paste into locker.toml:")
    out(config_toml(bus_url, scanner_url, layout_compartments(sim), protocol=sim.board_type,
                    latched_bit=sim.latched_bit, bus_options=bus_options(sim), gpio_factory=gpio_url,
                    gpio=gpio_layout, relay_locks=sim.gpio.relay_locks, printer_url=printer_url))


def layout_compartments(sim: Simulator) -> list[dict]:
    """The compartments printed for the technician: every lock of every board, or of the relay locks."""
    if sim.line is None:
        return demo_compartments([sim.gpio.relay_board], sim.gpio.lock_count)
    return demo_compartments(sim.cabinet.addresses, sim.cabinet.locks_per_board)


def layout_labels(sim: Simulator) -> dict[tuple[int, int], str]:
    """The labels of the layout printed for the technician, for the simulator page."""
    return {(room["board"], room["lock"]): room["label"] for room in layout_compartments(sim)}


def bus_options(sim: Simulator) -> dict:
    """The ``[bus]`` keys the service needs for the simulator's board options.

    >>> sim = Simulator(boards=1, board_type="8a", board_options={"channels": 12, "unlock_reply_delay": 0.1})
    >>> bus_options(sim)
    {'channels': 12}
    >>> sim.close()
    """
    return {key: sim.board_options[key] for key in BUS_KEYS if key in sim.board_options}


@contextmanager
def _sigterm_as_interrupt():
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
