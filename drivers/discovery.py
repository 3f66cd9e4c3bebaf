"""Commissioning a bus: which boards answer, raw latch bits, one pulse at a time.

:class:`BusProbe` runs one synchronous transaction at a time on a port of its own.
It is meant for a technician's tool while the service is stopped, not for the
service (that is :class:`drivers.bus.LockBusDriver`). Latch values are the raw bits
the boards report (the protocol is built with ``latched_bit=1``, so a ``latched``
flag of True is a bit of 1): which value means "latched" is what commissioning
finds out, with :func:`detect_polarity` and then by pulsing a lock.

>>> probe = BusProbe.open("loop://", "kerong-cu16", probe_timeout=0.01, answer_timeout=0.01)
>>> probe.find_boards(range(2))      # loop:// only echoes our own frames: nobody answers
[]
>>> probe.close()
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

import serial

from .errors import FrameError, PortError
from .line import PORT_ERRORS, SerialLine
from .protocol import BoardProtocol, BoardStatus, LockReading, get_protocol

#: How often a lock is read while waiting for its latch to change.
WAIT_INTERVAL = 0.05


@dataclass(frozen=True)
class Polarity:
    """The bit value most locks of a bus report, and the locks reporting the other one.

    >>> Polarity(latched_bit=0, odd_locks=((1, 3),)).unlatched_bit
    1
    """

    latched_bit: int
    #: (board, lock) pairs reading the other value: doors left open, or locks without feedback.
    odd_locks: tuple[tuple[int, int], ...]
    #: False when the vote was a tie and ``latched_bit`` is the family's default.
    decided: bool = True

    @property
    def unlatched_bit(self) -> int:
        return 1 - self.latched_bit


def detect_polarity(bits: Mapping[int, Sequence[int]], default: int) -> Polarity:
    """With every door closed, the value (nearly) all locks report is the "latched" value.

    >>> detect_polarity({0: (0, 0, 1, 0)}, default=1)
    Polarity(latched_bit=0, odd_locks=((0, 3),), decided=True)
    >>> detect_polarity({1: (1, 0)}, default=1).decided
    False
    """
    ones = sum(bit for values in bits.values() for bit in values)
    total = sum(len(values) for values in bits.values())
    if 2 * ones == total:
        value, decided = default, False
    else:
        value, decided = (1 if 2 * ones > total else 0), True
    odd = tuple((board, index + 1) for board, values in sorted(bits.items())
                for index, bit in enumerate(values) if bit != value)
    return Polarity(value, odd, decided)


class LockProbe(ABC):
    """Waiting on latch bits, for any probe that can ``read_lock`` (lock boards, relay locks)."""

    _clock: Callable[[], float] = staticmethod(time.monotonic)

    @property
    @abstractmethod
    def locks_per_board(self) -> int:
        """Locks on each board of this probe's bus."""

    @abstractmethod
    def find_boards(self, addresses: Iterable[int]) -> list[int]:
        """The addresses among ``addresses`` that are there."""

    @abstractmethod
    def read_bits(self, board: int) -> tuple[int, ...] | None:
        """Every lock's raw latch bit (index 0 is lock 1), or None if the board cannot be read."""

    @abstractmethod
    def read_lock(self, board: int, lock: int) -> int | None:
        """One lock's raw latch bit, or None if it cannot be read."""

    @abstractmethod
    def pulse(self, board: int, lock: int) -> bool:
        """Pulse one lock; False if it was refused."""

    @abstractmethod
    def close(self) -> None:
        """Release the port or pins."""

    def wait_bit(self, board: int, lock: int, value: int, timeout: float) -> bool:
        """Read the lock until its bit is ``value`` (True) or ``timeout`` seconds pass (False)."""
        deadline = self._clock() + timeout
        while True:
            if self.read_lock(board, lock) == value:
                return True
            if self._clock() >= deadline:
                return False
            time.sleep(min(WAIT_INTERVAL, max(0.0, deadline - self._clock())))

    def wait_all(self, locks: Iterable[tuple[int, int]], value: int, timeout: float) -> list[tuple[int, int]]:
        """Read the (board, lock) pairs until every bit is ``value``; those still otherwise at ``timeout``."""
        deadline = self._clock() + timeout
        waiting = list(locks)
        while True:
            waiting = [(board, lock) for board, lock in waiting if self.read_lock(board, lock) != value]
            if not waiting or self._clock() >= deadline:
                return waiting
            time.sleep(min(4 * WAIT_INTERVAL, max(0.0, deadline - self._clock())))


class BusProbe(LockProbe):
    """Reads boards and pulses locks on one bus, one transaction at a time."""

    def __init__(self, port: Any, protocol: BoardProtocol, *, probe_timeout: float,
                 answer_timeout: float | None = None, url: str = "") -> None:
        self.port = port
        self.protocol = protocol
        self.probe_timeout = probe_timeout
        self.answer_timeout = protocol.answer_timeout if answer_timeout is None else answer_timeout
        self._line = SerialLine(url=url, baudrate=protocol.default_baudrate, read_timeout=0.01, port=port,
                                silence=protocol.frame_silence, gap=protocol.transaction_gap,
                                name="probe")
        self._decoder = protocol.decoder()

    @property
    def locks_per_board(self) -> int:
        return self.protocol.locks_per_board

    @classmethod
    def open(cls, url: str, protocol: str, *, baudrate: int | None = None,
             options: Mapping[str, Any] | None = None, probe_timeout: float = 0.25,
             answer_timeout: float | None = None,
             serial_for_url: Callable[..., Any] = serial.serial_for_url) -> "BusProbe":
        """Open ``url`` for the family ``protocol``; :class:`PortError` if it cannot be opened."""
        family = get_protocol(protocol, latched_bit=1, **dict(options or {}))
        try:
            port = serial_for_url(url, baudrate=baudrate or family.default_baudrate, timeout=0.01)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise PortError(f"cannot open {url}: {exc}") from None
        return cls(port, family, probe_timeout=probe_timeout, answer_timeout=answer_timeout, url=url)

    def close(self) -> None:
        try:
            self.port.close()
        except (serial.SerialException, OSError):
            pass  # a vanished adapter may fail even to close

    # ---- boards -----------------------------------------------------------------------

    def find_boards(self, addresses: Iterable[int]) -> list[int]:
        """The addresses in ``addresses`` whose board answers a read, in order."""
        return [board for board in addresses if self.answers(board)]

    def answers(self, board: int) -> bool:
        """Whether ``board`` answers its first read frame within the probe timeout."""
        request = self.protocol.read_requests(board)[0]
        answer = self._transact(request, lambda f: self.protocol.parse_read(f, board, request), self.probe_timeout)
        return answer is not None

    def read_bits(self, board: int) -> tuple[int, ...] | None:
        """Every lock's raw latch bit (index 0 is lock 1), or None if the board did not answer."""
        answers: list[BoardStatus | LockReading] = []
        for request in self.protocol.read_requests(board):
            answer = self._transact(request, lambda f, asked=request: self.protocol.parse_read(f, board, asked),
                                    self.answer_timeout)
            if answer is None:
                return None
            answers.append(answer)
        try:
            status = self.protocol.merge_reads(board, answers)
        except FrameError:
            return None
        return tuple(int(latched) for latched in status.latched)

    def read_lock(self, board: int, lock: int) -> int | None:
        """One lock's raw latch bit, or None if the board did not answer."""
        self.protocol.check_lock(lock)
        requests = self.protocol.read_requests(board)
        if len(requests) == 1:
            bits = self.read_bits(board)
            return None if bits is None else bits[lock - 1]
        request = requests[lock - 1]  # one frame per lock (Winnsen)
        answer = self._transact(request, lambda f: self.protocol.parse_read(f, board, request), self.answer_timeout)
        if not isinstance(answer, LockReading) or answer.latched is None:
            return None
        return int(answer.latched)

    # ---- locks ------------------------------------------------------------------------

    def pulse(self, board: int, lock: int) -> bool:
        """Pulse one lock and wait for the board's answer if it gives one; False if it refused."""
        request = self.protocol.unlock_request(board, lock)
        timeout = self.answer_timeout if self.protocol.unlock_may_reply else 0.0
        answer = self._transact(request, lambda f: self.protocol.parse_unlock_reply(f, board, lock), timeout)
        return not (isinstance(answer, LockReading) and answer.refused)

    # ---- transactions -----------------------------------------------------------------

    def _transact(self, request: bytes, parse: Callable[[bytes], Any], timeout: float) -> Any:
        """Send ``request``; the first answer ``parse`` accepts within ``timeout``, else None."""
        try:
            return self._line.transact(request, decoder=self._decoder, parse=parse, timeout=timeout,
                                       echo_window=self.protocol.echo_window).answer
        except PORT_ERRORS as exc:
            raise PortError(f"the port failed: {exc}") from None
