"""The simulated board families by name, and a cabinet's boards of one family."""

from __future__ import annotations

from .board8a import Board8AFirmware
from .errors import SimulatorError
from .firmware import BoardFirmware
from .kerong import KerongCU16Firmware
from .kerong_cu48 import KerongCU48Firmware
from .layout import RELAY_PROTOCOL, FamilyCabinet
from .winnsen import WinnsenFirmware

BOARD_TYPES: dict[str, type[BoardFirmware]] = {
    "kerong-cu16": KerongCU16Firmware,
    "kerong-cu48": KerongCU48Firmware,
    "8a": Board8AFirmware,
    "winnsen": WinnsenFirmware,
}


def board_family(board_type: str, relay_locks: int, board_options) -> type[BoardFirmware] | None:
    """The board firmware of ``board_type``; None for a cabinet of ``relay_locks`` relay locks only.

    >>> board_family("kerong-cu16", 0, None).__name__
    'KerongCU16Firmware'
    >>> board_family("gpio-relay", 0, None)
    Traceback (most recent call last):
    ...
    firmware_sim.errors.SimulatorError: a gpio-relay cabinet needs relay locks: gpio=SimGpio(relay_locks=[...])
    """
    if board_type == RELAY_PROTOCOL:
        if not relay_locks:
            raise SimulatorError("a gpio-relay cabinet needs relay locks: gpio=SimGpio(relay_locks=[...])",
                                 code="no_relay_locks", vi="tủ khóa rơ-le (gpio-relay) cần ít nhất một khóa rơ-le")
        if board_options:
            raise SimulatorError("relay locks take no board options", code="invalid_board_option",
                                 vi="khóa rơ-le không có tùy chọn bo mạch")
        return None
    family = BOARD_TYPES.get(board_type)
    if family is None:
        known = ", ".join([*BOARD_TYPES, RELAY_PROTOCOL])
        raise SimulatorError(f"unknown board type {board_type!r}; known: {known}", code="unknown_board_type",
                             vi=f"không biết loại bo mạch {board_type!r}")
    return family


def board_layout(family: type[BoardFirmware], boards, options: dict) -> tuple[range, int]:
    """The addresses of the first ``boards`` boards of the family, and its locks per board."""
    try:
        addresses, locks_per_board = family.addresses(options), family.locks_per_board(options)
    except (TypeError, ValueError) as exc:
        raise SimulatorError(f"bad board option: {exc}", code="invalid_board_option",
                             vi=f"tùy chọn bo mạch không hợp lệ: {exc}") from None
    if not _is_int(boards) or not 1 <= boards <= len(addresses):
        raise SimulatorError(f"boards must be between 1 and {len(addresses)}", code="invalid_boards",
                             vi=f"số bo mạch phải từ 1 đến {len(addresses)}")
    return addresses[:boards], locks_per_board


def board_firmware(family: type[BoardFirmware], cabinet: FamilyCabinet, *, latched_bit, answer_unlock: bool,
              options: dict) -> dict[int, BoardFirmware]:
    try:
        return {b: family(b, cabinet, latched_bit=latched_bit, answer_unlock=answer_unlock, **options)
                for b in cabinet.addresses}
    except (TypeError, ValueError) as exc:
        raise SimulatorError(f"bad board option: {exc}", code="invalid_board_option",
                             vi=f"tùy chọn bo mạch không hợp lệ: {exc}") from None


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
