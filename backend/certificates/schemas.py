"""Request and response Structs of the certificates API (types, issuing, holder view)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Annotated, Literal

import msgspec
from msgspec import Meta

from backend.lib.bounds import INT32_MAX, SAFE_INT_MAX, VISIBLE_LINE, bounded

TypeCode = Annotated[
    str, Meta(pattern=r"^[a-z][a-z0-9_]{1,31}$", examples=["driving_licence"], description="Certificate type code")
]
FieldName = Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]{0,31}$", examples=["points"])]
ScenarioName = Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]{0,63}$", examples=["transit_ride"])]
AgencyKind = Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]{1,31}$", examples=["public_security"])]
ConcessionCode = Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]{1,31}$", examples=["free_transit"])]
Text = Annotated[str, Meta(max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")]
# Integer attributes are kept as JSON and signed: exact for any reader, JavaScript included.
if TYPE_CHECKING:
    AttrInt = int  # bounded() makes an Annotated int at run time, which the checker cannot read
else:
    AttrInt = bounded(-SAFE_INT_MAX, SAFE_INT_MAX)
AttrValue = Text | AttrInt | bool
Attributes = Annotated[
    dict[FieldName, AttrValue], Meta(max_length=30, examples=[{"licence_class": "C1", "points": 0, "first_issued": "2015-06-01"}])
]
AttrChanges = Annotated[dict[FieldName, AttrValue | None], Meta(max_length=30, examples=[{"points": 3}])]
Reason = Annotated[
    str, Meta(min_length=2, max_length=500, pattern=r"^[^\x00-\x08\x0b-\x1f\x7f]*$", examples=["Drink driving: licence withheld"])
]
StoredStatus = Literal["active", "suspended", "revoked"]  # what the row keeps; the rest is computed
Status = Literal["active", "suspended", "revoked", "expired", "not_yet_valid"]


# --- types ---------------------------------------------------------------------------------


class FieldSpec(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, omit_defaults=True):
    type: Literal["string", "integer", "boolean", "date"]
    required: bool = False
    enum: Annotated[list[Annotated[str, Meta(min_length=1, max_length=64)]], Meta(min_length=1, max_length=50)] | None = None
    min: AttrInt | None = None
    max: AttrInt | None = None
    max_length: Annotated[int, Meta(ge=1, le=200)] | None = None


Schema = Annotated[
    dict[FieldName, FieldSpec],
    Meta(min_length=1, max_length=30, examples=[{"grade": {"type": "integer", "required": True, "min": 1, "max": 4}}]),
]


class ConcessionSpec(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    code: ConcessionCode
    scenarios: Annotated[list[ScenarioName], Meta(min_length=1, max_length=20, examples=[["scenic_entry"]])]


Concessions = Annotated[
    list[ConcessionSpec], Meta(max_length=20, examples=[[{"code": "scenic_discount", "scenarios": ["scenic_entry"]}]])
]
Disclosure = Annotated[
    dict[ScenarioName, Annotated[list[FieldName], Meta(max_length=30)]],
    Meta(max_length=20, examples=[{"certificate_check": ["grade"]}], description="Scenario -> fields a venue sees when shown"),
]
Statutory = Annotated[
    dict[AgencyKind, Annotated[list[FieldName], Meta(max_length=30)]],
    Meta(
        max_length=20,
        examples=[{"civil_affairs": ["category", "grade"]}],
        description="Agency kind -> fields it may read on a statutory basis",
    ),
]
TypeName = Annotated[str, Meta(min_length=1, max_length=128, pattern=VISIBLE_LINE, examples=["残疾人证 Disability certificate"])]


class TypeCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    code: TypeCode
    name: TypeName
    issuer_agency_id: Annotated[uuid.UUID, Meta(examples=["0b6c3f0e-8f4c-5d1e-9a7b-3c2d1e0f9a8b"])]
    attribute_schema: Schema
    concessions: Concessions = []
    disclosure: Disclosure = {}
    statutory_access: Statutory = {}


class TypeUpdate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: TypeName | None = None
    concessions: Concessions | None = None
    disclosure: Disclosure | None = None
    statutory_access: Statutory | None = None
    active: bool | None = None


class IssuerOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    code: str
    name: str
    kind: str


class TypeOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    code: str
    name: str
    issuer: IssuerOut
    attribute_schema: dict[str, FieldSpec]
    concessions: list[ConcessionSpec]
    disclosure: dict[str, list[str]]
    statutory_access: dict[str, list[str]]
    active: bool
    created_at: dt.datetime
    updated_at: dt.datetime


# --- certificates ----------------------------------------------------------------------------


class CertificateIssue(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The holder is named by identity document only; names never match people."""

    type: TypeCode
    doc_type: Annotated[str, Meta(min_length=1, max_length=32, pattern=r"^[a-z][a-z_]*$", examples=["resident_id"])]
    id_number: Annotated[str, Meta(min_length=1, max_length=32, examples=["44010619900307001X"])]
    attributes: Attributes
    valid_from: Annotated[dt.datetime, Meta(tz=True, examples=["2026-01-01T00:00:00Z"])] | None = None
    valid_until: Annotated[dt.datetime, Meta(tz=True, examples=["2032-06-01T00:00:00Z"])] | None = None


class CertificateUpdate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A value sets an attribute, null clears an optional one; `expected_version` guards lost updates."""

    attributes: AttrChanges | None = None
    valid_until: Annotated[dt.datetime, Meta(tz=True, examples=["2032-06-01T00:00:00Z"])] | None = None
    expected_version: Annotated[int, Meta(ge=1, le=INT32_MAX, examples=[3])] | None = None


class CertificateAction(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    reason: Reason


class SignatureOut(msgspec.Struct, kw_only=True):
    alg: str = "EdDSA"
    key_id: Annotated[str, Meta(examples=["a1b2c3d4"], description="kid in /.well-known/jwks.json")]
    value: Annotated[str, Meta(description="Ed25519 signature, base64url, over the canonical record")]
    signed_at: dt.datetime


class CertificateOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    type: Annotated[str, Meta(examples=["driving_licence"])]
    type_name: str
    issuer_name: str
    status: Annotated[Status, Meta(examples=["active"])]
    attributes: dict[str, AttrValue]
    valid_from: dt.datetime
    valid_until: dt.datetime | None
    version: int
    reason: str
    issued_at: dt.datetime
    updated_at: dt.datetime
    signature: SignatureOut


class PresentedCertificate(msgspec.Struct, kw_only=True):
    """A certificate the holder showed with the card: status, and only the fields the scenario may see."""

    id: uuid.UUID
    type: Annotated[str, Meta(examples=["driving_licence"])]
    type_name: str
    issuer_name: str
    status: Annotated[Status, Meta(examples=["active"])]
    valid_until: dt.datetime | None = None
    fields: Annotated[dict[str, AttrValue], Meta(examples=[{"licence_class": "C1"}])] = {}


class CertificateCode(msgspec.Struct, kw_only=True):
    """An online code that also shows one certificate to the venue that scans it."""

    code: Annotated[str, Meta(examples=["YKO1:7WE8G9H*LAWQ6JX2AZVN%6FXD2CB5P4L0R3U:O$V3RGV8H"])]
    kind: str
    certificate_id: uuid.UUID
    issued_at: int
    expires_at: int
    qr_version: int


class IntegrityOut(msgspec.Struct, kw_only=True):
    certificate_id: uuid.UUID
    version: int
    key_id: str
    signed_at: dt.datetime
    valid: bool
    result: Annotated[str, Meta(examples=["valid"], description="valid, bad_signature or unknown_key")]
