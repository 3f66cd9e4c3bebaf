"""``[webhooks]`` (delivery of webhook events) and ``[audit]`` (the signed export of the
audit log's head).

>>> check_webhooks(WebhooksConfig())
>>> check_webhooks(WebhooksConfig(give_up_hours=12))
Traceback (most recent call last):
...
locker.errors.ConfigError: configuration error in webhooks.give_up_hours: must be at least 24
>>> resolve_audit(AuditConfig(), "var/locker.secret").signing_key_file
'var/audit-signing.key'
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from .errors import ConfigError


@dataclass(frozen=True)
class WebhooksConfig:
    #: Seconds a subscriber has to answer one delivery.
    timeout_s: float = 10.0
    #: A failed delivery waits retry_base_s, doubling up to retry_max_s ...
    retry_base_s: float = 10.0
    retry_max_s: float = 3600.0
    #: ... and is given up this many hours after its first try (at least 24).
    give_up_hours: float = 72.0
    #: How often the worker looks for new audit events and due deliveries.
    poll_s: float = 1.0
    #: Finished deliveries (and their log) are kept this many days.
    keep_days: int = 30


@dataclass(frozen=True)
class AuditConfig:
    #: Ed25519 key that signs exported heads; created if absent. Default: next to the secret file.
    signing_key_file: str = ""
    #: Where exported heads are appended (JSON lines). Default: next to the secret file.
    export_file: str = ""
    #: Seconds between exports (and one at shutdown).
    export_interval_s: float = 3600.0


def check_webhooks(hooks: WebhooksConfig) -> None:
    for key in ("timeout_s", "retry_base_s", "retry_max_s", "poll_s"):
        if not 0 < getattr(hooks, key) < float("inf"):
            raise ConfigError(f"webhooks.{key}", "must be a finite number greater than 0")
    if hooks.retry_base_s > hooks.retry_max_s:
        raise ConfigError("webhooks.retry_base_s", "must not be greater than retry_max_s")
    if hooks.keep_days <= 0:
        raise ConfigError("webhooks.keep_days", "must be greater than 0")
    if not 24 <= hooks.give_up_hours < float("inf"):
        raise ConfigError("webhooks.give_up_hours", "must be at least 24")


def resolve_audit(audit: AuditConfig, secret_file: str) -> AuditConfig:
    """``audit`` checked, its empty paths set beside ``secret_file``."""
    if not 0 < audit.export_interval_s < float("inf"):
        raise ConfigError("audit.export_interval_s", "must be a finite number greater than 0")
    folder = os.path.dirname(secret_file)
    return replace(audit, signing_key_file=audit.signing_key_file or os.path.join(folder, "audit-signing.key"),
                   export_file=audit.export_file or os.path.join(folder, "audit-heads.jsonl"))
