"""Request and response Structs of the service-point directory."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from backend.lib.bounds import INT32_MAX, bounded
from backend.servicepoints.vocab import FACILITIES, KINDS, SERVICES

_RENAME = {"zh_hans": "zh-Hans", "zh_hant": "zh-Hant"}
CityCode = Annotated[str, Meta(pattern=r"^[0-9]{6}$", examples=["440100"])]
Kind = Annotated[Literal[KINDS], Meta(examples=["service_point"])]  # type: ignore[valid-type]
Service = Annotated[Literal[SERVICES], Meta(examples=["replace"])]  # type: ignore[valid-type]
Facility = Annotated[Literal[FACILITIES], Meta(examples=["wheelchair_access"])]  # type: ignore[valid-type]
Clock = Annotated[str, Meta(pattern=r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$", examples=["09:00"])]
Phone = Annotated[str, Meta(max_length=32, pattern=r"^[0-9+() -]*$", examples=["020-12333"])]


class Localized(msgspec.Struct, forbid_unknown_fields=True, rename=_RENAME):
    """A text in the three languages of the public pages."""

    zh_hans: Annotated[str, Meta(min_length=1, max_length=200, examples=["广州市社会保险基金管理局天河服务网点"])]
    zh_hant: Annotated[str, Meta(min_length=1, max_length=200, examples=["廣州市社會保險基金管理局天河服務網點"])]
    en: Annotated[str, Meta(min_length=1, max_length=200, examples=["Tianhe service point, Guangzhou Social Insurance Fund"])]


class OptionalText(msgspec.Struct, forbid_unknown_fields=True, rename=_RENAME):
    zh_hans: Annotated[str, Meta(max_length=200, examples=["法定节假日休息"])] = ""
    zh_hant: Annotated[str, Meta(max_length=200)] = ""
    en: Annotated[str, Meta(max_length=200, examples=["Closed on public holidays"])] = ""


Weekday = bounded(1, 7)


class Hours(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Opening hours on some weekdays (1 = Monday ... 7 = Sunday), in China Standard Time."""

    days: Annotated[list[Weekday], Meta(min_length=1, max_length=7, examples=[[1, 2, 3, 4, 5]])]
    opens: Clock
    closes: Annotated[str, Meta(pattern=r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$", examples=["17:30"])]


class PointFields(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    kind: Kind
    city_code: CityCode
    district: Annotated[str, Meta(max_length=64, examples=["天河区"])] = ""
    name: Localized
    address: Localized
    phone: Phone = ""
    opening_hours: Annotated[list[Hours], Meta(max_length=14)] = []
    hours_note: OptionalText = msgspec.field(default_factory=OptionalText)
    services: Annotated[list[Service], Meta(min_length=1, max_length=len(SERVICES), examples=[["apply", "replace"]])]
    facilities: Annotated[list[Facility], Meta(max_length=len(FACILITIES), examples=[["wheelchair_access"]])] = []
    latitude: Annotated[float, Meta(ge=-90, le=90, examples=[23.1291])] | None = None
    longitude: Annotated[float, Meta(ge=-180, le=180, examples=[113.2644])] | None = None


class PointCreate(PointFields, kw_only=True):
    """A new entry of the directory."""


class PointUpdate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Only the fields given change; `active: false` takes it out of the public directory."""

    district: Annotated[str, Meta(max_length=64)] | msgspec.UnsetType = msgspec.UNSET
    name: Localized | msgspec.UnsetType = msgspec.UNSET
    address: Localized | msgspec.UnsetType = msgspec.UNSET
    phone: Phone | msgspec.UnsetType = msgspec.UNSET
    opening_hours: Annotated[list[Hours], Meta(max_length=14)] | msgspec.UnsetType = msgspec.UNSET
    hours_note: OptionalText | msgspec.UnsetType = msgspec.UNSET
    services: Annotated[list[Service], Meta(min_length=1, max_length=len(SERVICES))] | msgspec.UnsetType = msgspec.UNSET
    facilities: Annotated[list[Facility], Meta(max_length=len(FACILITIES))] | msgspec.UnsetType = msgspec.UNSET
    latitude: Annotated[float, Meta(ge=-90, le=90)] | None | msgspec.UnsetType = msgspec.UNSET
    longitude: Annotated[float, Meta(ge=-180, le=180)] | None | msgspec.UnsetType = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET
    version: Annotated[
        int, Meta(ge=1, le=INT32_MAX, description="The version you read: a concurrent change gives 409.", examples=[3])
    ]


class TextOut(msgspec.Struct, rename=_RENAME):
    zh_hans: str
    zh_hant: str
    en: str


class HoursOut(msgspec.Struct, kw_only=True):
    days: list[int]
    opens: str
    closes: str


class PointOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    kind: str
    city_code: str
    district: str
    name: TextOut
    address: TextOut
    phone: str
    opening_hours: list[HoursOut]
    hours_note: TextOut
    services: list[str]
    facilities: list[str]
    latitude: float | None
    longitude: float | None
    active: bool
    version: int
    updated_at: dt.datetime


class PointList(msgspec.Struct, kw_only=True):
    items: list[PointOut]
    next_offset: int | None = None
