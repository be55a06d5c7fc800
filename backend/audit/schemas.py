"""Request and response Structs of the access record API."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec
from msgspec import Meta

from backend.lib.bounds import SAFE_INT_MAX

DocType = Annotated[str, Meta(min_length=1, max_length=32, pattern=r"^[a-z][a-z_]*$", examples=["resident_id"])]
IdNumber = Annotated[
    str, Meta(min_length=1, max_length=32, examples=["44010619900307001X"], description="Sent in the body, never in a URL")
]


class AccessRecord(msgspec.Struct, kw_only=True):
    """One access to a holder's data by someone else: who, what, why, when and the result."""

    id: uuid.UUID
    seq: Annotated[int, Meta(description="Position in the hash chain; pass it as `before` to page on.", examples=[1042])]
    at: dt.datetime
    actor_kind: Annotated[str, Meta(examples=["agency"], description="agency, venue, staff or system")]
    actor_name: Annotated[str, Meta(examples=["广东省公安厅交通管理局"])]
    action: Annotated[str, Meta(examples=["agency.query"], description="agency.query, verification, certificate.issue, ...")]
    fields: Annotated[list[str], Meta(examples=[["card.status", "certificate.driving_licence.points"]])]
    purpose: Annotated[str, Meta(examples=["Vehicle registration: check the applicant's driving licence"])]
    basis_kind: Annotated[
        str, Meta(examples=["consent"], description="statute, consent, presented_code, scenario, official_duty or none")
    ]
    basis_ref: Annotated[str, Meta(examples=["《中华人民共和国道路交通安全法》第十九条"])]
    result: Annotated[str, Meta(examples=["refused"], description="ok, refused or not_found")]
    result_code: Annotated[str, Meta(examples=["query.no_basis"])]


class AccessRecordPage(msgspec.Struct, kw_only=True):
    items: list[AccessRecord]
    next_before: int | None = None


class AuditRecord(AccessRecord, kw_only=True):
    """An access record as operators see it, with its place in the chain."""

    actor_id: str
    actor_org: str
    person: uuid.UUID | None
    prev_hash: str
    hash: Annotated[str, Meta(examples=["5f2b7c0e9d4c4f0b8a7e3b1f6d2c9a8e5f2b7c0e9d4c4f0b8a7e3b1f6d2c9a8e"])]


class AuditPage(msgspec.Struct, kw_only=True):
    items: list[AuditRecord]
    next_before: int | None = None


class AuditSearch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Find one holder's record by identity document (kept out of the URL)."""

    doc_type: DocType
    id_number: IdNumber
    limit: Annotated[int, Meta(ge=1, le=200)] = 50
    before: Annotated[int, Meta(ge=1, le=SAFE_INT_MAX)] | None = None


class ChainBreak(msgspec.Struct, kw_only=True):
    seq: int
    entry_id: str | None
    kind: Annotated[str, Meta(examples=["reordered"], description="edited, deleted, reordered, broken_link or anchor_mismatch")]
    message: str


class ChainReport(msgspec.Struct, kw_only=True):
    ok: bool
    entries: Annotated[int, Meta(description="Entries checked before the first break (all of them when ok).")]
    head_seq: int
    head_hash: Annotated[
        str, Meta(description="Note it down elsewhere: a later check with it as the anchor catches a rewritten tail.")
    ]
    first_break: ChainBreak | None = None
