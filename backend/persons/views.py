"""The read side: a person as staff see them (documents masked), each read on the person's access record."""

from __future__ import annotations

import uuid

from backend.accounts.tables import Account
from backend.audit import services as audit
from backend.cards.tables import Application, Card
from backend.identity import services as identity
from backend.identity.schemas import DocumentOut
from backend.keys.keyring import Keyring
from backend.lib.auth import Principal
from backend.lib.errors import ApiError
from backend.persons.schemas import PersonOut

FIELDS = ["name", "documents", "masked_identity_number"]
PURPOSE = "Checking a person's identity documents"
BASIS = "Regulation Art. 5: card services"


async def person_out(keyring: Keyring, person_id: uuid.UUID) -> PersonOut:
    person = await identity.get_person(person_id)
    people = await identity.person_ids(person_id)
    return PersonOut(
        id=person["id"],
        name=person["name"],
        merged_into=person["merged_into"],
        merged_from=people[1:],
        has_account=await Account.exists().where(Account.person == person_id).run(),
        has_live_card=await Card.exists().where(Card.active_person == person_id).run(),
        has_open_application=await Application.exists().where(Application.open_person == person_id).run(),
        documents=await identity.documents_of(keyring, person_id),
    )


async def _record(principal: Principal, person_id: uuid.UUID | None, *, action: str, result: str = "ok", code: str = "") -> None:
    await audit.record(
        await audit.actor_of(principal),
        person_id=person_id,
        action=action,
        fields=FIELDS,
        purpose=PURPOSE,
        basis_kind="official_duty",
        basis_ref=BASIS,
        result=result,
        result_code=code,
    )


async def lookup(keyring: Keyring, principal: Principal, doc_type: str, id_number: str) -> PersonOut:
    """The person holding this document (any of theirs). A miss is recorded too."""
    person_id = await identity.find_person_id(keyring, doc_type, id_number)
    if person_id is None:
        await _record(principal, None, action="person.lookup", result="not_found", code="person.not_found")
        raise ApiError(404, "person.not_found", "Nobody with this identity document is registered.")
    found = await person_out(keyring, person_id)
    await _record(principal, person_id, action="person.lookup")
    return found


async def read(keyring: Keyring, principal: Principal, person_id: uuid.UUID) -> PersonOut:
    found = await person_out(keyring, person_id)  # 404 person.not_found
    await _record(principal, person_id, action="person.read")
    return found


async def documents(keyring: Keyring, principal: Principal, person_id: uuid.UUID) -> list[DocumentOut]:
    found = await identity.documents_of(keyring, person_id)  # 404 person.not_found
    await _record(principal, person_id, action="person.documents")
    return found
