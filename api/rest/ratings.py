"""The kiosk's satisfaction screen (kiosk clients only): a citizen rates the drop-off or pickup
they just finished, or skips it (then nothing is sent)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from pydantic import BaseModel, Field

from locker.ratings import CHIPS, SCORES, WINDOW_S

from ..auth import citizen_only, current_kiosk, runtime
from ..kiosk.guidance import add_help
from ..openapi import endpoint
from ..schemas import RequestModel, load_body, one_of

bp = Blueprint("ratings", __name__, url_prefix="/api/v1")
bp.after_request(add_help)
TAGS = ["citizen"]
Chip = one_of(CHIPS)
RULES = (f"Only from the kiosk that showed it (404 for another), once it finished (`stored` or `collected`; "
         f"409 `conflict` otherwise, and {WINDOW_S} s after it ended); a second rating is 409 `already_rated`. "
         "A score of 4 or 5 counts as satisfied in the reports.")


class RatingRequest(RequestModel):
    score: int = Field(ge=min(SCORES), le=max(SCORES), description="The face tapped: 1 (very unhappy) to 5 "
                                                                   "(very happy).")
    chips: list[Chip] = Field(default_factory=list, max_length=len(CHIPS),  # type: ignore[valid-type]
                              description="Comment chips chosen, each at most once (no free text).")


class Rating(BaseModel):
    id: int
    kind: one_of(("dropoff", "pickup"))  # type: ignore[valid-type]
    record_id: int = Field(description="The drop-off's or pickup's id.")
    score: int
    chips: list[Chip]  # type: ignore[valid-type]
    created_at: str


def _rate(kind: str, record_id: int) -> tuple[dict[str, Any], int]:
    req = load_body(RatingRequest)
    return runtime().service.ratings.rate(kind, record_id, req.score, req.chips, kiosk=current_kiosk()), 201


@bp.post("/dropoffs/<id:dropoff_id>/rating")
@endpoint("Rate a finished drop-off (the kiosk's satisfaction screen)", tags=TAGS, body=RatingRequest,
          responses={201: Rating}, errors=(404, 409), description=RULES)
@citizen_only
def rate_dropoff(dropoff_id: int) -> Any:
    return _rate("dropoff", dropoff_id)


@bp.post("/pickups/<id:pickup_id>/rating")
@endpoint("Rate a finished pickup (the kiosk's satisfaction screen)", tags=TAGS, body=RatingRequest,
          responses={201: Rating}, errors=(404, 409), description=RULES)
@citizen_only
def rate_pickup(pickup_id: int) -> Any:
    return _rate("pickup", pickup_id)
