"""Request and response Structs of the service-point directory and of tickets (consultations and complaints)."""

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

    # Weekday is made at run time by bounded(), which mypy cannot read as a type.
    days: Annotated[list[Weekday], Meta(min_length=1, max_length=7, examples=[[1, 2, 3, 4, 5]])]  # type: ignore[valid-type]
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


# Tickets: a consultation or a complaint (咨询投诉, Art. 11) and its conversation.

TicketKind = Annotated[Literal["consultation", "complaint"], Meta(examples=["complaint"])]
Subject = Annotated[str, Meta(min_length=1, max_length=120, examples=["补卡进度查询"])]
Body = Annotated[str, Meta(min_length=1, max_length=4000, examples=["我上周在天河服务网点申请补卡，请问何时可以领取？"])]
Reference = Annotated[
    str, Meta(min_length=8, max_length=16, pattern=r"^[CQ]-[0-9]{6}-[0-9A-Z]{6}$", examples=["C-261122-7KQ3MZ"])
]
AccessKey = Annotated[str, Meta(min_length=16, max_length=64, pattern=r"^[A-Za-z0-9_-]+$", examples=["q3V9x2T1b8KfL0aZ7wYp4A"])]
Contact = Annotated[
    str, Meta(max_length=128, description="How staff may call back; only staff see it.", examples=["138 0000 0000"])
]
TicketCity = Annotated[
    str, Meta(pattern=r"^[0-9]{6}$", description="The city it concerns; 440000 (the province) if absent.", examples=["440100"])
]


class TicketCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A consultation or complaint from a holder (signed in) or anyone (answered with a follow-up key)."""

    kind: TicketKind
    subject: Subject
    body: Body
    city_code: TicketCity | None = None
    service_point_id: uuid.UUID | None = None
    contact: Contact = ""


class StaffTicketCreate(TicketCreate, kw_only=True):
    """A request staff took by phone or at a counter (Art. 11: phone channels too)."""

    channel: Annotated[Literal["phone", "counter", "terminal"], Meta(examples=["phone"])]


class Lookup(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    reference: Reference
    access_key: AccessKey


class FollowUp(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Write again (an answered ticket reopens), or close it."""

    body: Annotated[str, Meta(max_length=4000, examples=["谢谢，已收到。"])] = ""
    close: bool = False


class PublicFollowUp(FollowUp, kw_only=True):
    reference: Reference
    access_key: AccessKey


TicketVersion = Annotated[
    int, Meta(ge=1, le=INT32_MAX, description="The version you read: a concurrent change gives 409.", examples=[2])
]


class StaffReply(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    body: Body
    close: bool = False
    version: TicketVersion | None = None  # given: the answer applies only to that version


class StatusChange(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    status: Annotated[Literal["in_progress", "closed"], Meta(examples=["in_progress"])]
    version: TicketVersion | None = None  # given: the change applies only to that version


class Assignment(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Give the ticket to a staff member who may answer it (yourself, a colleague of its city, or a
    provincial operator), or take it back into the unassigned queue with `staff_id`: null."""

    staff_id: Annotated[uuid.UUID | None, Meta(examples=["0b7f3c1e-2d4a-4e8b-9c6d-5a1f2e3d4c5b"])]
    version: TicketVersion


class Assignee(msgspec.Struct, kw_only=True):
    """A staff member who may answer a ticket."""

    id: uuid.UUID
    username: str
    name: str
    role: str


class AssigneeList(msgspec.Struct, kw_only=True):
    items: list[Assignee]


class MessageOut(msgspec.Struct, kw_only=True):
    author: Literal["submitter", "staff"]
    body: str
    at: dt.datetime


class TicketOut(msgspec.Struct, kw_only=True):
    """A ticket as its submitter sees it (staff are not named)."""

    id: uuid.UUID
    reference: str
    kind: str
    subject: str
    channel: str
    city_code: str
    service_point_id: uuid.UUID | None
    status: Literal["open", "in_progress", "answered", "closed"]
    created_at: dt.datetime
    updated_at: dt.datetime
    messages: list[MessageOut]


class TicketCreated(msgspec.Struct, kw_only=True):
    ticket: TicketOut
    access_key: str | None = None  # shown once, for submitters without an account


class StaffMessageOut(MessageOut, kw_only=True):
    staff_id: str | None = None


class StaffTicketOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    reference: str
    kind: str
    subject: str
    channel: str
    city_code: str
    service_point_id: uuid.UUID | None
    status: str
    version: int
    contact: str
    from_holder: bool
    recorded_by: str | None
    assigned_to: uuid.UUID | None
    assignee_name: str | None
    assigned_at: dt.datetime | None
    due_at: dt.datetime | None
    overdue: Annotated[bool, Meta(description="Still waiting for an answer past `due_at`.")]
    created_at: dt.datetime
    updated_at: dt.datetime
    answered_at: dt.datetime | None
    closed_at: dt.datetime | None
    messages: list[StaffMessageOut]


class TicketSummary(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    reference: str
    kind: str
    subject: str
    city_code: str
    status: str
    created_at: dt.datetime
    updated_at: dt.datetime


class StaffTicketSummary(TicketSummary, kw_only=True):
    """A row of the staff inbox: who has it and by when it must be answered."""

    channel: str
    assigned_to: uuid.UUID | None
    assignee_name: str | None
    due_at: dt.datetime | None
    overdue: bool


class StaffTicketList(msgspec.Struct, kw_only=True):
    items: list[StaffTicketSummary]
    next_offset: int | None = None


class TicketList(msgspec.Struct, kw_only=True):
    items: list[TicketSummary]
    next_offset: int | None = None
