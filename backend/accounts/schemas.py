"""Request and response bodies of the accounts API."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

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
ClientKind = Literal["scanner", "agency", "bank", "payer", "employer"]


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
    # The second factor as a passkey: the answer to the options of 401 `auth.second_factor_required`.
    passkey: AuthenticationCredential | None = None
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
    assurance: Annotated[
        int,
        Meta(
            description="How surely the person behind the account was proven: 0 not yet, 1 family, 2 bank or provider, 3 counter"
        ),
    ] = 0
    proven_method: Annotated[
        str, Meta(examples=["counter"], description="counter | bank | provider | family; empty until proven")
    ] = ""
    proven_at: dt.datetime | None = None


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
    office_name: Annotated[str, Meta(examples=["天河区社保服务窗口"])] = ""
    city_name: Annotated[str, Meta(examples=["广州市"])] = ""


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
    second_factor_enrolment_required: Annotated[
        bool,
        Meta(
            description="True: this session may only enrol TOTP (POST /api/v1/me/totp, /me/totp/confirm) and sign out; "
            "every other route answers 403 `auth.second_factor_enrolment_required` until enrolment is confirmed"
        ),
    ] = False


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


# --- Passkeys (WebAuthn), step-up and recovery codes (docs/signing-in.md) -------------------
B64Url = Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]+$", min_length=1, max_length=1400)]
B64UrlLong = Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]+$", min_length=1, max_length=24_000)]
Transport = Annotated[str, Meta(pattern=r"^[a-z][a-z-]{1,15}$", examples=["internal"])]
PasskeyLabel = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$", examples=["我的手机"])]
ExtensionResults = Annotated[dict[str, Any], Meta(max_length=16)]
# One value only: a pattern, because the document renders a one-value Literal as `const`, not an enum.
PublicKeyType = Annotated[str, Meta(pattern="^public-key$", examples=["public-key"])]


class AttestationResponse(msgspec.Struct, forbid_unknown_fields=True, rename="camel", kw_only=True):
    client_data_json: B64UrlLong = msgspec.field(name="clientDataJSON")
    attestation_object: B64UrlLong
    transports: Annotated[list[Transport], Meta(max_length=8)] | None = None
    public_key_algorithm: Annotated[int, Meta(ge=-65536, le=65536)] | None = None
    public_key: B64UrlLong | None = None
    authenticator_data: B64UrlLong | None = None


class RegistrationCredential(msgspec.Struct, forbid_unknown_fields=True, rename="camel", kw_only=True):
    """What navigator.credentials.create() answered, as JSON (SimpleWebAuthn's startRegistration)."""

    id: B64Url
    raw_id: B64Url
    type: PublicKeyType
    response: AttestationResponse
    authenticator_attachment: Literal["platform", "cross-platform"] | None = None
    client_extension_results: ExtensionResults = msgspec.field(default_factory=dict)


class AssertionResponse(msgspec.Struct, forbid_unknown_fields=True, rename="camel", kw_only=True):
    client_data_json: B64UrlLong = msgspec.field(name="clientDataJSON")
    authenticator_data: B64UrlLong
    signature: B64UrlLong
    user_handle: Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]*$", max_length=128)] | None = None


class AuthenticationCredential(msgspec.Struct, forbid_unknown_fields=True, rename="camel", kw_only=True):
    """What navigator.credentials.get() answered, as JSON (SimpleWebAuthn's startAuthentication)."""

    id: B64Url
    raw_id: B64Url
    type: PublicKeyType
    response: AssertionResponse
    authenticator_attachment: Literal["platform", "cross-platform"] | None = None
    client_extension_results: ExtensionResults = msgspec.field(default_factory=dict)


class CredentialDescriptor(msgspec.Struct, rename="camel", kw_only=True, omit_defaults=True):
    id: str
    type: str  # always "public-key"; no default, so it is never left out
    transports: list[str] | None = None


class RelyingParty(msgspec.Struct, kw_only=True):
    id: Annotated[str, Meta(examples=["yikatong.example.cn"])]
    name: str


class PasskeyUser(msgspec.Struct, rename="camel", kw_only=True):
    id: Annotated[str, Meta(description="base64url user handle (random per account, nothing personal)")]
    name: Annotated[str, Meta(description="The masked identity number, as the authenticator lists it")]
    display_name: str


class KeyParam(msgspec.Struct, kw_only=True):
    type: str
    alg: int


class AuthenticatorSelection(msgspec.Struct, rename="camel", kw_only=True):
    resident_key: str
    require_resident_key: bool
    user_verification: str


class CreationOptions(msgspec.Struct, rename="camel", kw_only=True):
    """PublicKeyCredentialCreationOptionsJSON: give it to startRegistration({optionsJSON})."""

    rp: RelyingParty
    user: PasskeyUser
    challenge: str
    pub_key_cred_params: list[KeyParam]
    timeout: int
    exclude_credentials: list[CredentialDescriptor]
    authenticator_selection: AuthenticatorSelection
    attestation: str


class RequestOptions(msgspec.Struct, rename="camel", kw_only=True):
    """PublicKeyCredentialRequestOptionsJSON: give it to startAuthentication({optionsJSON})."""

    challenge: str
    timeout: int
    rp_id: str
    allow_credentials: list[CredentialDescriptor]
    user_verification: str


class PasskeyRegistration(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    credential: RegistrationCredential
    label: PasskeyLabel | None = None


class PasskeyView(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    label: str
    transports: list[str]
    backed_up: Annotated[bool, Meta(description="A synced passkey (kept by the platform's password manager)")]
    created_at: dt.datetime
    last_used_at: dt.datetime | None


class PasskeyAdded(msgspec.Struct, kw_only=True):
    passkey: PasskeyView
    recovery_codes: Annotated[
        list[str] | None, Meta(description="The first second factor brings 10 recovery codes: shown only now")
    ] = None


class PasskeyRename(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    label: PasskeyLabel


class PasskeyLogin(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    credential: AuthenticationCredential
    client_label: Label | None = None


StepUpMethod = Literal["passkey", "totp", "recovery_code", "password"]


class StepUpState(msgspec.Struct, kw_only=True):
    methods: Annotated[list[StepUpMethod], Meta(description="The factors this account can step up with")]
    window_seconds: int
    stepped_up_at: dt.datetime | None
    fresh_until: Annotated[dt.datetime | None, Meta(description="Until when actions needing a fresh factor are open")]


class StepUpRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Exactly one fresh factor."""

    passkey: AuthenticationCredential | None = None
    totp: TotpCode | None = None
    recovery_code: RecoveryCodeText | None = None
    password: AnyPassword | None = None


class RecoveryState(msgspec.Struct, kw_only=True):
    available: Annotated[bool, Meta(description="Recovery codes exist while the account has a second factor")]
    left: int
    total: int
    created_at: dt.datetime | None
