"""One serial line: its port, opened and reopened with back-off, and its transactions.

Every serial device of the cabinet goes through a :class:`SerialLine`: the lock
bus and the commissioning probe run request/answer transactions on it (write a
frame, read the answer a decoder frames and a parser accepts, keep the line
clean between transactions); the scanner reader reads and writes it freely.

>>> import serial
>>> line = SerialLine(url="loop://", baudrate=19200, read_timeout=0.001, silence=0.002)
>>> line.open()
True
>>> from drivers.kerong import KerongFrameDecoder
>>> exchange = line.transact(b"\\x02\\x00\\x30\\x03\\x35", decoder=KerongFrameDecoder(),
...                          parse=lambda frame: frame, timeout=0.05)
>>> exchange.answer, exchange.problem   # loop:// only echoes the request: no answer
(None, None)
>>> line.close(); line.stats()
{'port_open': False, 'port_reopens': 0, 'port_failures': 0}
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

import serial

from .backoff import Backoff
from .echo import EchoFilter
from .errors import FrameError
from .protocol import FrameDecoder

log = logging.getLogger(__name__)

#: At most this long is spent draining a chattering line before discarding its input.
SETTLE_LIMIT = 0.25
#: After a missing answer the line must stay quiet this long (or the frame silence, if
#: longer) before it is clean: a late answer may still be on its way.
LATE_ANSWER_QUIET = 0.02
#: Host scheduling and USB serial adapters hand over a frame's bytes with gaps of a few
#: ms: this much is added to the family's frame silence before quiet ends a broken answer.
LATENCY_ALLOWANCE = 0.004
#: What a port may raise when it is opened, read or written.
PORT_ERRORS = (serial.SerialException, OSError)


@dataclass
class Exchange:
    """What one transaction gave: the accepted answer (or None) and what went wrong."""

    answer: Any = None
    #: Complete frames received, and those the parser refused (echoes, other boards' frames).
    frames: int = 0
    wrong: int = 0
    #: Bytes skipped, frames with a bad checksum, and malformed frames, by the decoder.
    junk: int = 0
    checksums: int = 0
    bad_frames: int = 0
    #: Seconds from the request to the accepted answer.
    latency: float | None = None

    @property
    def problem(self) -> str | None:
        """``frame`` or ``checksum`` when the answer could not be read; None otherwise."""
        return "frame" if self.bad_frames + self.wrong else "checksum" if self.checksums else None


class SerialLine:
    """A port opened by URL through ``serial_for_url``; one thread uses it at a time.

    :meth:`open` and :meth:`close` count reopens and failures (see :meth:`stats`);
    :attr:`backoff` spaces the owner's reopen attempts. ``silence`` is the family's
    frame silence: that long (plus ``latency``) without a byte after a broken answer
    ends it, and the line is clean at once. ``gap`` is the pause the boards need
    between the end of one transaction and the next request. ``read_timeout`` (the
    longest a read waits) should be well under ``silence``.
    """

    def __init__(self, *, url: str, baudrate: int, read_timeout: float,
                 serial_for_url: Callable[..., Any] = serial.serial_for_url,
                 reopen_backoff: tuple[float, float] = (0.5, 8.0), silence: float = 0.02,
                 latency: float = LATENCY_ALLOWANCE, gap: float = 0.0, name: str = "line",
                 port: Any = None) -> None:
        self.url = url
        self.baudrate = baudrate
        self.read_timeout = read_timeout
        self.silence = silence
        self.gap = gap
        self.name = name
        self.backoff = Backoff(*reopen_backoff)
        self._serial_for_url = serial_for_url
        self._lock = threading.Lock()
        self._port: Any = port
        self._opened_before = port is not None
        self._reopens = 0
        self._failures = 0
        self._dirty = True
        self._last_transaction = -float("inf")
        #: When the last byte arrived (monotonic seconds).
        self._last_byte = -float("inf")
        self._settle_quiet = max(silence + latency, LATE_ANSWER_QUIET)
        #: Quiet after a broken answer that says it has ended.
        self.end_of_answer = silence + latency

    # ---- the port ---------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self._port is not None

    def open(self) -> bool:
        """Open the port; False (logged and counted) if it cannot be opened now."""
        try:
            port = self._serial_for_url(self.url, baudrate=self.baudrate, timeout=self.read_timeout)
        except (*PORT_ERRORS, ValueError) as exc:
            log.warning("%s %s: cannot open the port: %s", self.name, self.url, exc)
            self.failed()
            return False
        with self._lock:
            self._port = port
            self._reopens += self._opened_before
            self._opened_before = True
        self._dirty = True
        return True

    def close(self) -> None:
        with self._lock:
            port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except Exception as exc:  # a vanished device may fail even to close
                log.debug("%s %s: close failed: %s", self.name, self.url, exc)

    def failed(self) -> None:
        """Count a failure of the port (an open, read or write that raised)."""
        with self._lock:
            self._failures += 1

    def stats(self) -> dict:
        with self._lock:
            return {"port_open": self._port is not None, "port_reopens": self._reopens,
                    "port_failures": self._failures}

    @property
    def reopens(self) -> int:
        return self._reopens

    def read(self) -> bytes:
        """What has arrived, waiting at most ``read_timeout`` for the first byte."""
        port = self._port
        data = port.read(max(1, port.in_waiting))
        if data:
            self._last_byte = time.monotonic()
        return data

    def write(self, data: bytes) -> None:
        self._port.write(data)

    # ---- transactions -----------------------------------------------------------------

    def mark_dirty(self) -> None:
        """Something may still arrive: let the line go quiet before the next transaction."""
        self._dirty = True

    def settle(self) -> None:
        """Wait until the line has been quiet for a while, then discard what arrived."""
        started = time.monotonic()
        while True:
            now = time.monotonic()
            if now - max(self._last_byte, started) >= self._settle_quiet or now - started >= SETTLE_LIMIT:
                break
            self.read()
        self._clean()

    def _clean(self) -> None:
        self._port.reset_input_buffer()
        self._dirty = False

    def transact(self, request: bytes, *, decoder: FrameDecoder, parse: Callable[[bytes], Any],
                 timeout: float, echo_window: float = float("inf"), answer_expected: bool = True,
                 on_sent: Callable[[], None] | None = None) -> Exchange:
        """Send ``request``; wait up to ``timeout`` for a frame ``parse`` accepts.

        ``parse`` raises :class:`FrameError` for a frame that is not the answer. An
        answer that cannot be read (a bad checksum, a truncated frame, junk) ends the
        wait as soon as the line has been quiet for ``silence`` (+ ``latency``): the board will not
        answer twice. A transaction that ends without an expected answer, or with any
        junk or broken frame, leaves the line dirty: the next one starts once it is
        quiet again (at once, when the broken answer already ended in silence).
        """
        if self._dirty:
            self.settle()
        elif self._port.in_waiting:
            self._clean()  # bytes before the request (an answer later than every wait) answer nothing
        self._keep_gap()
        decoder.reset()
        before = (decoder.junk_bytes, decoder.bad_checksums, decoder.bad_frames)
        self.write(request)
        sent = time.monotonic()
        if on_sent is not None:
            on_sent()
        exchange = Exchange()
        echo = EchoFilter(request, window=echo_window)
        quiet_after_broken = False
        while exchange.answer is None and time.monotonic() - sent < timeout:
            if quiet_after_broken := self._broken_then_quiet(decoder, before, exchange, sent):
                break
            data = self.read()
            frames = [echo.offer(frame) for frame in (decoder.feed(data) if data else ())] + [echo.due()]
            for frame in frames:
                if frame is not None and self._accept(exchange, parse, frame):
                    exchange.latency = time.monotonic() - sent
                    break
        if exchange.answer is None and (held := echo.leftover()) is not None and echo_window != float("inf"):
            self._accept(exchange, parse, held, count=False)
        if exchange.answer is None and hasattr(decoder, "flush"):
            decoder.flush()  # families framed by silence: what is left is a broken frame
        truncated = quiet_after_broken and decoder.buffered > 0
        exchange.junk = decoder.junk_bytes - before[0]
        exchange.checksums = decoder.bad_checksums - before[1]
        exchange.bad_frames = decoder.bad_frames - before[2] + truncated
        if quiet_after_broken:
            self._clean()  # the broken answer ended in silence: nothing more is coming
        elif (exchange.answer is None and answer_expected) or exchange.problem is not None or exchange.junk:
            self._dirty = True
        self._last_transaction = time.monotonic()
        return exchange

    def _broken_then_quiet(self, decoder: FrameDecoder, before: tuple[int, int, int], exchange: Exchange,
                           sent: float) -> bool:
        """Whether an unreadable answer came and the line has been quiet since it for long enough.

        After a whole frame that failed its check (the board has answered) the frame
        silence is enough; stray bytes alone get the adapter's latency on top, lest a
        healthy answer delivered in two pieces, or after a glitch, be cut.
        """
        if self._last_byte <= sent:
            return False
        whole = decoder.bad_checksums > before[1] or decoder.bad_frames > before[2] or exchange.wrong
        partial = decoder.buffered or decoder.junk_bytes > before[0]
        if not (whole or partial):
            return False
        quiet = self.silence if whole else self.end_of_answer
        return time.monotonic() - self._last_byte >= quiet

    def _accept(self, exchange: Exchange, parse: Callable[[bytes], Any], frame: bytes, *,
                count: bool = True) -> bool:
        exchange.frames += count
        try:
            exchange.answer = parse(frame)
        except FrameError as exc:
            exchange.wrong += count
            log.debug("%s %s: %s", self.name, self.url, exc)
            return False
        return True

    def _keep_gap(self) -> None:
        wait = self._last_transaction + self.gap - time.monotonic()
        if wait > 0:
            time.sleep(wait)
