"""One fake serial port for driver tests: what the driver writes is recorded, and what it
reads comes from scripted input (a scanner) or from Kerong CU16 boards behind the port."""

from __future__ import annotations

import threading
import time

import serial

from .kerong import frame


def bits(flags: list[bool]) -> bytes:
    word = sum(1 << index for index, flag in enumerate(flags) if flag)
    return bytes([word & 0xFF, word >> 8])


class FakeBoard:
    """A CU16 board behind the port (latch bit 1 = latched)."""

    def __init__(self) -> None:
        self.latched = [True] * 16
        self.items = [False] * 16
        self.jammed: set[int] = set()
        self.silent = False
        self.replies_to_unlock = False
        self.answer_as: int | None = None  # answer with another board's address

    def status(self, board: int) -> bytes:
        address = (board if self.answer_as is None else self.answer_as) << 4
        return frame(0x02, address, 0x35, *bits(self.latched), *bits(self.items), 0x03)


class FakeSerialPort:
    """The pyserial surface the drivers use, with ``boards`` answering Kerong CU16 frames.

    Without boards nothing answers: the test feeds input with :meth:`feed`, as a scanner.

    >>> port = FakeSerialPort(boards=(0,))
    >>> port.write(frame(0x02, 0x00, 0x30, 0x03)) and port.read(9)[:3].hex(" ")
    '02 00 35'
    >>> port.feed(b"HS-1\\r\\n"); port.read(6), port.sent()
    (b'HS-1\\r\\n', [b'\\x02\\x000\\x035'])
    """

    def __init__(self, boards=(), *, fail_writes: bool = False) -> None:
        self.boards = {board: FakeBoard() for board in boards}
        self.timeout = 0.01
        self.junk = b""
        self.echo = False  # some RS485 adapters hear what they send
        self.fail_reads = 0
        self.read_calls = 0
        self.fail_writes = fail_writes
        self.opens = 0
        self.fail_opens = 0
        self.closed = False
        self.writes: list[tuple[float, bytes]] = []
        self._rx = bytearray()
        self._cond = threading.Condition()

    # the pyserial surface the drivers use
    def open_for(self, url, **options):  # type: ignore[no-untyped-def]
        """Use as ``serial_for_url``: every open returns this port."""
        if self.fail_opens:
            self.fail_opens -= 1
            raise serial.SerialException("no such device")
        self.opens += 1
        self.timeout = options.get("timeout", 0.01)
        return self

    def write(self, data: bytes) -> int:
        if self.fail_writes:
            raise serial.SerialException("write failed")
        data = bytes(data)
        with self._cond:
            self.writes.append((time.monotonic(), data))
            self._rx += (data if self.echo else b"") + self._answer(data)
            self._cond.notify_all()
        return len(data)

    def read(self, size: int = 1) -> bytes:
        self.read_calls += 1
        if self.fail_reads:
            self.fail_reads -= 1
            raise serial.SerialException("device reports readiness to read but returned no data")
        with self._cond:
            if not self._rx:
                self._cond.wait(self.timeout)
            data = bytes(self._rx[:size])
            del self._rx[:size]
            return data

    @property
    def in_waiting(self) -> int:
        with self._cond:
            return len(self._rx)

    def reset_input_buffer(self) -> None:
        with self._cond:
            self._rx.clear()

    def close(self) -> None:
        self.closed = True

    # the test's side
    def feed(self, data: bytes) -> None:
        """Bytes arriving from the device, as a scanner sends a code."""
        with self._cond:
            self._rx += data
            self._cond.notify_all()

    def sent(self) -> list[bytes]:
        """Everything the driver wrote, one entry per write."""
        with self._cond:
            return [data for _, data in self.writes]

    def unlock_frames(self, board: int, lock: int) -> int:
        return self.sent().count(frame(0x02, (board << 4) | (lock - 1), 0x31, 0x03))

    def reads_of(self, board: int) -> int:
        return self.sent().count(frame(0x02, board << 4, 0x30, 0x03))

    # the boards
    def _answer(self, request: bytes) -> bytes:
        if len(request) != 5 or sum(request[:4]) & 0xFF != request[4]:
            return b""
        board, lock, command = request[1] >> 4, (request[1] & 0x0F) + 1, request[2]
        fake = self.boards.get(board)
        if fake is None or fake.silent:
            return b""
        if command == 0x31:
            if lock not in fake.jammed:
                fake.latched[lock - 1] = False
            return fake.status(board) if fake.replies_to_unlock else b""
        if command == 0x30:
            return self.junk + fake.status(board)
        return b""
