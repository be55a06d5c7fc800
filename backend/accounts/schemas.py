"""Request and response bodies of the accounts API."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from backend.identity.schemas import DOC_TYPES, LinkedDocument, WorkPermit

DocType = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=32,
        examples=["resident_id"],
        description=DOC_TYPES,
    ),
]
IdNumber = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=32,
        examples=["11010519491231002X"],
        description="Identity document number; validated, never echoed back unmasked",
    ),
]
Name = Annotated[str, Meta(min_length=1, max_length=128, examples=["张三"])]
NewPassword = Annotated[
    str,
    Meta(
        min_length=10,
        max_length=256,
        examples=["correct horse battery"],
        description="At least 10 characters; must not contain the identity number",
    ),
]
AnyPassword = Annotated[str, Meta(min_length=1, max_length=256, examples=["correct horse battery"])]
TotpCode = Annotated[str, Meta(pattern=r"^[0-9]{6}$", examples=["492039"], description="6-digit code from the authenticator app")]
RecoveryCodeText = Annotated[str, Meta(min_length=16, max_length=24, examples=["k7m2-9qxa-3vtd-h8rp"])]
Label = Annotated[str, Meta(max_length=64, examples=["My phone"], description="Shown in the session list")]
Username = Annotated[str, Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{2,31}$", examples=["gz.counter01"])]
StaffRole = Literal["counter_operator", "supervisor", "provincial_operator"]
ClientKind = Literal["scanner", "agency", "bank"]


class RegisterRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    doc_type: DocType
    id_number: IdNumber
    name: Name
    password: NewPassword
    # Required with a residence permit: the travel permit it prints (both become this person's documents).
    linked_document: LinkedDocument | None = None
    # Required with a foreign passport: the work permit (外国人工作许可证) number.
    work_permit: WorkPermit | None = None


class LoginRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    doc_type: DocType
    id_number: IdNumber
    password: AnyPassword
    totp: TotpCode | None = None
    recovery_code: RecoveryCodeText | None = None
    client_label: Label | None = None


class StaffLoginRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    username: Username
    password: AnyPassword
    totp: TotpCode | None = None
    recovery_code: RecoveryCodeText | None = None
    client_label: Label | None = None


class AccountView(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    person_id: uuid.UUID
    name: str
    doc_type: str
    id_number_masked: Annotated[str, Meta(examples=["11**************2X"])]
    totp_enabled: bool
    recovery_codes_left: int
    created_at: dt.datetime


class StaffView(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    username: str
    name: str
    role: str
    office_id: uuid.UUID
    city: Annotated[str, Meta(examples=["440100"])]
    active: bool
    totp_enabled: bool
    created_at: dt.datetime


class LoginResponse(msgspec.Struct, kw_only=True):
    token: Annotated[str, Meta(description="Bearer token (yks_...); shown only now")]
    session_id: uuid.UUID
    expires_at: dt.datetime
    idle_timeout_seconds: int
    account: AccountView


class StaffLoginResponse(msgspec.Struct, kw_only=True):
    token: str
    session_id: uuid.UUID
    expires_at: dt.datetime
    idle_timeout_seconds: int
    staff: StaffView


class SessionView(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    kind: str
    created_at: dt.datetime
    last_seen: dt.datetime
    expires_at: dt.datetime
    user_agent: str
    client_label: str
    current: bool


class PasswordChange(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    current_password: AnyPassword
    new_password: NewPassword


class PasswordChanged(msgspec.Struct, kw_only=True):
    revoked_sessions: int


class TotpEnrolment(msgspec.Struct, kw_only=True):
    secret: Annotated[str, Meta(examples=["JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"])]
    provisioning_uri: Annotated[str, Meta(examples=["otpauth://totp/Yikatong:11%2A%2A%2A2X?secret=...&issuer=Yikatong"])]
    qr_svg: str


class TotpConfirm(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    code: TotpCode


class TotpDisable(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    code: Annotated[
        str,
        Meta(
            min_length=6,
            max_length=24,
            examples=["492039"],
            description="A current TOTP code or an unused recovery code",
        ),
    ]


class RecoveryCodes(msgspec.Struct, kw_only=True):
    recovery_codes: Annotated[list[str], Meta(description="Single-use; shown only now")]


class StaffCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    username: Username
    name: Name
    role: StaffRole
    office_id: uuid.UUID
    password: NewPassword


class ClientCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    kind: ClientKind
    org_id: Annotated[uuid.UUID, Meta(description="The venue, agency or bank this client acts for")]
    name: Annotated[str, Meta(min_length=1, max_length=128, examples=["Gate 3 scanner, Tianhe Metro"])]
    rate_per_minute: Annotated[int, Meta(ge=1, le=100_000)] | None = None


class ClientView(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    kind: str
    org_id: uuid.UUID
    name: str
    status: str
    rate_per_minute: int | None
    created_by: str
    created_at: dt.datetime
    rotated_at: dt.datetime | None
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


class ClientCreated(msgspec.Struct, kw_only=True):
    client: ClientView
    token: Annotated[str, Meta(description="Bearer credential (ykc_<id>_<secret>); shown only now")]


class ClientToken(msgspec.Struct, kw_only=True):
    token: str
