"""Request and response Structs of consultations and complaints."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

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
CityCode = Annotated[
    str, Meta(pattern=r"^[0-9]{6}$", description="The city it concerns; 440000 (the province) if absent.", examples=["440100"])
]


class TicketCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A consultation or complaint from a holder (signed in) or anyone (answered with a follow-up key)."""

    kind: TicketKind
    subject: Subject
    body: Body
    city_code: CityCode | None = None
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


class StaffReply(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    body: Body
    close: bool = False


class StatusChange(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    status: Annotated[Literal["in_progress", "closed"], Meta(examples=["in_progress"])]


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


class TicketList(msgspec.Struct, kw_only=True):
    items: list[TicketSummary]
    next_offset: int | None = None
