"""Request and response Structs of the access record API."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

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


ActorKind = Literal["agency", "venue", "staff", "bank", "employer", "relying_party", "system"]
ActorId = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="Who acted: a staff member's id, an agency system's or scanner's client id.",
        examples=["0b7f3c1e-2d4a-4e8b-9c6d-5a1f2e3d4c5b"],
    ),
]
ActorOrg = Annotated[str, Meta(min_length=1, max_length=64, description="The agency, venue or office id.")]
Action = Annotated[str, Meta(min_length=1, max_length=48, pattern=r"^[a-z_.]+$", examples=["person.lookup"])]
Result = Literal["ok", "refused", "not_found"]
Moment = Annotated[dt.datetime, Meta(tz=True, examples=["2026-03-01T00:00:00+08:00"])]


class AuditSearch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Search the access record: one holder's by identity document (kept out of the URL), one staff
    member's or system's actions (`actor_id`), by action, result and time (`since` <= at < `until`).
    Every filter is optional; together they all apply."""

    doc_type: DocType | None = None
    id_number: IdNumber | None = None
    actor_kind: ActorKind | None = None
    actor_id: ActorId | None = None
    actor_org: ActorOrg | None = None
    action: Action | None = None
    result: Result | None = None
    since: Moment | None = None
    until: Moment | None = None
    limit: Annotated[int, Meta(ge=1, le=200)] = 50
    before: Annotated[int, Meta(ge=1, le=SAFE_INT_MAX)] | None = None


class ChainBreak(msgspec.Struct, kw_only=True):
    seq: int
    entry_id: str | None
    kind: Annotated[
        str,
        Meta(
            examples=["reordered"],
            description="edited, deleted, reordered, broken_link, anchor_mismatch, truncated, bad_anchor or anchors_deleted",
        ),
    ]
    message: str


class ChainReport(msgspec.Struct, kw_only=True):
    ok: bool
    entries: Annotated[int, Meta(description="Entries checked before the first break (all of them when ok).")]
    head_seq: int
    head_hash: Annotated[
        str, Meta(description="Note it down elsewhere: a later check with it as the anchor catches a rewritten tail.")
    ]
    first_break: ChainBreak | None = None


# --- anchors (docs/access-record.md, "Anchors") ----------------------------------------------

Hex64 = Annotated[str, Meta(examples=["5f2b7c0e9d4c4f0b8a7e3b1f6d2c9a8e5f2b7c0e9d4c4f0b8a7e3b1f6d2c9a8e"])]


class AnchorOut(msgspec.Struct, kw_only=True):
    """The chain's head at one moment, signed by the `audit-anchor` key: hashes and counts only."""

    number: Annotated[int, Meta(description="1, 2, 3 ... without gaps; pass the last one seen as `after`.", examples=[12])]
    seq: Annotated[int, Meta(description="The chain position anchored (0: the empty chain).", examples=[1042])]
    hash: Hex64
    prev: Annotated[str, Meta(description="SHA-256 (hex) of the previous anchor's statement; 64 zeros for the first.")]
    kid: Annotated[str, Meta(examples=["3fa1c2d4"])]
    statement: Annotated[
        str,
        Meta(
            description=(
                "Compact JWS (EdDSA, typ `yikatong-anchor+jwt`) over {region, number, seq, hash, prev, at}: what a "
                "witness keeps. Verify it with `GET /api/v1/audit/anchors/keys`."
            )
        ),
    ]
    at: dt.datetime


class AnchorPage(msgspec.Struct, kw_only=True):
    items: list[AnchorOut]
    next_after: int | None = None


class AnchorKey(msgspec.Struct, kw_only=True):
    """A public Ed25519 key as a JWK (RFC 8037)."""

    kty: Literal["OKP"]
    crv: Literal["Ed25519"]
    x: str
    kid: str
    alg: Literal["EdDSA"]
    use: Literal["sig"]


class AnchorKeys(msgspec.Struct, kw_only=True):
    """The JWK Set that verifies the anchors' statements."""

    keys: list[AnchorKey]


class EntryProof(msgspec.Struct, kw_only=True):
    """One access record entry checked in the chain: its own hash, the links from it to the first
    anchor at or after it, and that anchor's signed statement."""

    entry: AuditRecord
    hash_ok: Annotated[bool, Meta(description="The entry's content still gives its hash.")]
    links: Annotated[int, Meta(description="Links checked from the entry up to the anchored position.")]
    verified: Annotated[bool, Meta(description="True when the entry is held by a signed anchor through unbroken links.")]
    anchor: AnchorOut | None = None
    reason: Annotated[
        str,
        Meta(
            examples=["not_anchored_yet"],
            description="Empty when verified; otherwise edited, broken_link, deleted, anchor_mismatch, bad_anchor or not_anchored_yet.",
        ),
    ] = ""
    message: str = ""


# --- unusual staff behaviour (docs/access-record.md, "Staff accountability") -----------------

FlagKind = Literal["many_people", "above_office_median", "outside_city_without_case", "outside_hours"]


class StaffFlag(msgspec.Struct, kw_only=True):
    kind: FlagKind
    count: Annotated[int, Meta(description="How many entries (or people, for the look-up flags) are behind the flag.")]
    detail: str
    examples: Annotated[list[uuid.UUID], Meta(description="Up to five entry ids to open in the access record.")]


class StaffRow(msgspec.Struct, kw_only=True):
    staff_id: str
    name: str
    office_id: str
    office_name: str
    city: str
    entries: Annotated[int, Meta(description="Entries by this staff member in the period.")]
    people: Annotated[int, Meta(description="Distinct people whose data they read or acted on.")]
    flags: list[StaffFlag]


class StaffReport(msgspec.Struct, kw_only=True):
    """Per staff member in the period: what they did and what looks unusual (flagged first)."""

    since: dt.datetime
    until: dt.datetime
    city: str | None
    people_per_day: Annotated[int, Meta(description="The threshold of distinct people looked up in one day.")]
    staff: list[StaffRow]
