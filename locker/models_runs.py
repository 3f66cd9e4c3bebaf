"""Stored records of announcements and of clerks' runs at the cabinet (loading batches,
morning collections, retrievals of expired results)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .models import Base, Collection, Compartment, Result, UtcDateTime
from .personal import Sealed


class Announcement(Base):
    """A result the one-stop system announced before it reaches the cabinet."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_code: Mapped[str] = mapped_column(String(64), unique=True)
    #: Sealed at rest (:mod:`locker.personal`); "" once purged.
    phone: Mapped[str] = mapped_column(Sealed())
    #: Sealed at rest like the phone; None when not given (or purged).
    email: Mapped[Optional[str]] = mapped_column(Sealed(), nullable=True)
    #: The language of the citizen's messages; None: the dossier's drop-off's, else ``vi``.
    language: Mapped[Optional[str]] = mapped_column(String(2), nullable=True)
    due: Mapped[date] = mapped_column(Date)
    size: Mapped[str] = mapped_column(String(1))
    procedure: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12))
    result_id: Mapped[Optional[int]] = mapped_column(ForeignKey("results.id"), nullable=True)
    actor: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LoadRun(Base):
    """A clerk's batch of results loaded by scanning their receipts."""

    __tablename__ = "load_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    clerk: Mapped[str] = mapped_column(String(64))
    #: The cabinet's scanner feeds this run (otherwise scans come from the console page).
    scanner: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(8))
    #: A scanned code nobody announced: the clerk types its phone and size once.
    pending_code: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)
    #: What the last scan did (JSON), shown on the page.
    notice: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime, nullable=True)

    items: Mapped[list["LoadItem"]] = relationship(order_by="LoadItem.position", lazy="selectin")


class LoadItem(Base):
    __tablename__ = "load_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("load_runs.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    result_id: Mapped[int] = mapped_column(ForeignKey("results.id"))
    announced: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    result: Mapped[Result] = relationship(lazy="joined")


class CabinetRun(Base):
    """A morning collection of the drop-offs, or a retrieval of expired results: the
    compartments open one after another and the clerk scans what comes out."""

    __tablename__ = "cabinet_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    clerk: Mapped[str] = mapped_column(String(64))
    scanner: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(8))
    notice: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime, nullable=True)
    #: The clerk who signed the manifest when ending the run.
    signed_by: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)

    items: Mapped[list["RunItem"]] = relationship(order_by="RunItem.position", lazy="selectin")


class RunItem(Base):
    __tablename__ = "run_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("cabinet_runs.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    compartment_id: Mapped[int] = mapped_column(ForeignKey("compartments.id"))
    expected_code: Mapped[str] = mapped_column(String(64))
    collection_id: Mapped[Optional[int]] = mapped_column(ForeignKey("collections.id"), nullable=True)
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    check: Mapped[str] = mapped_column(String(12))
    scanned_code: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    compartment: Mapped[Compartment] = relationship(lazy="joined")
    collection: Mapped[Optional[Collection]] = relationship(lazy="joined")
