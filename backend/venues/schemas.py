"""Request and response Structs of the venues feature (venues, scanners, verification, records)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec
from litestar.params import KwargDefinition
from msgspec import Meta

from backend.certificates.schemas import PresentedCertificate  # certificates feature: scenario certificate_check
from backend.family.schemas import PresentedBy  # family feature: a code a proxy showed (亲情服务)
from backend.federation.schemas import RegionRef  # federation feature: the region that issued a card
from backend.lib.errors import ErrorBody

Name = Annotated[str, Meta(min_length=1, max_length=128, examples=["广州地铁体育西路站"])]
ScenarioName = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$", examples=["transit_ride"])]
VenueType = Annotated[str, Meta(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_]*$", examples=["metro"])]
CityCode = Annotated[str, Meta(pattern=r"^[0-9]{6}$", examples=["440100"])]
# The bounds go twice, as bounds.bounded does: Litestar reads msgspec's Meta only outside a union.
Latitude = Annotated[
    float, Meta(ge=-90, le=90, description="WGS-84 latitude in degrees.", examples=[23.1378]), KwargDefinition(ge=-90, le=90)
]
Longitude = Annotated[
    float,
    Meta(ge=-180, le=180, description="WGS-84 longitude in degrees.", examples=[113.3207]),
    KwargDefinition(ge=-180, le=180),
]
Hex32 = Annotated[str, Meta(pattern=r"^[0-9a-f]{32}$", examples=["9f86d081884c7d659a2feaa0c55ad015"])]
Hex16 = Annotated[str, Meta(pattern=r"^[0-9a-f]{16}$", examples=["1f2e3d4c5b6a7988"])]
CodeText = Annotated[
    str,
    Meta(
        max_length=1000,
        description="The text decoded from the QR code, exactly as scanned.",
        examples=["YKO1:7WE8G9H*LAWQ6JX2AZVN%6FXD2CB5P4L0R3U:O$V3RGV8H"],
    ),
]
ResultName = Literal[
    "valid",
    "expired",
    "not_yet_valid",
    "replayed",
    "bad_signature",
    "unknown_key",
    "card_suspended",
    "card_cancelled",
    "device_revoked",
    "scenario_not_allowed",
    "malformed",
    "assurance_too_low",
    "wrong_scenario",  # format 2: the code was made for another scenario, or its profile is not this scenario's
    "format_retired",  # a code of a format past its retirement (YKD1 after offline_v1_retire_at)
    # federation (docs/federation.md): another region's online code whose issuer did not answer; a YKD2
    # code of a region not imported (or whose list is stale); an imported region not for this scenario
    "issuer_unreachable",
    "region_not_trusted",
    "region_not_accepted",
]


# --- venues and scanners ---------------------------------------------------------------


class VenueCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name
    venue_type: VenueType
    city_code: CityCode
    scenarios: Annotated[list[ScenarioName], Meta(min_length=1, max_length=20, examples=[["transit_ride"]])]
    # Where the venue is (WGS-84): both or neither (422 `venue.bad_coordinates`); the misuse signals use them.
    latitude: Latitude | None = None
    longitude: Longitude | None = None


class VenueCoordinates(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Where a venue is: both degrees, or both null to forget them."""

    latitude: Latitude | None
    longitude: Longitude | None


class VenueOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    name: str
    venue_type: str
    city_code: str
    scenarios: list[str]
    active: bool
    created_at: dt.datetime
    latitude: float | None = None  # WGS-84 degrees, when known
    longitude: float | None = None


class VenueList(msgspec.Struct, kw_only=True):
    items: list[VenueOut]
    next_offset: int | None = None


class ScannerCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Annotated[str, Meta(min_length=1, max_length=128, examples=["Gate 3 north"])]


class ScannerCreated(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    venue_id: uuid.UUID
    name: str
    token: str  # shown once; accounts keeps only its hash
    created_at: dt.datetime


class ScannerOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    venue_id: uuid.UUID
    name: str
    status: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None = None


class ScannerList(msgspec.Struct, kw_only=True):
    items: list[ScannerOut]


class ScenarioOut(msgspec.Struct, kw_only=True):
    name: str
    title: str
    attributes: list[str]
    offline_attributes: list[str]
    min_assurance: int  # the least proofing of the holder it accepts (backend/lib/assurance.py)
    offline: bool  # false: online only (it asks more proofing than an offline credential shows)
    # Format 2 (issue 18): which credential profile an offline code for this scenario carries
    # (null: never verified offline), and the 4 bytes, hex, a code made for it carries.
    offline_profile: (
        Annotated[
            Literal["validity", "concession", "transit"],
            Meta(description="The profile of offline credentials of format 2 this scenario takes; null when never offline."),
        ]
        | None
    ) = None
    scenario_tag: Annotated[
        str,
        Meta(
            pattern="^[0-9a-f]{8}$",
            description='SHA-256("yikatong/scenario/" || name)[0:4], hex: what a YKD2 code made for this scenario carries.',
            examples=["3c5d7e91"],
        ),
    ] = ""


class ScannerContext(msgspec.Struct, kw_only=True):
    venue_id: uuid.UUID
    venue_name: str
    venue_type: str
    scanner_id: uuid.UUID
    scenarios: list[ScenarioOut]


# --- verification ------------------------------------------------------------------------


class VerifyRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    code: CodeText
    scenario: ScenarioName


class Attributes(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Only the attributes the scenario allows are present; absent means not disclosed."""

    name: str | None = None
    doc_type: str | None = None
    identity_number: str | None = None
    masked_name: str | None = None
    masked_identity_number: str | None = None
    card_valid: bool | None = None
    valid_until: dt.datetime | None = None
    concession: str | None = None
    concessions: list[str] | None = None
    certificate: PresentedCertificate | None = None  # certificates feature: shown with the card


class VerifyResponse(msgspec.Struct, kw_only=True):
    result: ResultName
    scenario: str
    attributes: Attributes
    concessions: list[str]
    verification_id: uuid.UUID
    checked_at: dt.datetime
    code_kind: str | None = None
    # True when this answer repeats an earlier accepted use of the code by the same scanner for
    # the same scenario: `verification_id` and `checked_at` are then the first check's. A repeat
    # is no new visit (docs/verification.md "Repeats"): the scanner shows it as "already checked".
    repeat: bool = False
    # federation: the region whose server checked another region's card; null for our own cards.
    region: RegionRef | None = None


class MalformedResponse(msgspec.Struct, kw_only=True):
    """422: the text is not a Yikatong code at all (result `malformed`)."""

    result: ResultName
    scenario: str
    error: ErrorBody
    verification_id: uuid.UUID
    checked_at: dt.datetime
    code_kind: str | None = None
    request_id: str | None = None


# --- offline scanners ---------------------------------------------------------------------


class RevocationChange(msgspec.Struct, kw_only=True):
    version: int
    kind: Annotated[
        str, Meta(description="card (ref: card ref), device (ref: device key id) or credential (ref: cred_ref of format 2).")
    ]
    ref: str
    status: Annotated[
        str, Meta(description="card: active, suspended or cancelled; device: revoked; credential: any of these four.")
    ]
    at: dt.datetime


class RevocationList(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A full list (`full`: true, with `cards`, `devices` and `credentials`) or a delta (`changes` since `since`)."""

    version: int
    full: bool
    generated_at: dt.datetime
    jwks_url: str
    # How old (from `generated_at`, and the trust list's HTTP Date) the scanner's lists may get:
    # past `warn_age_seconds` an offline verdict warns, past `max_age_seconds` the scanner refuses
    # to verify offline until it syncs (YIKATONG_OFFLINE_LISTS_WARN_HOURS / _MAX_HOURS).
    warn_age_seconds: int
    max_age_seconds: int
    cards: dict[str, str] | None = None
    devices: list[str] | None = None
    # Full lists: cred_ref hex -> suspended | cancelled | revoked, for each outstanding offline
    # credential of format 2 (exp + skew still ahead) whose card or phone is not usable.
    credentials: dict[str, str] | None = None
    since: int | None = None
    changes: list[RevocationChange] | None = None


class OfflineResult(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    code_id: Hex32 | None = None  # absent for a malformed code
    code_kind: Literal["online", "offline"] | None = None
    card_ref: Hex16 | None = None
    device_key_id: Hex16 | None = None
    # A code of format 2 names its credential, not the card: the server maps it to the card.
    cred_ref: Hex16 | None = None
    scenario: ScenarioName
    result: ResultName
    verified_at: Annotated[dt.datetime, Meta(tz=True, examples=["2026-11-22T08:30:00Z"])]
    # Federation: the province of another region's YKD2 code (absent for our own codes). Such a
    # result is never mapped to one of our cards; it is forwarded to that region (docs/federation.md).
    region: (
        Annotated[
            str,
            Meta(
                pattern=r"^[1-9][0-9]0000$",
                description="The issuing region of another region's YKD2 code (its province code); absent for our own codes.",
                examples=["810000"],
            ),
        ]
        | None
    ) = None


class OfflineUpload(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    results: Annotated[list[OfflineResult], Meta(min_length=1, max_length=500)]


class OfflineUploadResult(msgspec.Struct, kw_only=True):
    accepted: int
    duplicates: int
    flagged: list[str]
    # Indexes (in the upload) of results for a scenario the venue did not serve at their time.
    refused: list[int] = []


class FlaggedUse(msgspec.Struct, kw_only=True):
    verification_id: uuid.UUID
    code_id: str
    code_kind: str | None
    card_ref: str | None
    venue_id: uuid.UUID
    venue_name: str
    scanner_id: uuid.UUID
    scenario: str
    at: dt.datetime
    offline: bool
    uploaded_at: dt.datetime | None = None


class FlagList(msgspec.Struct, kw_only=True):
    items: list[FlaggedUse]
    next_before: uuid.UUID | None = None


# --- the holder's record --------------------------------------------------------------


class MyVerification(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    venue_name: str
    venue_type: str
    scenario: str
    result: str
    at: dt.datetime
    offline: bool
    disclosed: list[str]
    retry: bool
    double_use: bool
    # How many times the same scanner asked again for this accepted use (a repeat scan, or a
    # network retry): those events are kept for audit but are not listed as visits of their own.
    repeats: int = 0
    # A family proxy showed the code for the holder (亲情服务): who, masked.
    presented_by: PresentedBy | None = None


class MyVerifications(msgspec.Struct, kw_only=True):
    items: list[MyVerification]
    next_before: uuid.UUID | None = None


# The catalog's views of venues (routes_catalog.py): venues under an item, usage counts.
class VenueLink(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    name: str
    venue_type: str
    city_code: str
    active: bool


class VenueLinks(msgspec.Struct, kw_only=True):
    item_code: str
    items: list[VenueLink]
    next_offset: int | None = None


class UsageRow(msgspec.Struct, kw_only=True):
    """Counts only: how often the card was accepted (`uses`) or refused, never by whom."""

    period: Annotated[str, Meta(examples=["2026-11-22"])]
    item_code: Annotated[str | None, Meta(examples=["gd.public_transport"])]
    city_code: Annotated[str, Meta(examples=["440100"])]
    venue_type: Annotated[str, Meta(examples=["metro"])]
    uses: int
    refused: int


class UsageReport(msgspec.Struct, kw_only=True):
    from_date: dt.date
    to_date: dt.date
    bucket: Literal["day", "week", "month"]
    timezone: str
    city_code: str | None
    rows: list[UsageRow]
    total_uses: int
    total_refused: int
