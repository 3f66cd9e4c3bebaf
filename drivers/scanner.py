"""QR and barcode scanners in serial (CDC) mode: one code per line.

>>> splitter = LineSplitter()
>>> splitter.feed(b"HS-0001\\r")
['HS-0001']
>>> splitter.feed(b"\\nH\\xe1\\xbb\\x93 s\\xc6\\xa1\\n\\n")
['Hồ sơ']
"""

from __future__ import annotations

import logging
import re
import threading
import time
import unicodedata
from typing import Any, Callable

import serial

from .backoff import Backoff

log = logging.getLogger(__name__)

_LINE_END = re.compile(rb"\r\n|\r|\n")


class LineSplitter:
    """Splits a byte stream into text lines ending with CR, LF or CR LF.

    Empty lines are dropped, bytes are decoded as UTF-8 with replacement, control
    characters and surrounding blanks are removed, and a line longer than
    ``max_line`` bytes is discarded whole (counted in ``discarded``).

    >>> splitter = LineSplitter(max_line=4)
    >>> splitter.feed(b"TOOLONG\\nOK\\r\\n")
    ['OK']
    >>> splitter.discarded
    1
    """

    def __init__(self, *, max_line: int = 4096) -> None:
        if max_line < 1:
            raise ValueError(f"max_line must be positive, not {max_line!r}")
        self.max_line = max_line
        self.discarded = 0
        self._partial = b""
        self._skip_lf = False
        self._overflowing = False

    def feed(self, data: bytes) -> list[str]:
        if self._skip_lf and data[:1] == b"\n":
            data = data[1:]
        if data:
            self._skip_lf = data.endswith(b"\r")
        *complete, partial = _LINE_END.split(self._partial + data)
        lines = []
        for raw in complete:
            if self._overflowing:
                self._overflowing = False  # the tail of a line already discarded
                continue
            if len(raw) > self.max_line:
                self.discarded += 1
                continue
            text = clean(raw)
            if text:
                lines.append(text)
        self._partial = self._keep(partial)
        return lines

    def _keep(self, partial: bytes) -> bytes:
        if self._overflowing or len(partial) <= self.max_line:
            return b"" if self._overflowing else partial
        self.discarded += 1
        self._overflowing = True
        return b""


def clean(raw: bytes) -> str:
    """UTF-8 text without control characters or surrounding blanks.

    >>> clean(b"\\x16ABC\\x00 ")
    'ABC'
    """
    text = raw.decode("utf-8", errors="replace")
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cc").strip()


class LineScanner:
    """Reads codes from a serial scanner in a thread and hands each to ``on_code``.

    A repeat of the code last handed over, within ``dedupe_window`` seconds, is
    dropped. A port that vanishes is reopened with back-off.

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
    ) -> None:
        self.url = url
        self.baudrate = baudrate
        self.dedupe_window = dedupe_window
        self._on_code = on_code
        self._serial_for_url = serial_for_url
        self._clock = clock
        self._backoff = Backoff(*reopen_backoff)
        self._read_timeout = read_timeout
        self._splitter = LineSplitter()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._port: Any = None
        self._last: tuple[str, float] | None = None
        self._counts = {"codes": 0, "duplicates": 0, "reopens": 0}
        self._opened_before = False

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
        self._close()

    def connected(self) -> bool:
        """Whether the scanner's port is open right now."""
        return self._port is not None

    def stats(self) -> dict:
        return {**self._counts, "discarded": self._splitter.discarded, "connected": self.connected()}

    def _run(self) -> None:
        while not self._stop.is_set():
            if self._port is None and not self._open():
                self._stop.wait(self._backoff.next())
                continue
            try:
                data = self._port.read(max(1, self._port.in_waiting))
            except (serial.SerialException, OSError) as exc:
                log.warning("scanner %s: port failed: %s", self.url, exc)
                self._close()
                self._stop.wait(self._backoff.next())
                continue
            if data:
                self._backoff.reset()
                for code in self._splitter.feed(data):
                    self._deliver(code)
        self._close()

    def _open(self) -> bool:
        try:
            self._port = self._serial_for_url(self.url, baudrate=self.baudrate, timeout=self._read_timeout)
        except (serial.SerialException, OSError, ValueError) as exc:
            log.warning("scanner %s: cannot open the port: %s", self.url, exc)
            return False
        if self._opened_before:
            self._counts["reopens"] += 1
        self._opened_before = True
        return True

    def _close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except Exception as exc:  # a vanished device may fail even to close
                log.debug("scanner %s: close failed: %s", self.url, exc)

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
