"""Kerong KR-CU48 lock boards (48 locks a board; single source).

Frames are ``02 ADDR LOCK CMD 03 SUM`` with SUM the low byte of the sum of the
preceding bytes: read ``02 ADDR 00 50 03 SUM``, unlock ``02 ADDR LOCK 51 03 SUM``
with LOCK counted from 0. The status reply is 12 bytes,
``02 ADDR 00 65 D1 D2 D3 D4 D5 D6 03 SUM``, where bit 0 of D1 is lock 1.

>>> cu48 = KerongCU48()
>>> cu48.read_request(0).hex(" ")
'02 00 00 50 03 55'
>>> cu48.unlock_request(0, 48).hex(" ")
'02 00 2f 51 03 85'
"""

from __future__ import annotations

from .errors import ChecksumError, FrameError
from .families import family
from .kerong import ETX, STX, KerongFrameDecoder, checksum
from .protocol import BoardProtocol, BoardStatus

READ = 0x50
UNLOCK = 0x51
STATUS_REPLY = 0x65
LOCKS = family("kerong-cu48").locks_per_board
STATUS_LENGTH = 12
#: Frame length by command byte (the fourth byte of a CU48 frame).
FRAME_LENGTHS = {READ: 6, UNLOCK: 6, STATUS_REPLY: STATUS_LENGTH}


def build_frame(address: int, lock_byte: int, command: int, data: bytes = b"") -> bytes:
    """``02 ADDR LOCK CMD DATA 03 SUM``."""
    body = bytes([STX, address, lock_byte, command]) + data + bytes([ETX])
    return body + bytes([checksum(body)])


class KerongCU48FrameDecoder(KerongFrameDecoder):
    """Splits a CU48 byte stream into checksum-verified frames (the command is byte 4).

    >>> decoder = KerongCU48FrameDecoder()
    >>> [f.hex(" ") for f in decoder.feed(bytes.fromhex("77 02 00 00 50 03 55"))]
    ['02 00 00 50 03 55']
    """

    command_offset = 3
    frame_lengths = FRAME_LENGTHS


class KerongCU48(BoardProtocol):
    """The CU48 protocol; ``latched_bit`` is the bit value that means "latched".

    CU48 boards have no item sensors: every status reports ``items`` all False.

    >>> cu48 = KerongCU48()
    >>> frame = cu48.encode_status(BoardStatus(3, (False,) + (True,) * 47, (False,) * 48))
    >>> frame.hex(" ")
    '02 03 00 65 fe ff ff ff ff ff 03 66'
    >>> cu48.parse_status(frame, 3).is_latched(1), cu48.parse_status(frame, 3).is_latched(48)
    (False, True)
    """

    facts = family("kerong-cu48")
    unlock_may_reply = True

    def __init__(self, *, latched_bit: int | None = None) -> None:
        self.latched_bit = self.default_latched_bit(latched_bit)

    def read_request(self, board: int) -> bytes:
        return build_frame(self.check_board(board), 0, READ)

    def unlock_request(self, board: int, lock: int) -> bytes:
        return build_frame(self.check_board(board), self.check_lock(lock) - 1, UNLOCK)

    def decoder(self) -> KerongCU48FrameDecoder:
        return KerongCU48FrameDecoder()

    def parse_status(self, frame: bytes, board: int) -> BoardStatus:
        self.check_board(board)
        frame = bytes(frame)
        if len(frame) != STATUS_LENGTH or frame[0] != STX or frame[3] != STATUS_REPLY:
            raise FrameError(f"not a CU48 status frame: {frame.hex(' ')}")
        if frame[-2] != ETX:
            raise FrameError(f"status frame without its 03 trailer: {frame.hex(' ')}")
        if checksum(frame[:-1]) != frame[-1]:
            raise ChecksumError(f"bad checksum in {frame.hex(' ')}")
        if frame[1] != board:
            raise FrameError(f"status of board {frame[1]} where board {board} was asked")
        word = int.from_bytes(frame[4:10], "little")
        bits = [(word >> index) & 1 for index in range(LOCKS)]
        return BoardStatus(board, tuple(bit == self.latched_bit for bit in bits), (False,) * LOCKS)

    def encode_status(self, status: BoardStatus) -> bytes:
        """The 12-byte status frame a board would send for ``status`` (items are not sent)."""
        if status.locks != LOCKS:
            raise ValueError(f"a CU48 status has {LOCKS} locks, not {status.locks}")
        word = sum(1 << index for index, latched in enumerate(status.latched)
                   if (1 if latched else 0) == self.latched_bit)
        return build_frame(self.check_board(status.board), 0, STATUS_REPLY, word.to_bytes(6, "little"))
