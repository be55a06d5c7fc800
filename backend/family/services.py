"""What other features call of the family service: who showed a code for its holder."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection

from backend.family.proxying import presenters
from backend.family.tables import Relation

__all__ = ["linked_pairs", "presenters"]


async def linked_pairs(people: Collection[uuid.UUID], *, since: dt.datetime) -> set[frozenset[uuid.UUID]]:
    """The pairs among `people` joined by a family relation that was agreed and live at some time
    since `since` (a proxy may show a relative's code: the misuse signals do not count that as lending)."""
    if not people:
        return set()
    ids = list(people)
    rows = (
        await Relation.select(Relation.holder, Relation.relative)
        .where(
            Relation.holder.is_in(ids)
            & Relation.relative.is_in(ids)
            & (Relation.agreed_at.is_not_null())
            & ((Relation.status == "active") | (Relation.ended_at >= since))
        )
        .run()
    )
    return {frozenset((uuid.UUID(str(r["holder"])), uuid.UUID(str(r["relative"])))) for r in rows}
