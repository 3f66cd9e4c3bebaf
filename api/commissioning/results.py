"""What commissioning finds: per bus the boards, the latch polarity, the compartments and
the dead locks; the options that shape it; and the technician's answer about a door."""

from __future__ import annotations

from dataclasses import dataclass, field

from locker.config import LABEL_RE, SIZES, BusConfig, CompartmentConfig, Config

from .config_file import compartment_lines

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
