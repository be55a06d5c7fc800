"""Request and response bodies of the persons API (staff: a person's documents, linking, merging)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec
from msgspec import Meta

from backend.identity.schemas import DocType, DocumentOut, IdNumber, WorkPermit
from backend.lib.bounds import VISIBLE_LINE

Name = Annotated[str, Meta(min_length=1, max_length=128, pattern=VISIBLE_LINE, examples=["陈大文"])]
Reason = Annotated[
    str, Meta(min_length=2, max_length=500, pattern=VISIBLE_LINE, examples=["Same photo, birth date and travel permit"])
]


class PersonLookup(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A document in the body, never in the URL."""

    doc_type: DocType
    id_number: IdNumber


class PersonOut(msgspec.Struct, kw_only=True):
    """A person as staff see them: the name, masked documents, and what a merge must know."""

    id: uuid.UUID
    name: str
    merged_into: uuid.UUID | None
    merged_from: list[uuid.UUID]  # records merged into this one
    has_account: bool
    has_live_card: bool
    has_open_application: bool
    documents: list[DocumentOut]


class LinkRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A document staff checked in person, to become one of this person's documents."""

    doc_type: DocType
    id_number: IdNumber
    name: Name  # as printed on this document (Latin or Chinese form: docs/persons.md, "Names")
    work_permit: WorkPermit | None = None  # required with a foreign passport


class MergeRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    survivor: uuid.UUID  # the record that stays
    absorbed: uuid.UUID  # the record found to be the same person; kept, pointing at the survivor
    reason: Reason


class Moved(msgspec.Struct, kw_only=True):
    """Rows re-pointed from the absorbed record to the survivor."""

    documents: int
    cards: int
    applications: int
    card_events: int
    devices: int
    accounts: int


class MergeOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    survivor: PersonOut
    absorbed: uuid.UUID
    reason: str
    staff_id: str
    office: uuid.UUID | None
    moved: Moved
    at: dt.datetime
