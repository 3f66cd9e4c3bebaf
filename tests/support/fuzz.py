"""Hypothesis profiles of the fuzzing suites: ``ci`` (the default suite, a few dozen
examples each) and ``long`` (``FUZZ_PROFILE=long``, thousands; docs/RELIABILITY.md)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=5000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("FUZZ_PROFILE", "ci"))


def examples(default: int) -> int:
    """``default`` examples in the ``ci`` profile, the profile's own number otherwise."""
    return default if os.environ.get("FUZZ_PROFILE", "ci") == "ci" else settings().max_examples
