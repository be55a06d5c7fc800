"""Staff reads of people's card data (look-up by document, the review queue), each on the access record."""

from __future__ import annotations

import uuid

from backend.audit import services as audit
from backend.cards import applications, records, views
from backend.cards import schemas as s
from backend.cards.applications import ApplicationRow
from backend.identity import services as identity
from backend.keys.keyring import Keyring
from backend.lib.auth import Principal
from backend.lib.errors import ApiError

FIELDS = ["name", "doc_type", "masked_identity_number", "cards", "open_application"]
PURPOSE = "Card business at a service counter"


async def by_document(keyring: Keyring, principal: Principal, doc_type: str, id_number: str) -> s.LookupOut:
    """The person's name, masked number, cards and open application. A miss is recorded too,
    so probing for whether someone holds a card leaves a trace."""
    actor = await audit.actor_of(principal)
    person_id = await identity.find_person_id(keyring, doc_type, id_number)
    if person_id is None:
        await audit.record(
            actor,
            person_id=None,
            action="card.lookup",
            fields=FIELDS,
            purpose=PURPOSE,
            basis_kind="official_duty",
            basis_ref="Regulation Art. 5: card services",
            result="not_found",
            result_code="person.not_found",
        )
        raise ApiError(404, "person.not_found", "Nobody with this identity document is registered.")
    person = await identity.get_person(person_id)
    open_app = await applications.open_of(person_id)
    found = s.LookupOut(
        applicant=s.Applicant(
            name=person["name"],
            doc_type=person["doc_type"],
            id_number=identity.masked_number(keyring, person),
        ),
        cards=await views.cards_of(person_id, "staff"),
        open_application=await views.application(keyring, open_app) if open_app else None,
    )
    await audit.record(
        actor,
        person_id=person_id,
        action="card.lookup",
        fields=FIELDS,
        purpose=PURPOSE,
        basis_kind="official_duty",
        basis_ref="Regulation Art. 5: card services",
    )
    return found


async def record_queue_read(principal: Principal, rows: list[ApplicationRow]) -> None:
    """A page of the review queue shows each applicant's name and masked number: one entry per person."""
    people = {row.person for row in rows}
    if not people:
        return
    actor = await audit.actor_of(principal)
    for person_id in sorted(people, key=str):
        await audit.record(
            actor,
            person_id=person_id,
            action="application.review_queue",
            fields=["name", "masked_identity_number", "application"],
            purpose="Reviewing card applications",
            basis_kind="official_duty",
            basis_ref="Regulation Art. 5: card applications",
        )


async def history(principal: Principal, card_id: uuid.UUID, *, limit: int, offset: int) -> list[s.EventOut]:
    """The history of the card's holder (every card of theirs), for staff at a counter; on the
    holder's access record like the look-up that found the card."""
    card = await records.get(card_id)
    events = await views.events_of(card.person, limit=limit, offset=offset)
    await audit.record(
        await audit.actor_of(principal),
        person_id=card.person,
        action="card.history",
        fields=["card_events"],
        purpose=PURPOSE,
        basis_kind="official_duty",
        basis_ref="Regulation Art. 5: card services",
    )
    return events
