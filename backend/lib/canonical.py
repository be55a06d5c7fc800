"""Canonical text for hashes and signatures: one byte string per value, one spelling per moment.

The access record's hash chain, signed certificates and signed consent receipts all hash or sign
these bytes, so they must never change: tests/lib/test_canonical.py pins them.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import msgspec


def canonical_json(value: Any) -> bytes:
    """One byte string per value: sorted keys, no spaces, UTF-8. Used for hashes and signatures.

    The bytes are those of `json.dumps(value, sort_keys=True, separators=(",", ":"),
    ensure_ascii=False)`, which made every hash and signature so far. msgspec writes the same
    bytes for strings, integers, booleans, null, lists and string-keyed objects, eight times
    faster (a hash per scan); anything else (floats, whose spelling differs) takes json.dumps.
    """
    if _plain(value):
        return msgspec.json.encode(value, order="sorted")
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def _plain(value: Any) -> bool:
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return True
    if kind is dict:
        return all(type(k) is str and _plain(v) for k, v in value.items())
    if kind is list or kind is tuple:
        return all(_plain(v) for v in value)
    return False


def iso(moment: dt.datetime | None) -> str | None:
    """UTC with microseconds, the same text whichever database the value came back from."""
    if moment is None:
        return None
    if moment.tzinfo is not dt.UTC:
        moment = moment.astimezone(dt.UTC)
    # The text of strftime("%Y-%m-%dT%H:%M:%S.%fZ"), by the C isoformat (a hash per scan).
    return moment.isoformat(timespec="microseconds")[:-6] + "Z"


def iso_seconds(moment: dt.datetime | None) -> str | None:
    """UTC to the second (`YYYY-MM-DDTHH:MM:SSZ`): how signed receipts and certificates spell times."""
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
