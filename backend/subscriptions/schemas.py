"""Requests and answers of agencies' subscriptions, their deliveries and the event feed."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from backend.lib.bounds import SAFE_INT_MAX, VISIBLE_LINE

EventType = Literal["card.status_changed", "card.account_changed", "certificate.changed"]
SubscriptionState = Literal["active", "paused", "failing"]
DeliveryState = Literal["pending", "delivered", "dead", "feed", "withdrawn"]
BasisKind = Literal["statute", "consent"]

Url = Annotated[
    str,
    Meta(
        max_length=2000,
        pattern=r"^https?://[^\s/?#]+[^\s]*$",
        examples=["https://hrss.example.gov.cn/hooks/yikatong"],
        description="Where deliveries are POSTed (https in production). Leave out for a pull-only subscription.",
    ),
]
Seq = Annotated[int, Meta(ge=0, le=SAFE_INT_MAX)]


class SubscriptionCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A new subscription: the events it wants, where to push them (or nothing: pull from the feed)."""

    url: Url | None = None
    event_types: Annotated[list[EventType], Meta(min_length=1, max_length=3)]
    description: Annotated[str, Meta(min_length=2, max_length=200, pattern=VISIBLE_LINE, examples=["养老金资格核查"])]
    legal_basis: (
        Annotated[
            str,
            Meta(
                min_length=2,
                max_length=200,
                pattern=VISIBLE_LINE,
                examples=["《社会保险法》第十六条"],
                description="Statute and article: certificate events of types the law gives your agency come under it",
            ),
        ]
        | None
    ) = None


class SubscriptionOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    agency_id: uuid.UUID
    agency_code: str
    agency_name: str
    url: str | None
    event_types: list[EventType]
    description: str
    legal_basis: str | None
    state: SubscriptionState
    last_seq: int
    pending: int  # deliveries waiting to be pushed
    dead: int  # dead letters waiting for a replay
    last_error: str  # the newest failed attempt's error, "" when none
    created_at: dt.datetime
    updated_at: dt.datetime


class SubscriptionCreated(msgspec.Struct, kw_only=True):
    """The subscription and its signing secret, shown this once."""

    subscription: SubscriptionOut
    secret: Annotated[str, Meta(examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])]


class SecretRotated(msgspec.Struct, kw_only=True):
    """The new secret, shown this once; the old one signs too until `previous_valid_until`."""

    secret: str
    previous_valid_until: dt.datetime


class DeliveryOut(msgspec.Struct, kw_only=True):
    id: Annotated[uuid.UUID, Meta(description="The webhook-id: the same on every attempt")]
    subscription_id: uuid.UUID
    seq: int
    event_id: uuid.UUID
    type: EventType
    subject: Annotated[
        str,
        Meta(
            description="The holder, as your agency's own pseudonym (the same in every event of that holder to your agency, different for another agency)"
        ),
    ]
    basis_kind: BasisKind
    basis_ref: str
    state: DeliveryState
    attempts: int
    last_status: int
    last_error: str
    next_attempt_at: dt.datetime | None
    delivered_at: dt.datetime | None
    event_at: dt.datetime
    created_at: dt.datetime


class DeliveryPage(msgspec.Struct, kw_only=True):
    items: list[DeliveryOut]
    next_after: int | None  # pass as `after` for the next page; null at the end


class ReplayRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Re-queue from `from_seq` on (default: the first dead delivery); delivered ones go again with their id."""

    from_seq: Annotated[int, Meta(ge=1, le=SAFE_INT_MAX)] | None = None


class ReplayOut(msgspec.Struct, kw_only=True):
    requeued: int
    from_seq: int | None
    state: SubscriptionState


class FeedEvent(msgspec.Struct, kw_only=True):
    """One event as a webhook would carry it, plus its webhook-id and sequence."""

    id: uuid.UUID
    seq: int
    type: EventType
    timestamp: str
    data: dict[str, Any]


class FeedPage(msgspec.Struct, kw_only=True):
    items: list[FeedEvent]
    next_after: int  # the last seq served (or `after` when none): pass it back as `after`
