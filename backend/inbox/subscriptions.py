"""The holder's browsers that take pushes: subscribe (checked), list, unsubscribe."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import ipaddress
import uuid
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec

from backend.inbox.schemas import SubscriptionIn, SubscriptionOut
from backend.inbox.tables import PushSubscription
from backend.lib import db
from backend.lib.errors import ApiError
from backend.lib.settings import Settings

MAX_LIVE = 10  # browsers per person that take pushes
ATTEMPTS = 4
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def _unb64url(text: str) -> bytes:
    text = text.rstrip("=")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def check_endpoint(endpoint: str, settings: Settings) -> str:
    """The endpoint, if it is a push service we may send to: https to a known push service (the
    settings' list), or in dev and test plain http to this machine. Anything else would make the
    server post to an address a caller chose (an internal host, say): refused."""
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        host = ""
    if not host or parts.username or parts.password or parts.fragment or any(c.isspace() for c in endpoint):
        raise ApiError(422, "push.bad_endpoint", "The endpoint must be a plain https URL of a push service.")
    testing = settings.env in ("dev", "test")
    if testing and host in LOOPBACK and parts.scheme in ("http", "https"):
        return endpoint
    if parts.scheme != "https":
        raise ApiError(422, "push.bad_endpoint", "The endpoint must use https.")
    try:
        ipaddress.ip_address(host)
        is_address = True
    except ValueError:
        is_address = False
    services = [s.strip().lower() for s in settings.push_services.split(",") if s.strip()]
    if is_address or not any(host == s or host.endswith("." + s) for s in services):
        raise ApiError(422, "push.unknown_service", "The endpoint is not a push service this server sends to.", host=host)
    return endpoint


def check_keys(p256dh: str, auth: str) -> None:
    """The browser's P-256 key is a point on the curve (65 bytes, uncompressed) and the auth secret 16 bytes."""
    try:
        point = _unb64url(p256dh)
        secret = _unb64url(auth)
        if len(point) != 65 or point[0] != 4 or len(secret) != 16:
            raise ValueError("wrong length")
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except (ValueError, binascii.Error):
        raise ApiError(
            422, "push.bad_keys", "keys.p256dh must be a P-256 public key (65 bytes) and keys.auth 16 bytes, base64url."
        ) from None


def subscription_out(row: dict[str, Any]) -> SubscriptionOut:
    last_ok = row["last_ok_at"]
    return SubscriptionOut(
        id=row["id"],
        service=urlsplit(row["endpoint"]).hostname or "",
        lang=row["lang"],
        created_at=db.time_column(row["created_at"]),
        last_ok_at=db.time_column(last_ok) if last_ok is not None else None,
    )


def _busy() -> ApiError:
    return ApiError(409, "push.busy", "The subscription is being changed by another request; try again.", retry_after=1)


async def subscribe(person_id: uuid.UUID, account_id: str, data: SubscriptionIn, settings: Settings, now: int) -> SubscriptionOut:
    """Keep this browser's subscription for the person. The same endpoint again (a renewed key,
    or another person now signed in on that browser) replaces what was kept for it."""
    endpoint = check_endpoint(data.endpoint, settings)
    check_keys(data.keys.p256dh, data.keys.auth)
    key = hashlib.sha256(endpoint.encode()).hexdigest()
    moment = dt.datetime.fromtimestamp(now, dt.UTC)
    values: dict[str, Any] = {
        "person": person_id,
        "account": uuid.UUID(account_id),
        "endpoint": endpoint,
        "p256dh": data.keys.p256dh.rstrip("="),
        "auth": data.keys.auth.rstrip("="),
        "lang": data.lang,
        "gone_at": None,
    }

    async def attempt() -> uuid.UUID:
        await db.advisory_lock(f"inbox.push:{person_id}")
        held = (
            await PushSubscription.select(PushSubscription.id, PushSubscription.person)
            .where(PushSubscription.endpoint_hash == key)
            .first()
            .run()
        )
        if held is None or str(held["person"]) != str(person_id):
            live = (
                await PushSubscription.count()
                .where((PushSubscription.person == person_id) & PushSubscription.gone_at.is_null())
                .run()
            )
            if live >= MAX_LIVE:
                message = f"At most {MAX_LIVE} browsers take notifications; turn them off on one first."
                raise ApiError(409, "push.too_many", message, limit=MAX_LIVE)
        if held is not None:
            columns = {getattr(PushSubscription, k): v for k, v in values.items()}
            await PushSubscription.update(columns).where(PushSubscription.id == held["id"]).run()
            return uuid.UUID(str(held["id"]))
        row = PushSubscription(id=uuid.uuid4(), endpoint_hash=key, created_at=moment, last_ok_at=None, **values)
        await PushSubscription.insert(row).run()
        return uuid.UUID(str(row.id))

    sub_id = await db.retrying(attempt, attempts=ATTEMPTS, busy=_busy, again=db.is_unique_violation)
    found = await PushSubscription.select().where(PushSubscription.id == sub_id).first().run()
    if found is None:  # removed by a parallel DELETE between our commit and this read
        raise _busy()
    return subscription_out(found)


async def list_for(person_id: uuid.UUID) -> list[SubscriptionOut]:
    rows = await (
        PushSubscription.select()
        .where((PushSubscription.person == person_id) & PushSubscription.gone_at.is_null())
        .order_by(PushSubscription.created_at)
        .run()
    )
    return [subscription_out(r) for r in rows]


async def unsubscribe(person_id: uuid.UUID, subscription_id: uuid.UUID) -> None:
    removed = (
        await PushSubscription.delete()
        .where((PushSubscription.id == subscription_id) & (PushSubscription.person == person_id))
        .returning(PushSubscription.id)
        .run()
    )
    if not removed:
        raise ApiError(404, "push.subscription_not_found", "You have no push subscription with this id.")
