"""Request and response bodies of the inbox API: notices, push subscriptions, the VAPID key."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Annotated, Literal

import msgspec
from msgspec import Meta

from backend.lib.bounds import OFFSET_MAX, SAFE_INT_MAX, bounded

if TYPE_CHECKING:
    ParamInt = int  # bounded() makes an Annotated int at run time, which the checker cannot read
    Expiration = int
else:
    ParamInt = bounded(-SAFE_INT_MAX, SAFE_INT_MAX)
    Expiration = bounded(0, SAFE_INT_MAX)
ParamValue = str | ParamInt | bool | None
B64Url = r"^[A-Za-z0-9_-]+={0,2}$"


class NoticeOut(msgspec.Struct, kw_only=True):
    """One notice in the holder's inbox. The wallet words it from `event` and `params`."""

    id: uuid.UUID
    event: Annotated[str, Meta(examples=["card.loss_reported"], description="What happened (docs/inbox.md lists every event)")]
    params: Annotated[
        dict[str, ParamValue],
        Meta(examples=[{"kind": "temporary", "by": "citizen"}], description="Facts about it; never an identity number"),
    ]
    created_at: dt.datetime
    read_at: dt.datetime | None = None
    read: bool = False


class InboxPage(msgspec.Struct, kw_only=True):
    """A page of the inbox, newest first, with how many notices are unread in all."""

    items: list[NoticeOut]
    total: Annotated[int, Meta(ge=0)]
    unread: Annotated[int, Meta(ge=0)]
    limit: Annotated[int, Meta(ge=1, le=100)]
    offset: Annotated[int, Meta(ge=0, le=OFFSET_MAX)]


class UnreadCount(msgspec.Struct, kw_only=True):
    unread: Annotated[int, Meta(ge=0)]


class ReadAll(msgspec.Struct, kw_only=True):
    marked: Annotated[int, Meta(ge=0, description="How many notices this call marked read")]
    unread: Annotated[int, Meta(ge=0)]


class SubscriptionKeys(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    p256dh: Annotated[
        str,
        Meta(
            min_length=86,
            max_length=88,
            pattern=B64Url,
            description="The browser's P-256 public key (65 bytes, uncompressed), base64url",
            examples=["BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"],
        ),
    ]
    auth: Annotated[
        str,
        Meta(
            min_length=22,
            max_length=24,
            pattern=B64Url,
            description="The 16-byte auth secret, base64url",
            examples=["tBHItJI5svbpez7KI4CCXg"],
        ),
    ]


class SubscriptionIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What `PushSubscription.toJSON()` gives in the browser, and the language pushes should use."""

    endpoint: Annotated[
        str,
        Meta(
            min_length=12,
            max_length=1024,
            pattern=r"^https?://[^\s]+$",
            examples=["https://fcm.googleapis.com/fcm/send/dGhpcyBpcyBhbiBleGFtcGxl"],
            description="The push service URL of this browser (https; a known push service)",
        ),
    ]
    keys: SubscriptionKeys
    expirationTime: Expiration | None = None  # the browser's own field name: ignored
    lang: Literal["zh-Hans", "zh-Hant", "en"] = "zh-Hans"


class SubscriptionOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    service: Annotated[str, Meta(examples=["fcm.googleapis.com"], description="The push service's host")]
    lang: Literal["zh-Hans", "zh-Hant", "en"]
    created_at: dt.datetime
    last_ok_at: dt.datetime | None = None


class VapidKey(msgspec.Struct, kw_only=True):
    """The application server key browsers subscribe with (PushManager.subscribe)."""

    enabled: bool
    public_key: Annotated[
        str | None,
        Meta(description="The VAPID public key: 65 bytes (uncompressed P-256), base64url without padding"),
    ] = None
