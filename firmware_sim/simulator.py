"""The simulator: cabinet, boards, line, faults, frame log and scanner wired together."""

from __future__ import annotations

import threading
from collections.abc import Mapping

from .cabinet import SimLock
from .endpoint import Endpoint
from .errors import SimulatorError
from .families import BOARD_TYPES, board_family, board_firmware, board_layout
from .faults import INSTANT_KINDS, KINDS, LINE_KINDS, PLUG_KINDS, PLUG_TARGETS, Fault, FaultSet
from .framelog import FrameLog
from .gpio import SimGpio
from .inprocess import InProcessTransport
from .layout import FamilyCabinet
from .line import SimLine
from .phones import SimPhones
from .printer import PRINTER_FAULTS, SimPrinter
from .scanner import SCANNER_MODELS, SimScanner
from .transports import PtyTransport, TcpTransport

TRANSPORT_KINDS = ("tcp", "pty", "inprocess")
DOOR_ACTIONS = ("open", "close")
MAX_SCAN_CHARS = 4096
#: The only faults a cabinet of relay locks has: no line, so nothing to drop, delay or garble.
RELAY_FAULT_KINDS = ("jam", "clear")


class Simulator:
    """A simulated cabinet of lock boards and a QR scanner behind real serial URLs.

    >>> import serial
    >>> sim = Simulator(boards=1, spring_delay=0.0)
    >>> port = serial.serial_for_url(sim.serve_bus("inprocess"), timeout=1)
    >>> _ = port.write(bytes.fromhex("0200310336"))
    >>> port.read(9).hex(" ")
    '02 00 35 fe ff 00 00 03 37'
    >>> sim.state()["boards"][0]["locks"][0]
    {'lock': 1, 'door': 'open', 'latched': False, 'item': False, 'jammed': False}
    >>> port.close(); sim.close()

    A cabinet of relay locks only (``board_type="gpio-relay"``) has no RS485 bus;
    its locks are board ``gpio.relay_board`` and count their relay's pulses:

    >>> relays = Simulator(board_type="gpio-relay", gpio=SimGpio(relay_locks=[{"relay": 20, "switch": 21}]))
    >>> [(b["address"], b["locks"][0]["pulses"]) for b in relays.state()["boards"]]
    [(0, 0)]
    >>> relays.close()
    """

    def __init__(self, *, boards: int = 2, board_type: str = "kerong-cu16", seed: int | None = None,
                 spring_delay: float = 0.3, latched_bit: int | None = None, answer_unlock: bool = True,
                 board_options: Mapping | None = None,
                 slow_delay: float = 1.0, reply_delay: float = 0.004,
                 scanner_suffix: str = "CRLF", scanner_model: str = "line",
                 labels: Mapping[tuple[int, int], str] | None = None,
                 gpio: SimGpio | None = None, printer_width: int = 384) -> None:
        if scanner_model not in SCANNER_MODELS:
            raise SimulatorError(f"unknown scanner model {scanner_model!r}; known: {', '.join(SCANNER_MODELS)}",
                                 code="unknown_scanner_model", vi=f"không biết loại máy quét {scanner_model!r}")
        family = board_family(board_type, gpio.lock_count if gpio is not None else 0, board_options)
        self.board_options = dict(board_options or {})
        self.board_type = board_type
        self.latched_bit = (family.default_latched_bit if family else 1) if latched_bit is None else latched_bit
        #: Compartment labels by (board, lock), e.g. ``{(0, 5): "A05"}``; shown by ``/sim/state``.
        self.labels = {(int(b), int(n)): str(text) for (b, n), text in (labels or {}).items()}
        #: Compartment sizes (S, M, L) by (board, lock), shown by ``/sim/compartments`` and the page.
        self.sizes: dict[tuple[int, int], str] = {}
        self.faults = FaultSet(seed, slow_delay=slow_delay)
        self.log = FrameLog()
        #: The RS485 line; None in a cabinet of relay locks only (``gpio-relay``), which has no boards.
        self.line: SimLine | None = None
        if family is None:
            self.cabinet = FamilyCabinet(range(0), spring_delay=spring_delay)
        else:
            addresses, locks_per_board = board_layout(family, boards, self.board_options)
            self.cabinet = FamilyCabinet(addresses, locks_per_board=locks_per_board, spring_delay=spring_delay)
            firmware = board_firmware(family, self.cabinet, latched_bit=self.latched_bit, answer_unlock=answer_unlock,
                                 options=self.board_options)
            self.line = SimLine(firmware, faults=self.faults, log=self.log, reply_delay=reply_delay)
            self.line.on_power_cut = lambda board: self.cabinet.cut_power([board])
        self.scanner = SimScanner(suffix=scanner_suffix, model=scanner_model)
        #: The thermal receipt printer (ESC/POS); reachable once :meth:`serve_printer` was called.
        self.printer = SimPrinter(width=printer_width)
        #: The phones the demo's SMS reach (``GET /sim/sms``), kept whole where the log masks them.
        self.phones = SimPhones()
        self._transports: list = []
        self._mutex = threading.Lock()
        #: The cabinet's GPIO pins (``firmware_sim.gpio``); its relay locks answer as board ``gpio.relay_board``.
        self.gpio = gpio if gpio is not None else SimGpio(spring_delay=spring_delay)

    # ---- serving -------------------------------------------------------------------

    def serve_bus(self, kind: str, host: str = "127.0.0.1", port: int = 0) -> str:
        """Expose the lock bus; returns the pyserial URL for the service's ``[bus] url``."""
        if self.line is None:
            raise SimulatorError("a gpio-relay cabinet has no RS485 lock bus to serve", code="no_bus",
                                 vi="tủ khóa rơ-le GPIO không có đường truyền RS485 để phục vụ")
        return self._serve(self.line, kind, host, port, "bus")

    def serve_scanner(self, kind: str, host: str = "127.0.0.1", port: int = 0) -> str:
        """Expose the scanner; returns the pyserial URL for ``[scanner] url``."""
        return self._serve(self.scanner, kind, host, port, "scanner")

    def serve_printer(self, kind: str, host: str = "127.0.0.1", port: int = 0) -> str:
        """Expose the receipt printer; returns the service's ``[printer] url`` (``tcp://H:P`` over TCP)."""
        url = self._serve(self.printer, kind, host, port, "printer")
        return "tcp://" + url[len("socket://"):] if url.startswith("socket://") else url

    def serve_gpio(self, host: str = "127.0.0.1", port: int = 8888) -> str:
        """Expose the GPIO pins as a pigpio daemon; returns the service's ``[gpio] pin_factory``."""
        try:
            return self.gpio.serve_pigpio(host, port)
        except OSError as exc:
            raise SimulatorError(f"cannot serve GPIO on {host}:{port}: {exc}", code="address_unavailable",
                                 vi=f"không mở được cổng GPIO {host}:{port}: {exc}") from None

    def _serve(self, endpoint: Endpoint, kind: str, host: str, port: int, prefix: str) -> str:
        if kind == "tcp":
            transport = TcpTransport(endpoint, host, port)
        elif kind == "pty":
            transport = PtyTransport(endpoint, name=prefix)
        elif kind == "inprocess":
            transport = InProcessTransport(endpoint, prefix=prefix)
        else:
            raise SimulatorError(f"unknown transport {kind!r}; known: {', '.join(TRANSPORT_KINDS)}",
                                 code="unknown_transport", vi=f"không biết kiểu kết nối {kind!r}")
        with self._mutex:
            self._transports.append(transport)
        return transport.url

    def close(self) -> None:
        """Stop every transport and the line (idempotent)."""
        with self._mutex:
            transports, self._transports = self._transports, []
        for transport in transports:
            transport.close()
        if self.line is not None:
            self.line.close()
        self.gpio.close()

    # ---- the outside world ---------------------------------------------------------

    def lock_state(self, board: int, lock: int) -> dict:
        """One lock, shaped like an entry of ``state()["boards"][i]["locks"]``."""
        if self.gpio.has_board(board):
            found = self.gpio.lock_state(lock)
            return {**found, "pulses": self.gpio.pulses(lock)} if self._relays_shown() else found
        self._check_lock(board, lock)
        return _lock_dict(lock, self.cabinet.lock(board, lock))

    def state(self) -> dict:
        """Doors, latches, item sensors and jams, shaped like ``GET /sim/state``.

        Relay locks on a board number no RS485 board has show as one more board,
        each lock with its relay's ``pulses``.
        """
        boards = [self._board_state(b) for b in self.cabinet.addresses]
        if self._relays_shown():
            relay_board = self.gpio.relay_board
            boards.append({"address": relay_board,
                           "locks": [self.lock_state(relay_board, n) for n in range(1, self.gpio.lock_count + 1)]})
            boards.sort(key=lambda board: board["address"])
        return {"boards": boards, "scanner": self.scanner.state(), "gpio": self.gpio.state(),
                "printer": self.printer.state()}

    def _relays_shown(self) -> bool:
        """Whether the relay locks are a board of their own (not hidden behind an RS485 board's number)."""
        return self.gpio.has_board(self.gpio.relay_board) and not self.cabinet.has(self.gpio.relay_board)

    def _board_state(self, board: int) -> dict:
        entry = {"address": board,
                 "locks": [_lock_dict(n, lk) for n, lk in enumerate(self.cabinet.locks(board), start=1)]}
        if getattr(BOARD_TYPES.get(self.board_type), "sets_pulse_time", False):
            entry["pulse_ms"] = self.cabinet.pulse_ms(board)
        return entry

    def door(self, board: int, lock: int, action: str) -> bool:
        """A person opens or closes a door; True when it was a forced opening."""
        if self.gpio.has_board(board):
            return self.gpio.door(lock, action)
        self._check_lock(board, lock)
        if action == "open":
            return self.cabinet.open_door(board, lock)
        if action == "close":
            self.cabinet.close_door(board, lock)
            return False
        raise SimulatorError(f"action must be 'open' or 'close', not {action!r}",
                             code="unknown_action", vi="hành động phải là 'open' hoặc 'close'")

    def item(self, board: int, lock: int, present: bool) -> None:
        """Put an item into a compartment (``present``) or take it out."""
        self._check_lock(board, lock)
        if not self.cabinet.has(board):
            raise SimulatorError("relay locks have no item sensor", code="no_item_sensor",
                                 vi="khóa rơ-le không có cảm biến đồ vật")
        if not isinstance(present, bool):
            raise SimulatorError("present must be true or false", code="invalid_field",
                                 vi="present phải là true hoặc false")
        self.cabinet.set_item(board, lock, present)

    def scan(self, data: str) -> tuple[int, int] | None:
        """The QR scanner reads ``data``; when the code went out at once, the monotonic ns of
        its first and last byte (see :meth:`SimScanner.scan`)."""
        if not isinstance(data, str) or not data or len(data) > MAX_SCAN_CHARS:
            raise SimulatorError(f"data must be text of 1 to {MAX_SCAN_CHARS} characters",
                                 code="invalid_field", vi=f"data phải là chuỗi từ 1 đến {MAX_SCAN_CHARS} ký tự")
        if "\r" in data or "\n" in data:
            raise SimulatorError("data must not contain line breaks", code="invalid_field",
                                 vi="data không được chứa ký tự xuống dòng")
        return self.scanner.scan(data)

    def fault(self, kind: str, board: int | None = None, lock: int | None = None, count: int = 0,
              target: str | None = None, frames: str | None = None) -> None:
        """Inject a named fault (see :mod:`firmware_sim.faults`); ``clear`` ends them all.

        ``target`` says what ``unplug`` and ``replug`` act on: ``bus`` (default) or ``scanner``;
        ``target="printer"`` takes the printer's faults (``out_of_paper``, ``offline``, ``clear``).
        ``frames="unlock"`` (line faults only) arms the fault for the next unlock frame of its scope.
        """
        if target == "printer":
            self._printer_fault(kind, board, count)
            return
        if kind not in KINDS:
            raise SimulatorError(f"unknown fault {kind!r}; known: {', '.join(KINDS)}",
                                 code="unknown_fault", vi=f"không biết lỗi {kind!r}")
        if not _is_int(count) or count < 0:
            raise SimulatorError("count must be a whole number, 0 or more", code="invalid_field",
                                 vi="count phải là số nguyên không âm")
        if lock is not None and board is None:
            raise SimulatorError("a lock needs its board", code="unknown_lock", vi="cần chỉ rõ bo mạch của khóa")
        if kind == "jam" and (self.gpio.has_board(board) if board is not None else self.line is None):
            self._jam_relays(lock, count)
            return
        if board is not None:
            self._check_board(board)
        if lock is not None:
            self._check_lock(board, lock)
        self._check_plug_fault(kind, board, count, target)
        self._refuse_line_fault(kind, board, target)
        _check_frames(kind, frames)
        if kind == "clear":
            self.faults.clear()
            self.cabinet.unjam_all()
            self.gpio.unjam_all()
            self.printer.fault("clear")
            for each in PLUG_TARGETS:
                self._plug("replug", each)
        elif kind == "jam":
            self._jam(board, lock, count)
        elif kind in PLUG_KINDS:
            self._plug(kind, target or "bus")
        elif kind == "power_restore":
            self.faults.restore_power(board)
        else:
            self.faults.add(Fault(kind, board, lock, count, frames))
            if kind == "power_failure" and frames is None:
                self.cabinet.cut_power(self.cabinet.addresses if board is None else [board])

    def plugged(self, target: str = "bus") -> bool:
        """Whether every transport of ``target`` (``bus`` or ``scanner``) is plugged in."""
        endpoint = self.line if target == "bus" else self.scanner
        with self._mutex:
            return all(t.plugged for t in self._transports if t.endpoint is endpoint)

    def faults_active(self) -> list[dict]:
        """The line faults in force and the jammed locks."""
        line = [f.as_dict() for f in self.faults.active()]
        line += [{"kind": "unplug", "target": t, "board": None, "lock": None, "count": 0}
                 for t in PLUG_TARGETS if not self.plugged(t)]
        jams = [{"kind": "jam", "board": b["address"], "lock": lk["lock"]}
                for b in self.state()["boards"] for lk in b["locks"] if lk["jammed"]]
        printer = self.printer.fault_kind
        return line + jams + ([{"kind": printer, "target": "printer"}] if printer else [])

    def frames(self, after: int = 0, limit: int | None = None) -> list[dict]:
        """Frame log entries numbered after ``after`` (see :mod:`firmware_sim.framelog`)."""
        if not _is_int(after) or after < 0:
            raise SimulatorError("after must be a whole number, 0 or more", code="invalid_field",
                                 vi="after phải là số nguyên không âm")
        return self.log.after(after, limit)

    # ---- helpers -------------------------------------------------------------------

    def _plug(self, kind: str, target: str) -> None:
        endpoint = self.line if target == "bus" else self.scanner
        with self._mutex:
            transports = [t for t in self._transports if t.endpoint is endpoint]
        for transport in transports:
            try:
                getattr(transport, kind)()
            except OSError as exc:
                raise SimulatorError(f"cannot plug the {target} in again: {exc}", code="address_unavailable",
                                     vi=f"không cắm lại được {target}: {exc}") from None

    @staticmethod
    def _check_plug_fault(kind: str, board, count, target) -> None:
        if target is not None and (target not in PLUG_TARGETS or (target != "bus" and kind not in PLUG_KINDS)):
            raise SimulatorError("target must be 'bus' or 'scanner' ('scanner' only with unplug and replug)",
                                 code="invalid_field",
                                 vi="target phải là 'bus' hoặc 'scanner' ('scanner' chỉ dùng với unplug và replug)")
        if kind in PLUG_KINDS and board is not None:
            raise SimulatorError(f"{kind} acts on a whole transport: leave board and lock out",
                                 code="invalid_field", vi=f"{kind} tác động lên cả cổng kết nối: bỏ trống board và lock")
        if kind in INSTANT_KINDS and count:
            raise SimulatorError(f"{kind} happens at once: count must be 0 or absent", code="invalid_field",
                                 vi=f"{kind} xảy ra ngay: count phải là 0 hoặc bỏ trống")

    def _refuse_line_fault(self, kind: str, board, target) -> None:
        """Relay locks have no line: only ``jam``, ``clear`` and the scanner's ``unplug``/``replug`` apply."""
        on_relays = self.line is None or (board is not None and not self.cabinet.has(board))
        if not on_relays or kind in RELAY_FAULT_KINDS or (kind in PLUG_KINDS and target == "scanner"):
            return
        raise SimulatorError(f"{kind} is a fault of an RS485 lock bus; relay locks (gpio-relay) have none: "
                             "use jam, clear, or unplug/replug with target scanner", code="not_for_relay_locks",
                             vi=f"{kind} là lỗi của đường truyền RS485; khóa rơ-le (gpio-relay) không có đường "
                                "truyền: hãy dùng jam, clear, hoặc unplug/replug với target scanner")

    def _printer_fault(self, kind: str, board, count) -> None:
        if kind not in PRINTER_FAULTS:
            raise SimulatorError(f"target 'printer' takes {', '.join(PRINTER_FAULTS)}, not {kind!r}",
                                 code="invalid_field", vi=f"target 'printer' chỉ nhận {', '.join(PRINTER_FAULTS)}")
        if board is not None or count:
            raise SimulatorError("a printer fault lasts until cleared: leave board, lock and count out",
                                 code="invalid_field", vi="lỗi máy in kéo dài đến khi xóa: bỏ trống board, lock, count")
        self.printer.fault(kind)

    def _jam(self, board: int | None, lock: int | None, count: int) -> None:
        boards = self.cabinet.addresses if board is None else [board]
        locks = range(1, self.cabinet.locks_per_board + 1) if lock is None else [lock]
        for b in boards:
            for n in locks:
                self.cabinet.jam(b, n, count)

    def _jam_relays(self, lock: int | None, count: int) -> None:
        """``jam`` on the relay-lock board: the relay clicks, the latch holds."""
        locks = range(1, self.gpio.lock_count + 1) if lock is None else [lock]
        for n in locks:
            self.gpio.jam(n, count)

    def _check_board(self, board) -> None:
        numbers = list(self.cabinet.addresses)
        if self._relays_shown():
            numbers = sorted([*numbers, self.gpio.relay_board])
        if not _is_int(board) or board not in numbers:
            first, last = numbers[0], numbers[-1]
            if numbers == list(range(first, last + 1)):
                en, vi = f"boards are {first} to {last}", f"bo mạch từ {first} đến {last}"
            else:
                listed = ", ".join(map(str, numbers))
                en, vi = f"boards are {listed}", f"các bo mạch: {listed}"
            raise SimulatorError(f"no board {board!r}; {en}", code="unknown_board",
                                 vi=f"không có bo mạch {board!r}; {vi}")

    def _check_lock(self, board, lock) -> None:
        self._check_board(board)
        if not self.cabinet.has(board):  # the relay locks' board
            self.gpio.lock_state(lock)
            return
        if not _is_int(lock) or not self.cabinet.has(board, lock):
            last = self.cabinet.locks_per_board
            raise SimulatorError(f"no lock {lock!r}; locks are 1 to {last}",
                                 code="unknown_lock",
                                 vi=f"không có khóa {lock!r}; khóa từ 1 đến {last}")


def _lock_dict(number: int, lock: SimLock) -> dict:
    return {"lock": number, "door": "open" if lock.door_open else "closed", "latched": lock.latched,
            "item": lock.item, "jammed": lock.jammed}


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_frames(kind: str, frames) -> None:
    if frames is not None and (frames != "unlock" or kind not in LINE_KINDS):
        raise SimulatorError("frames must be 'unlock' or absent, and only for a line fault",
                             code="invalid_field", vi="frames phải là 'unlock' hoặc bỏ trống, và chỉ cho lỗi đường truyền")
