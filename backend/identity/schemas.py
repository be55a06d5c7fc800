"""Shared request pieces and the masked view of a person's documents."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

DOC_TYPES = (
    "resident_id, hmt_residence_permit, hk_mo_travel_permit, tw_travel_permit, foreign_permanent_residence or foreign_passport"
)
DocType = Annotated[str, Meta(min_length=1, max_length=32, examples=["hk_mo_travel_permit"], description=DOC_TYPES)]
IdNumber = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=32,
        examples=["H12345678"],
        description="Identity document number (a foreign passport: nationality then number, USA123456789); never echoed back unmasked",
    ),
]
WorkPermit = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=32,
        examples=["156000123456789012"],
        description="Work permit (外国人工作许可证) number: required with a foreign passport; never echoed back",
    ),
]
How = Literal["registered", "linked", "migrated"]


class LinkedDocument(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The travel permit a Hong Kong, Macao or Taiwan residence permit prints."""

    doc_type: Annotated[
        str,
        Meta(
            min_length=1,
            max_length=32,
            examples=["hk_mo_travel_permit"],
            description="hk_mo_travel_permit (Hong Kong, Macao) or tw_travel_permit (Taiwan)",
        ),
    ]
    id_number: Annotated[str, Meta(min_length=1, max_length=32, examples=["H12345678"], description="Never echoed back")]


class DocumentOut(msgspec.Struct, kw_only=True):
    """One of a person's documents, masked."""

    id: uuid.UUID
    doc_type: str
    id_number_masked: Annotated[str, Meta(examples=["H1*****78"])]
    name: str
    region: str | None
    primary: bool  # the document the person was first registered with
    how: How
    added_at: dt.datetime
    added_by: str  # the staff member who linked it; empty when the holder registered it
    added_office: uuid.UUID | None
    merged_from: uuid.UUID | None  # the absorbed person record it came from, after a merge
    has_work_permit: bool
