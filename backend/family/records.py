"""The family service's own rows: load a relation, write its changes, and what each change leaves
on the relative's access record and in the inbox."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec

from backend.audit import services as audit
from backend.family import vocab
from backend.family.tables import Relation
from backend.identity import services as identity
from backend.inbox import services as inbox
from backend.lib.errors import ApiError


class RelationRow(msgspec.Struct, frozen=True, kw_only=True):
    """One relation as the services read it."""

    id: uuid.UUID
    holder: uuid.UUID
    relative: uuid.UUID
    relationship: str
    status: str
    minor: bool
    requested_by: str
    consent: str
    created_at: dt.datetime
    agreed_at: dt.datetime | None
    ended_by: str
    ended_at: dt.datetime | None


def row_of(row: dict[str, Any]) -> RelationRow:
    return RelationRow(
        id=row["id"],
        holder=row["holder"],
        relative=row["relative"],
        relationship=row["relationship"],
        status=row["status"],
        minor=bool(row["minor"]),
        requested_by=row["requested_by"],
        consent=row["consent"] or "",
        created_at=row["created_at"],
        agreed_at=row["agreed_at"],
        ended_by=row["ended_by"] or "",
        ended_at=row["ended_at"],
    )


COLUMNS = (
    Relation.id,
    Relation.holder,
    Relation.relative,
    Relation.relationship,
    Relation.status,
    Relation.minor,
    Relation.requested_by,
    Relation.consent,
    Relation.created_at,
    Relation.agreed_at,
    Relation.ended_by,
    Relation.ended_at,
)


def not_found() -> ApiError:
    # One answer for "no such relation" and "not yours": ids of others' relations give nothing away.
    return ApiError(404, "family.not_found", "No such family relation of yours.")


async def load(
    relation_id: uuid.UUID, *, holder: uuid.UUID | str | None = None, relative: uuid.UUID | str | None = None
) -> RelationRow:
    """The relation, if the caller is its holder (or its relative); 404 `family.not_found` else."""
    query = Relation.select(*COLUMNS).where(Relation.id == relation_id)
    if holder is not None:
        query = query.where(Relation.holder == uuid.UUID(str(holder)))
    if relative is not None:
        query = query.where(Relation.relative == uuid.UUID(str(relative)))
    row = await query.first().run()
    if row is None:
        raise not_found()
    return row_of(row)


async def change(relation: RelationRow, expected: tuple[str, ...], values: dict[Any, Any]) -> None:
    """Write `values` if the relation is still in one of the `expected` states (a compare-and-set:
    two taps of "end" or an accept racing an end change it once); 409 `family.not_<state>` else."""
    done = await (
        Relation.update(values)
        .where((Relation.id == relation.id) & Relation.status.is_in(list(expected)))
        .returning(Relation.id)
        .run()
    )
    if not done:
        raise ApiError(
            409, f"family.not_{expected[0]}", f"This relation is no longer {' or '.join(expected)}.", state=relation.status
        )


async def person_name(person_id: uuid.UUID | str) -> str:
    row = await identity.get_person(person_id)
    name: str = row["name"]
    return name


async def proxy_actor(relation: RelationRow) -> audit.Actor:
    """The holder as the relative's record names them: a family proxy, masked."""
    return audit.Actor(
        "family", relation.requested_by, str(relation.holder), identity.masked_name(await person_name(relation.holder))
    )


def basis(relation: RelationRow) -> tuple[str, str]:
    """The access record's basis for what a proxy does: the relative's agreement, or the guardianship."""
    if relation.consent == vocab.GUARDIANSHIP:
        return "statute", "Guardianship (Civil Code Art. 27, 28), proven at a counter"
    if relation.consent == vocab.AT_COUNTER:
        return "consent", "Family service: agreed in person at a counter"
    if relation.consent == vocab.BY_RELATIVE:
        return "consent", "Family service: agreed from the relative's own account"
    return "none", "Family service: not yet agreed"


async def on_record(
    relation: RelationRow, action: str, purpose: str, fields: list[str] | None = None, actor: audit.Actor | None = None
) -> None:
    """One entry on the relative's access record for this relation. Call it inside the change's
    transaction, so the change and its entry stand or fall together."""
    kind, ref = basis(relation)
    await audit.record(
        actor or await proxy_actor(relation),
        person_id=relation.relative,
        action=action,
        fields=fields or [],
        purpose=purpose,
        basis_kind=kind,
        basis_ref=ref,
    )


async def tell(person_id: uuid.UUID, event: str, relation: RelationRow, now: int, **params: str | int | None) -> None:
    """A notice for one side of the relation (inside the change's transaction)."""
    await inbox.tell(
        person_id, event, {"relation_id": str(relation.id), "relationship": relation.relationship, **params}, now=now
    )
