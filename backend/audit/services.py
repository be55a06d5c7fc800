"""Writing access records for other features, and reading them for holders and operators."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import msgspec
from piccolo.query import Select

from backend.accounts.tables import StaffMember
from backend.audit import chain
from backend.audit.schemas import AccessRecord, AuditRecord
from backend.audit.tables import AccessEntry
from backend.identity import services as identity
from backend.identity.protect import redact
from backend.lib.auth import AGENCY, EMPLOYER, SCANNER, Principal
from backend.org.tables import Agency, Employer

RESULTS = ("ok", "refused", "not_found")
BASIS_KINDS = ("statute", "consent", "presented_code", "scenario", "official_duty", "none")


@dataclass(frozen=True)
class Actor:
    """Who accessed: an agency system, a venue's scanner, a staff member or the system."""

    kind: str  # agency | venue | staff | bank | employer | system
    id: str
    org: str = ""
    name: str = ""


async def actor_of(principal: Principal) -> Actor:
    """The Actor for a signed-in agency, staff member or system, with the name a holder should
    read on their record. Venue scans are recorded by the venues feature, which knows the venue
    (venues/access_record.py): audit builds on no feature that builds on it."""
    if principal.role == AGENCY:
        row = await Agency.select(Agency.name).where(Agency.id == principal.org_id).first().run()
        return Actor("agency", principal.id, principal.org_id or "", row["name"] if row else "")
    if principal.role == EMPLOYER:
        row = await Employer.select(Employer.name).where(Employer.id == principal.org_id).first().run()
        return Actor("employer", principal.id, principal.org_id or "", row["name"] if row else "")
    if principal.role == SCANNER:
        raise ValueError("a scanner's accesses are recorded by backend.venues.access_record")
    if principal.is_staff:
        row = await StaffMember.select(StaffMember.name).where(StaffMember.id == principal.id).first().run()
        return Actor("staff", principal.id, principal.office_id or "", row["name"] if row else "")
    return Actor("system", principal.id)


async def record(actor: Actor, **content: Any) -> AuditRecord:
    """Append one access record (arguments as for `entry`) and return it as written. Call it
    inside the transaction of the access itself where there is one, so the access and its
    record stand or fall together."""
    return await chain.append(entry(actor, **content))


def entry(
    actor: Actor,
    *,
    person_id: uuid.UUID | str | None,
    action: str,
    fields: list[str],
    purpose: str,
    basis_kind: str,
    basis_ref: str = "",
    result: str = "ok",
    result_code: str = "",
) -> chain.Row:
    """The content of one access record, checked and redacted, ready for chain.append(). A
    plain dict on purpose: the verification write path adds the chain columns to it and hands
    it to insert_rows without building anything else per entry."""
    if result not in RESULTS or basis_kind not in BASIS_KINDS:
        raise ValueError(f"bad access record: result={result!r} basis_kind={basis_kind!r}")
    return {
        "actor_kind": actor.kind,
        "actor_id": str(actor.id)[:64],
        "actor_org": str(actor.org or "")[:64],
        "actor_name": (actor.name or "")[:128],
        "person": uuid.UUID(str(person_id)) if person_id else None,
        "action": action,
        "fields": sorted(set(fields)),
        # Free text from callers: an identity number typed into it must not land on the record.
        "purpose": redact(purpose)[:200],
        "basis_kind": basis_kind,
        "basis_ref": redact(basis_ref)[:200],
        "result": result,
        "result_code": result_code[:64],
    }


_HOLDER_COLUMNS = (
    AccessEntry.id,
    AccessEntry.seq,
    AccessEntry.at,
    AccessEntry.actor_kind,
    AccessEntry.actor_name,
    AccessEntry.action,
    AccessEntry.fields,
    AccessEntry.purpose,
    AccessEntry.basis_kind,
    AccessEntry.basis_ref,
    AccessEntry.result,
    AccessEntry.result_code,
)


async def _page(query: Select[AccessEntry], limit: int, before: int | None) -> tuple[list[chain.Row], int | None]:
    """Newest first by chain position; `before` is the `seq` of the last row already seen."""
    if before is not None:
        query = query.where(AccessEntry.seq < before)
    rows: list[chain.Row] = await query.order_by(AccessEntry.seq, ascending=False).limit(limit + 1).output(load_json=True).run()
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1]["seq"] if more and rows else None)


async def for_person(person_id: uuid.UUID | str, *, limit: int, before: int | None) -> tuple[list[AccessRecord], int | None]:
    """The holder's own record: every access to their data by others, including the entries of a
    person record merged into theirs (the chain keeps each entry under the id it was written with)."""
    people = await identity.person_ids(person_id)
    query = AccessEntry.select(*_HOLDER_COLUMNS).where(AccessEntry.person.is_in(people))
    rows, next_before = await _page(query, limit, before)
    return msgspec.convert(rows, list[AccessRecord]), next_before


async def search(
    *,
    person_id: uuid.UUID | None = None,
    actor_kind: str | None = None,
    actor_org: str | None = None,
    action: str | None = None,
    result: str | None = None,
    actor_id: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int,
    before: int | None,
) -> tuple[list[AuditRecord], int | None]:
    """Operators' view across holders, with the chain columns for spot checks; `actor_id` gives
    what one staff member (or system) did, `since` <= at < `until` a period."""
    query = AccessEntry.select(
        *_HOLDER_COLUMNS, AccessEntry.actor_id, AccessEntry.actor_org, AccessEntry.person, AccessEntry.prev_hash, AccessEntry.hash
    )
    for column, value in (
        (AccessEntry.person, person_id),
        (AccessEntry.actor_kind, actor_kind),
        (AccessEntry.actor_org, actor_org),
        (AccessEntry.action, action),
        (AccessEntry.result, result),
        (AccessEntry.actor_id, actor_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if since is not None:
        query = query.where(AccessEntry.at >= since)
    if until is not None:
        query = query.where(AccessEntry.at < until)
    rows, next_before = await _page(query, limit, before)
    return msgspec.convert(rows, list[AuditRecord]), next_before
