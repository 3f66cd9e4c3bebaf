"""Citizens' ratings of the kiosk: one per drop-off or pickup, tied to its dossier.

A rating holds a score and the comment chips chosen (known keys, never free text),
so it holds no personal data and a purge keeps it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .model_base import Base, UtcDateTime


class Rating(Base):
    """``score`` 1-5 (the kiosk's faces) of one finished drop-off or pickup; ``chips``: the
    comment chips' keys, comma-separated in the order of :data:`locker.ratings.CHIPS`."""

    __tablename__ = "ratings"
    __table_args__ = (
        CheckConstraint("(dropoff_id IS NULL) <> (pickup_id IS NULL)", name="ck_ratings_one_transaction"),
        CheckConstraint("score BETWEEN 1 AND 5", name="ck_ratings_score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    dropoff_id: Mapped[Optional[int]] = mapped_column(ForeignKey("dropoffs.id"), nullable=True, unique=True)
    pickup_id: Mapped[Optional[int]] = mapped_column(ForeignKey("pickups.id"), nullable=True, unique=True)
    score: Mapped[int] = mapped_column(Integer)
    chips: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
