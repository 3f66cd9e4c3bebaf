"""The alarms inbox: one row per alarm, repeats of an open one folded into it."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .model_base import Base, UtcDateTime


class Alarm(Base):
    """``time`` is when it was raised, ``last_time`` its latest repeat (``count`` in all)."""

    __tablename__ = "alarms"
    __table_args__ = (Index("ix_alarms_state_kind", "state", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    compartment: Mapped[Optional[str]] = mapped_column(String(16), nullable=True)
    board: Mapped[Optional[str]] = mapped_column(String(40), nullable=True)
    time: Mapped[datetime] = mapped_column(UtcDateTime)
    last_time: Mapped[datetime] = mapped_column(UtcDateTime)
    count: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str] = mapped_column(String(12))
    acknowledged_by: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)
    acknowledged_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime, nullable=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    resolved_by: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)
    resolved_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime, nullable=True)
    details: Mapped[str] = mapped_column(Text, default="{}")
