"""Request and response Structs of consents and agency queries."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from backend.certificates.schemas import AttrValue, FieldName, TypeCode
from backend.lib.bounds import VISIBLE_LINE

Purpose = Annotated[
    str,
    Meta(
        min_length=2,
        max_length=200,
        pattern=VISIBLE_LINE,
        examples=["Vehicle registration: check the applicant's driving licence"],
    ),
]
LegalBasis = Annotated[
    str,
    Meta(
        min_length=4,
        max_length=200,
        pattern=VISIBLE_LINE,
        examples=["《中华人民共和国道路交通安全法》第十九条"],
        description="The statute and article that require this query",
    ),
]
ConsentStatus = Literal["active", "pending", "expired", "revoked"]
GranteeKind = Literal["agency", "employer"]
# The kinds of the HR file (backend/hrfile), named here once: consent sits below the HR file, which
# takes this list as its own (hrfile.schemas.HrKind, hrfile.vocab.KINDS).
HrRecordKind = Literal[
    "employment_start",
    "employment_end",
    "unemployment_registration",
    "unemployment_benefit",
    "training",
    "skill_evaluation",
    "professional_title",
    "qualification",
    "labour_contract",
    "contract_termination",
    "contribution",
]
HrRecordKinds = Annotated[
    list[HrRecordKind],
    Meta(max_length=11, examples=[["employment_start", "employment_end", "contribution"]], description="HR file record kinds"),
]


class CertificateScope(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A certificate type and the attributes that may be read (its status always comes with it)."""

    type: TypeCode
    fields: Annotated[list[FieldName], Meta(max_length=30, examples=[["licence_class", "points"]])] = []


CertificateScopes = Annotated[
    list[CertificateScope], Meta(max_length=10, examples=[[{"type": "driving_licence", "fields": ["licence_class"]}]])
]


class ConsentGrant(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """To an agency (`agency_id`) or to an employer (`employer_uscc`: only `hr_records` then), exactly one."""

    agency_id: Annotated[uuid.UUID, Meta(examples=["0b6c3f0e-8f4c-5d1e-9a7b-3c2d1e0f9a8b"])] | None = None
    employer_uscc: (
        Annotated[
            str,
            Meta(
                pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$",
                examples=["91440101MA59XKT3Y4"],
                description="The employer's unified social credit code (统一社会信用代码)",
            ),
        ]
        | None
    ) = None
    purpose: Purpose
    card_status: bool = False
    certificates: CertificateScopes = []
    hr_records: HrRecordKinds = []
    account_changes: Annotated[
        bool, Meta(description="Changes of the card's bank account (which bank, opened): pushed to the agency's subscriptions")
    ] = False
    valid_from: Annotated[dt.datetime, Meta(tz=True, examples=["2026-11-23T09:00:00Z"])] | None = None
    valid_until: Annotated[dt.datetime, Meta(tz=True, examples=["2026-12-23T09:00:00Z"])]


class ConsentScope(msgspec.Struct, kw_only=True, omit_defaults=True):
    """What a consent lets its grantee read; `hr_records` is left out when empty (as before it existed)."""

    card_status: bool
    certificates: Annotated[dict[str, list[str]], Meta(examples=[{"driving_licence": ["licence_class"]}])]
    hr_records: Annotated[list[str], Meta(examples=[["contribution"]], description="HR file record kinds")] = []
    account_changes: bool = False  # left out when false (as before it existed)


class ConsentOut(msgspec.Struct, kw_only=True):
    """`agency_code` and `agency_name` name the grantee whichever kind it is (an employer: its USCC and name)."""

    id: uuid.UUID
    agency_id: Annotated[uuid.UUID | None, Meta(description="null for a consent to an employer")]
    agency_code: str
    agency_name: str
    purpose: str
    scope: ConsentScope
    status: Annotated[ConsentStatus, Meta(examples=["active"])]
    valid_from: dt.datetime
    valid_until: dt.datetime
    granted_at: dt.datetime
    revoked_at: dt.datetime | None = None
    grantee_kind: Annotated[GranteeKind, Meta(examples=["agency"])] = "agency"
    employer_id: Annotated[uuid.UUID | None, Meta(description="for a consent to an employer")] = None


class AgencyCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    code: Annotated[str, Meta(pattern=r"^[A-Z][A-Z0-9-]{1,31}$", examples=["GZ-HRSS"])]
    name: Annotated[str, Meta(min_length=1, max_length=128, pattern=VISIBLE_LINE, examples=["广州市人力资源和社会保障局"])]
    kind: Annotated[
        str,
        Meta(
            pattern=r"^[a-z][a-z0-9_]{1,31}$",
            examples=["hrss"],
            description="hrss, public_security, civil_affairs, veterans, disabled_federation, medical_insurance, finance, ...",
        ),
    ]


class AgencyOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    code: Annotated[str, Meta(examples=["GD-PSD-TMB"])]
    name: str
    kind: Annotated[str, Meta(examples=["public_security"])]


# --- agency queries -------------------------------------------------------------------------


class Subject(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The holder, by identity document (in the body, never in a URL or log)."""

    doc_type: Annotated[str, Meta(min_length=1, max_length=32, pattern=r"^[a-z][a-z_]*$", examples=["resident_id"])]
    id_number: Annotated[str, Meta(min_length=1, max_length=32, examples=["44010619900307001X"])]


class AgencyQuery(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Exactly one of `subject` (with `legal_basis` or `consent_id`) or `code` (a code the holder presented)."""

    purpose: Purpose
    subject: Annotated[Subject, Meta(examples=[{"doc_type": "resident_id", "id_number": "44010619900307001X"}])] | None = None
    code: Annotated[str, Meta(max_length=1000, examples=["YKO1:7WE8G9H*LAWQ6JX2AZVN%6FXD2CB5P4L0R3U:O$V3RGV8H"])] | None = None
    legal_basis: LegalBasis | None = None
    consent_id: Annotated[uuid.UUID, Meta(examples=["5d7c1a2e-4b3f-4e8a-9c0d-1e2f3a4b5c6d"])] | None = None
    card_status: bool = False
    certificates: CertificateScopes = []


class CardStatusOut(msgspec.Struct, kw_only=True):
    state: Annotated[str, Meta(examples=["active"])]
    usable: bool
    region: Annotated[str, Meta(examples=["440100"])]


class QueriedCertificate(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    type: str
    type_name: str
    issuer_name: str
    status: Annotated[str, Meta(examples=["active"])]
    version: int
    valid_from: dt.datetime
    valid_until: dt.datetime | None
    fields: Annotated[dict[str, AttrValue], Meta(examples=[{"licence_class": "C1", "points": 3}])]


class QueryResult(msgspec.Struct, kw_only=True):
    query_id: Annotated[uuid.UUID, Meta(description="The access record written for this query")]
    basis: Annotated[str, Meta(examples=["consent"], description="statute, consent or presented_code")]
    basis_ref: str
    card: CardStatusOut | None
    certificates: list[QueriedCertificate]
    not_held: Annotated[list[str], Meta(examples=[["disability_certificate"]])]
