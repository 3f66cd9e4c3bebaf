"""QR and barcode scanners in serial (CDC) mode: one code per line.

>>> splitter = LineSplitter()
>>> splitter.feed(b"HS-0001\\r")
['HS-0001']
>>> splitter.feed(b"\\nH\\xe1\\xbb\\x93 s\\xc6\\xa1\\n\\n")
['Hồ sơ']
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Any, Callable

import serial

from .line import PORT_ERRORS, SerialLine
from .scanner_models import LineSplitter, ScannerModel, clean, get_model

__all__ = ["LineScanner", "LineSplitter", "clean"]

log = logging.getLogger(__name__)


class LineScanner:
    """Reads codes from a serial scanner in a thread and hands each to ``on_code``.

    ``model`` names the scanner's command set (see :mod:`drivers.scanner_models`;
    ``line`` has none) or is a :class:`ScannerModel`. :meth:`enable`,
    :meth:`disable` and :meth:`trigger` queue the model's commands for the reader
    thread, which also sends the wanted state again whenever the port (re)opens.
    A trigger-mode model is triggered again after each code and every
    ``rearm_interval`` seconds while enabled.

    A repeat of the code last handed over, within ``dedupe_window`` seconds, is
    dropped. An unfinished line older than ``stale_after`` seconds is noise and is
    dropped. The port is a :class:`drivers.line.SerialLine`: one that vanishes is
    reopened with back-off.

    >>> import serial
    >>> port = serial.serial_for_url("loop://", timeout=0.05)
    >>> codes = []
    >>> scanner = LineScanner(url="loop://", on_code=codes.append,
    ...                       serial_for_url=lambda url, **options: port)
    >>> scanner.start()
    >>> _ = port.write(b"QR-1\\r\\nQR-1\\r\\nQR-2\\r\\n")
    >>> deadline = time.monotonic() + 2
    >>> while len(codes) < 2 and time.monotonic() < deadline:
    ...     time.sleep(0.01)
    >>> scanner.stop()
    >>> codes
    ['QR-1', 'QR-2']
    """

    def __init__(
        self,
        *,
        url: str,
        on_code: Callable[[str], None],
        baudrate: int = 115200,
        dedupe_window: float = 2.0,
        serial_for_url: Callable[..., Any] = serial.serial_for_url,
        clock: Callable[[], float] = time.monotonic,
        reopen_backoff: tuple[float, float] = (0.5, 8.0),
        read_timeout: float = 0.1,
        model: str | ScannerModel = "line",
        enabled: bool = True,
        rearm_interval: float = 10.0,
        stale_after: float = 0.5,
    ) -> None:
        self.url = url
        self.baudrate = baudrate
        self.dedupe_window = dedupe_window
        self.model = get_model(model) if isinstance(model, str) else model
        self.rearm_interval = rearm_interval
        self.stale_after = stale_after
        self._on_code = on_code
        self._clock = clock
        self._line = SerialLine(url=url, baudrate=baudrate, read_timeout=read_timeout, serial_for_url=serial_for_url,
                                reopen_backoff=reopen_backoff, name="scanner")
        self._decoder = self.model.decoder()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last: tuple[str, float] | None = None
        self._counts = {"codes": 0, "duplicates": 0, "commands": 0}
        self._mutex = threading.Lock()
        self._outbox: deque[bytes] = deque(maxlen=64)
        self._enabled = enabled
        self._armed_at = 0.0
        self._data_at = 0.0

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"scanner {self.url}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._line.close()

    def enable(self) -> None:
        """Start reading (the kiosk waits for a code)."""
        with self._mutex:
            self._enabled = True
            self._outbox.extend(self.model.enable_sequence())

    def disable(self) -> None:
        """Stop reading."""
        with self._mutex:
            self._enabled = False
            self._outbox.extend(self.model.disable_sequence())

    def trigger(self) -> None:
        """Ask for one read now (models with a software trigger)."""
        command = self.model.trigger_command()
        if command:
            with self._mutex:
                self._outbox.append(command)

    @property
    def enabled(self) -> bool:
        return self._enabled

    def connected(self) -> bool:
        """Whether the scanner's port is open right now."""
        return self._line.is_open

    def stats(self) -> dict:
        return {**self._counts, "reopens": self._line.reopens, **self._decoder.counts,
                "discarded": self._decoder.discarded, "connected": self.connected(), "enabled": self._enabled,
                "model": self.model.name}

    def _run(self) -> None:
        line = self._line
        while not self._stop.is_set():
            if not line.is_open and not self._open():
                self._stop.wait(line.backoff.next())
                continue
            try:
                self._flush_outbox()
                data = line.read()
            except PORT_ERRORS as exc:
                log.warning("scanner %s: port failed: %s", self.url, exc)
                line.failed()
                line.close()
                self._stop.wait(line.backoff.next())
                continue
            line.backoff.reset()  # the port works: the next failure starts the back-off afresh
            if data:
                self._receive(data)
            self._rearm_if_due()
        line.close()

    def _receive(self, data: bytes) -> None:
        now = self._clock()
        if now - self._data_at > self.stale_after:
            self._decoder.drop_partial()
        self._data_at = now
        decoded = self._decoder.feed(data)
        if decoded.answer:
            self._queue(decoded.answer)
        for code in decoded.codes:
            self._deliver(code)
        if decoded.codes and self.model.trigger and self._enabled:
            self._queue(self.model.trigger_command())

    def _rearm_if_due(self) -> None:
        if self.model.trigger and self._enabled and self._clock() - self._armed_at >= self.rearm_interval:
            self._queue(self.model.trigger_command())

    def _queue(self, command: bytes | None) -> None:
        if command:
            with self._mutex:
                self._outbox.append(command)

    def _flush_outbox(self) -> None:
        while True:
            with self._mutex:
                if not self._outbox:
                    return
                command = self._outbox.popleft()
            if command == self.model.trigger_command():
                self._armed_at = self._clock()
            self._line.write(command)
            self._counts["commands"] += 1

    def _open(self) -> bool:
        if not self._line.open():
            return False
        self._sync_state()
        return True

    def _sync_state(self) -> None:
        """A scanner that was unplugged or power-cycled forgot what it was told."""
        with self._mutex:
            self._outbox.clear()
            self._outbox.extend(self.model.enable_sequence() if self._enabled else self.model.disable_sequence())

    def _deliver(self, code: str) -> None:
        now = self._clock()
        if self._last is not None and self._last[0] == code and now - self._last[1] < self.dedupe_window:
            self._counts["duplicates"] += 1
            return
        self._last = (code, now)
        self._counts["codes"] += 1
        try:
            self._on_code(code)
        except Exception:
            log.exception("scanner %s: on_code failed for %r", self.url, code)
