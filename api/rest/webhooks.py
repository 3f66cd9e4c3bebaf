"""Admin endpoints of webhook subscriptions, their delivery log and manual redelivery."""

from __future__ import annotations

from flask import Blueprint

from ..auth import current_actor, require_role, runtime
from ..openapi import endpoint
from ..schemas import load_body
from .clerk import _int_arg
from ..schemas_webhooks import Delivery, Webhook, WebhookCreated, WebhookPatch, WebhookRequest

bp = Blueprint("webhooks_api", __name__, url_prefix="/api/v1")
TAGS = ["webhooks"]


def _hooks():  # type: ignore[no-untyped-def]
    return runtime().service.webhooks


def _wake() -> None:
    runtime().webhook_outbox.wake()


@bp.post("/webhooks")
@endpoint("Subscribe a URL to webhook events", tags=TAGS, body=WebhookRequest, responses={201: WebhookCreated},
          description="The answer holds the signing secret; it is never shown again. See docs/webhooks.md.")
@require_role("admin")
def create_webhook():
    req = load_body(WebhookRequest)
    return _hooks().create(req.url, req.events, req.secret, actor=current_actor()), 201


@bp.get("/webhooks")
@endpoint("Every webhook subscription", tags=TAGS, responses={200: [Webhook]})
@require_role("admin")
def list_webhooks():
    return _hooks().listing()


@bp.get("/webhooks/<id:webhook_id>")
@endpoint("One webhook subscription", tags=TAGS, responses={200: Webhook}, errors=(404,))
@require_role("admin")
def get_webhook(webhook_id: int):
    return _hooks().get(webhook_id)


@bp.patch("/webhooks/<id:webhook_id>")
@endpoint("Pause or resume a subscription", tags=TAGS, body=WebhookPatch, responses={200: Webhook}, errors=(404,),
          description="While paused, deliveries are kept and sent, in order, once it is resumed.")
@require_role("admin")
def patch_webhook(webhook_id: int):
    req = load_body(WebhookPatch)
    answer = _hooks().set_paused(webhook_id, req.paused, actor=current_actor())
    _wake()
    return answer


@bp.delete("/webhooks/<id:webhook_id>")
@endpoint("Delete a subscription and its delivery log", tags=TAGS, responses={204: None}, errors=(404,))
@require_role("admin")
def delete_webhook(webhook_id: int):
    _hooks().delete(webhook_id, actor=current_actor())
    return "", 204


@bp.get("/webhooks/<id:webhook_id>/deliveries")
@endpoint("The delivery log of a subscription, newest first, each with its tries", tags=TAGS,
          responses={200: [Delivery]}, errors=(400, 404),
          query={"limit": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}})
@require_role("admin")
def list_deliveries(webhook_id: int):
    return _hooks().deliveries(webhook_id, limit=_int_arg("limit", 50, 1, 200))


@bp.post("/webhooks/deliveries/<id:delivery_id>/redeliver")
@endpoint("Send a delivery again (same event id), now", tags=TAGS, responses={200: Delivery}, errors=(404,))
@require_role("admin")
def redeliver(delivery_id: int):
    answer = _hooks().redeliver(delivery_id, actor=current_actor())
    _wake()
    return answer


