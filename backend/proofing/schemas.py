"""Request and response bodies of proofing (docs/proofing.md)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from backend.lib.bounds import VISIBLE_LINE

DocType = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=32,
        pattern=r"^[a-z][a-z_]*$",
        examples=["resident_id"],
        description="The document staff checked (or the reset is for)",
    ),
]
IdNumber = Annotated[
    str, Meta(min_length=1, max_length=32, examples=["44010619900307001X"], description="Sent in the body, never in a URL")
]
CodeText = Annotated[
    str,
    Meta(
        min_length=8,
        max_length=16,
        pattern=r"^[0-9A-Za-z \-]+$",
        examples=["7KQM-3XWD"],
        description="8 characters from 23456789ABCDEFGHJKMNPQRSTUVWXYZ; any case, hyphens and spaces ignored",
    ),
]
DeviceLabel = Annotated[str, Meta(min_length=1, max_length=64, pattern=VISIBLE_LINE, examples=["张三的手机"])]
Base64Url = Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]*$")]
Method = Literal["counter", "bank", "provider"]
Purpose = Literal["bind", "reset"]
Outcome = Literal["proven", "refused"]
Status = Literal["pending", "proven", "refused", "expired"]
LevelName = Literal["none", "family", "remote", "in_person"]


class CodeOut(msgspec.Struct, kw_only=True):
    """A one-time binding code: typed as text or scanned from the QR code of `qr_text`."""

    code: Annotated[str, Meta(examples=["7KQM-3XWD"])]
    qr_text: Annotated[str, Meta(examples=["YKBIND:7KQM3XWD"], description="What the QR code encodes: the code only")]
    expires_at: dt.datetime


class WalletCodeRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    device_label: DeviceLabel | None = None


class ClaimRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The wallet types or scans a code the counter made."""

    code: CodeText
    device_label: DeviceLabel | None = None


class DocumentIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    doc_type: DocType
    id_number: IdNumber


class CounterBind(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The clerk's confirmation: this code, and the document checked in person."""

    code: CodeText
    doc_type: DocType
    id_number: IdNumber


class AttemptOut(msgspec.Struct, kw_only=True):
    """One proofing attempt and its outcome."""

    id: uuid.UUID
    method: Method
    purpose: Purpose
    outcome: Outcome
    reason: Annotated[str, Meta(examples=[""], description="The refusal's code; empty when proven")]
    level: Annotated[int, Meta(examples=[3], description="The assurance recorded (0 when refused)")]
    ecard_activated: bool
    at: dt.datetime


class CounterBound(msgspec.Struct, kw_only=True):
    """What the counter console shows after a successful binding."""

    attempt: AttemptOut
    purpose: Purpose
    holder_name_masked: Annotated[str, Meta(examples=["张*"])]
    id_number_masked: Annotated[str, Meta(examples=["44**************1X"])]
    device_label: str


class ChallengeOut(msgspec.Struct, kw_only=True):
    """A bank challenge as the wallet sees it: the number to approve in the bank's app."""

    challenge_id: uuid.UUID
    number: Annotated[str, Meta(examples=["482913"])]
    bank_name: str
    card_number_masked: Annotated[str, Meta(examples=["A*****678"])]
    expires_at: dt.datetime
    status: Status
    reason: str = ""


class BankLookup(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The bank's app asked its customer for the number the wallet shows."""

    card_number: Annotated[str, Meta(pattern=r"^[A-HJ-NP-Z][0-9]{8}$", examples=["A12345678"])]
    number: Annotated[str, Meta(pattern=r"^[0-9]{6}$", examples=["482913"])]


class SignWhat(msgspec.Struct, kw_only=True):
    """The fields of the answer the bank signs, besides its decision and signed_at."""

    purpose: str
    challenge_id: uuid.UUID
    card_number: str


class BankLookupOut(msgspec.Struct, kw_only=True):
    challenge_id: uuid.UUID
    expires_at: dt.datetime
    sign: SignWhat


class BankAnswer(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The bank's signed answer: the holder of the card approved (or refused) the challenge."""

    challenge_id: uuid.UUID
    card_number: Annotated[str, Meta(pattern=r"^[A-HJ-NP-Z][0-9]{8}$", examples=["A12345678"])]
    decision: Literal["approved", "refused"]
    signed_at: Annotated[
        str, Meta(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$", examples=["2026-11-30T12:04:00Z"])
    ]
    signature: Annotated[str, Meta(min_length=86, max_length=88, pattern=r"^[A-Za-z0-9_-]+={0,2}$")]


class BankKeyIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    bank_code: Annotated[str, Meta(pattern=r"^[A-Z0-9]{2,16}$", examples=["ICBC"])]
    public_key: Annotated[str, Meta(min_length=43, max_length=44, pattern=r"^[A-Za-z0-9_-]+=?$")]


class BankKeyOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    bank_code: str
    key_id: Annotated[str, Meta(examples=["3f2a9c0d1e7b4a55"])]
    status: Literal["active", "revoked"]
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None


class ProviderSessionOut(msgspec.Struct, kw_only=True):
    session_id: uuid.UUID
    provider: str
    instructions: str
    expires_at: dt.datetime
    status: Status
    reason: str = ""


# A capture or photo (at most 65,536 base64url characters) in its JSON body is more than the app's
# default body limit (settings.max_body_bytes, 64 KiB): the routes that take one allow this much.
IMAGE_BODY_BYTES = 96 * 1024


class Evidence(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What the provider's capture produced (for the test provider: the image, base64url)."""

    evidence: Annotated[str, Meta(min_length=1, max_length=65536, pattern=r"^[A-Za-z0-9_-]+$")]


class PhotoIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    doc_type: DocType
    id_number: IdNumber
    photo: Annotated[str, Meta(min_length=1, max_length=65536, pattern=r"^[A-Za-z0-9_-]+$")]


class PhotoOut(msgspec.Struct, kw_only=True):
    person_name_masked: str
    set_at: dt.datetime


class CardBrief(msgspec.Struct, kw_only=True):
    active: bool
    bank_name: str
    card_number_masked: str


class Routes(msgspec.Struct, kw_only=True):
    counter: bool
    bank: bool
    provider: bool


class StatusOut(msgspec.Struct, kw_only=True):
    """How surely the person behind this account is proven, and which routes are open."""

    assurance: int
    level: LevelName
    method: str
    proven_at: dt.datetime | None
    routes: Routes
    card: CardBrief | None = None


class ResetStart(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    doc_type: DocType
    id_number: IdNumber


class ResetStarted(msgspec.Struct, kw_only=True):
    """The same shape whether or not an account exists."""

    reset_id: uuid.UUID
    reset_token: Annotated[str, Meta(description="Send as `X-Reset-Token` on every further call of this reset")]
    expires_at: dt.datetime
    counter_code: CodeOut
    # Whether a remote identity-verification provider is enabled at all (a setting: it says
    # nothing of the person, whose photo of record may still be missing).
    provider: bool = False


class ResetOut(msgspec.Struct, kw_only=True):
    reset_id: uuid.UUID
    status: Literal["open", "proven", "done", "expired"]
    method: str
    expires_at: dt.datetime


class NewPassword(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    new_password: Annotated[str, Meta(min_length=10, max_length=256, examples=["correct horse battery"])]


class ResetDone(msgspec.Struct, kw_only=True):
    revoked_sessions: int


class EcardOff(msgspec.Struct, kw_only=True):
    ecard_level: int
    deactivated_at: dt.datetime
