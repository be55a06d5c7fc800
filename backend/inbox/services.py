"""What other features call to tell a holder something: one notice in their inbox, pushed where allowed."""

from __future__ import annotations

import uuid
from collections.abc import Mapping


async def tell(
    person_id: uuid.UUID | str,
    event: str,
    params: Mapping[str, str | int | None] | None = None,
    *,
    now: int | None = None,
) -> None:
    """Put a notice of `event` (a dotted name from inbox/events.py) in the person's inbox.

    Call it inside the transaction that makes the change, so the notice and the change commit
    together; the push to the holder's browsers is sent after the commit.
    """
    # Placeholder until the inbox feature lands (issue 14): the signature is the contract.
    return None
