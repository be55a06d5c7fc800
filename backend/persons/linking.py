"""Staff link a document they checked in person to an existing person."""

from __future__ import annotations

import datetime as dt
import uuid

from backend.audit import services as audit
from backend.identity import services as identity
from backend.identity.schemas import DocumentOut
from backend.keys.keyring import Keyring
from backend.lib.auth import Principal
from backend.lib.db import advisory_lock, is_unique_violation, transaction
from backend.lib.errors import ApiError
from backend.persons.schemas import LinkRequest


async def link(
    keyring: Keyring, principal: Principal, person_id: uuid.UUID, data: LinkRequest, *, now: dt.datetime
) -> DocumentOut:
    """Add the document to the person, written with the staff member and office, and put on the
    person's access record. A residence permit linked here needs no companion: staff saw it.
    409 `person.document_taken` when the document is another person's (merge the two records),
    `person.document_already_linked`, `person.merged`, `person.name_mismatch`, `person.details_mismatch`."""
    presented = identity.check_presented(
        data.doc_type, data.id_number, work_permit=data.work_permit, require_linked=False, require_work_permit=True
    )
    name = " ".join(data.name.split())
    office = uuid.UUID(principal.office_id) if principal.office_id else None
    try:
        async with transaction():
            await advisory_lock(f"person:{person_id}")
            added = await identity.link_document(
                keyring, person_id, presented, name, added_by=principal.id, added_office=office, now=now
            )
            await audit.record(
                await audit.actor_of(principal),
                person_id=person_id,
                action="person.link_document",
                fields=["documents"],
                purpose=f"Linked a {added.doc_type} checked in person",
                basis_kind="official_duty",
                basis_ref="Regulation Art. 5: one person, one card",
            )
    except ApiError:
        raise
    except Exception as exc:
        if is_unique_violation(exc):  # the same document linked or registered in parallel
            raise ApiError(
                409, "person.document_taken", "This document was registered to a person record at the same moment; look it up."
            ) from None
        raise
    return added
