"""The alarm vocabulary (docs/interface.md), in one place, with its words for people.

>>> AlarmKind.JAM == "jam", len(AlarmKind)
(True, 13)
>>> KIND_TEXT[AlarmKind.ON_BATTERY][1]
'Running on battery'
"""

from __future__ import annotations

from enum import StrEnum


class AlarmKind(StrEnum):
    JAM = "jam"
    FORCED_OPEN = "forced_open"
    DOOR_LEFT_OPEN = "door_left_open"
    UNEXPECTED_ITEM = "unexpected_item"
    ITEM_LEFT_INSIDE = "item_left_inside"
    BOARD_OFFLINE = "board_offline"
    ON_BATTERY = "on_battery"
    BATTERY_LOW = "battery_low"
    TAMPER = "tamper"
    FAILED_CODES = "failed_codes"
    CODE_ENTRY_LOCKED = "code_entry_locked"
    SMS_UNDELIVERABLE = "sms_undeliverable"
    PRINTER = "printer"


#: (Vietnamese, English) for the console, the kiosk and the SMS to staff.
KIND_TEXT: dict[AlarmKind, tuple[str, str]] = {
    AlarmKind.JAM: ("Khóa bị kẹt", "Lock jammed"),
    AlarmKind.FORCED_OPEN: ("Cửa bị mở cưỡng bức", "Door forced open"),
    AlarmKind.DOOR_LEFT_OPEN: ("Cửa để mở quá lâu", "Door left open"),
    AlarmKind.UNEXPECTED_ITEM: ("Có vật lạ trong ngăn", "Unexpected item"),
    AlarmKind.ITEM_LEFT_INSIDE: ("Hồ sơ bị bỏ quên trong ngăn", "Item left inside"),
    AlarmKind.BOARD_OFFLINE: ("Bo mạch khóa mất kết nối", "Lock board offline"),
    AlarmKind.ON_BATTERY: ("Mất điện lưới, đang chạy pin", "Running on battery"),
    AlarmKind.BATTERY_LOW: ("Pin yếu", "Battery low"),
    AlarmKind.TAMPER: ("Phát hiện can thiệp tủ", "Tamper detected"),
    AlarmKind.FAILED_CODES: ("Nhập sai mã nhiều lần", "Repeated failed codes"),
    AlarmKind.CODE_ENTRY_LOCKED: ("Đã khóa nhập mã", "Code entry locked"),
    AlarmKind.SMS_UNDELIVERABLE: ("Không gửi được SMS", "SMS undeliverable"),
    AlarmKind.PRINTER: ("Lỗi máy in", "Printer problem"),
}
