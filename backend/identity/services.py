"""Person records: register and find people by identity document, reveal numbers on purpose."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from backend.identity import documents, protect
from backend.identity.tables import Person
from backend.keys.keyring import Keyring
from backend.lib.errors import ApiError


def check_document(doc_type: str, number: str) -> documents.Document:
    """Validate or answer 422 with the precise document error code."""
    try:
        return documents.validate(doc_type, number)
    except documents.DocumentError as exc:
        raise ApiError(422, exc.code, exc.message) from exc


def blind(keyring: Keyring, doc: documents.Document) -> str:
    return protect.blind_index(
        doc.number, str(doc.doc_type.value if hasattr(doc.doc_type, "value") else doc.doc_type), keyring.blind
    )


def _doc_type(doc: documents.Document) -> str:
    return doc.doc_type.value if hasattr(doc.doc_type, "value") else str(doc.doc_type)


async def find_person_id(keyring: Keyring, doc_type: str, number: str) -> uuid.UUID | None:
    """The person with this document, matched by blind index (never by name)."""
    doc = check_document(doc_type, number)
    row = await Person.select(Person.id).where(Person.id_blind == blind(keyring, doc)).first().run()
    return row["id"] if row else None


async def register_person(keyring: Keyring, doc_type: str, number: str, name: str) -> uuid.UUID:
    """Find or create the person for this document. A different name for the same document is
    refused: the name is not ours to overwrite silently."""
    doc = check_document(doc_type, number)
    index = blind(keyring, doc)
    existing = await Person.select(Person.id, Person.name).where(Person.id_blind == index).first().run()
    if existing:
        if existing["name"] != name:
            raise ApiError(409, "person.name_mismatch", "This identity document is registered under another name.")
        person_id: uuid.UUID = existing["id"]
        return person_id
    person = Person(
        doc_type=_doc_type(doc),
        id_cipher=protect.encrypt_id(doc.number, _doc_type(doc), keyring.pii),
        id_blind=index,
        name=name,
        sex=doc.sex,
        birth_date=doc.birth_date,
        region=doc.region,
        created_at=dt.datetime.now(dt.UTC),
    )
    await person.save().run()
    return person.id


async def get_person(person_id: uuid.UUID | str) -> dict[str, Any]:
    row: dict[str, Any] | None = await Person.select().where(Person.id == person_id).first().run()
    if not row:
        raise ApiError(404, "person.not_found", "No such person.")
    return row


def reveal_number(keyring: Keyring, person: Mapping[str, Any]) -> str:
    """The clear identity number. Callers must have a role and purpose that allow it, and must
    put the read on the record."""
    return protect.decrypt_id(person["id_cipher"], person["doc_type"], keyring.pii)


def masked_number(keyring: Keyring, person: Mapping[str, Any]) -> str:
    return documents.mask(reveal_number(keyring, person))


def masked_name(name: str) -> str:
    """张三丰 -> 张**; Chan Tai Man -> C***********."""
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""
