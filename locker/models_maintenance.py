"""Stored maintenance: openings for a reason, and the weekly "open all" check with its
checklist. The models share :class:`locker.models.Base` and its metadata."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .models import Base, Compartment, UtcDateTime, _Timestamps


class MaintenanceOpening(_Timestamps, Base):
    """A lock fired for a reason; what the sensors said is noted as it happens."""

    __tablename__ = "maintenance_openings"

    id: Mapped[int] = mapped_column(primary_key=True)
    compartment_id: Mapped[int] = mapped_column(ForeignKey("compartments.id"))
    run_id: Mapped[Optional[int]] = mapped_column(ForeignKey("maintenance_runs.id"), nullable=True, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12))
    latch_released: Mapped[bool] = mapped_column(Boolean, default=False)
    door_opened: Mapped[bool] = mapped_column(Boolean, default=False)
    item: Mapped[Optional[bool]] = mapped_column(Boolean, nullable=True)
    outcome: Mapped[str] = mapped_column(String(40), default="")

    compartment: Mapped[Compartment] = relationship(lazy="joined")


class MaintenanceRun(Base):
    """An "open all" check: the compartments opened one after another, with a checklist."""

    __tablename__ = "maintenance_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime, nullable=True)


class MaintenanceCheck(Base):
    """One compartment of a run: its turn, its opening and the technician's checklist."""

    __tablename__ = "maintenance_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("maintenance_runs.id"), index=True)
    compartment_id: Mapped[int] = mapped_column(ForeignKey("compartments.id"))
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))
    opening_id: Mapped[Optional[int]] = mapped_column(ForeignKey("maintenance_openings.id"), nullable=True)
    opened_ok: Mapped[Optional[bool]] = mapped_column(Boolean, nullable=True)
    latch_ok: Mapped[Optional[bool]] = mapped_column(Boolean, nullable=True)
    sensor_ok: Mapped[Optional[bool]] = mapped_column(Boolean, nullable=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    checked_by: Mapped[str] = mapped_column(String(64), default="")
    checked_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime, nullable=True)

    compartment: Mapped[Compartment] = relationship(lazy="joined")
    opening: Mapped[Optional[MaintenanceOpening]] = relationship(lazy="joined")
