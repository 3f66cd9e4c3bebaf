"""Fuzzing the scanner readers of every model (issue 12, "What must be proven", 4):
random bytes in random reads never crash a decoder and give the same codes however the
reads are cut; a good code after junk is read exactly. ``FUZZ_PROFILE=long`` runs
thousands of examples (docs/RELIABILITY.md)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.scanner_models import MODELS, get_model, ssi_packet
from drivers.scanner_zebra import SSI_DECODE_DATA, SSI_DECODER
from tests.support.fuzz import examples

CODE = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-./:", min_size=1, max_size=40)


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)])]


def read(decoder, chunks: list[bytes]) -> tuple[list[str], bytes]:
    codes, answers = [], b""
    for chunk in chunks:
        decoded = decoder.feed(chunk)
        codes += decoded.codes
        answers += decoded.answer
    return codes, answers


def scanned(model: str, code: str) -> bytes:
    """The bytes a scanner of ``model`` sends for one read of ``code``."""
    if model == "zebra-ssi":
        return ssi_packet(SSI_DECODE_DATA, b"\x1c" + code.encode(), source=SSI_DECODER)
    return b"\r\n" + code.encode() + b"\r\n"


@pytest.mark.parametrize("model", sorted(MODELS))
@settings(max_examples=examples(60))
@given(data=st.binary(max_size=400), cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=12))
def test_random_bytes_in_random_reads_never_crash_and_do_not_depend_on_the_cuts(model, data, cuts):
    whole = read(get_model(model).decoder(), [data])
    assert read(get_model(model).decoder(), split(data, cuts)) == whole
    assert all(isinstance(code, str) and code for code in whole[0])


@pytest.mark.parametrize("model", sorted(MODELS))
@settings(max_examples=examples(60))
@given(junk=st.binary(max_size=60), code=CODE, cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=10))
def test_a_good_read_after_junk_is_read_exactly(model, junk, code, cuts):
    decoder = get_model(model).decoder()
    read(decoder, [junk])
    decoder.drop_partial()  # the reader drops a partial read after the line has been quiet
    codes, _ = read(decoder, split(scanned(model, code), cuts))
    assert codes == [code]
