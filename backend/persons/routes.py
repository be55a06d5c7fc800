"""Staff routes: a person's documents (masked), linking a document, merging two records of one person."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from litestar import Request, get, post

from backend.identity.schemas import DocumentOut
from backend.keys.keyring import Keyring
from backend.lib.auth import COUNTER, SUPERVISOR, requires, staff_only
from backend.lib.openapi import error, errors
from backend.persons import linking, merging, views
from backend.persons import schemas as s

TAGS = ["staff: persons"]
LINKERS = requires(COUNTER, SUPERVISOR)
MERGERS = requires(SUPERVISOR)


def _at(now: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(now, dt.UTC)


@post(
    "/api/v1/staff/persons/lookup",
    status_code=200,
    guards=[staff_only],
    tags=TAGS,
    summary="Find a person by any of their documents",
    description="The document goes in the body, never in the URL. Answers the person with every document "
    "masked, and whether they have an account, a live card or an open application (what a merge must know). "
    "Every look-up, found or not, is on the access record. 404 `person.not_found`; 422 `document.*`.",
    responses=errors(e404="`person.not_found`", e422="`document.*`: the document number is not valid"),
)
async def lookup(request: Request[Any, Any, Any], data: s.PersonLookup, keyring: Keyring) -> s.PersonOut:
    return await views.lookup(keyring, request.user, data.doc_type, data.id_number)


@get(
    "/api/v1/staff/persons/{person_id:uuid}",
    guards=[staff_only],
    tags=TAGS,
    summary="A person, with their documents masked",
    description="Read on the person's access record. A merged record answers with `merged_into` set. 404 `person.not_found`.",
    responses=errors(e404="`person.not_found`"),
)
async def read_person(request: Request[Any, Any, Any], person_id: uuid.UUID, keyring: Keyring) -> s.PersonOut:
    return await views.read(keyring, request.user, person_id)


@get(
    "/api/v1/staff/persons/{person_id:uuid}/documents",
    guards=[staff_only],
    tags=TAGS,
    summary="A person's documents, masked",
    description="Every identity document of the person (the one they were first registered with first), "
    "masked, with who linked it and from which merged record it came. On the access record. 404 `person.not_found`.",
    responses=errors(e404="`person.not_found`"),
)
async def list_documents(request: Request[Any, Any, Any], person_id: uuid.UUID, keyring: Keyring) -> list[DocumentOut]:
    return await views.documents(keyring, request.user, person_id)


@post(
    "/api/v1/staff/persons/{person_id:uuid}/documents",
    status_code=201,
    guards=[LINKERS],
    tags=TAGS,
    summary="Link a document checked in person",
    description="A counter operator or supervisor who checked the document in person adds it to this person: a "
    "second document (a residence permit, a travel permit, a passport with its `work_permit`) then finds the same "
    "person, so a second card is refused. Written with the staff member and office, and on the person's access "
    "record. 409 `person.document_taken` (the document is another record's: if both are this person, a supervisor "
    "merges them; `details.other_person_id`), `person.document_already_linked`, `person.merged`, "
    "`person.name_mismatch`, `person.details_mismatch`; 422 `document.*`.",
    responses=errors(
        e404="`person.not_found`",
        e409="`person.document_taken`, `person.document_already_linked`, `person.merged`, `person.name_mismatch` or "
        "`person.details_mismatch`",
        e422="`document.*` (with a passport: `document.work_permit_required`, `document.bad_work_permit`)",
    ),
)
async def link_document(
    request: Request[Any, Any, Any], person_id: uuid.UUID, data: s.LinkRequest, keyring: Keyring, now: int
) -> DocumentOut:
    return await linking.link(keyring, request.user, person_id, data, now=_at(now))


@post(
    "/api/v1/staff/persons/merges",
    status_code=201,
    guards=[MERGERS],
    tags=TAGS,
    summary="Merge two records of one person",
    description="A supervisor merges a record found to be the same person as another. The absorbed record is "
    "kept, pointing at the survivor; its documents, cards, applications and account move to the survivor, and "
    "what is signed or chained (access record, certificates, consents) stays and is shown to the holder with the "
    "survivor's own. Both records get an entry on their access record; the merge is written with the staff member "
    "and office. 409 `persons.both_have_cards`, `persons.both_have_accounts`, `persons.both_have_applications` "
    "(cancel the duplicate first), `person.merged`; 422 `persons.same_person`; 404 `person.not_found`.",
    responses={
        **errors(e404="`person.not_found`", e422="`persons.same_person`"),
        409: error(
            "`persons.both_have_cards`, `persons.both_have_accounts`, `persons.both_have_applications` or `person.merged`"
        ),
    },
)
async def merge(request: Request[Any, Any, Any], data: s.MergeRequest, keyring: Keyring, now: int) -> s.MergeOut:
    return await merging.merge(keyring, request.user, data, now=_at(now))


ROUTES = [lookup, read_person, list_documents, link_document, merge]
