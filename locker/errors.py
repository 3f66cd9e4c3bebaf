"""The domain's exception hierarchy.

Every error a person can cause carries a stable machine word (``code``), an HTTP
status for the API layer, and a message in Vietnamese and in English.

>>> err = NotFound("dropoff", 7)
>>> err.code, err.status
('not_found', 404)
>>> err.message("en")
'dropoff 7 was not found.'
"""

from __future__ import annotations

from typing import Any


class LockerError(Exception):
    """Base class of every error raised by the domain."""

    code = "error"
    status = 400

    def __init__(self, message_vi: str, message_en: str, **details: Any) -> None:
        super().__init__(message_en)
        self.message_vi = message_vi
        self.message_en = message_en
        self.details = details

    def message(self, lang: str = "vi") -> str:
        return self.message_en if lang == "en" else self.message_vi


class InvalidInput(LockerError):
    """A request field is missing, of the wrong type, or out of range."""

    code = "invalid_input"
    status = 400

    def __init__(self, field: str, message_vi: str, message_en: str) -> None:
        super().__init__(message_vi, message_en, field=field)
        self.field = field


class NotFound(LockerError):
    code = "not_found"
    status = 404

    def __init__(self, what: str, key: object) -> None:
        super().__init__(f"Không tìm thấy {what} {key}.", f"{what} {key} was not found.")


class NoCompartmentAvailable(LockerError):
    code = "no_compartment"
    status = 409

    def __init__(self, size: str) -> None:
        super().__init__(
            f"Hiện không còn ngăn trống cỡ {size} hoặc lớn hơn.",
            f"No free compartment of size {size} or larger is available now.",
            size=size,
        )


class NoLowCompartment(NoCompartmentAvailable):
    """A low compartment was asked for (wheelchair reach) and none of a fitting size is free."""

    code = "no_low_compartment"

    def __init__(self, size: str) -> None:
        LockerError.__init__(
            self,
            f"Hiện không còn ngăn thấp (trong tầm với từ xe lăn) trống cỡ {size} hoặc lớn hơn.",
            f"No free low compartment (within reach from a wheelchair) of size {size} or larger is available now.",
            size=size, low=True,
        )


class Conflict(LockerError):
    """The request is valid but the current state does not allow it."""

    code = "conflict"
    status = 409


class AlreadyInCabinet(Conflict):
    code = "already_in_cabinet"

    def __init__(self, dossier_code: str) -> None:
        super().__init__(
            f"Hồ sơ {dossier_code} đã được gửi vào tủ, không cần gửi lại. Nếu cần, vui lòng liên hệ cán bộ.",
            f"Dossier {dossier_code} is already in the locker; there is no need to drop it off again. "
            "Please ask a clerk if you need help.",
            dossier_code=dossier_code,
        )


class AlreadyRated(Conflict):
    """One rating per drop-off or pickup: a second is refused."""

    code = "already_rated"

    def __init__(self) -> None:
        super().__init__("Lượt giao dịch này đã được đánh giá. Xin cảm ơn!",
                         "This drop-off or pickup has already been rated. Thank you!")


class InvalidCredentials(LockerError):
    """``attempts_left``: for a typed code, how many wrong codes remain before code entry
    for that dossier is locked (None for a QR code).

    >>> InvalidCredentials(2).message("en").split(". ")[-1]
    '2 tries left before code entry locks.'
    """

    code = "invalid_credentials"
    status = 403

    def __init__(self, attempts_left: int | None = None) -> None:
        vi, en = ("Mã hồ sơ hoặc mã nhận không đúng, đã dùng hoặc đã hết hạn.",
                  "The dossier code or pickup code is wrong, already used or expired.")
        if attempts_left == 0:
            vi += " Đã khoá nhập mã: hãy dùng mã QR hoặc hỏi cán bộ."
            en += " Code entry is locked: use the QR code or ask a clerk."
        elif attempts_left is not None:
            vi += f" Còn {attempts_left} lần thử trước khi khoá nhập mã."
            en += f" {attempts_left} tries left before code entry locks."
        super().__init__(vi, en, **({} if attempts_left is None else {"attempts_left": attempts_left}))
        self.attempts_left = attempts_left


class Throttled(LockerError):
    code = "throttled"
    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Nhập sai quá nhiều lần. Vui lòng chờ {retry_after} giây rồi thử lại.",
            f"Too many failed attempts. Please wait {retry_after} seconds and try again.",
            retry_after=retry_after,
        )
        self.retry_after = retry_after


class Unauthorized(LockerError):
    code = "unauthorized"
    status = 401

    def __init__(self) -> None:
        super().__init__(
            "Cần đăng nhập bằng mã truy cập hợp lệ.",
            "A valid bearer token is required.",
        )


class Forbidden(LockerError):
    code = "forbidden"
    status = 403

    def __init__(self) -> None:
        super().__init__(
            "Tài khoản này không có quyền thực hiện thao tác này.",
            "This account is not allowed to do that.",
        )


class HardwareUnavailable(LockerError):
    code = "hardware_unavailable"
    status = 503

    def __init__(self) -> None:
        super().__init__(
            "Tủ đang gặp sự cố phần cứng. Vui lòng liên hệ cán bộ.",
            "The cabinet has a hardware problem. Please contact a clerk.",
        )


class OnBattery(LockerError):
    code = "on_battery"
    status = 503

    def __init__(self) -> None:
        super().__init__(
            "Tủ đang chạy bằng pin dự phòng nên tạm ngừng nhận hồ sơ. Vui lòng quay lại sau.",
            "The cabinet is running on its backup battery and takes no new dossiers now. Please come back later.",
        )


class ConfigError(Exception):
    """A configuration value is wrong or missing. ``key`` names it (``bus.url``)."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"configuration error in {key}: {problem}")
        self.key = key
        self.problem = problem


class SignInFailed(LockerError):
    """A wrong account name or password (never saying which)."""

    code = "sign_in_failed"
    status = 401

    def __init__(self) -> None:
        super().__init__("Tên tài khoản hoặc mật khẩu không đúng.", "The account name or password is wrong.")


class TokenExpired(LockerError):
    code = "token_expired"
    status = 401

    def __init__(self, expired_at: Any) -> None:
        when = expired_at.strftime("%Y-%m-%d %H:%M UTC")
        super().__init__(f"Mã truy cập API đã hết hạn lúc {when}. Hãy nhờ quản trị viên cấp mã mới.",
                         f"This API token expired at {when}. Ask an administrator for a new one.",
                         expired_at=when)


class AccountLocked(LockerError):
    """Too many wrong passwords (or PINs) in a row: the account waits ``retry_after`` seconds."""

    code = "account_locked"
    status = 429

    def __init__(self, retry_after: int, until_local: str, *, what: str = "password") -> None:
        minutes = max(1, -(-retry_after // 60))
        vi_what, en_what = ("mã PIN", "PIN") if what == "pin" else ("mật khẩu", "password")
        super().__init__(
            f"Tài khoản tạm khóa vì nhập sai {vi_what} nhiều lần. Vui lòng thử lại sau {minutes} phút "
            f"(lúc {until_local}).",
            f"The account is locked after too many wrong {en_what} attempts. Please try again in {minutes} "
            f"minutes (at {until_local}).",
            retry_after=retry_after)
        self.retry_after = retry_after


class BadPin(LockerError):
    """A wrong PIN after a badge (the same word as a wrong password)."""

    code = "sign_in_failed"
    status = 401

    def __init__(self) -> None:
        super().__init__("Mã PIN không đúng.", "The PIN is wrong.")


class BadgeExpired(LockerError):
    code = "badge_expired"
    status = 410

    def __init__(self) -> None:
        super().__init__("Thẻ đã quét quá lâu. Vui lòng quét lại thẻ.",
                         "The badge was scanned too long ago. Please scan it again.")
