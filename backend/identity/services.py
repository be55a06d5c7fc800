"""Person records: register and find people by any of their identity documents, link documents,
mark a merged record, reveal numbers on purpose."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from piccolo.columns import Column

from backend.identity import documents, names, protect
from backend.identity.documents import DocType
from backend.identity.schemas import DocumentOut
from backend.identity.tables import Person, PersonDocument
from backend.keys.keyring import Keyring
from backend.lib.db import transaction
from backend.lib.errors import ApiError

WORK_PERMIT_LABEL = "work_permit"  # the AAD label a work permit number is encrypted under


def check_document(doc_type: str, number: str) -> documents.Document:
    """Validate or answer 422 with the precise document error code."""
    try:
        return documents.validate(doc_type, number)
    except documents.DocumentError as exc:
        raise ApiError(422, exc.code, exc.message) from exc


@dataclass(frozen=True, slots=True)
class Presented:
    """What a holder presents: a document, the travel permit a residence permit prints, and a
    foreign passport's work permit number (all validated and normalised)."""

    doc: documents.Document
    linked: documents.Document | None = None
    work_permit: str | None = None

    def __repr__(self) -> str:  # never the numbers
        return f"Presented({self.doc!r}, linked={self.linked!r}, work_permit={'***' if self.work_permit else None})"


def check_presented(
    doc_type: str,
    number: str,
    *,
    linked: tuple[str, str] | None = None,
    work_permit: str | None = None,
    require_linked: bool = True,
    require_work_permit: bool = True,
) -> Presented:
    """Validate a document with its companions, or answer 422 with a precise code: a residence
    permit needs the travel permit it prints (`document.linked_required`, `document.linked_wrong_kind`),
    a foreign passport the work permit number (`document.work_permit_required`, `document.bad_work_permit`).
    Errors in the linked document carry details.field = "linked_document"."""
    doc = check_document(doc_type, number)
    other: documents.Document | None = None
    if linked is not None:
        if doc.doc_type is not DocType.hmt_residence_permit:
            raise ApiError(
                422,
                "document.linked_not_expected",
                "Only a Hong Kong, Macao or Taiwan residence permit is given with a linked travel permit.",
                field="linked_document",
            )
        try:
            other = documents.validate(*linked)
            documents.check_linked(doc, other)
        except documents.DocumentError as exc:
            raise ApiError(422, exc.code, exc.message, field="linked_document") from exc
    elif require_linked and doc.doc_type is DocType.hmt_residence_permit:
        raise ApiError(
            422,
            "document.linked_required",
            "A residence permit prints the holder's travel permit number (港澳居民来往内地通行证 or "
            "台湾居民来往大陆通行证): give it as linked_document.",
            field="linked_document",
        )
    permit: str | None = None
    if work_permit is not None:
        if doc.doc_type is not DocType.foreign_passport:
            raise ApiError(
                422,
                "document.work_permit_not_expected",
                "A work permit number goes with a foreign passport only.",
                field="work_permit",
            )
        try:
            permit = documents.validate_work_permit(work_permit)
        except documents.DocumentError as exc:
            raise ApiError(422, exc.code, exc.message, field="work_permit") from exc
    elif require_work_permit and doc.doc_type is DocType.foreign_passport:
        raise ApiError(
            422,
            "document.work_permit_required",
            "A foreign passport is accepted for foreigners employed in the province: give the work permit "
            "(外国人工作许可证) number.",
            field="work_permit",
        )
    return Presented(doc, other, permit)


def blind(keyring: Keyring, doc: documents.Document) -> str:
    return protect.blind_index(doc.number, _doc_type(doc), keyring.blind)


def _doc_type(doc: documents.Document) -> str:
    return doc.doc_type.value if hasattr(doc.doc_type, "value") else str(doc.doc_type)


async def find_by_blind(index: str) -> uuid.UUID | None:
    """The person holding the document with this blind index; a merged record's survivor."""
    row = await (
        PersonDocument.select(PersonDocument.person, PersonDocument.person.merged_into.as_alias("merged_into"))
        .where(PersonDocument.id_blind == index)
        .first()
        .run()
    )
    if row is None:
        return None
    found: uuid.UUID = row["merged_into"] or row["person"]
    return found


async def find_person_id(keyring: Keyring, doc_type: str, number: str) -> uuid.UUID | None:
    """The person with this document (any of their documents), matched by blind index, never by name."""
    return await find_by_blind(blind(keyring, check_document(doc_type, number)))


async def known_names(person_id: uuid.UUID) -> list[str]:
    """The person's name and the names given with each of their documents."""
    person = await get_person(person_id)
    rows = await PersonDocument.select(PersonDocument.name).where(PersonDocument.person == person_id).run()
    return [person["name"], *(row["name"] for row in rows)]


def _mismatch() -> ApiError:
    return ApiError(409, "person.name_mismatch", "This identity document is registered under another name.")


async def _agree(person: dict[str, Any], docs: list[documents.Document]) -> None:
    """Birth date and sex, where both the person's record and a new document carry them, agree;
    what the record lacks (a travel permit carries neither) is taken from the document."""
    fill: dict[Column | str, Any] = {}
    for doc in docs:
        for field, value in (("birth_date", doc.birth_date), ("sex", doc.sex)):
            if value is None:
                continue
            known = person.get(field) or fill.get(field)
            if known is not None and known != value:
                raise ApiError(
                    409,
                    "person.details_mismatch",
                    "The birth date or sex this document carries differs from the person's record.",
                    field=field,
                )
            if known is None:
                fill[field] = value
    if fill:
        await Person.update(fill).where(Person.id == person["id"]).run()


def _document_row(
    keyring: Keyring,
    person_id: uuid.UUID,
    doc: documents.Document,
    index: str,
    name: str,
    *,
    work_permit: str | None = None,
    how: str = "registered",
    added_by: str = "",
    added_office: uuid.UUID | None = None,
    now: dt.datetime,
) -> PersonDocument:
    kind = _doc_type(doc)
    return PersonDocument(
        id=uuid.uuid4(),
        person=person_id,
        doc_type=kind,
        id_cipher=protect.encrypt_id(doc.number, kind, keyring.pii),
        id_blind=index,
        name=name,
        region=doc.region,
        permit_cipher=protect.encrypt_id(work_permit, WORK_PERMIT_LABEL, keyring.pii) if work_permit else None,
        how=how,
        added_at=now,
        added_by=added_by,
        added_office=added_office,
    )


async def register_person(
    keyring: Keyring,
    doc_type: str,
    number: str,
    name: str,
    *,
    linked: tuple[str, str] | None = None,
    work_permit: str | None = None,
) -> uuid.UUID:
    """Find or create the person for this document (and the travel permit a residence permit
    prints, which becomes a document of the same person). Companions are checked when given;
    requiring them is the caller's choice (check_presented), so seeders may register a permit alone."""
    presented = check_presented(
        doc_type, number, linked=linked, work_permit=work_permit, require_linked=False, require_work_permit=False
    )
    return await register_presented(keyring, presented, name)


async def register_presented(keyring: Keyring, presented: Presented, name: str) -> uuid.UUID:
    """Find or create the person holding these documents. Several documents of one person find
    that person; documents of two different person records are refused (staff merge them).
    A known document is presented under a name on record; a new document joins under a name on
    record or the first name in another script (identity/names.py). Call inside a transaction
    to make the registration part of a larger write; a parallel registration of the same new
    document clashes on a unique index (identity_person.id_blind, identity_person_document.id_blind)."""
    now = dt.datetime.now(dt.UTC)
    docs = [presented.doc] + ([presented.linked] if presented.linked else [])
    indexes = [blind(keyring, doc) for doc in docs]
    async with transaction():
        person_id = await _find_or_create(keyring, presented, name, docs, indexes, now)
    return person_id


async def _find_or_create(
    keyring: Keyring,
    presented: Presented,
    name: str,
    docs: list[documents.Document],
    indexes: list[str],
    now: dt.datetime,
) -> uuid.UUID:
    owners = [await find_by_blind(index) for index in indexes]
    found = {owner for owner in owners if owner is not None}
    if len(found) > 1:
        raise ApiError(
            409,
            "person.documents_of_two_persons",
            "These documents are registered to two different person records; staff can merge them at a counter.",
        )
    permits = {presented.doc.doc_type: presented.work_permit}
    if found:
        person_id = found.pop()
        new = [(doc, index) for doc, index, owner in zip(docs, indexes, owners, strict=True) if owner is None]
        known = await known_names(person_id)
        if not (names.may_join(known, name) if new else names.on_record(known, name)):
            raise _mismatch()
        if new:
            await _agree(await get_person(person_id), [doc for doc, _ in new])
            rows = [
                _document_row(keyring, person_id, doc, index, name, work_permit=permits.get(doc.doc_type), now=now)
                for doc, index in new
            ]
            await PersonDocument.insert(*rows).run()
        return person_id
    primary = presented.doc
    if presented.linked is not None:
        _check_linked_agrees(primary, presented.linked)
    kind = _doc_type(primary)
    person = Person(
        doc_type=kind,
        id_cipher=protect.encrypt_id(primary.number, kind, keyring.pii),
        id_blind=indexes[0],
        name=name,
        sex=primary.sex,
        birth_date=primary.birth_date,
        region=primary.region,
        created_at=now,
    )
    await person.save().run()
    rows = [
        _document_row(keyring, person.id, doc, index, name, work_permit=permits.get(doc.doc_type), now=now)
        for doc, index in zip(docs, indexes, strict=True)
    ]
    await PersonDocument.insert(*rows).run()
    return person.id


def _check_linked_agrees(permit: documents.Document, linked: documents.Document) -> None:
    """Checked again here for callers that built Presented themselves."""
    try:
        documents.check_linked(permit, linked)
    except documents.DocumentError as exc:
        raise ApiError(422, exc.code, exc.message, field="linked_document") from exc


async def link_document(
    keyring: Keyring,
    person_id: uuid.UUID,
    presented: Presented,
    name: str,
    *,
    added_by: str,
    added_office: uuid.UUID | None,
    now: dt.datetime,
) -> DocumentOut:
    """Add a document (checked in person by staff) to an existing person. Refused when the
    document is already this person's (`person.document_already_linked`) or another person's
    (`person.document_taken`: the two records are one person, a merge), and when the name does
    not agree (`person.name_mismatch`). Call inside the caller's transaction."""
    person = await get_person(person_id)
    if person["merged_into"] is not None:
        raise merged_error(person)
    index = blind(keyring, presented.doc)
    owner = await find_by_blind(index)
    if owner == person_id:
        raise ApiError(409, "person.document_already_linked", "This document is already one of this person's documents.")
    if owner is not None:
        raise ApiError(
            409,
            "person.document_taken",
            "This document belongs to another person record: if both are this person, merge the two records.",
            other_person_id=str(owner),
        )
    if not names.may_join(await known_names(person_id), name):
        raise _mismatch()
    await _agree(person, [presented.doc])
    row = _document_row(
        keyring,
        person_id,
        presented.doc,
        index,
        name,
        work_permit=presented.work_permit,
        how="linked",
        added_by=added_by,
        added_office=added_office,
        now=now,
    )
    await PersonDocument.insert(row).run()
    return _masked(keyring, row.to_dict(), primary_blind=person["id_blind"])


def merged_error(person: Mapping[str, Any]) -> ApiError:
    return ApiError(
        409,
        "person.merged",
        "This person record was merged into another; use the surviving record.",
        merged_into=str(person["merged_into"]),
    )


async def mark_merged(survivor: uuid.UUID, absorbed: uuid.UUID, now: dt.datetime) -> int:
    """The absorbed record's documents become the survivor's (each remembers where it came from),
    and the absorbed record (and any merged into it before) points at the survivor. The absorbed
    row itself is kept. Returns how many documents moved. Call inside the merge's transaction."""
    await (
        PersonDocument.update({PersonDocument.merged_from: absorbed})
        .where((PersonDocument.person == absorbed) & PersonDocument.merged_from.is_null())
        .run()
    )
    moved = await (
        PersonDocument.update({PersonDocument.person: survivor})
        .where(PersonDocument.person == absorbed)
        .returning(PersonDocument.id)
        .run()
    )
    await Person.update({Person.merged_into: survivor}).where(Person.merged_into == absorbed).run()
    await Person.update({Person.merged_into: survivor, Person.merged_at: now}).where(Person.id == absorbed).run()
    return len(moved)


async def person_ids(person_id: uuid.UUID | str) -> list[uuid.UUID]:
    """The person and every record merged into them: a holder's history is the rows of all of
    these (rows other features keep under an absorbed id stay there, untouched)."""
    pid = uuid.UUID(str(person_id))
    rows = await Person.select(Person.id).where(Person.merged_into == pid).order_by(Person.created_at).run()
    return [pid, *(row["id"] for row in rows)]


async def documents_of(keyring: Keyring, person_id: uuid.UUID) -> list[DocumentOut]:
    """The person's documents, masked, the primary first then in the order they were added."""
    person = await get_person(person_id)
    rows = await PersonDocument.select().where(PersonDocument.person == person_id).order_by(PersonDocument.added_at).run()
    out = [_masked(keyring, row, primary_blind=person["id_blind"]) for row in rows]
    return sorted(out, key=lambda d: not d.primary)


def _masked(keyring: Keyring, row: Mapping[str, Any], *, primary_blind: str) -> DocumentOut:
    return DocumentOut(
        id=row["id"],
        doc_type=row["doc_type"],
        id_number_masked=documents.mask(protect.decrypt_id(row["id_cipher"], row["doc_type"], keyring.pii)),
        name=row["name"],
        region=row["region"],
        primary=row["id_blind"] == primary_blind,
        how=row["how"],
        added_at=row["added_at"],
        added_by=row["added_by"],
        added_office=row["added_office"],
        merged_from=row["merged_from"],
        has_work_permit=row["permit_cipher"] is not None,
    )


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
