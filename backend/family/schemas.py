"""Request and response Structs of the family service (亲情服务)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from backend.lib.bounds import VISIBLE_LINE

Relationship = Annotated[
    Literal["elder", "child", "spouse", "other"],
    Meta(description="What the relative is to the holder: an elder (parent, grandparent), a child, the spouse, or other."),
]
Status = Annotated[
    Literal["pending", "active", "refused", "ended"],
    Meta(description="pending (not yet agreed: gives nothing), active, refused (by the relative) or ended (by either side)."),
]
Consent = Annotated[
    Literal["relative", "counter", "guardianship"],
    Meta(
        description="How the relation was agreed: by the relative from their own account, by the relative in person "
        "at a counter, or (a child under 16) the guardianship proven at a counter."
    ),
]
Evidence = Annotated[
    Literal["identity_document", "household_register", "birth_certificate", "guardianship_document"],
    Meta(description="What the counter clerk checked."),
]
DocType = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=32,
        examples=["resident_id"],
        description="resident_id, hmt_residence_permit, hk_mo_travel_permit, tw_travel_permit or foreign_permanent_residence",
    ),
]
IdNumber = Annotated[
    str,
    Meta(min_length=1, max_length=32, examples=["44010619500307002X"], description="Sent in the body, never echoed back"),
]
Name = Annotated[str, Meta(min_length=1, max_length=128, pattern=VISIBLE_LINE, examples=["李秀英"])]
MaskedName = Annotated[str, Meta(examples=["李**"], description="The name with all but its first character hidden.")]


class AddRelative(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A relative to act for, named by their identity document (in the body only) and name."""

    doc_type: DocType
    id_number: IdNumber
    name: Name
    relationship: Relationship


class Limit(msgspec.Struct, frozen=True, kw_only=True):
    relationship: Literal["elder", "child", "spouse", "other", "total"]
    max: Annotated[int, Meta(examples=[4])]
    used: Annotated[int, Meta(examples=[1], description="Pending and active relations of this kind.")]


class RelativeOut(msgspec.Struct, frozen=True, kw_only=True):
    """A relative the holder acts for (or asked to), as the holder sees it."""

    id: uuid.UUID
    name: MaskedName
    document: Annotated[str, Meta(examples=["44**************2X"], description="The relative's document number, masked.")]
    relationship: Relationship
    status: Status
    minor: Annotated[bool, Meta(description="Under 16 when added: the guardianship is proven at a counter.")]
    consent: Consent | None
    created_at: dt.datetime
    agreed_at: dt.datetime | None
    ended_at: dt.datetime | None
    ended_by: Literal["holder", "relative"] | None


class FamilyPage(msgspec.Struct, frozen=True, kw_only=True):
    """The holder's relatives, newest first, and what each limit leaves."""

    items: list[RelativeOut]
    limits: list[Limit]


class ProxyOut(msgspec.Struct, frozen=True, kw_only=True):
    """Someone who may act (or asks to act) for you, as you see it."""

    id: uuid.UUID
    name: Annotated[str, Meta(examples=["王**"], description="The proxy's name, masked.")]
    relationship: Annotated[Literal["elder", "child", "spouse", "other"], Meta(description="What they say you are to them.")]
    status: Status
    consent: Consent | None
    since: dt.datetime | None  # when it became active
    created_at: dt.datetime
    ended_at: dt.datetime | None
    can_accept: Annotated[
        bool,
        Meta(
            description="Pending, and you may agree from this account (adults with a proven account; a child's "
            "guardianship is proven at a counter)."
        ),
    ]


class ProxyPage(msgspec.Struct, frozen=True, kw_only=True):
    """Everyone who acts (or asks to act) for you, newest first, ended ones included."""

    items: list[ProxyOut]
    active: Annotated[int, Meta(examples=[1], description="How many act for you now.")]
    pending: Annotated[int, Meta(examples=[0], description="Requests waiting for your answer.")]


class RelativeCode(msgspec.Struct, frozen=True, kw_only=True):
    """A fresh online code for the relative's card, shown by the proxy (valid 60 s, one use)."""

    code: Annotated[str, Meta(description="The text to put in the QR code (alphanumeric mode).")]
    kind: Literal["online"]
    relation_id: uuid.UUID
    relative_name: MaskedName
    issued_at: Annotated[int, Meta(ge=0, description="Unix time in seconds.")]
    expires_at: Annotated[int, Meta(ge=0, description="Unix time after which venues refuse the code.")]
    qr_version: Annotated[int, Meta(ge=1, le=40)]


class RelativeEcard(msgspec.Struct, frozen=True, kw_only=True):
    """The relative's e-card after the proxy activated it."""

    relation_id: uuid.UUID
    ecard_level: Annotated[int, Meta(examples=[1])]
    assurance: Annotated[int, Meta(examples=[1], description="1: proven by a family member (lib/assurance.py).")]


class CounterSearch(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The relative at the counter, by the document the clerk has in hand."""

    doc_type: DocType
    id_number: IdNumber


class CounterRequest(msgspec.Struct, frozen=True, kw_only=True):
    """A pending relation as the counter clerk sees it."""

    id: uuid.UUID
    holder_name: MaskedName
    holder_document: Annotated[str, Meta(examples=["44**************1X"])]
    relative_name: MaskedName
    relationship: Relationship
    minor: bool
    created_at: dt.datetime


class CounterRequests(msgspec.Struct, frozen=True, kw_only=True):
    items: list[CounterRequest]


class CounterConsent(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The clerk records the consent: the adult relative agreed in person, or the holder's
    guardianship of the child was proven with the documents checked."""

    basis: Annotated[Literal["in_person", "guardianship"], Meta(description="in_person: an adult relative agreed here.")]
    evidence: Evidence


class PresentedBy(msgspec.Struct, frozen=True, kw_only=True):
    """Who showed the code for the holder: a family proxy (亲情服务)."""

    name: Annotated[str, Meta(examples=["王**"], description="The proxy's name, masked.")]
    relationship: Relationship
    kind: Literal["family"] = "family"
