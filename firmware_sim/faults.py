"""The named fault vocabulary of the simulated bus, with seeded randomness.

Line faults (handled here) act on frames addressed to a board:

* ``no_reply``: the board ignores the frame (no action, no answer);
* ``offline``: the board is switched off: it ignores every frame;
* ``lost_reply``: the board acts on the frame but its answer is lost;
* ``slow``: the answer comes ``slow_delay`` seconds late (default 1.0 s);
* ``bad_checksum``: the answer's last byte (the checksum) is corrupted;
* ``junk``: 1 to 4 random bytes (never the start byte 0x02) precede the answer;
* ``drop_bytes``: 1 to a third of the answer's bytes are removed at random.

* ``power_failure``: the board (or every board) has no power: it ignores every
  frame like ``offline``; the simulator also drops the unlock pulses in progress.

Lock faults (``jam``) live in the cabinet; transport faults (``unplug``,
``replug``) in the transports; ``power_restore`` ends power failures and ``clear``
ends every fault. A fault's scope is the whole bus (``board`` None) or one board;
``count`` is how many frames it affects (0: until cleared). A line fault with
``frames="unlock"`` lies dormant until a frame that pulses a lock of its scope
arrives, and acts from that frame on (the "unlock answer" step of a flow). ``no_reply``,
``offline`` and ``power_failure`` count every frame for their board; the answer
faults count answered frames only. Randomness comes from ``random.Random(seed)``,
so a run with the same seed and frames replays exactly.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

SILENCING = ("no_reply", "offline", "power_failure")
DISTORTING = ("lost_reply", "slow", "bad_checksum", "drop_bytes", "junk")
LINE_KINDS = SILENCING + DISTORTING
#: Faults of a whole transport (the USB adapter of the bus, or the scanner's cable).
PLUG_KINDS = ("unplug", "replug")
#: What ``unplug`` and ``replug`` act on.
PLUG_TARGETS = ("bus", "scanner")
#: Kinds that act once, at once: ``count``, ``board`` and ``lock`` mean nothing to them.
INSTANT_KINDS = PLUG_KINDS + ("power_restore",)
KINDS = LINE_KINDS + ("jam",) + PLUG_KINDS + ("power_restore", "clear")
STX = 0x02


@dataclass
class Fault:
    """One injected fault; ``count`` 0 means until cleared.

    >>> Fault("offline", board=1).applies_to(1), Fault("offline", board=1).applies_to(0)
    (True, False)
    >>> Fault("slow").applies_to(7)
    True
    """

    kind: str
    board: int | None = None
    lock: int | None = None
    count: int = 0
    #: ``"unlock"``: dormant until an unlock frame of its scope arrives; None: from now on.
    frames: str | None = None

    def applies_to(self, board: int, unlock: bool = False) -> bool:
        if self.frames == "unlock" and not unlock:
            return False
        return self.board is None or self.board == board

    def as_dict(self) -> dict:
        shown = {"kind": self.kind, "board": self.board, "lock": self.lock, "count": self.count}
        return shown | ({"frames": self.frames} if self.frames else {})


class FaultSet:
    """The line faults in force, applied frame by frame.

    >>> faults = FaultSet(seed=1)
    >>> faults.add(Fault("bad_checksum", board=0, count=1))
    >>> faults.distort(0, b"\\x02\\x00\\x35\\x03\\x3a")[0] != b"\\x02\\x00\\x35\\x03\\x3a"
    True
    >>> faults.distort(0, b"\\x02\\x00\\x35\\x03\\x3a")
    (b'\\x02\\x005\\x03:', 0.0)
    >>> faults.add(Fault("power_failure"))
    >>> bool(faults.silenced(1))
    True
    >>> faults.restore_power(); bool(faults.silenced(1))
    False
    """

    def __init__(self, seed: int | None = None, *, slow_delay: float = 1.0) -> None:
        self.slow_delay = slow_delay
        self._rng = random.Random(seed)
        self._faults: list[Fault] = []
        self._mutex = threading.Lock()

    def add(self, fault: Fault) -> None:
        if fault.kind not in LINE_KINDS:
            raise ValueError(f"{fault.kind!r} is not a line fault")
        with self._mutex:
            self._faults.append(Fault(fault.kind, fault.board, fault.lock, fault.count, fault.frames))

    def clear(self) -> None:
        with self._mutex:
            self._faults.clear()

    def restore_power(self, board: int | None = None) -> None:
        """End the power failures of ``board``, or every power failure (``board`` None)."""
        with self._mutex:
            self._faults = [f for f in self._faults
                            if f.kind != "power_failure" or (board is not None and f.board != board)]

    def active(self) -> list[Fault]:
        with self._mutex:
            return [Fault(f.kind, f.board, f.lock, f.count, f.frames) for f in self._faults]

    def silenced(self, board: int, unlock: bool = False) -> list[str]:
        """The silencing kinds that make the board ignore the frame it is receiving now
        (uses up counts; ``unlock``: the frame pulses a lock, waking faults armed for it)."""
        with self._mutex:
            return [f.kind for f in self._take(board, SILENCING, unlock)]

    def distort(self, board: int, reply: bytes, unlock: bool = False) -> tuple[bytes | None, float]:
        """The bytes that reach the host for this answer, and the extra delay."""
        with self._mutex:
            hits = {f.kind for f in self._take(board, DISTORTING, unlock)}
            if "lost_reply" in hits:
                return None, 0.0
            data = bytearray(reply)
            if "bad_checksum" in hits and data:
                data[-1] ^= self._rng.randint(1, 255)
            if "drop_bytes" in hits and len(data) > 1:
                self._drop(data)
            if "junk" in hits:
                data[:0] = bytes(self._junk_byte() for _ in range(self._rng.randint(1, 4)))
            delay = self.slow_delay if "slow" in hits else 0.0
        return bytes(data), delay

    def _take(self, board: int, kinds: tuple[str, ...], unlock: bool) -> list[Fault]:
        hits = [f for f in self._faults if f.kind in kinds and f.applies_to(board, unlock)]
        for fault in hits:
            fault.frames = None  # an armed fault, once woken, acts like any other
            if fault.count:
                fault.count -= 1
                if fault.count == 0:
                    self._faults.remove(fault)
        return hits

    def _drop(self, data: bytearray) -> None:
        for _ in range(self._rng.randint(1, max(1, len(data) // 3))):
            del data[self._rng.randrange(len(data))]

    def _junk_byte(self) -> int:
        value = self._rng.randrange(255)
        return value + 1 if value >= STX else value
