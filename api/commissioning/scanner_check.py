"""``locker commission --scanner``: does the scanner stop and start reading when told?

The kiosk switches the scanner off while nobody waits for a code, with the model's
commands (``[scanner] model``). Some of those are menu settings from a single
source (``enable_setting``/``disable_setting`` for Honeywell and Newland), so the
technician checks them on the scanner at hand: with reading switched off a code
held in front of it must not come through; switched on, it must.
:class:`ScannerCheck` talks to the technician through ``say``/``ask`` callables.
"""

from __future__ import annotations

import queue
import time
from dataclasses import dataclass, field
from typing import Callable

from drivers.scanner import LineScanner
from locker.config import SETTING_MODELS, ScannerConfig

from ..hardware import scanner_model

#: How long the port may take to open and the commands to go out; how long a scanner takes to apply them.
COMMAND_TIMEOUT, APPLY_TIME = 3.0, 0.3
#: Seconds a code may take to come through after the technician presses Enter.
DEFAULT_WINDOW = 5.0
PRESENT = ("Đưa một mã QR hoặc mã vạch vào trước máy quét và giữ yên, rồi nhấn Enter / "
           "hold a QR code or barcode in front of the scanner and keep it there, then press Enter")


@dataclass
class ScannerReport:
    """What the check found; ``problems`` is empty when the scanner behaves."""

    model: str
    read_while_off: str | None = None
    read_while_on: str | None = None
    problems: list[str] = field(default_factory=list)
    stats: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


class ScannerCheck:
    """Switches the scanner off, then on, asking for a code each time (see the module).

    ``window`` is how long a code may take to arrive after the technician presses
    Enter (``--scan-wait-ms``).
    """

    def __init__(self, config: ScannerConfig, *, say: Callable[[str], None], ask: Callable[[str], str],
                 window: float = DEFAULT_WINDOW) -> None:
        self.config, self.say, self.ask, self.window = config, say, ask, window
        self._codes: queue.Queue[str] = queue.Queue()
        self.scanner = LineScanner(url=config.url, on_code=self._codes.put, baudrate=config.baudrate,
                                   dedupe_window=0.0, model=scanner_model(config), enabled=False)

    def run(self) -> ScannerReport:
        report = ScannerReport(self.config.model)
        self.say(f"== Máy quét / scanner: {self.config.model} {self.config.url} ==")
        self.scanner.start()
        try:
            if not self._await_commands(0, len(self.scanner.model.disable_sequence())):
                report.problems.append(f"không mở được cổng {self.config.url} / cannot open the port "
                                       f"{self.config.url}: check [scanner] url and the cable")
                return self._finish(report)
            if self.scanner.model.disable_command() is None:
                self.say("Máy quét loại line luôn đọc; không có lệnh tắt / a line scanner always reads; "
                         "it has no off command")
            else:
                report.read_while_off = self._read_after_asking("tắt đọc / reading off")
                if report.read_while_off is not None:
                    report.problems.append(self._off_problem(report.read_while_off))
            sent = self.scanner.stats()["commands"]
            self.scanner.enable()
            self._await_commands(sent, len(self.scanner.model.enable_sequence()))
            report.read_while_on = self._read_after_asking("bật đọc / reading on")
            if report.read_while_on is None:
                report.problems.append(self._on_problem())
        finally:
            report.stats = self.scanner.stats()
            self.scanner.stop()
        return self._finish(report)

    def _finish(self, report: ScannerReport) -> ScannerReport:
        self._summary(report)
        return report

    def _read_after_asking(self, step: str) -> str | None:
        self.say(f"-- {step}")
        self._drain()
        self.ask(PRESENT)
        try:
            code = self._codes.get(timeout=self.window)
        except queue.Empty:
            self.say("   không đọc được mã nào / no code came through")
            return None
        self.say(f"   đã đọc / read: {code}")
        return code

    def _await_commands(self, before: int, count: int) -> bool:
        """Until the port is open and ``count`` more commands have gone out, then a moment for
        the scanner to apply them; False if that did not happen in time."""
        deadline = time.monotonic() + COMMAND_TIMEOUT
        while not self._sent(before + count) and time.monotonic() < deadline:
            time.sleep(0.01)
        if count:
            time.sleep(APPLY_TIME)
        return self._sent(before + count)

    def _sent(self, commands: int) -> bool:
        stats = self.scanner.stats()
        return bool(stats["connected"]) and stats["commands"] >= commands

    def _drain(self) -> None:
        while not self._codes.empty():
            self._codes.get_nowait()

    def _off_problem(self, code: str) -> str:
        vi = f"máy quét vẫn đọc khi đã tắt ({code})"
        en = f"the scanner still reads when switched off ({code})"
        if self.config.model in SETTING_MODELS:
            vi += "; thử giá trị khác cho [scanner] disable_setting"
            en += "; try another [scanner] disable_setting"
        return f"{vi} / {en}"

    def _on_problem(self) -> str:
        hint = "[scanner] enable_setting, " if self.config.model in SETTING_MODELS else ""
        return (f"máy quét không đọc khi đã bật: kiểm tra dây, tốc độ baud, loại máy ({hint}model, trigger) / "
                f"the scanner does not read when switched on: check the cable, the baud rate and "
                f"{hint}model, trigger")

    def _summary(self, report: ScannerReport) -> None:
        answers = {key: report.stats.get(key, 0) for key in ("replies", "acks", "naks")}
        self.say("   trả lời lệnh / command answers: " + ", ".join(f"{k} {v}" for k, v in answers.items()))
        if report.ok:
            self.say("Máy quét hoạt động đúng / the scanner behaves as configured")
        for problem in report.problems:
            self.say("Lỗi / problem: " + problem)
