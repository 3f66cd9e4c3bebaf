"""Test notifiers."""

from __future__ import annotations

from locker.ports import NotifierError


class FlakyNotifier:
    """Fails ``failures`` times, then records what it sends."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list[tuple[str, str]] = []

    def send_sms(self, to: str, text: str) -> None:
        if self.failures:
            self.failures -= 1
            raise NotifierError("gateway down")
        self.sent.append((to, text))
