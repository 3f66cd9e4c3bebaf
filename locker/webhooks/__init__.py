"""Webhooks: subscriptions (:mod:`.subscriptions`), events derived from the audit log
(:mod:`.events`, the one mapping table), signing (:mod:`.signing`) and the persistent
delivery outbox (:mod:`.outbox`)."""

from .events import AUDIT_TO_WEBHOOK, EVENT_TYPES
from .outbox import WebhookOutbox, enqueue
from .signing import REPLAY_WINDOW_S, signature, verify
from .subscriptions import Webhooks

__all__ = ["AUDIT_TO_WEBHOOK", "EVENT_TYPES", "REPLAY_WINDOW_S", "WebhookOutbox", "Webhooks", "enqueue",
           "signature", "verify"]
