"""The transactions of one lock bus with its boards: frames on the line, counted per board.

The bus thread decides what to send; this sends it through the
:class:`drivers.line.SerialLine`, lets the family's codec read the answer, and keeps
each board's traffic and error counters (:class:`drivers.busstate.BoardRecord`).
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable, Mapping

from .busstate import BoardRecord
from .errors import FrameError
from .line import Exchange, SerialLine
from .protocol import BoardProtocol, BoardStatus, LockReading

log = logging.getLogger(__name__)


class BoardTraffic:
    """Reads, unlock frames and setup frames for the boards of one bus.

    ``lock`` guards the records, which other threads read for statistics.
    """

    def __init__(self, *, line: SerialLine, protocol: BoardProtocol, records: Mapping[int, BoardRecord],
                 lock: threading.Lock, answer_timeout: float) -> None:
        self.line = line
        self.protocol = protocol
        self.answer_timeout = answer_timeout
        self._records = records
        self._lock = lock
        self._decoder = protocol.decoder()

    def read_status(self, board: int) -> tuple[BoardStatus | None, str | None]:
        """Run the read transactions of ``board``; its merged status, else the problem."""
        answers: list[BoardStatus | LockReading] = []
        for request in self.protocol.read_requests(board):
            answer, problem = self.transact(
                request, lambda frame, asked=request: self.protocol.parse_read(frame, board, asked),
                board, reply_required=True)
            if answer is None:
                return None, problem
            answers.append(answer)
        try:
            return self.protocol.merge_reads(board, answers), None
        except FrameError as exc:
            log.debug("lock bus %s: %s", self.line.url, exc)
            with self._lock:
                self._records[board].errors["frame"] += 1
            return None, "frame"

    def unlock(self, board: int, lock: int) -> tuple[BoardStatus | LockReading | None, str | None]:
        """Pulse one lock; the board's answer if it gave a readable one, and the problem if any."""
        request = self.protocol.unlock_request(board, lock)
        return self.transact(request, lambda frame: self.protocol.parse_unlock_reply(frame, board, lock),
                             board, reply_required=False)

    def setup(self, board: int, frame: bytes) -> None:
        """Send one setup frame; any answer (or none) is fine and is discarded."""
        self.transact(frame, lambda answer: answer, board, reply_required=False)
        self.line.mark_dirty()  # a late or partial answer must not meet the next transaction

    def transact(self, request: bytes, parse: Callable[[bytes], Any], board: int, *,
                 reply_required: bool) -> tuple[Any, str | None]:
        """Send one frame and wait for the answer ``parse`` accepts (optional for unlocks)."""
        record = self._records[board]

        def sent() -> None:
            with self._lock:
                record.frames_sent += 1

        exchange = self.line.transact(request, decoder=self._decoder, parse=parse, timeout=self.answer_timeout,
                                      echo_window=self.protocol.echo_window, answer_expected=reply_required,
                                      on_sent=sent)
        return exchange.answer, self._account(record, exchange, reply_required)

    def _account(self, record: BoardRecord, exchange: Exchange, reply_required: bool) -> str | None:
        """Add one transaction's traffic and problems to the counters; the main problem, if any."""
        problem = exchange.problem
        if exchange.answer is None and reply_required and problem is None:
            problem = "no_answer"
        with self._lock:
            record.frames_received += exchange.frames
            if exchange.latency is not None:
                record.observe_latency(exchange.latency)
            record.errors["junk"] += exchange.junk
            record.errors["checksum"] += exchange.checksums
            record.errors["frame"] += exchange.bad_frames + exchange.wrong
            if problem == "no_answer":
                record.errors["no_answer"] += 1
        return problem
