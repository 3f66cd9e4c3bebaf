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
from dataclasses import replace
import math
import threading
import time
from collections import deque
from concurrent.futures import Future
from typing import Any, Callable, Iterable, Mapping

import serial

from .backoff import Backoff
from .busstate import BoardRecord, ReadAllRequest, UnlockJob, status_events
from .echo import EchoFilter
from .errors import DriverError, FrameError
from .events import BoardOffline, BoardOnline, BusEvent, UnlockDone, deliver, settle
from .protocol import BoardProtocol, BoardStatus, LockReading, get_protocol

log = logging.getLogger(__name__)

#: The line must stay silent this long (or two character times) before it is clean.
QUIET_TIME = 0.02
#: At most this long is spent draining a chattering line before discarding its input.
SETTLE_LIMIT = 0.25
#: Confirmation reads of an unlocking board come at most this often.
CONFIRM_INTERVAL = 0.05
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
        self._listener = listener
        self._serial_for_url = serial_for_url
        self._backoff = Backoff(*reopen_backoff)
        self._quiet_time = max(QUIET_TIME, protocol.frame_silence, 2 * 10 / baudrate)
        self._read_slice = min(0.02, max(0.002, answer_timeout / 5))
        self._confirm_interval = min(poll_interval, CONFIRM_INTERVAL)
        self._records = {board: BoardRecord(board) for board in self.boards}
        self.pulse_ms_on_board = pulse_ms_on_board
        self._setup = self._setup_frames(pulse_ms_on_board)
        #: Setup frames still to send, by board; filled when a board comes online.
        self._setup_due: dict[int, list[bytes]] = {}
        self._setups = dict.fromkeys(self.boards, 0)
        self._decoder = protocol.decoder()
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._unlocks: deque[UnlockJob] = deque()
        self._confirming: list[UnlockJob] = []
        self._read_requests: deque[ReadAllRequest] = deque()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._port: Any = None
        self._opened_before = False
        self._port_reopens = 0
        self._port_failures = 0
        self._dirty = False
        self._last_pulse = -math.inf
        self._last_was_confirm = False
        self._last_transaction = -math.inf

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
        self._close_port()
        with self._lock:
            leftover = list(self._unlocks) + self._confirming
            self._unlocks.clear()
            self._confirming = []
            requests = list(self._read_requests)
            self._read_requests.clear()
        for request in requests:
            request.abandon()
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
            self._unlocks.append(job)
            self._wake.notify_all()
        return job.future

    def read_all(self, timeout: float) -> dict[int, BoardStatus | None]:
        """Read every board now (blocking); ``None`` for a board that did not answer."""
        request = ReadAllRequest(remaining=list(self.boards))
        with self._lock:
            if self._thread is None or not self._thread.is_alive() or self._stopping:
                raise DriverError("the lock bus driver is not running")
            self._read_requests.append(request)
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
        with self._lock:
            bus = self._port_stats()
            return {board: {**record.snapshot(), "setups": self._setups[board], **bus}
                    for board, record in self._records.items()}

    def bus_stats(self) -> dict:
        """``port_open``, ``port_reopens`` and ``port_failures`` (failed opens, reads and writes)."""
        with self._lock:
            return self._port_stats()

    def _port_stats(self) -> dict:
        return {"port_open": self._port is not None, "port_reopens": self._port_reopens,
                "port_failures": self._port_failures}

    # ---- the bus thread ---------------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping:
            if self._port is None and not self._open_port():
                self._wait_port_down(self._backoff.next())
                continue
            try:
                self._step()
                continue
            except (serial.SerialException, OSError) as exc:
                log.warning("lock bus %s: port failed: %s", self.url, exc)
            except Exception:
                log.exception("lock bus %s: unexpected failure; reopening the port", self.url)
            with self._lock:
                self._port_failures += 1
            self._close_port()
            self._wait_port_down(self._backoff.next())
        self._close_port()

    def _open_port(self) -> bool:
        try:
            port = self._serial_for_url(self.url, baudrate=self.baudrate, timeout=self._read_slice)
        except (serial.SerialException, OSError, ValueError) as exc:
            log.warning("lock bus %s: cannot open the port: %s", self.url, exc)
            with self._lock:
                self._port_failures += 1
            return False
        with self._lock:
            self._port = port
            if self._opened_before:
                self._port_reopens += 1
            self._opened_before = True
        self._dirty = True
        return True

    def _close_port(self) -> None:
        with self._lock:
            port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except Exception as exc:  # a vanished device may fail even to close
                log.debug("lock bus %s: close failed: %s", self.url, exc)

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
        with self._lock:
            requests = list(self._read_requests)
            self._read_requests.clear()
            expired = [job for job in self._unlocks if job.queued_at + self.open_timeout <= now]
            for job in expired:
                self._unlocks.remove(job)
        for request in requests:
            request.abandon()
        for job in expired:
            self._finish(job, "unknown")
        self._expire_confirmations(now)

    def _sleep(self, until: float) -> None:
        with self._lock:
            if not self._stopping:
                self._wake.wait(min(IDLE_WAIT_LIMIT, max(0.0, until - time.monotonic())))

    def _step(self) -> None:
        now = time.monotonic()
        self._expire_confirmations(now)
        job, wake_at = self._unlock_to_fire(now)
        if job is not None:
            self._fire(job)
        elif not (self._configure_board() or self._read_something(now)):
            self._sleep(min(wake_at, self._next_due()))
            return
        self._backoff.reset()

    def _unlock_to_fire(self, now: float) -> tuple[UnlockJob | None, float]:
        """The unlock (or resend) to pulse now, else when the next pulse may go."""
        with self._lock:
            while self._unlocks and self._unlocks[0].future.cancelled():
                self._unlocks.popleft()
            job = next((j for j in self._confirming if j.resend_due), None)
            if job is None and self._unlocks:
                job = self._unlocks[0]
            if job is None:
                return None, math.inf
            ready_at = self._last_pulse + self.pulse_gap
            if now < ready_at:
                return None, ready_at
            if job.sent_at is None:
                self._unlocks.popleft()
                self._confirming.append(job)
            return job, math.inf

    def _setup_frames(self, pulse_ms: int | None) -> dict[int, list[bytes]]:
        if pulse_ms is None:
            return {}
        if not self.protocol.sets_pulse_time:
            raise ValueError(f"{self.protocol.name} boards have no command setting the unlock pulse time")
        return {board: self.protocol.setup_frames(board, pulse_ms=pulse_ms) for board in self.boards}

    def _configure_board(self) -> bool:
        """Send one due setup frame; any answer (or none) is fine and is discarded."""
        if not self._setup_due:
            return False
        board, frames = next(iter(self._setup_due.items()))
        self._transact(frames[0], lambda frame: frame, board, reply_required=False)
        self._dirty = True  # a late or partial answer must not meet the next transaction
        frames.pop(0)
        if not frames:
            del self._setup_due[board]
        with self._lock:
            self._setups[board] += 1
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
        for job in self._confirming:
            if self._records[job.board].last_read + self._confirm_interval <= now:
                return job.board
        return None

    def _open_read_request(self) -> ReadAllRequest | None:
        with self._lock:
            while self._read_requests and (self._read_requests[0].cancelled
                                           or not self._read_requests[0].remaining):
                self._read_requests.popleft()
            return self._read_requests[0] if self._read_requests else None

    def _next_due(self) -> float:
        times = [record.next_poll for record in self._records.values()]
        for job in self._confirming:
            times.append(job.deadline)
            times.append(self._records[job.board].last_read + self._confirm_interval)
        return min(times)

    # ---- transactions -----------------------------------------------------------------

    def _fire(self, job: UnlockJob) -> None:
        now = time.monotonic()
        if job.sent_at is None:
            job.sent_at = now
            job.deadline = now + self.open_timeout
        else:
            job.resent = True
            job.resend_due = False
            self._records[job.board].retries += 1
        request = self.protocol.unlock_request(job.board, job.lock)
        try:
            answer, _ = self._transact(
                request, lambda frame: self.protocol.parse_unlock_reply(frame, job.board, job.lock),
                job.board, reply_required=False)
        finally:
            self._last_pulse = time.monotonic()
        if isinstance(answer, BoardStatus):
            self._accept(job.board, answer)
        elif isinstance(answer, LockReading) and answer.refused:
            log.info("lock bus %s: board %d refused to unlock lock %d (cooldown)", self.url, job.board, job.lock)
        elif isinstance(answer, LockReading) and answer.latched is not None:
            self._accept_reading(job.board, answer)

    def _accept_reading(self, board: int, reading: LockReading) -> None:
        """Fold one lock's reading (an unlock's answer) into the board's last status.

        Boards that answer an unlock late (8A: about 500 ms) hold the line meanwhile; a
        door opened and shut again in that time is seen only in this answer.
        """
        known = self._records[board].status
        if known is None:
            return
        latched = list(known.latched)
        latched[reading.lock - 1] = reading.latched
        self._accept(board, replace(known, latched=tuple(latched)))

    def _read_board(self, board: int) -> BoardStatus | None:
        record = self._records[board]
        status, problem = self._read_status(board)
        record.last_read = time.monotonic()
        record.next_poll = record.last_read + self.poll_interval
        if status is None:
            self._register_miss(board, problem)
        else:
            self._accept(board, status)
        return status

    def _read_status(self, board: int) -> tuple[BoardStatus | None, str | None]:
        """Run the read transactions of ``board``; its merged status, else the problem."""
        answers: list[BoardStatus | LockReading] = []
        for request in self.protocol.read_requests(board):
            answer, problem = self._transact(
                request, lambda frame, asked=request: self.protocol.parse_read(frame, board, asked),
                board, reply_required=True)
            if answer is None:
                return None, problem
            answers.append(answer)
        try:
            return self.protocol.merge_reads(board, answers), None
        except FrameError as exc:
            log.debug("lock bus %s: %s", self.url, exc)
            with self._lock:
                self._records[board].errors["frame"] += 1
            return None, "frame"

    def _transact(self, request: bytes, parse: Callable[[bytes], Any], board: int, *,
                  reply_required: bool) -> tuple[Any, str | None]:
        """Send one frame and wait for the answer ``parse`` accepts (optional for unlocks)."""
        port = self._port
        if self._dirty:
            self._settle(port)
        self._keep_gap()
        decoder = self._decoder
        decoder.reset()
        counters = (decoder.junk_bytes, decoder.bad_checksums, decoder.bad_frames)
        record = self._records[board]
        port.write(request)
        sent = time.monotonic()
        with self._lock:
            record.frames_sent += 1
        answer, wrong = None, 0
        echo = EchoFilter(request, window=self.protocol.echo_window)
        while answer is None and time.monotonic() - sent < self.answer_timeout:
            data = port.read(max(1, port.in_waiting))
            frames = [echo.offer(frame) for frame in (decoder.feed(data) if data else ())] + [echo.due()]
            for frame in frames:
                if frame is None:
                    continue
                with self._lock:
                    record.frames_received += 1
                try:
                    answer = parse(frame)
                except FrameError as exc:
                    wrong += 1
                    log.debug("lock bus %s: %s", self.url, exc)
                    continue
                with self._lock:
                    record.observe_latency(time.monotonic() - sent)
                break
        if answer is None and (held := echo.leftover()) is not None and self.protocol.echo_window != float("inf"):
            try:
                answer = parse(held)
            except FrameError:
                answer = None
        if answer is None and hasattr(decoder, "flush"):
            decoder.flush()  # families framed by silence: what is left is a broken frame
        self._last_transaction = time.monotonic()
        return answer, self._account(record, counters, wrong, answer, reply_required)

    def _keep_gap(self) -> None:
        """Leave the family's pause between the end of one transaction and the next frame."""
        wait = self._last_transaction + self.protocol.transaction_gap - time.monotonic()
        if wait > 0:
            time.sleep(wait)

    def _account(self, record: BoardRecord, counters: tuple[int, int, int], wrong: int,
                 status: Any, reply_required: bool) -> str | None:
        """Add one transaction's problems to the counters; the main problem, if any."""
        decoder = self._decoder
        junk = decoder.junk_bytes - counters[0]
        checksums = decoder.bad_checksums - counters[1]
        frames = decoder.bad_frames - counters[2] + wrong
        problem = "frame" if frames else "checksum" if checksums else None
        if status is None and reply_required and problem is None:
            problem = "no_answer"
        with self._lock:
            record.errors["junk"] += junk
            record.errors["checksum"] += checksums
            record.errors["frame"] += frames
            if problem == "no_answer":
                record.errors["no_answer"] += 1
        if problem is not None or junk or (status is None and reply_required):
            self._dirty = True
        return problem

    def _settle(self, port: Any) -> None:
        """Wait for the line to go quiet, then discard whatever arrived."""
        started = last_byte = time.monotonic()
        while True:
            now = time.monotonic()
            if now - last_byte >= self._quiet_time or now - started >= SETTLE_LIMIT:
                break
            if port.read(max(1, port.in_waiting)):
                last_byte = time.monotonic()
        port.reset_input_buffer()
        self._dirty = False

    # ---- state and events -------------------------------------------------------------

    def _accept(self, board: int, status: BoardStatus) -> None:
        now = time.monotonic()
        record = self._records[board]
        with self._lock:
            events: list[BusEvent] = []
            if record.online is not True:
                events.append(BoardOnline(board))
                if self._setup.get(board):
                    self._setup_due[board] = list(self._setup[board])
            # Back from offline, every lock is reported afresh: listeners forgot a silent board.
            events += status_events(record.status if record.online is True else None, status)
            record.online = True
            record.misses = 0
            record.last_seen = now
            record.status = status
        self._emit(events)
        for job in [job for job in self._confirming if job.board == board]:
            self._confirm(job, status, now)

    def _confirm(self, job: UnlockJob, status: BoardStatus, now: float) -> None:
        if not status.is_latched(job.lock):
            self._confirming.remove(job)
            self._finish(job, "released")
            return
        job.answered = True
        if not job.resent and job.sent_at is not None and now >= job.sent_at + self.pulse_time + self.poll_interval:
            job.resend_due = True

    def _expire_confirmations(self, now: float) -> None:
        for job in [job for job in self._confirming if job.deadline <= now]:
            if not job.answered and self._port is not None:
                self._read_board(job.board)  # one last look: a noisy line may have hidden the release
                if job not in self._confirming:
                    continue
            self._confirming.remove(job)
            board_answers = self._port is not None and self._records[job.board].online is True
            self._finish(job, "jammed" if job.answered and board_answers else "unknown")

    def _register_miss(self, board: int, problem: str | None) -> None:
        record = self._records[board]
        with self._lock:
            record.misses += 1
            went_offline = record.misses >= self.offline_after and record.online is not False
            if went_offline:
                record.online = False
                self._setup_due.pop(board, None)
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
