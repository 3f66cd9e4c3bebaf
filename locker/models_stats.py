"""The reports' anonymous statistics: counters per office day, the waiting time of each
collected result, and the office's counter totals. None of them names a dossier or a
person, so purging personal data never changes a report."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .model_base import Base, UtcDateTime


class DailyStat(Base):
    """``count`` of ``metric`` (with its ``key``, e.g. an alarm's kind, or "") on an office ``day``."""

    __tablename__ = "daily_stats"
    __table_args__ = (UniqueConstraint("day", "metric", "key", name="uq_daily_stats_day_metric_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    metric: Mapped[str] = mapped_column(String(24))
    key: Mapped[str] = mapped_column(String(40), default="", server_default="")
    count: Mapped[int] = mapped_column(Integer, default=0)


class PickupWait(Base):
    """One collected result: the office day it was collected, how long it waited in the
    cabinet (ready -> collected) and whether it was collected before its deadline."""

    __tablename__ = "pickup_waits"
    __table_args__ = (Index("ix_pickup_waits_day_wait", "day", "wait_s"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    wait_s: Mapped[int] = mapped_column(Integer)
    on_time: Mapped[bool] = mapped_column(Boolean)


class CounterTotal(Base):
    """Dossiers the office handled on a day in all (at its counters and through the machine),
    from the one-stop system or a supervisor."""

    __tablename__ = "counter_totals"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
