"""The walk along one cabinet: find the boards, detect the latch polarity, pulse each lock in
turn (never two at once) and learn which door opened, from the technician or (``auto``)
from the latch."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from typing import Any, Callable, Iterable

from drivers.discovery import BusProbe, LockProbe, Polarity, detect_polarity
from drivers.pin_factories import open_pin_factory
from drivers.relay_probe import RelayProbe
from locker.config import BusConfig, CompartmentConfig, Config

from .results import RELAY, SKIP_WORDS, BusResult, DeadLock, Options, Outcome, board_letters, parse_door_answer


class Commissioning:
    """Walks the technician through the buses of ``config``.

    ``say(text)`` shows a line; ``ask(text)`` asks a question and returns the answer
    (it may raise KeyboardInterrupt). Nothing is written anywhere: :meth:`run`
    returns an :class:`Outcome`.

    >>> from firmware_sim import Simulator
    >>> sim = Simulator(boards=1, spring_delay=0.0)
    >>> from locker.config import config_from_dict
    >>> cfg = config_from_dict({"bus": {"url": sim.serve_bus("inprocess")}}, env={})
    >>> job = Commissioning(cfg, Options(auto=True, probe_timeout=0.02, close_timeout=0), say=lambda t: None)
    >>> outcome = job.run()
    >>> len(outcome.compartments), outcome.compartments[0].label, outcome.latched_bits()
    (16, 'A01', {'main': 1})
    >>> sim.close()
    """

    def __init__(self, config: Config, options: Options, *, say: Callable[[str], None],
                 ask: Callable[[str], str] | None = None) -> None:
        if not options.auto and ask is None:
            raise ValueError("questions need an ask callable; use auto=True otherwise")
        self.config = config
        self.options = options
        self.say = say
        self.ask = ask
        self._pin_factory: Any = None  # ``[gpio] pin_factory``, opened for the first relay bus
        self._used: set[str] = set()
        self._board_index = 0
        self._position = 0
        self._before: dict[tuple[str, int, int], int | None] = {}

    def run(self, bus_names: Iterable[str] | None = None) -> Outcome:
        names = [b.name for b in self.config.buses] if bus_names is None else list(bus_names)
        unknown = [n for n in names if n not in {b.name for b in self.config.buses}]
        if unknown:
            raise ValueError(f"unknown bus {unknown[0]!r}")
        self._show_existing()
        self._used = {c.label for c in self.config.compartments if c.bus not in names}
        try:
            results = [self._commission_bus(bus) for bus in self.config.buses if bus.name in names]
        finally:
            if self._pin_factory is not None:
                self._pin_factory.close()
        silent = {r.bus.name for r in results if not r.boards}  # an unplugged bus keeps its map
        kept = [c for c in self.config.compartments if c.bus not in names or c.bus in silent]
        return Outcome(self.config, results, kept)

    def _show_existing(self) -> None:
        existing = self.config.compartments
        self.say(f"Cấu hình hiện có {len(existing)} ngăn / the configuration has {len(existing)} compartments"
                 + (":" if existing else ""))
        for c in existing:
            self.say(f"  {c.label}: {c.bus} bo mạch/board {c.board} khóa/lock {c.lock} cỡ/size {c.size}")

    # ---- one bus ----------------------------------------------------------------------

    def _commission_bus(self, bus: BusConfig) -> BusResult:
        result = BusResult(bus)
        where = f"{len(bus.relay_locks)} rơ-le/relays" if bus.protocol == RELAY else bus.url
        self.say(f"== {bus.name}: {bus.protocol} {where} ==")
        probe = self._open_relays(bus) if bus.protocol == RELAY else BusProbe.open(
            bus.url, bus.protocol, baudrate=bus.baudrate, options=bus.protocol_options(),
            probe_timeout=self.options.probe_timeout, answer_timeout=bus.answer_timeout_ms / 1000)
        try:
            result.boards = probe.find_boards(bus.board_range)
            if not result.boards:
                self.say("Không bo mạch nào trả lời / no board answered")
                return result
            self.say(f"Bo mạch trả lời / boards answering: {', '.join(map(str, result.boards))}")
            self._walk(probe, result)
        finally:
            probe.close()
        return result

    def _open_relays(self, bus: BusConfig) -> RelayProbe:
        if self._pin_factory is None:
            self._pin_factory = open_pin_factory(self.config.gpio_pin_factory)
        return RelayProbe(bus.relay_locks, pin_factory=self._pin_factory, pulse_time=bus.pulse_ms / 1000,
                          setting=f"{bus.name}.relay_locks")

    def _walk(self, probe: LockProbe, result: BusResult) -> None:
        bits = {board: probe.read_bits(board) for board in result.boards}
        read = {b: v for b, v in bits.items() if v is not None}
        if result.bus.protocol == RELAY:  # a pressed switch reads 1 whatever its wiring
            polarity = Polarity(1, tuple((b, i + 1) for b, v in read.items() for i, bit in enumerate(v) if bit != 1))
            result.confirmed = True
        else:
            polarity = detect_polarity(read, result.bus.latched_bit)
            self.say(f"Giá trị bit khi khóa đóng (dự đoán) / latched bit value (guess): {polarity.latched_bit}")
        result.latched_bit = polarity.latched_bit
        if polarity.odd_locks:
            self._close_first(probe, polarity.odd_locks, polarity.latched_bit)
        opened: list[tuple[int, int, str]] = []
        for board in result.boards:
            board_index = self._next_board_index()
            for lock in range(1, probe.locks_per_board + 1):
                self._position += 1
                door = self._test_lock(probe, result, board, lock, board_index)
                if door is not None:
                    opened.append((board, lock, door))
        if self.options.auto:
            # A lock tested before a pulse corrected the polarity may have the wrong reason.
            result.dead = [replace(d, reason=_reason(self._before[(d.bus, d.board, d.lock)], result.latched_bit))
                           for d in result.dead]
            if opened:
                result.still_open = self._wait_all_closed(probe, opened, result.latched_bit)
        if not result.confirmed:
            self.say("Cảnh báo: cực tính chốt chưa xác nhận / warning: latch polarity unconfirmed")

    def _close_first(self, probe: LockProbe, odd: tuple[tuple[int, int], ...], latched_bit: int) -> None:
        where = ", ".join(f"{b}/{n}" for b, n in odd)
        self.say(f"Khóa đang báo mở (bo mạch/khóa) / locks reading open (board/lock): {where}")
        if self.options.auto:
            return
        self._ask("Đóng các cửa này rồi nhấn Enter / close these doors, then press Enter")
        still = [f"{b}/{n}" for b, n in odd if probe.read_lock(b, n) != latched_bit]
        if still:
            self.say(f"Vẫn báo mở / still reading open: {', '.join(still)}")

    def _next_board_index(self) -> int:
        """The next board letter whose labels no compartment kept from another bus uses."""
        index = self._board_index
        while self.options.label_scheme == "letter" and any(
                re.fullmatch(re.escape(self.options.label_prefix + board_letters(index)) + r"\d\d", label)
                for label in self._used):
            index += 1
        self._board_index = index + 1
        return index

    def _test_lock(self, probe: LockProbe, result: BusResult, board: int, lock: int,
                   board_index: int) -> str | None:
        """Pulse one lock; the label of the door it opened (to be closed), else None."""
        bus = result.bus
        before = probe.read_lock(board, lock)
        self.say(f"Mở khóa / pulsing: bo mạch/board {board} khóa/lock {lock}")
        timeout = self.options.release_timeout
        flipped = self._pulse(probe, board, lock, before, bus.open_timeout_ms / 1000 if timeout is None else timeout)
        if flipped and not result.confirmed:
            result.confirmed = True
            if before != result.latched_bit:
                self.say(f"Sửa cực tính / polarity corrected: latched_bit = {before}")
            result.latched_bit = before
        released = flipped and before == result.latched_bit
        if self.options.auto:
            if released:
                label = self._auto_label(board_index, lock)
                result.compartments.append(CompartmentConfig(label, board, lock, self.options.size, bus.name))
                self.say(f"  -> {label}")
                return label
            self._before[(bus.name, board, lock)] = before
            self._dead(result, DeadLock(bus.name, board, lock, _reason(before, result.latched_bit)))
            return None
        self._ask_door(probe, result, board, lock, released)
        return None

    @staticmethod
    def _pulse(probe: LockProbe, board: int, lock: int, before: int | None, timeout: float) -> bool:
        """Pulse (again while the board refuses, as in a cooldown); True if the latch bit flipped."""
        deadline = time.monotonic() + timeout
        while not probe.pulse(board, lock) and time.monotonic() < deadline:
            time.sleep(0.2)
        if before is None:
            return False
        return probe.wait_bit(board, lock, 1 - before, max(0.0, deadline - time.monotonic()))

    def _auto_label(self, board_index: int, lock: int) -> str:
        label = self.options.label(board_index=board_index, lock=lock, position=self._position)
        while label in self._used:  # "number" labels skip those kept from other buses
            self._position += 1
            label = self.options.label(board_index=board_index, lock=lock, position=self._position)
        self._used.add(label)
        return label

    def _dead(self, result: BusResult, dead: DeadLock) -> None:
        result.dead.append(dead)
        self.say("  -> " + dead.describe())

    # ---- the technician's answers -----------------------------------------------------

    def _ask_door(self, probe: LockProbe, result: BusResult, board: int, lock: int, released: bool) -> None:
        """Ask which door opened until the answer makes sense, then have it closed."""
        latch = "chốt đã nhả / latch released" if released else "chốt chưa nhả / latch not released"
        question = (f"Cửa nào đã mở? Nhãn [cỡ S/M/L], Enter = không cửa nào / "
                    f"which door opened? label [size S/M/L], Enter = none ({latch})")
        while True:
            try:
                answer = parse_door_answer(self._ask(question), used=self._used, default_size=self.options.size,
                                           sizes={c.label: c.size for c in self.config.compartments})
                break
            except ValueError as exc:
                self.say(str(exc))
        bus = result.bus.name
        if answer is None:
            self._dead(result, DeadLock(bus, board, lock, "no_door"))
            return
        label, size = answer
        self._used.add(label)
        result.compartments.append(CompartmentConfig(label, board, lock, size, bus))
        if not released:
            self.say(f"Cảnh báo: cảm biến chốt của {label} không báo nhả / "
                     f"warning: the latch sensor of {label} did not report the release")
            self._ask(f"Đóng cửa {label} rồi nhấn Enter / close door {label}, then press Enter")
            return
        self._close_door(probe, result, board, lock, label)

    def _close_door(self, probe: LockProbe, result: BusResult, board: int, lock: int, label: str) -> None:
        self._ask(f"Đóng cửa {label} rồi nhấn Enter / close door {label}, then press Enter")
        while not probe.wait_bit(board, lock, result.latched_bit, self.options.recheck_timeout):
            self.say(f"Cửa {label} vẫn mở / door {label} is still open")
            again = self._ask("Enter = kiểm tra lại / check again, b = bỏ qua / skip")
            if again.strip().lower() in SKIP_WORDS:
                result.still_open.append(label)
                return

    def _wait_all_closed(self, probe: LockProbe, opened: list[tuple[int, int, str]], latched_bit: int) -> list[str]:
        timeout = self.options.close_timeout
        self.say(f"Đóng mọi cửa đã mở (chờ tối đa {timeout:g} giây) / "
                 f"close every door that opened (waiting up to {timeout:g} s)")
        left = probe.wait_all([(b, n) for b, n, _ in opened], latched_bit, timeout)
        still = [label for b, n, label in opened if (b, n) in left]
        if still:
            self.say(f"Cửa còn mở / doors still open: {', '.join(still)}")
        return still

    def _ask(self, question: str) -> str:
        assert self.ask is not None
        return self.ask(question)


def _reason(before: int | None, latched_bit: int | None) -> str:
    """Why a lock whose latch bit read ``before`` did not release under ``--auto``."""
    if before is None:
        return "no_answer"
    return "jammed" if before == latched_bit else "open_before"
