"""Dossiers by their code."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Dossier


def find(s: Session, code: str) -> Dossier | None:
    return s.execute(select(Dossier).where(Dossier.code == code)).scalar_one_or_none()


def touch(s: Session, code: str, *, new_status: str, now: datetime) -> Dossier:
    """The dossier with ``code``, created with ``new_status`` when it is new."""
    dossier = find(s, code)
    if dossier is None:
        dossier = Dossier(code=code, status=new_status, created_at=now, updated_at=now)
        s.add(dossier)
    else:
        dossier.updated_at = now
    s.flush()
    return dossier
