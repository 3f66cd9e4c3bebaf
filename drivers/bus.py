"""The one owner of one RS485 bus of lock boards.

A single thread owns the port and runs one transaction at a time: queued unlocks
first, then reads confirming an unlock, then reads asked for by :meth:`read_all`,
then continuous round-robin polling. With ``pulse_ms_on_board`` a board that comes
online (first seen, or back after being offline, e.g. a power cycle) is sent its
setup frames (the family's set-pulse-time command) between those transactions;
whatever it answers is discarded. Every read is compared with the last known
status and the differences go to the listener as events.

>>> import serial
>>> heard = []
>>> bus = LockBusDriver(url="loop://", boards=[0], listener=heard.append,
...                     answer_timeout=0.02, poll_interval=0.01, offline_after=2)
>>> bus.start()
>>> bus.read_all(timeout=1.0)   # loop:// only echoes our own frames: nobody answers
{0: None}
>>> bus.stop()
>>> heard
[BoardOffline(board=0)]
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future
from typing import Any, Callable, Iterable, Mapping

import serial

from .board_traffic import BoardTraffic
from .busstate import BoardRecord, BoardSetup, ReadAllRequest, ReadQueue, UnlockJob, with_reading
from .errors import DriverError
from .events import BoardOffline, BusEvent, LatchChanged, UnlockDone, deliver, settle
from .line import PORT_ERRORS, SerialLine
from .protocol import BoardProtocol, BoardStatus, LockReading, get_protocol
from .unlocks import Unlocks

log = logging.getLogger(__name__)

#: Confirmation reads of an unlocking board come at most this often.
CONFIRM_INTERVAL = 0.05
#: Problems of an answer that came but could not be read: read again at once.
UNREADABLE = ("checksum", "frame")
IDLE_WAIT_LIMIT = 0.5


class LockBusDriver:
    """Polls the boards of one bus, pulses locks and confirms each unlock by reading."""

    def __init__(
        self,
        *,
        url: str,
        protocol: BoardProtocol | str = "kerong-cu16",
        boards: Iterable[int],
        listener: Callable[[BusEvent], None],
        baudrate: int | None = None,
        latched_bit: int | None = None,
        answer_timeout: float | None = None,
        poll_interval: float = 0.15,
        open_timeout: float = 3.0,
        pulse_time: float = 0.5,
        offline_after: int = 3,
        serial_for_url: Callable[..., Any] = serial.serial_for_url,
        reopen_backoff: tuple[float, float] = (0.5, 8.0),
        pulse_gap: float = 0.2,
        protocol_options: Mapping[str, Any] | None = None,
        pulse_ms_on_board: int | None = None,
        item_sensors: bool | None = None,
    ) -> None:
        if isinstance(protocol, str):
            protocol = get_protocol(protocol, latched_bit=latched_bit, **dict(protocol_options or {}))
        self.protocol = protocol
        baudrate = protocol.default_baudrate if baudrate is None else baudrate
        answer_timeout = protocol.answer_timeout if answer_timeout is None else answer_timeout
        board_list = list(dict.fromkeys(protocol.check_board(board) for board in boards))
        if not board_list:
            raise ValueError("a bus needs at least one board")
        for name, value in (("answer_timeout", answer_timeout), ("poll_interval", poll_interval),
                            ("open_timeout", open_timeout), ("pulse_time", pulse_time)):
            if not value > 0:
                raise ValueError(f"{name} must be positive, not {value!r}")
        if offline_after < 1:
            raise ValueError(f"offline_after must be at least 1, not {offline_after!r}")
        self.url = url
        self.baudrate = baudrate
        self.boards = tuple(board_list)
        self.answer_timeout = answer_timeout
        self.poll_interval = poll_interval
        self.open_timeout = open_timeout
        self.pulse_time = pulse_time
        self.pulse_gap = pulse_gap
        self.offline_after = offline_after
        #: Whether item sensor changes count as proof that a door opened (default: the family's).
        self.item_sensors = protocol.facts.item_sensors if item_sensors is None else item_sensors
        self._listener = listener
        silence = protocol.facts.frame_silence(baudrate)
        self._line = SerialLine(url=url, baudrate=baudrate, read_timeout=min(0.02, max(0.001, silence / 2)),
                                serial_for_url=serial_for_url, reopen_backoff=reopen_backoff, silence=silence,
                                gap=protocol.transaction_gap, name="lock bus")
        self._unlocks = Unlocks(open_timeout=open_timeout, pulse_time=pulse_time, pulse_gap=pulse_gap,
                                resend_after=pulse_time + poll_interval)
        self._confirm_interval = min(poll_interval, CONFIRM_INTERVAL)
        self._records = {board: BoardRecord(board) for board in self.boards}
        self.pulse_ms_on_board = pulse_ms_on_board
        self._setup = BoardSetup(protocol, self.boards, pulse_ms=pulse_ms_on_board)
        self._lock = threading.Lock()
        self._traffic = BoardTraffic(line=self._line, protocol=protocol, records=self._records, lock=self._lock,
                                     answer_timeout=answer_timeout)
        self._wake = threading.Condition(self._lock)
        self._read_requests = ReadQueue()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._last_was_confirm = False

    # ---- public interface -------------------------------------------------------------

    def start(self) -> None:
        """Start the bus thread (it opens the port, retrying with back-off)."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name=f"lock-bus {self.url}", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the thread, close the port; unlocks still pending end as ``unknown``."""
        with self._lock:
            self._stopping = True
            self._wake.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join()
        self._line.close()
        leftover = self._unlocks.drain()
        self._abandon_reads()
        for job in leftover:
            self._finish(job, "unknown")

    def unlock(self, board: int, lock: int) -> Future:
        """Queue one unlock pulse; the future resolves to the :class:`UnlockDone` result."""
        self._check_board(board)
        self.protocol.check_lock(lock)
        job = UnlockJob(board, lock, queued_at=time.monotonic())
        with self._lock:
            if self._stopping:
                raise DriverError("the lock bus driver is stopped")
            self._unlocks.add(job)
            self._wake.notify_all()
        return job.future

    def read_all(self, timeout: float) -> dict[int, BoardStatus | None]:
        """Read every board now (blocking); ``None`` for a board that did not answer."""
        request = ReadAllRequest(remaining=list(self.boards))
        with self._lock:
            if self._thread is None or not self._thread.is_alive() or self._stopping:
                raise DriverError("the lock bus driver is not running")
            self._read_requests.add(request)
            self._wake.notify_all()
        request.done.wait(timeout)
        with self._lock:
            request.cancelled = True
            return {board: request.results.get(board) for board in self.boards}

    def statuses(self) -> dict[int, BoardStatus | None]:
        """The last known status of every board (``None`` if never read; stale while offline)."""
        with self._lock:
            return {board: record.status for board, record in self._records.items()}

    def online(self, board: int) -> bool:
        with self._lock:
            record = self._records.get(board)
            return record is not None and record.online is True

    def stats(self) -> dict[int, dict]:
        """Per board counters (``setups``: setup frames sent); each entry also carries the port state."""
        bus = self._line.stats()
        with self._lock:
            return {board: {**record.snapshot(), "setups": self._setup.sent[board], **bus}
                    for board, record in self._records.items()}

    def bus_stats(self) -> dict:
        """``port_open``, ``port_reopens`` and ``port_failures`` (failed opens, reads and writes)."""
        return self._line.stats()

    # ---- the bus thread ---------------------------------------------------------------

    def _run(self) -> None:
        line = self._line
        while not self._stopping:
            if not line.is_open and not line.open():
                self._wait_port_down(line.backoff.next())
                continue
            try:
                self._step()
                continue
            except PORT_ERRORS as exc:
                log.warning("lock bus %s: port failed: %s", self.url, exc)
            except Exception:
                log.exception("lock bus %s: unexpected failure; reopening the port", self.url)
            line.failed()
            line.close()
            self._wait_port_down(line.backoff.next())
        line.close()

    def _wait_port_down(self, delay: float) -> None:
        """Sleep before reopening, meanwhile counting misses and ending due unlocks."""
        until = time.monotonic() + delay
        while not self._stopping:
            now = time.monotonic()
            self._tick_port_down(now)
            if now >= until:
                return
            self._sleep(min(until, now + self.poll_interval))

    def _tick_port_down(self, now: float) -> None:
        for record in self._records.values():
            if record.next_poll <= now:
                record.next_poll = now + self.poll_interval
                self._register_miss(record.board, None)
        self._abandon_reads()
        for job in self._unlocks.expire_queued(now):
            self._finish(job, "unknown")
        self._expire_confirmations(now)

    def _sleep(self, until: float) -> None:
        with self._lock:
            if not self._stopping:
                self._wake.wait(min(IDLE_WAIT_LIMIT, max(0.0, until - time.monotonic())))

    def _step(self) -> None:
        now = time.monotonic()
        self._expire_confirmations(now)
        job, wake_at = self._unlocks.next_to_fire(now)
        if job is not None:
            self._fire(job)
        elif not (self._configure_board() or self._read_something(now)):
            self._sleep(min(wake_at, self._next_due()))
            return
        self._line.backoff.reset()

    def _configure_board(self) -> bool:
        """Send one due setup frame; any answer (or none) is fine and is discarded."""
        with self._lock:
            due = self._setup.next_frame()
        if due is None:
            return False
        board, frame = due
        self._traffic.setup(board, frame)
        with self._lock:
            self._setup.frame_sent(board)
        return True

    def _read_something(self, now: float) -> bool:
        """Run one read transaction if any is due; False if the bus may rest."""
        poll = self._due_poll(now)
        confirm = self._due_confirmation(now)
        if confirm is not None and not (self._last_was_confirm and poll is not None):
            self._last_was_confirm = True
            self._read_board(confirm)
            return True
        self._last_was_confirm = False
        request = self._open_read_request()
        if request is not None:
            board = request.remaining[0]
            status = self._read_board(board)
            if status is None:
                self._records[board].retries += 1
                status = self._read_board(board)
            with self._lock:
                request.record(board, status)
            return True
        if poll is not None:
            self._read_board(poll)
            return True
        return False

    def _due_poll(self, now: float) -> int | None:
        record = min(self._records.values(), key=lambda r: r.next_poll)
        return record.board if record.next_poll <= now else None

    def _due_confirmation(self, now: float) -> int | None:
        return self._unlocks.due_confirmation(self._last_reads(), self._confirm_interval, now)

    def _last_reads(self) -> dict[int, float]:
        return {board: record.last_read for board, record in self._records.items()}

    def _open_read_request(self) -> ReadAllRequest | None:
        with self._lock:
            return self._read_requests.current()

    def _abandon_reads(self) -> None:
        with self._lock:
            requests = self._read_requests.take_all()
        for request in requests:
            request.abandon()

    def _next_due(self) -> float:
        times = [record.next_poll for record in self._records.values()]
        return min(times + self._unlocks.wake_times(self._last_reads(), self._confirm_interval))

    # ---- transactions -----------------------------------------------------------------

    def _fire(self, job: UnlockJob) -> None:
        known = self._records[job.board].status
        item = known.has_item(job.lock) if known is not None and self.item_sensors else None
        if self._unlocks.fired(job, time.monotonic(), item=item):
            self._records[job.board].retries += 1
        try:
            answer, problem = self._traffic.unlock(job.board, job.lock)
        finally:
            self._unlocks.pulse_ended(time.monotonic())
        if answer is None or problem is not None:
            # Unanswered or unreadable: whether the board acted is unknown, so never resend.
            self._unlocks.blind(job.board)
        if isinstance(answer, BoardStatus):
            self._accept(job.board, answer)
        elif isinstance(answer, LockReading) and answer.refused:
            log.info("lock bus %s: board %d refused to unlock lock %d (cooldown)", self.url, job.board, job.lock)
        elif isinstance(answer, LockReading) and answer.latched is not None:
            self._accept_reading(job.board, answer)

    def _accept_reading(self, board: int, reading: LockReading) -> None:
        """Boards that answer an unlock late (8A: about 500 ms) hold the line meanwhile; a
        door opened and shut again in that time is seen only in this answer."""
        known = self._records[board].status
        if known is not None:
            self._accept(board, with_reading(known, reading))

    def _read_board(self, board: int) -> BoardStatus | None:
        """Read ``board``; after an unreadable answer it is read again as soon as the line is free."""
        record = self._records[board]
        status, problem = self._traffic.read_status(board)
        now = time.monotonic()
        if problem in UNREADABLE and record.online is not False:
            record.next_poll = now
        else:
            record.last_read, record.next_poll = now, now + self.poll_interval
        if status is None:
            self._register_miss(board, problem)
        else:
            self._accept(board, status)
        return status

    # ---- state and events -------------------------------------------------------------

    def _accept(self, board: int, status: BoardStatus) -> None:
        now = time.monotonic()
        with self._lock:
            events, came_online = self._records[board].accept(status, now)
            if came_online:
                self._setup.board_online(board)
        self._emit(events)
        for job, result in self._unlocks.seen(status, now):
            self._finish(job, result)
            if status.is_latched(job.lock):  # opened (its item moved) and already shut again
                self._emit([LatchChanged(board, job.lock, latched=True)])

    def _expire_confirmations(self, now: float) -> None:
        for job in self._unlocks.expired(now):
            if not job.answered and self._line.is_open:
                self._read_board(job.board)  # one last look: a noisy line may have hidden the release
                if job not in self._unlocks.confirming:
                    continue
            self._unlocks.end(job)
            board_answers = self._line.is_open and self._records[job.board].online is True
            seen_jammed = job.answered and not job.blind and board_answers
            self._finish(job, "jammed" if seen_jammed else "unknown")

    def _register_miss(self, board: int, problem: str | None) -> None:
        self._unlocks.blind(board)
        # Unreadable answers are read again at once; they count no faster than missed polls.
        spacing = self.answer_timeout + self.poll_interval if problem in UNREADABLE else 0.0
        with self._lock:
            went_offline = self._records[board].miss(self.offline_after, time.monotonic(), spacing)
            if went_offline:
                self._setup.board_offline(board)
        if went_offline:
            log.warning("lock bus %s: board %d is offline (last problem: %s)", self.url, board, problem)
            self._emit([BoardOffline(board)])

    def _finish(self, job: UnlockJob, result: str) -> None:
        self._emit([UnlockDone(job.board, job.lock, result)])
        settle(job.future, result)

    def _emit(self, events: list[BusEvent]) -> None:
        deliver(self._listener, events, f"lock bus {self.url}")

    def _check_board(self, board: int) -> None:
        if board not in self._records or isinstance(board, bool):
            raise ValueError(f"board {board!r} is not on this bus (boards: {list(self.boards)})")
