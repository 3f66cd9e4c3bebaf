"""What the service says of each compartment, for the simulator page.

In ``locker demo`` the service runs in the same process and the page reads it
directly; ``locker sim --service URL`` asks a ``locker serve`` for
``GET /api/v1/compartments`` with a clerk's API token. Either way the answer is
``{label: {"state", "door", "dossier_code"}}``, or None when the service cannot say.

>>> ServiceLink("http://127.0.0.1:9/", token="t", timeout=0.2)()  # nobody listens there
>>> ServiceLink("ftp://x", token="t")
Traceback (most recent call last):
...
ValueError: the service URL must start with http:// or https://
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from typing import Any, Callable

log = logging.getLogger(__name__)

ServiceView = Callable[[], "dict[str, dict] | None"]


def by_label(compartments: Any) -> dict[str, dict]:
    """The service's compartment listing keyed by label, with the fields the page shows.

    >>> by_label([{"label": "A01", "state": "free", "door": "closed", "dossier_code": None, "size": "S"}])
    {'A01': {'state': 'free', 'door': 'closed', 'dossier_code': None}}
    """
    return {c["label"]: {key: c.get(key) for key in ("state", "door", "dossier_code")}
            for c in compartments if isinstance(c, dict) and isinstance(c.get("label"), str)}


class ServiceLink:
    """Reads ``URL/api/v1/compartments``; answers are kept ``max_age`` seconds."""

    def __init__(self, url: str, *, token: str, timeout: float = 1.0, max_age: float = 0.5) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError("the service URL must start with http:// or https://")
        self.url = url.rstrip("/") + "/api/v1/compartments"
        self._token = token
        self._timeout = timeout
        self._max_age = max_age
        self._kept: tuple[float, dict[str, dict] | None] = (float("-inf"), None)

    def __call__(self) -> dict[str, dict] | None:
        at, kept = self._kept
        if time.monotonic() - at < self._max_age:
            return kept
        request = urllib.request.Request(self.url, headers={"Authorization": f"Bearer {self._token}",
                                                            "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as answer:  # noqa: S310 - http(s) only
                kept = by_label(json.loads(answer.read().decode("utf-8")))
        except (OSError, ValueError, urllib.error.URLError) as exc:
            log.debug("service state unavailable from %s: %s", self.url, exc)
            kept = None
        self._kept = (time.monotonic(), kept)
        return kept
