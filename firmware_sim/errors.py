"""The simulator's one error: bad input, with a stable word and both languages."""

from __future__ import annotations


class SimulatorError(ValueError):
    """Bad input to the simulator; ``code`` is a stable word, the text is English.

    >>> err = SimulatorError("no board 9", code="unknown_board", vi="không có bo mạch 9")
    >>> err.code, str(err), err.vi
    ('unknown_board', 'no board 9', 'không có bo mạch 9')
    """

    def __init__(self, message: str, *, code: str = "invalid_request", vi: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.vi = vi or message
