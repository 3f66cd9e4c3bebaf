"""The simulator: cabinet, boards, line, faults, frame log and scanner wired together."""

from __future__ import annotations

import threading

from .cabinet import LOCKS_PER_BOARD, Cabinet, SimLock
from .faults import KINDS, Fault, FaultSet
from .firmware import BoardFirmware
from .framelog import FrameLog
from .kerong import KerongCU16Firmware
from .line import SimLine
from .scanner import SimScanner
from .transports import Endpoint, InProcessTransport, PtyTransport, TcpTransport

BOARD_TYPES: dict[str, type[BoardFirmware]] = {"kerong-cu16": KerongCU16Firmware}
TRANSPORT_KINDS = ("tcp", "pty", "inprocess")
DOOR_ACTIONS = ("open", "close")
MAX_SCAN_CHARS = 4096


class SimulatorError(ValueError):
    """Bad input to the simulator; ``code`` is a stable word, the text is English.

    >>> err = SimulatorError("no board 9", code="unknown_board", vi="không có bo mạch 9")
    >>> err.code, str(err), err.vi
    ('unknown_board', 'no board 9', 'không có bo mạch 9')
    """

    def __init__(self, message: str, *, code: str = "invalid_request", vi: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.vi = vi or message


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
    """

    def __init__(self, *, boards: int = 2, board_type: str = "kerong-cu16", seed: int | None = None,
                 spring_delay: float = 0.3, latched_bit: int = 1, answer_unlock: bool = True,
                 slow_delay: float = 1.0, reply_delay: float = 0.004,
                 scanner_suffix: str = "CRLF") -> None:
        family = BOARD_TYPES.get(board_type)
        if family is None:
            raise SimulatorError(f"unknown board type {board_type!r}; known: {', '.join(BOARD_TYPES)}",
                                 code="unknown_board_type",
                                 vi=f"không biết loại bo mạch {board_type!r}")
        if not isinstance(boards, int) or not 1 <= boards <= family.max_board + 1:
            raise SimulatorError(f"boards must be between 1 and {family.max_board + 1}",
                                 code="invalid_boards",
                                 vi=f"số bo mạch phải từ 1 đến {family.max_board + 1}")
        self.board_type = board_type
        self.latched_bit = latched_bit
        self.cabinet = Cabinet(boards, spring_delay=spring_delay)
        self.faults = FaultSet(seed, slow_delay=slow_delay)
        self.log = FrameLog()
        firmware = {b: family(b, self.cabinet, latched_bit=latched_bit, answer_unlock=answer_unlock)
                    for b in range(boards)}
        self.line = SimLine(firmware, faults=self.faults, log=self.log, reply_delay=reply_delay)
        self.scanner = SimScanner(suffix=scanner_suffix)
        self._transports: list = []
        self._mutex = threading.Lock()

    # ---- serving -------------------------------------------------------------------

    def serve_bus(self, kind: str, host: str = "127.0.0.1", port: int = 0) -> str:
        """Expose the lock bus; returns the pyserial URL for the service's ``[bus] url``."""
        return self._serve(self.line, kind, host, port, "bus")

    def serve_scanner(self, kind: str, host: str = "127.0.0.1", port: int = 0) -> str:
        """Expose the scanner; returns the pyserial URL for ``[scanner] url``."""
        return self._serve(self.scanner, kind, host, port, "scanner")

    def _serve(self, endpoint: Endpoint, kind: str, host: str, port: int, prefix: str) -> str:
        if kind == "tcp":
            transport = TcpTransport(endpoint, host, port)
        elif kind == "pty":
            transport = PtyTransport(endpoint)
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
        self.line.close()

    # ---- the outside world ---------------------------------------------------------

    def lock_state(self, board: int, lock: int) -> dict:
        """One lock, shaped like an entry of ``state()["boards"][i]["locks"]``."""
        self._check_lock(board, lock)
        return _lock_dict(lock, self.cabinet.lock(board, lock))

    def state(self) -> dict:
        """Doors, latches, item sensors and jams, shaped like ``GET /sim/state``."""
        return {"boards": [
            {"address": b, "locks": [_lock_dict(n, lk) for n, lk in enumerate(self.cabinet.locks(b), start=1)]}
            for b in range(self.cabinet.board_count)]}

    def door(self, board: int, lock: int, action: str) -> bool:
        """A person opens or closes a door; True when it was a forced opening."""
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
        if not isinstance(present, bool):
            raise SimulatorError("present must be true or false", code="invalid_field",
                                 vi="present phải là true hoặc false")
        self.cabinet.set_item(board, lock, present)

    def scan(self, data: str) -> None:
        """The QR scanner reads ``data``."""
        if not isinstance(data, str) or not data or len(data) > MAX_SCAN_CHARS:
            raise SimulatorError(f"data must be text of 1 to {MAX_SCAN_CHARS} characters",
                                 code="invalid_field", vi=f"data phải là chuỗi từ 1 đến {MAX_SCAN_CHARS} ký tự")
        if "\r" in data or "\n" in data:
            raise SimulatorError("data must not contain line breaks", code="invalid_field",
                                 vi="data không được chứa ký tự xuống dòng")
        self.scanner.scan(data)

    def fault(self, kind: str, board: int | None = None, lock: int | None = None, count: int = 0) -> None:
        """Inject a named fault (see :mod:`firmware_sim.faults`); ``clear`` ends them all."""
        if kind not in KINDS:
            raise SimulatorError(f"unknown fault {kind!r}; known: {', '.join(KINDS)}",
                                 code="unknown_fault", vi=f"không biết lỗi {kind!r}")
        if not _is_int(count) or count < 0:
            raise SimulatorError("count must be a whole number, 0 or more", code="invalid_field",
                                 vi="count phải là số nguyên không âm")
        if board is not None:
            self._check_board(board)
        if lock is not None:
            if board is None:
                raise SimulatorError("a lock needs its board", code="unknown_lock",
                                     vi="cần chỉ rõ bo mạch của khóa")
            self._check_lock(board, lock)
        if kind == "clear":
            self.faults.clear()
            self.cabinet.unjam_all()
        elif kind == "jam":
            self._jam(board, lock, count)
        else:
            self.faults.add(Fault(kind, board, lock, count))

    def faults_active(self) -> list[dict]:
        """The line faults in force and the jammed locks."""
        line = [f.as_dict() for f in self.faults.active()]
        jams = [{"kind": "jam", "board": b["address"], "lock": lk["lock"]}
                for b in self.state()["boards"] for lk in b["locks"] if lk["jammed"]]
        return line + jams

    def frames(self, after: int = 0, limit: int | None = None) -> list[dict]:
        """Frame log entries numbered after ``after`` (see :mod:`firmware_sim.framelog`)."""
        if not _is_int(after) or after < 0:
            raise SimulatorError("after must be a whole number, 0 or more", code="invalid_field",
                                 vi="after phải là số nguyên không âm")
        return self.log.after(after, limit)

    # ---- helpers -------------------------------------------------------------------

    def _jam(self, board: int | None, lock: int | None, count: int) -> None:
        boards = range(self.cabinet.board_count) if board is None else [board]
        locks = range(1, LOCKS_PER_BOARD + 1) if lock is None else [lock]
        for b in boards:
            for n in locks:
                self.cabinet.jam(b, n, count)

    def _check_board(self, board) -> None:
        if not _is_int(board) or not self.cabinet.has(board):
            raise SimulatorError(f"no board {board!r}; boards are 0 to {self.cabinet.board_count - 1}",
                                 code="unknown_board",
                                 vi=f"không có bo mạch {board!r}; bo mạch từ 0 đến {self.cabinet.board_count - 1}")

    def _check_lock(self, board, lock) -> None:
        self._check_board(board)
        if not _is_int(lock) or not self.cabinet.has(board, lock):
            raise SimulatorError(f"no lock {lock!r}; locks are 1 to {LOCKS_PER_BOARD}",
                                 code="unknown_lock",
                                 vi=f"không có khóa {lock!r}; khóa từ 1 đến {LOCKS_PER_BOARD}")


def _lock_dict(number: int, lock: SimLock) -> dict:
    return {"lock": number, "door": "open" if lock.door_open else "closed", "latched": lock.latched,
            "item": lock.item, "jammed": lock.jammed}


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
