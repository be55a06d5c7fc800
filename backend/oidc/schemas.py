"""Request and response Structs of the OpenID provider: relying parties, the wallet's consent, grants, tokens."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from backend.lib.bounds import VISIBLE_LINE

Scope = Literal["openid", "card", "masked_name", "identity"]
AuthMethod = Literal["none", "client_secret_basic", "client_secret_post"]
RequestKind = Literal["code", "device"]

ClientId = Annotated[str, Meta(pattern=r"^rp_[0-9a-f]{16}$", examples=["rp_3f9a1c0b7e2d4a6f"])]
Handle = Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]{22}$", examples=["r5QkTq2yV0b1mB6nS0cXcA"])]
UserCode = Annotated[
    str,
    Meta(
        pattern=r"^[BCDFGHJKLMNPQRSTVWXZbcdfghjklmnpqrstvwxz]{4}-?[BCDFGHJKLMNPQRSTVWXZbcdfghjklmnpqrstvwxz]{4}$",
        examples=["WDJB-MJHT"],
        description="ABCD-EFGH; any case, the dash optional",
    ),
]
Name = Annotated[str, Meta(min_length=1, max_length=100, pattern=VISIBLE_LINE, examples=["广东政务服务网"])]
NameEn = Annotated[str, Meta(max_length=100, examples=["Guangdong Government Services"])]
LegalBasis = Annotated[
    str,
    Meta(
        max_length=300,
        examples=["《中华人民共和国社会保险法》第七十二条"],
        description="The law that lets this relying party read full name and identity document ('' = none)",
    ),
]
RedirectUri = Annotated[
    str, Meta(min_length=8, max_length=500, pattern=r"^https?://[^\s#]+$", examples=["https://rp.example.cn/cb"])
]
RedirectUris = Annotated[list[RedirectUri], Meta(min_length=1, max_length=10)]
Scopes = Annotated[list[Scope], Meta(min_length=1, max_length=4, examples=[["openid", "card", "masked_name"]])]
Sector = Annotated[str, Meta(min_length=1, max_length=255, pattern=r"^[a-z0-9.-]+$", examples=["rp.example.cn"])]


class ClientCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A relying party to register. `identity` in `scopes` needs a `legal_basis`. The redirect URIs
    must share one host (the pairwise sector) unless `sector_identifier` names it."""

    name: Name
    name_en: NameEn = ""
    redirect_uris: RedirectUris
    scopes: Scopes
    legal_basis: LegalBasis = ""
    token_endpoint_auth_method: AuthMethod = "client_secret_basic"
    sector_identifier: Sector | None = None


class ClientPatch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Fields to change; the others stay."""

    name: Name | None = None
    name_en: NameEn | None = None
    redirect_uris: RedirectUris | None = None
    scopes: Scopes | None = None
    legal_basis: LegalBasis | None = None
    active: bool | None = None


class ClientOut(msgspec.Struct, kw_only=True):
    client_id: ClientId
    name: str
    name_en: str
    redirect_uris: list[str]
    scopes: list[str]
    legal_basis: str
    token_endpoint_auth_method: AuthMethod
    sector_identifier: str
    active: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class ClientCreated(ClientOut, kw_only=True):
    """As registered, with its secret: shown this once (null for a public client, `none`)."""

    client_secret: str | None = None


class ClientSecret(msgspec.Struct, kw_only=True):
    client_id: ClientId
    client_secret: Annotated[str, Meta(description="The new secret, shown this once; the old one stops working now.")]


class ClientBrief(msgspec.Struct, kw_only=True):
    id: ClientId
    name: str
    name_en: str
    legal_basis: str


class ClaimView(msgspec.Struct, kw_only=True):
    """One claim the relying party will receive, and the holder's value of it (a document number masked here)."""

    name: Annotated[str, Meta(examples=["yk_masked_name"])]
    label: Annotated[str, Meta(examples=["Masked name"])]
    value: str | bool | int | None


class RequestView(msgspec.Struct, kw_only=True):
    """What the wallet's consent screen shows."""

    id: Handle
    client: ClientBrief
    scopes: list[str]
    claims: list[ClaimView]
    kind: RequestKind
    status: Literal["pending", "approved", "denied", "used", "expired"]
    expires_at: dt.datetime
    created_at: dt.datetime
    age_seconds: Annotated[
        int,
        Meta(
            ge=0,
            description="How long ago the site or terminal started this request, by the server's clock: a scan "
            "request the holder did not start just now, in front of the terminal, is suspect.",
        ),
    ]


class Decision(msgspec.Struct, kw_only=True):
    """Where the wallet sends the browser next (null for the device flow: the terminal is told by its polling)."""

    redirect_to: str | None


class GrantOut(msgspec.Struct, kw_only=True):
    client_id: ClientId
    name: str
    name_en: str
    scopes: list[str]
    first_at: dt.datetime
    last_at: dt.datetime
    count: int
    active: bool


class TokenAnswer(msgspec.Struct, kw_only=True, omit_defaults=True):
    access_token: str
    token_type: str
    expires_in: int
    scope: str
    id_token: str


class DeviceAnswer(msgspec.Struct, kw_only=True):
    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    expires_in: int
    interval: int
