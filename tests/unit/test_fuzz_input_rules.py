"""The OpenAPI document states each input rule as a pattern (locker.validation.PATTERNS);
Hypothesis checks that a value matches the pattern exactly when the domain's check takes
it, on random text and on text made from the pattern itself (found by Schemathesis:
notes, reasons, labels and dossier codes the document allowed were refused)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from locker import validation
from locker.errors import InvalidInput
from locker.webhooks.subscriptions import check_secret, check_url
from tests.support.fuzz import examples

RULES = {
    "dossier_code": (validation.dossier_code, 200),
    "phone": (validation.phone, 40),
    "size": (validation.size, 8),
    "code": (validation.pickup_code, 40),
    "compartment": (validation.label, 40),
    "reason": (lambda v: not v.strip() or validation.name("reason", v, 200), 200),  # blank: no reason
    "url": (check_url, 500),
    "secret": (check_secret, 200),  # blank: one is made
}
NEAR = st.text(alphabet=st.sampled_from(list("0123456789+84 .-\t\nSMLsmlAZaz/:_\u00ad\u200b\u0007é")), max_size=16)
URLS = st.builds("".join, st.lists(st.sampled_from(["http", "s", "://", "x.vn", ":", "80", "0", "/", "?", "#", "@",
                                                    "\x1f", " ", "\n", "\ufeff", "é", "[", "\\", "a" * 16]),
                                   max_size=8))


def accepted(field: str, value: str) -> bool:
    check, limit = RULES[field]
    try:
        check(value)
    except InvalidInput:
        return False
    return len(value) <= limit


def stated(field: str, value: str) -> bool:
    """JSON Schema's ``$`` ends the text (Python's also stands before a last newline)."""
    return re.fullmatch(validation.PATTERNS[field], value) is not None and len(value) <= RULES[field][1]


@pytest.mark.parametrize("field", sorted(RULES))
@settings(max_examples=examples(80))
@given(data=st.data())
def test_the_document_states_exactly_what_the_domain_takes(field, data):
    value = data.draw(st.one_of(st.text(max_size=30), NEAR, URLS, st.from_regex(validation.PATTERNS[field])))
    assert stated(field, value) == accepted(field, value), repr(value)


def test_examples_of_each_side():
    assert stated("dossier_code", " hs-1/2025 ") and not stated("dossier_code", "HS 1")
    assert stated("phone", "+84 912.345.678") and not stated("phone", "0912 345 67")
    assert stated("reason", "") and stated("reason", "   ") and not stated("reason", "a\u202eb")
    assert not stated("reason", "a\tb") and stated("reason", " thay khoá ")
    assert re.search(validation.PATTERNS["note"], "thay khoá\nxong") and not re.search(validation.PATTERNS["note"], " ")
