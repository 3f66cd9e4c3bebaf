"""``locker commission``: map a cabinet's doors to locks without reading code.

Per bus: find the boards that answer, detect the latch polarity, pulse each lock in
turn (never two at once) and learn which door opened, from the technician or
(``--auto``) from the latch. The result is the ``[[compartment]]`` map, each bus's
``latched_bit`` and the dead locks; ``--write`` puts them into the configuration
file (keeping a ``.bak``). :class:`Commissioning` talks through ``say``/``ask``
callables so that a test can play the technician.
"""

from __future__ import annotations

import os
import re
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable

import click

from drivers.discovery import BusProbe, LockProbe, Polarity, detect_polarity
from drivers.errors import DriverError, GpioError
from drivers.pin_factories import open_pin_factory
from drivers.relay_probe import RelayProbe
from locker.config import LABEL_RE, SIZES, BusConfig, CompartmentConfig, Config, load_config
from locker.errors import ConfigError

from .commission_file import RewriteError, compartment_lines, rewrite_config, write_config_file

LABEL_SCHEMES = ("letter", "number")
RELAY = "gpio-relay"
SKIP_WORDS = ("b", "s", "skip", "bỏ qua", "bo qua")
DEAD_REASONS = {
    "jammed": ("chốt không nhả", "the latch did not release"),
    "no_door": ("không cửa nào mở", "no door opened"),
    "open_before": ("chốt đã báo mở trước khi thử (cửa mở hoặc không nối dây)",
                    "the latch read open before the test (door open or not wired)"),
    "no_answer": ("bo mạch không trả lời", "the board did not answer"),
}


@dataclass(frozen=True)
class Options:
    """How to commission: questions or latch (``auto``), defaults for new compartments, timeouts.

    >>> Options(label_prefix="K").label(board_index=1, lock=3, position=19)
    'KB03'
    >>> Options(label_scheme="number").label(board_index=1, lock=3, position=19)
    '19'
    """

    auto: bool = False
    size: str = "M"
    label_scheme: str = "letter"
    label_prefix: str = ""
    probe_timeout: float = 0.25
    #: Seconds a latch may take to release after a pulse; None: the bus's ``open_timeout_ms``.
    release_timeout: float | None = None
    #: ``auto``: seconds to wait at the end for every opened door to be closed.
    close_timeout: float = 120.0
    #: Seconds to wait for the latch after the technician says a door is closed.
    recheck_timeout: float = 2.0

    def label(self, *, board_index: int, lock: int, position: int) -> str:
        if self.label_scheme == "number":
            return f"{self.label_prefix}{position:02d}"
        return f"{self.label_prefix}{board_letters(board_index)}{lock:02d}"


def board_letters(index: int) -> str:
    """A, B, ... Z, AA, AB, ...

    >>> [board_letters(i) for i in (0, 25, 26, 27)]
    ['A', 'Z', 'AA', 'AB']
    """
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


@dataclass(frozen=True)
class DeadLock:
    """A lock that did not open a door, and why.

    >>> DeadLock("main", 0, 3, "jammed").describe()
    'main bo mạch/board 0 khóa/lock 3: chốt không nhả / the latch did not release'
    """

    bus: str
    board: int
    lock: int
    reason: str

    def describe(self) -> str:
        vi, en = DEAD_REASONS[self.reason]
        return f"{self.bus} bo mạch/board {self.board} khóa/lock {self.lock}: {vi} / {en}"


@dataclass
class BusResult:
    """What commissioning found on one bus."""

    bus: BusConfig
    boards: list[int] = field(default_factory=list)
    latched_bit: int | None = None
    confirmed: bool = False
    compartments: list[CompartmentConfig] = field(default_factory=list)
    dead: list[DeadLock] = field(default_factory=list)
    still_open: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    """Every bus's result, plus the compartments of buses that were not commissioned."""

    config: Config
    results: list[BusResult]
    kept: list[CompartmentConfig]

    @property
    def compartments(self) -> list[CompartmentConfig]:
        return self.kept + [c for r in self.results for c in r.compartments]

    @property
    def dead(self) -> list[DeadLock]:
        return [d for r in self.results for d in r.dead]

    def latched_bits(self) -> dict[str, int]:
        """Each lock-board bus's latch polarity (relay locks have their switch wiring per lock instead)."""
        return {r.bus.name: r.latched_bit for r in self.results
                if r.latched_bit is not None and r.bus.protocol != RELAY}

    def toml(self) -> str:
        head = [f"# [bus] {name}: latched_bit = {bit}\n" for name, bit in self.latched_bits().items()]
        body = compartment_lines(self.compartments, multi=len(self.config.buses) > 1)
        return "".join(head + ["\n"] + body).strip("\n") + "\n"


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
                 ask: Callable[[str], str] | None = None,
                 open_probe: Callable[..., BusProbe] = BusProbe.open, pin_factory: Any = None) -> None:
        if not options.auto and ask is None:
            raise ValueError("questions need an ask callable; use auto=True otherwise")
        self.config = config
        self.options = options
        self.say = say
        self.ask = ask
        self._open_probe = open_probe
        self._pin_factory = pin_factory
        self._own_pin_factory = False
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
            if self._own_pin_factory:
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
        probe = self._open_relays(bus) if bus.protocol == RELAY else self._open_probe(
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
            self._own_pin_factory = self._pin_factory is not None
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


def parse_door_answer(text: str, *, used: set[str], default_size: str,
                      sizes: dict[str, str] | None = None) -> tuple[str, str] | None:
    """``"A05"``, ``"A05 L"`` or empty (no door); ValueError with a bilingual message otherwise.

    A label already known from the configuration keeps its size unless one is typed.

    >>> parse_door_answer(" a05 l ", used=set(), default_size="M")
    ('a05', 'L')
    >>> parse_door_answer("B02", used=set(), default_size="M", sizes={"B02": "S"})
    ('B02', 'S')
    >>> parse_door_answer("A01 XL", used=set(), default_size="M")
    Traceback (most recent call last):
    ...
    ValueError: Kích cỡ phải là S, M hoặc L / size must be S, M or L
    """
    words = text.split()
    if not words:
        return None
    if len(words) > 2:
        raise ValueError("Nhập nhãn và kích cỡ, ví dụ A05 L / type a label and a size, e.g. A05 L")
    label = words[0]
    if not LABEL_RE.match(label):
        raise ValueError("Nhãn gồm 1-16 chữ, số, '-' hoặc '_' / a label is 1-16 letters, digits, '-' or '_'")
    if label in used:
        raise ValueError(f"Nhãn {label} đã dùng / label {label} is already used")
    size = words[1].upper() if len(words) == 2 else (sizes or {}).get(label, default_size)
    if size not in SIZES:
        raise ValueError("Kích cỡ phải là S, M hoặc L / size must be S, M or L")
    return label, size


# ---- writing the configuration file -------------------------------------------------------

def _config_path(given: str | None) -> Path:
    return Path(given or os.environ.get("LOCKER_CONFIG") or "locker.toml")


def _check_prefix(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if value and not (re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,11}", value)):
        raise click.BadParameter("1-12 chữ, số, '-' hoặc '_' / 1-12 letters, digits, '-' or '_'")
    return value


@click.command("commission")
@click.option("--config", "config_path", metavar="FILE", default=None,
              help="Configuration file (default: locker.toml in the working directory).")
@click.option("--bus", "bus_name", metavar="NAME", default=None, help="Only this bus (default: every bus).")
@click.option("--auto", is_flag=True, help="No questions: learn each door from its latch.")
@click.option("--write", "write", is_flag=True, help="Write the result into the configuration file (keeps FILE.bak).")
@click.option("--size", default="M", show_default=True, type=click.Choice(SIZES, case_sensitive=False),
              help="Size of new compartments.")
@click.option("--label-scheme", default="letter", show_default=True, type=click.Choice(LABEL_SCHEMES),
              help="letter: board letter + lock (A01); number: 01, 02, ...")
@click.option("--label-prefix", default="", callback=_check_prefix, help="Put before every generated label.")
@click.option("--probe-timeout-ms", default=250, show_default=True, type=click.IntRange(10, 5000),
              help="Answer time given to each board address.")
@click.option("--release-timeout-ms", default=None, type=click.IntRange(100, 60000),
              help="Time a latch may take to release (default: the bus's open_timeout_ms).")
@click.option("--close-timeout", "close_timeout", default=120, show_default=True, type=click.IntRange(0, 3600),
              help="--auto: seconds to wait at the end for the doors to be closed.")
@click.option("--scanner", "scanner_only", is_flag=True,
              help="Check instead that the scanner stops and starts reading when told (asks for a code twice).")
def commission_command(config_path: str | None, bus_name: str | None, auto: bool, write: bool, size: str,
                       label_scheme: str, label_prefix: str, probe_timeout_ms: int,
                       release_timeout_ms: int | None, close_timeout: int, scanner_only: bool) -> None:
    """Find the boards, map each lock to its door, detect the latch polarity, list dead locks."""
    path = _config_path(config_path)
    try:
        config = load_config(path)
    except ConfigError as exc:
        raise click.ClickException(f"Lỗi cấu hình / configuration error: {exc.key}: {exc.problem}") from None
    if scanner_only:
        _check_scanner(config)
        return
    if bus_name is not None and bus_name not in {b.name for b in config.buses}:
        known = ", ".join(b.name for b in config.buses)
        raise click.BadParameter(f"không có bus này / no such bus; known: {known}", param_hint="--bus")
    options = Options(auto=auto, size=size.upper(), label_scheme=label_scheme, label_prefix=label_prefix,
                      probe_timeout=probe_timeout_ms / 1000, close_timeout=float(close_timeout),
                      release_timeout=None if release_timeout_ms is None else release_timeout_ms / 1000)
    job = Commissioning(config, options, say=click.echo, ask=_prompt)
    try:
        outcome = job.run(None if bus_name is None else [bus_name])
    except (KeyboardInterrupt, click.Abort):
        click.echo("\nĐã dừng; cấu hình không đổi / stopped; the configuration is unchanged", err=True)
        sys.exit(130)
    except GpioError as exc:
        raise click.ClickException(f"Lỗi GPIO / GPIO error: {exc}") from None
    except DriverError as exc:
        raise click.ClickException(f"Lỗi cổng nối tiếp / serial port error: {exc}") from None
    _finish(outcome, path, write)


def _check_scanner(config: Config) -> None:
    from .commission_scanner import ScannerCheck

    if not config.scanner.url:
        raise click.ClickException("Chưa cấu hình máy quét / no scanner configured: [scanner] url is empty")
    try:
        report = ScannerCheck(config.scanner, say=click.echo, ask=_prompt).run()
    except ConfigError as exc:
        raise click.ClickException(f"Lỗi cấu hình / configuration error: {exc.key}: {exc.problem}") from None
    except (KeyboardInterrupt, click.Abort):
        click.echo("\nĐã dừng / stopped", err=True)
        sys.exit(130)
    if not report.ok:
        sys.exit(1)


def _prompt(question: str) -> str:
    return click.prompt(question, default="", show_default=False)


def _finish(outcome: Outcome, path: Path, write: bool) -> None:
    _summary(outcome)
    if not any(r.boards for r in outcome.results):
        raise click.ClickException("Không tìm thấy bo mạch nào / no board answered on any bus")
    click.echo("")
    if not write:
        click.echo(outcome.toml(), nl=False)
        return
    if not any(r.compartments for r in outcome.results):
        raise click.ClickException("Không có ngăn nào để ghi / no compartment to write; the file is unchanged")
    try:
        text = rewrite_config(path.read_text(encoding="utf-8"), outcome.compartments, outcome.latched_bits())
    except (RewriteError, OSError, UnicodeDecodeError) as exc:
        click.echo(outcome.toml(), nl=False)
        raise click.ClickException(f"Không ghi được / not written: {exc}; paste the TOML above by hand") from None
    backup = write_config_file(path, text)
    click.echo(f"Đã ghi / written: {path} (bản cũ / backup: {backup})")


def _summary(outcome: Outcome) -> None:
    click.echo("")
    click.echo("== Kết quả / result ==")
    for r in outcome.results:
        state = "" if r.confirmed else " (chưa xác nhận / unconfirmed)"
        boards = ", ".join(map(str, r.boards)) or "-"
        bit = "-" if r.latched_bit is None else str(r.latched_bit)
        click.echo(f"{r.bus.name}: bo mạch/boards {boards}; latched_bit = {bit}{state}; "
                   f"{len(r.compartments)} ngăn/compartments")
    dead = outcome.dead
    click.echo(f"Khóa hỏng / dead locks: {len(dead)}")
    for d in dead:
        click.echo("  " + d.describe())
    still = [label for r in outcome.results for label in r.still_open]
    if still:
        click.echo(f"Cửa còn mở / doors still open: {', '.join(still)}")
    new_labels = {c.label for c in outcome.compartments}
    dropped = [c.label for c in outcome.config.compartments if c.label not in new_labels]
    if dropped:
        click.echo(f"Ngăn cũ bị bỏ / old compartments dropped: {', '.join(dropped)}")


if __name__ == "__main__":
    commission_command(prog_name="locker commission")
