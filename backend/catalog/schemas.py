"""Request and response Structs of the catalog: items, versions, the public catalog and its history."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec
from litestar.params import Parameter
from msgspec import Meta

from backend.catalog.scenarios import ATTRIBUTES, DEFAULT_ASSURANCE
from backend.catalog.vocab import DOMAINS
from backend.lib.assurance import LEVELS
from backend.lib.openapi import error

# The management routes' path parameter and error statuses (catalog/routes_manage.py, and venues'
# routes_catalog.py, which serves two of the same operations).
ItemCodePath = Annotated[
    str, Parameter(min_length=3, max_length=64, pattern=r"^[a-z][a-z0-9]*(?:[._-][a-z0-9]+)*$", description="Item code.")
]
MANAGE_ERRORS = {
    403: error("Not staff, or not allowed for this catalog."),
    404: error("No such item or version."),
    409: error("Not in the right state, or a scenario name taken."),
    422: error("Content or dates break a catalog rule."),
}

ItemCode = Annotated[
    str,
    Meta(
        min_length=3,
        max_length=64,
        pattern=r"^[a-z][a-z0-9]*(?:[._-][a-z0-9]+)*$",
        description="The item's public, immutable code.",
        examples=["gd.public_transport"],
    ),
]
RegionCode = Annotated[
    str,
    Meta(pattern=r"^[0-9]{6}$", description="440000 for the provincial catalog, else a city's region code.", examples=["440300"]),
]
ScenarioName = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$", examples=["transit_ride"])]
VenueType = Annotated[str, Meta(min_length=2, max_length=32, pattern=r"^[a-z][a-z0-9_]*$", examples=["metro"])]
Domain = Annotated[Literal[DOMAINS], Meta(examples=["transport"])]  # type: ignore[valid-type]
Attribute = Annotated[Literal[ATTRIBUTES], Meta(examples=["valid_until"])]  # type: ignore[valid-type]
Note = Annotated[str, Meta(max_length=500, examples=["Adds ferry piers to the transport item."])]
Status = Literal["draft", "review", "published", "withdrawn"]
_RENAME = {"zh_hans": "zh-Hans", "zh_hant": "zh-Hant"}


class Text(msgspec.Struct, forbid_unknown_fields=True, rename=_RENAME):
    """A short text in the catalog's three languages."""

    zh_hans: Annotated[str, Meta(min_length=1, max_length=200, examples=["公共交通乘车"])]
    zh_hant: Annotated[str, Meta(min_length=1, max_length=200, examples=["公共交通乘車"])]
    en: Annotated[str, Meta(min_length=1, max_length=200, examples=["Public transport ride"])]


class LongText(msgspec.Struct, forbid_unknown_fields=True, rename=_RENAME):
    """A description in the three languages (may be empty)."""

    zh_hans: Annotated[str, Meta(max_length=2000, examples=["持卡人乘坐地铁、公交、轮渡时出示电子社保卡乘车码。"])] = ""
    zh_hant: Annotated[str, Meta(max_length=2000)] = ""
    en: Annotated[str, Meta(max_length=2000, examples=["Show the e-card code at metro, bus and ferry gates."])] = ""


class ScenarioIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A verification scenario: where it applies and exactly what a valid scan discloses."""

    name: ScenarioName
    title: Text
    venue_types: Annotated[list[VenueType], Meta(min_length=1, max_length=20, examples=[["metro", "bus"]])]
    attributes: Annotated[
        list[Attribute], Meta(min_length=1, max_length=len(ATTRIBUTES), examples=[["valid_until", "concession"]])
    ]
    needs_transport: bool = False
    legal_basis: Annotated[str, Meta(min_length=1, max_length=200, examples=["Art. 7 public transport"])]
    min_assurance: Annotated[
        int,
        Meta(
            ge=LEVELS[0],
            le=LEVELS[-1],
            description=(
                "The least proofing of the e-card's holder this scenario accepts: 0 none, 1 family (the default), "
                "2 remote (bank or identity provider), 3 in person at a counter. A card below it gets `assurance_too_low`."
            ),
            examples=[1],
        ),
    ] = DEFAULT_ASSURANCE
    offline: Annotated[
        bool | None,
        Meta(
            description=(
                "Whether offline scanners may verify it. Absent: yes when `min_assurance` is at most 1. "
                "Offline credentials do not carry the proofing level, so a scenario asking more is online only."
            )
        ),
    ] = None


class ContentIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What a version of an item says."""

    domain: Domain
    name: Text
    description: LongText = msgspec.field(default_factory=LongText)
    venue_types: Annotated[list[VenueType], Meta(min_length=1, max_length=30, examples=[["metro", "bus", "ferry"]])]
    scenarios: Annotated[list[ScenarioIn], Meta(max_length=30)] = []
    note: Note = ""


class ItemCreate(ContentIn, kw_only=True):
    """A new item with its first version as a draft."""

    code: ItemCode
    scope: RegionCode = "440000"
    extends: ItemCode | None = None


class PublishRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    effective_from: (
        Annotated[
            dt.datetime, Meta(tz=True, description="When it takes effect; now if absent.", examples=["2026-12-01T00:00:00+08:00"])
        ]
        | None
    ) = None


class ReturnRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    note: Annotated[str, Meta(min_length=1, max_length=500, examples=["Library entry must not disclose the full name."])]


class WithdrawRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    end: (
        Annotated[dt.datetime, Meta(tz=True, description="When it stops; now if absent.", examples=["2026-12-31T23:59:59+08:00"])]
        | None
    ) = None
    reason: Annotated[str, Meta(min_length=1, max_length=500, examples=["Service moved to the national platform."])]


# --- answers --------------------------------------------------------------------------


class TextOut(msgspec.Struct, rename=_RENAME):
    zh_hans: str
    zh_hant: str
    en: str


class ScenarioOut(msgspec.Struct, kw_only=True):
    name: str
    title: TextOut
    venue_types: list[str]
    attributes: list[str]
    offline_attributes: list[str]
    needs_transport: bool
    legal_basis: str
    min_assurance: int  # the least proofing of the e-card's holder it accepts (backend/lib/assurance.py)
    offline: bool  # whether offline scanners may verify it


class ItemOut(msgspec.Struct, kw_only=True):
    """An item as it is in effect: one published version."""

    code: str
    scope: str
    extends: str | None
    version: int
    domain: str
    name: TextOut
    description: TextOut
    venue_types: list[str]
    scenarios: list[ScenarioOut]
    effective_from: dt.datetime
    effective_to: dt.datetime | None = None
    note: str = ""


class CatalogOut(msgspec.Struct, kw_only=True):
    """The catalog in effect for the province or a city at `at`."""

    scope: str
    at: dt.datetime
    catalog_version: int
    items: list[ItemOut]
    venue_types: list[str]


class HistoryEvent(msgspec.Struct, kw_only=True):
    event: Literal["published", "withdrawn"]
    at: dt.datetime  # when the decision was taken
    effective: dt.datetime  # when it takes (or took) effect
    item_code: str
    scope: str
    version: int
    name: TextOut
    note: str = ""


class HistoryOut(msgspec.Struct, kw_only=True):
    scope: str
    items: list[HistoryEvent]
    next_offset: int | None = None


class PublicVersion(msgspec.Struct, kw_only=True):
    number: int
    status: Literal["published", "withdrawn"]
    domain: str
    name: TextOut
    description: TextOut
    venue_types: list[str]
    scenarios: list[ScenarioOut]
    note: str
    effective_from: dt.datetime
    effective_to: dt.datetime | None
    published_at: dt.datetime
    withdrawn_at: dt.datetime | None = None
    withdraw_reason: str = ""


class PublicItem(msgspec.Struct, kw_only=True):
    """An item and every published version of it (drafts are never public)."""

    code: str
    scope: str
    extends: str | None
    in_effect: int | None  # the version number in effect now
    versions: list[PublicVersion]


class VersionOut(msgspec.Struct, kw_only=True):
    """A version as operators see it, drafts included."""

    number: int
    status: Status
    domain: str
    name: TextOut
    description: TextOut
    venue_types: list[str]
    scenarios: list[ScenarioOut]
    note: str
    effective_from: dt.datetime | None
    effective_to: dt.datetime | None
    created_by: str
    created_at: dt.datetime
    submitted_by: str | None
    submitted_at: dt.datetime | None
    returned_note: str
    published_by: str | None
    published_at: dt.datetime | None
    withdrawn_by: str | None
    withdrawn_at: dt.datetime | None
    withdraw_reason: str


class ManagedItem(msgspec.Struct, kw_only=True):
    code: str
    scope: str
    extends: str | None
    created_by: str
    created_at: dt.datetime
    versions: list[VersionOut]


class QueueEntry(msgspec.Struct, kw_only=True):
    code: str
    scope: str
    number: int
    status: Literal["draft", "review"]
    name: TextOut
    created_by: str
    submitted_by: str | None
    updated_at: dt.datetime


class QueueOut(msgspec.Struct, kw_only=True):
    items: list[QueueEntry]


class Region(msgspec.Struct, kw_only=True):
    code: str
    name: str
    name_en: str
    province: bool


class RegionList(msgspec.Struct, kw_only=True):
    items: list[Region]
