"""Request and response Structs of the federation: imported regions, merged trust for scanners, calls between regions."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from msgspec import Meta

from backend.federation.vocab import Disclose, RegionStatus
from backend.lib.bounds import SAFE_INT_MAX

RegionCode = Annotated[str, Meta(pattern=r"^[1-9][0-9]0000$", examples=["810000"], description="Province-level region code.")]
Fingerprint = Annotated[
    str,
    Meta(
        pattern=r"^[A-Za-z0-9_-]{43}$",
        description="RFC 7638 JWK thumbprint (SHA-256, base64url) of the region's root key, exchanged out of band.",
        examples=["NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"],
    ),
]
Url = Annotated[
    str,
    Meta(
        min_length=8,
        max_length=512,
        pattern=r"^https?://[^\s]+$",
        examples=["https://hk.example/.well-known/yikatong-trust-list"],
    ),
]
RegionName = Annotated[str, Meta(min_length=1, max_length=64, examples=["香港"])]
RegionNameEn = Annotated[str, Meta(max_length=64, examples=["Hong Kong"])]
ScenarioName = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$", examples=["library_entry"])]
Scenarios = Annotated[list[ScenarioName], Meta(max_length=50, examples=[["library_entry", "scenic_entry"]])]
DiscloseList = Annotated[list[Disclose], Meta(max_length=4, examples=[["valid_until", "masked_name"]])]
Unix = Annotated[int, Meta(ge=0, le=SAFE_INT_MAX)]


class RegionCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    code: RegionCode
    name: RegionName
    name_en: RegionNameEn = ""
    root_fingerprint: Fingerprint
    trust_list_url: Url
    scenarios: Scenarios
    disclose: DiscloseList


class RegionPatch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Only the members given change. A new fingerprint sets aside a list the old root signed and
    refreshes at once; a new URL takes effect at the next refresh."""

    name: RegionName | None = None
    name_en: RegionNameEn | None = None
    root_fingerprint: Fingerprint | None = None
    trust_list_url: Url | None = None
    scenarios: Scenarios | None = None
    disclose: DiscloseList | None = None
    status: RegionStatus | None = None


class RegionOut(msgspec.Struct, kw_only=True):
    code: Annotated[str, Meta(examples=["810000"])]
    name: Annotated[str, Meta(examples=["香港特别行政区"])]
    name_en: Annotated[str, Meta(examples=["Hong Kong SAR"])]
    root_fingerprint: Annotated[str, Meta(examples=["3f1c9a0e5b7d2c4e6a8b0d1f3e5c7a9b1d3f5e7c9a0b2d4f6e8a0c2e4b6d8f0a"])]
    trust_list_url: Annotated[str, Meta(examples=["https://ecard.example.hk/api/v1/federation/trust-list"])]
    scenarios: Annotated[list[str], Meta(examples=[["library_entry", "scenic_entry"]])]
    disclose: Annotated[list[str], Meta(examples=[["valid_until", "masked_name"]])]
    status: Annotated[str, Meta(examples=["active"])]
    list_seq: int | None
    list_fetched_at: dt.datetime | None
    list_next_update: int | None
    revocations_version: int
    revocations_updated_at: dt.datetime | None  # the last successful pull of its revocations
    # Pulled within federation_grace_seconds: only then are its codes served to our scanners.
    revocations_fresh: bool
    last_error: str | None
    fresh: bool  # a verified list whose next_update plus the grace period has not passed


class RegionList(msgspec.Struct, kw_only=True):
    items: list[RegionOut]


class SelfOut(msgspec.Struct, kw_only=True):
    """This region as other regions import it: what its operators give theirs out of band."""

    code: Annotated[str, Meta(examples=["440000"])]
    name: Annotated[str, Meta(examples=["广东省"])]
    name_en: Annotated[str, Meta(examples=["Guangdong"])]
    fingerprint: Annotated[
        str,
        Meta(
            description="RFC 7638 thumbprint of this region's federation root key (the key that signs its trust list).",
            examples=["1Q_wjkU8N-vaST-EN63r2U2f6jDmJ030h5R88sf7Gkc"],
        ),
    ]
    trust_list_url: Annotated[str, Meta(examples=["https://yikatong.gd.example/.well-known/yikatong-trust-list"])]


class RegionRef(msgspec.Struct, kw_only=True):
    """The region that issued a card (in a verification answer): null for our own cards."""

    code: str
    name: str
    name_en: str


# --- merged trust for scanners ---------------------------------------------------------------


class MergedRegion(msgspec.Struct, kw_only=True):
    code: str
    name: str
    name_en: str
    keys: list[dict[str, str | int]]  # issuer JWKs from the region's verified list
    retired_formats: dict[str, int]
    scenarios: list[str]
    disclose: list[str]
    credentials: dict[str, str]  # cred_ref hex -> suspended | cancelled | revoked
    cards: dict[str, str]
    devices: list[str]
    revocations_version: int
    valid_until: int  # the list's next_update plus the grace period: do not use after


class MergedTrust(msgspec.Struct, kw_only=True):
    home: str
    generated_at: int
    regions: list[MergedRegion]


# --- calls between regions --------------------------------------------------------------------


class PeerVenue(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Annotated[str, Meta(min_length=1, max_length=128, examples=["广州图书馆"])]
    type: Annotated[str, Meta(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_]*$", examples=["library"])]
    city: Annotated[str, Meta(pattern=r"^[0-9]{6}$", examples=["440100"])]


class PeerVerifyRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    code: Annotated[str, Meta(min_length=1, max_length=1000, description="The YKO1 code exactly as scanned.")]
    scenario: ScenarioName
    disclose: DiscloseList
    venue: PeerVenue


# A peer's times become datetimes here: bounded so that no year overflows (before 2100).
PeerUnix = Annotated[int, Meta(ge=0, le=4102444800)]


class PeerAttributes(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Only attributes both in the scenario's online attributes and in the caller's `disclose`."""

    masked_name: Annotated[str, Meta(max_length=64)] | None = None
    valid_until: PeerUnix | None = None
    concessions: Annotated[list[Annotated[str, Meta(max_length=32)]], Meta(max_length=8)] | None = None
    transport: bool | None = None


PeerResult = Annotated[str, Meta(min_length=1, max_length=32, pattern=r"^[a-z_]+$", examples=["valid"])]


class PeerVerifyAnswer(msgspec.Struct, kw_only=True):
    result: PeerResult
    region: RegionCode
    attributes: PeerAttributes = msgspec.field(default_factory=PeerAttributes)
    valid_until: PeerUnix | None = None


class PeerOfflineResult(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One offline scan of the callee's YKD2 code at one of the caller's venues."""

    key: Annotated[
        str,
        Meta(
            pattern=r"^[0-9a-f]{64}$",
            description="The caller's upload key of the scan (SHA-256, hex): the same scan forwarded again is a duplicate.",
            examples=["5f0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"],
        ),
    ]
    cred_ref: Annotated[str, Meta(pattern=r"^[0-9a-f]{16}$", examples=["9a0c4d2e11f3b688"])]
    code_id: Annotated[str, Meta(pattern=r"^[0-9a-f]{32}$", examples=["9f86d081884c7d659a2feaa0c55ad015"])] | None = None
    scenario: ScenarioName
    result: PeerResult
    verified_at: Annotated[Unix, Meta(description="When the caller's scanner checked the code (unix seconds).")]
    disclosed: Annotated[
        list[Disclose],
        Meta(max_length=4, description="What the caller's scanner showed (its import's `disclose` within the profile)."),
    ] = []
    venue: PeerVenue


class PeerOfflineUpload(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    results: Annotated[list[PeerOfflineResult], Meta(min_length=1, max_length=500)]


class PeerOfflineAnswer(msgspec.Struct, kw_only=True):
    """`accepted`: new scans recorded on a holder's record; `duplicates`: scans forwarded before;
    `unknown`: credentials the callee does not know (not its own) or results it does not take."""

    accepted: Annotated[int, Meta(ge=0, le=500)]
    duplicates: Annotated[int, Meta(ge=0, le=500)]
    unknown: Annotated[int, Meta(ge=0, le=500)]
    flagged: list[str]  # code ids now seen used more than once (flagged as double uses at the callee)


class PeerChange(msgspec.Struct, kw_only=True):
    version: int
    kind: Annotated[str, Meta(description="card, device or credential.")]
    ref: str
    status: str
    at: dt.datetime


class PeerRevocations(msgspec.Struct, kw_only=True, omit_defaults=True):
    """As GET /api/v1/revocations answers our scanners: a full list, or the changes since `since`."""

    version: int
    full: bool
    generated_at: int
    cards: dict[str, str] | None = None
    devices: list[str] | None = None
    credentials: dict[str, str] | None = None
    since: Annotated[int, Meta(ge=0, le=2**31 - 1)] | None = None
    changes: list[PeerChange] | None = None
