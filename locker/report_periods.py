"""Report ranges and periods: office days given as ``YYYY-MM-DD``, cut into days, ISO
weeks (Monday to Sunday) or calendar months, each clipped to the range.

>>> [(a.isoformat(), b.isoformat()) for a, b in periods(date(2026, 3, 30), date(2026, 4, 2), "week")]
[('2026-03-30', '2026-04-02')]
>>> [a.day for a, _ in periods(date(2026, 3, 30), date(2026, 4, 2), "day")]
[30, 31, 1, 2]
>>> [(a.isoformat(), b.isoformat()) for a, b in periods(date(2026, 1, 15), date(2026, 2, 3), "month")]
[('2026-01-15', '2026-01-31'), ('2026-02-01', '2026-02-03')]
>>> day_range("2026-03-01", "2026-02-01")
Traceback (most recent call last):
...
locker.errors.InvalidInput: The end of the range comes before its start.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from .errors import InvalidInput
from .messages import VN_TIME

PERIODS = ("day", "week", "month")
#: The longest range one report covers (a few years of days).
MAX_DAYS = 3 * 366


def parse_day(field: str, value: Any) -> date:
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(field, f"{field} phải là ngày dạng YYYY-MM-DD.",
                           f"The {field} must be a date as YYYY-MM-DD.") from None


def day_range(start: Any, end: Any) -> tuple[date, date]:
    first, last = parse_day("from", start), parse_day("to", end)
    if last < first:
        raise InvalidInput("to", "Ngày kết thúc đứng trước ngày bắt đầu.",
                           "The end of the range comes before its start.")
    if (last - first).days >= MAX_DAYS:
        raise InvalidInput("to", "Khoảng thời gian quá dài (tối đa 3 năm).",
                           "The range is too long (3 years at most).")
    return first, last


def period_name(value: Any) -> str:
    if value is None:
        return "day"
    if value not in PERIODS:
        raise InvalidInput("period", "Chu kỳ phải là day, week hoặc month.",
                           "The period must be day, week or month.")
    return str(value)


def periods(first: date, last: date, period: str) -> list[tuple[date, date]]:
    """Consecutive (start, end) office days covering first..last."""
    out, start = [], first
    while start <= last:
        end = min(last, _period_end(start, period))
        out.append((start, end))
        start = end + timedelta(days=1)
    return out


def _period_end(day: date, period: str) -> date:
    if period == "day":
        return day
    if period == "week":
        return day + timedelta(days=6 - day.weekday())
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def utc_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """The instants (UTC) where office day ``first`` starts and the day after ``last`` starts."""
    start = datetime.combine(first, time(), VN_TIME).astimezone(timezone.utc)
    end = datetime.combine(last + timedelta(days=1), time(), VN_TIME).astimezone(timezone.utc)
    return start, end
