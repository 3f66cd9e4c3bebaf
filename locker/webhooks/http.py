"""The HTTP POST of one delivery (urllib, no redirects followed: a redirect is a failure).

>>> post_json("nowhere", b"{}", {}, timeout=1)
Traceback (most recent call last):
...
locker.webhooks.http.DeliveryError: unreachable: unknown url type: 'nowhere'
"""

from __future__ import annotations

import urllib.error
import urllib.request


class DeliveryError(Exception):
    """The subscriber could not be reached (no HTTP status)."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


_OPENER = urllib.request.build_opener(_NoRedirect())


def post_json(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> int:
    """The HTTP status the subscriber answered; raises :class:`DeliveryError` when there is none."""
    try:
        req = urllib.request.Request(url, data=body, method="POST",
                                     headers={"User-Agent": "dossier-locker-webhooks/1", **headers})
        with _OPENER.open(req, timeout=timeout) as resp:
            resp.read(4096)
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise DeliveryError(f"unreachable: {exc}") from None
