"""canonical_json and iso write exactly the text every hash and signature so far was made of."""

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.lib.canonical import canonical_json, iso


def _reference(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


_leaf = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text() | st.floats(allow_nan=False, allow_infinity=False)
_value = st.recursive(_leaf, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4))


@settings(max_examples=500, deadline=None)
@given(_value)
def test_same_bytes_as_json_dumps(value):
    assert canonical_json(value) == _reference(value)


@pytest.mark.parametrize("value", [{"n": 1e16}, [0.1, -0.0], {"a": ("x", 1)}, {"\u2028": "\x00\x7f"}])
def test_floats_tuples_and_odd_characters(value):
    assert canonical_json(value) == _reference(value)


def test_what_json_cannot_encode_still_fails():
    with pytest.raises(TypeError):
        canonical_json({"at": object()})
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})


# From 1000-01-02 local: at UTC+8 the first hours of 1000-01-01 are still year 999 in UTC,
# which strftime writes with three digits (glibc) and isoformat with four; no entry is that old.
@settings(max_examples=300, deadline=None)
@given(st.datetimes(min_value=dt.datetime(1000, 1, 2), timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=8))])))
def test_iso_is_the_text_every_hash_so_far_was_made_with(moment):
    assert iso(moment) == moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
