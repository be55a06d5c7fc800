"""The consent feature's face to others: a consent as its grantee uses it (the HR file's reads on a consent)."""

from __future__ import annotations

import datetime as dt
import uuid

from backend.consent.grants import ConsentRow, get, live_for, status_of
from backend.consent.schemas import ConsentStatus
from backend.lib.errors import ApiError

__all__ = ["ConsentRow", "find", "live_for", "status_at"]


async def find(consent_id: uuid.UUID) -> ConsentRow | None:
    """The consent (to an agency or an employer) with this id, or None."""
    try:
        return await get(consent_id)
    except ApiError:
        return None


def status_at(row: ConsentRow, now: int) -> ConsentStatus:
    """active, pending, expired or revoked at `now` (epoch seconds)."""
    return status_of(row, dt.datetime.fromtimestamp(now, dt.UTC))
