"""Request and response Structs of the employer registry and its signing keys."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from backend.lib.bounds import VISIBLE_LINE

EmployerStatus = Literal["active", "suspended"]
KeyStatus = Literal["active", "retired"]

Uscc = Annotated[
    str,
    Meta(
        min_length=18,
        max_length=18,
        pattern=r"^[0-9A-Za-z]{18}$",
        examples=["91440300708461136T"],
        description="Unified social credit code (统一社会信用代码, GB 32100-2015); its check character is verified",
    ),
]
EmployerName = Annotated[str, Meta(min_length=1, max_length=128, pattern=VISIBLE_LINE, examples=["深圳市示例科技有限公司"])]
RegionCode = Annotated[
    str, Meta(min_length=6, max_length=6, pattern=r"^[1-8][0-9]{5}$", examples=["440300"], description="Region code")
]
PublicKey = Annotated[
    str,
    Meta(
        min_length=43,
        max_length=44,
        pattern=r"^[A-Za-z0-9_-]{43}=?$",
        examples=["11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"],
        description="A 32-byte Ed25519 public key, base64url",
    ),
]
KeyId = Annotated[
    str,
    Meta(
        min_length=16,
        max_length=16,
        pattern=r"^[0-9a-f]{16}$",
        examples=["3f1c9a2b7d004e61"],
        description="sha256(public key)[:8], hex",
    ),
]


class NewEmployer(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """An employing unit to register."""

    uscc: Uscc
    name: EmployerName
    city: RegionCode = "440000"


class NewKey(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """An Ed25519 public key the employer will sign labour contracts with (its private key never leaves the employer)."""

    public_key: PublicKey


class KeyOut(msgspec.Struct, kw_only=True):
    """One of an employer's signing keys; a retired key still verifies what it signed before."""

    key_id: KeyId
    public_key: PublicKey
    status: KeyStatus
    registered_at: dt.datetime
    retired_at: dt.datetime | None = None


class EmployerOut(msgspec.Struct, kw_only=True):
    """An employer in the registry with its signing keys (active first, then retired)."""

    id: uuid.UUID
    uscc: Uscc
    name: str
    city: str
    status: EmployerStatus
    created_at: dt.datetime
    keys: list[KeyOut]


class EmployerPage(msgspec.Struct, kw_only=True):
    """A page of the registry, by name."""

    items: list[EmployerOut]
    total: Annotated[int, Meta(ge=0)]


class EmployerRef(msgspec.Struct, frozen=True, kw_only=True):
    """What other features need of an employer: who it is and whether it may act."""

    id: uuid.UUID
    uscc: str
    name: str
    status: EmployerStatus


class SigningKey(msgspec.Struct, frozen=True, kw_only=True):
    """A registered key as a verifier needs it: whose, the raw public key, whether it may sign now."""

    employer_id: uuid.UUID
    key_id: str
    public_key: bytes
    status: KeyStatus
    registered_at: dt.datetime
    retired_at: dt.datetime | None
