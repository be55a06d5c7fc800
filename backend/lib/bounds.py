"""Bounds of what the API takes: every integer fits the column or format it reaches, on both databases;
a line of text is visible characters.

An unbounded integer once reached SQL as a number PostgreSQL cannot hold (a 500 instead of a 400).
Query and path parameters take `Parameter(ge=..., le=...)`; body fields take `bounded(...)`.
tests/test_openapi.py fails on any integer in a request without both bounds.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar.params import KwargDefinition
from msgspec import Meta

INT32_MAX = 2**31 - 1  # INTEGER columns (version counters) on PostgreSQL
SAFE_INT_MAX = 2**53 - 1  # BIGINT positions (audit sequence) and JSON numbers JavaScript reads exactly
OFFSET_MAX = 100_000  # rows skipped when paging: deeper than this is a job for filters, not offsets


def bounded(ge: int, le: int, **meta: Any) -> Any:
    """An int msgspec checks and the document shows, also inside a list, a dict or a union
    (Litestar 2.25 reads msgspec's Meta only on a Struct's own fields, so the bounds go twice)."""
    return Annotated[int, Meta(ge=ge, le=le, **meta), KwargDefinition(ge=ge, le=le)]


# A line of text with something visible in it and no control characters. Written without a
# lookahead (`^(?=.*\S)...`): the same set, but test generators (schemathesis, Hypothesis) take
# seconds to draw from a lookahead pattern and milliseconds from this one.
VISIBLE_LINE = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
