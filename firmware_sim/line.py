"""The simulated RS485 line: frames the host's bytes, dispatches, applies faults.

The line cuts the host's byte stream into frames the way a board's UART code
would: a frame starts with a sync byte of the board family, its length follows
from its first bytes, and a pause longer than ``frame_gap`` seconds (by default
the family's) drops a partial frame. Bytes outside any frame are garbage. Every
host frame, every dropped chunk and every reply goes into the frame log. Replies
reach the host ``reply_delay`` seconds after the request, plus the firmware's own
delay for that frame (8A unlock answers) and any ``slow`` fault delay.

By default bytes move as fast as the transport allows. :meth:`SimLine.pace` makes the
line as slow as a real one at a baud rate (8N1): a request counts as arrived one
wire time after the host wrote it, and a reply goes out one byte per character time.
"""

from __future__ import annotations

import time
import threading

from .courier import Courier
from .faults import FaultSet
from .firmware import BoardFirmware
from .framelog import BOARD_TO_HOST, HOST_TO_BOARD, FrameLog
from .endpoint import Endpoint


class SimLine(Endpoint):
    """One half-duplex bus with the boards in ``firmware`` (address -> firmware).

    >>> from firmware_sim.cabinet import Cabinet
    >>> from firmware_sim.kerong import KerongCU16Firmware
    >>> cabinet = Cabinet(boards=1)
    >>> line = SimLine({0: KerongCU16Firmware(0, cabinet)}, faults=FaultSet(), log=FrameLog())
    >>> got = []
    >>> line.attach(got.append)
    >>> line.receive(bytes.fromhex("0200300335"))
    >>> _ = wait_for(lambda: got, 1.0)
    >>> got[0].hex(" ")
    '02 00 35 ff ff 00 00 03 38'
    >>> [e["dir"] for e in line.log.after(0)]
    ['host>board', 'board>host']
    >>> line.close()
    """

    def __init__(self, firmware: dict[int, BoardFirmware], *, faults: FaultSet, log: FrameLog,
                 reply_delay: float = 0.004, frame_gap: float | None = None) -> None:
        super().__init__()
        if not firmware:
            raise ValueError("a line needs at least one board")
        self.firmware = dict(firmware)
        #: Any board of the bus: they share the family's framing.
        self.framing = next(iter(self.firmware.values()))
        self.family = type(self.framing)
        frame_gap = self.family.frame_gap if frame_gap is None else frame_gap
        self.faults = faults
        #: Called with the board when a power failure armed for an unlock frame strikes.
        self.on_power_cut = None
        self.log = log
        self.reply_delay = reply_delay
        self.frame_gap_ns = int(frame_gap * 1e9)
        self._partial = bytearray()
        self._partial_wire = [0, 0]  # the partial frame's first byte's start, last byte's end
        self._garbage_wire = [0, 0]
        self._wire_free_ns = 0  # when the host's last byte so far ends on a paced wire
        self._last_byte_ns = 0
        self._rx_mutex = threading.Lock()
        self._closed = False
        self._courier = Courier("line")
        #: Seconds per character on the wire; 0 when the line is not paced.
        self.char_time = 0.0

    def pace(self, baudrate: int | None) -> None:
        """Move bytes at ``baudrate`` (8N1), or as fast as possible (None)."""
        if baudrate is not None and (isinstance(baudrate, bool) or not isinstance(baudrate, int) or baudrate <= 0):
            raise ValueError(f"baudrate must be a positive whole number, not {baudrate!r}")
        self.char_time = 10 / baudrate if baudrate else 0.0

    def receive(self, data: bytes) -> None:
        """Bytes the host put on the line, all arriving now."""
        now = time.monotonic_ns()
        frames, garbage = [], bytearray()
        with self._rx_mutex:
            if self._closed:
                return
            self._expire_partial(now)
            for byte in data:
                frame = self._take_byte(byte, garbage, now, self._byte_on_wire(now))
                if frame is not None:
                    frames.append(frame)
            self._last_byte_ns = now
            if garbage:
                self.log.add(HOST_TO_BOARD, bytes(garbage), now, wire=tuple(self._garbage_wire))
            if self._partial:
                self._courier.schedule(now / 1e9 + self.frame_gap_ns / 1e9 + 0.001, self._on_quiet)
        for frame, arrived_ns in frames:
            self._dispatch(frame, arrived_ns)

    def host_connected(self) -> None:
        with self._rx_mutex:
            self._partial.clear()

    def close(self) -> None:
        with self._rx_mutex:
            self._closed = True
        self._courier.stop()

    def _byte_on_wire(self, now: int) -> tuple[int, int]:
        """Start and end of a host byte written at ``now``: on a paced line it follows the
        bytes before it, one character time each."""
        char_ns = int(self.char_time * 1e9)
        if not char_ns:
            return now, now
        start = max(now, self._wire_free_ns)
        self._wire_free_ns = start + char_ns
        return start, start + char_ns

    def _take_byte(self, byte: int, garbage: bytearray, now: int,
                   wire: tuple[int, int]) -> tuple[bytes, int] | None:
        """The frame this byte completes and when its last byte ended, if it completes one."""
        if not self._partial:
            if byte not in self.framing.sync_bytes:
                self._garbage_wire = [self._garbage_wire[0] if garbage else wire[0], wire[1]]
                garbage.append(byte)
                return None
            if garbage:
                self.log.add(HOST_TO_BOARD, bytes(garbage), now, wire=tuple(self._garbage_wire))
                garbage.clear()
            self._partial_wire[0] = wire[0]
        self._partial.append(byte)
        self._partial_wire[1] = wire[1]
        length = self.framing.frame_length(bytes(self._partial))
        if length is None or len(self._partial) < length:
            return None
        frame = bytes(self._partial)
        self._partial.clear()
        self.log.add(HOST_TO_BOARD, frame, now, wire=tuple(self._partial_wire))
        return frame, wire[1]

    def _expire_partial(self, now: int) -> None:
        if self._partial and now - self._last_byte_ns > self.frame_gap_ns:
            self.log.add(HOST_TO_BOARD, bytes(self._partial), self._last_byte_ns, wire=tuple(self._partial_wire))
            self._partial.clear()

    def _on_quiet(self) -> None:
        with self._rx_mutex:
            self._expire_partial(time.monotonic_ns())

    def _dispatch(self, frame: bytes, arrived_ns: int) -> None:
        board = self.framing.address_of(frame)
        target = self.firmware.get(board)
        if target is None:
            return
        unlock = target.pulses(frame)
        silencing = self.faults.silenced(board, unlock)
        if silencing:
            if unlock and "power_failure" in silencing and self.on_power_cut is not None:
                self.on_power_cut(board)
            return
        reply = target.handle(frame)
        if reply is None:
            return
        data, extra = self.faults.distort(board, reply, unlock)
        if data is not None:
            extra += target.reply_delay(frame)
            self._courier.schedule(arrived_ns / 1e9 + self.reply_delay + extra,
                                   lambda: self._transmit(data))

    def _transmit(self, data: bytes) -> None:
        now = time.monotonic_ns()
        self.log.add(BOARD_TO_HOST, data, now, wire=(now, now + int(len(data) * self.char_time * 1e9)))
        if self.char_time:
            self._send_paced(data, time.monotonic(), 0)
        else:
            self.send(data)

    def _send_paced(self, data: bytes, started: float, sent: int) -> None:
        """Hand over every byte whose stop bit has passed; come back for the rest."""
        due = min(len(data), int((time.monotonic() - started) / self.char_time))
        if due > sent:
            self.send(data[sent:due])
        if due < len(data):
            self._courier.schedule(started + (due + 1) * self.char_time,
                                   lambda: self._send_paced(data, started, due))


def wait_for(predicate, timeout: float, interval: float = 0.002):
    """Poll ``predicate`` until it is truthy or ``timeout`` seconds passed; its last value."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()) and time.monotonic() < deadline:
        time.sleep(interval)
    return value
