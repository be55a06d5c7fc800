"""Scan to sign in: the device authorization grant (RFC 8628), its user codes and their lookup by the wallet."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

from backend.keys.keyring import Keyring
from backend.lib.errors import ApiError
from backend.lib.settings import Settings
from backend.lib.store import Store
from backend.oidc import authorize, quotas, relying_parties
from backend.oidc.protocol import OAuthError, digest
from backend.oidc.schemas import DeviceAnswer, RequestView
from backend.oidc.tables import AuthRequest

# Consonants without the ones read or typed as another (no vowels, so no words; no I/L/O/U/Y):
# 20**8 = 2.56e10 codes, and lookups are rate-limited per holder (RFC 8628 6.1).
ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
LOOKUPS_PER_MINUTE = 10
# RFC 8628 5.4: a sign-in QR code can be photographed and spread, and whoever started the request
# gets what any holder approves. So a terminal may ask for the card's validity and a masked name at
# most; `identity` (full name, document number) only through the code flow, bound to the holder's browser.
DEVICE_SCOPES = ("openid", "card", "masked_name")


def new_user_code() -> str:
    chars = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


def normal(user_code: str) -> str:
    """ABCD-EFGH from what a holder typed (any case, with or without the dash, spaces)."""
    text = "".join(c for c in user_code.upper() if c in ALPHABET)
    return f"{text[:4]}-{text[4:]}" if len(text) == 8 else ""


async def start(
    params: dict[str, str],
    authorization: str | None,
    issuer: str,
    settings: Settings,
    store: Store,
    address: str | None,
    now: int,
) -> DeviceAnswer:
    """POST /oauth/device_authorization: a device code for the terminal, a user code for the holder.
    429 `temporarily_unavailable` past the rate limits (backend/oidc/quotas.py)."""
    rp = await relying_parties.authenticate(params, authorization)
    scopes = authorize.requested_scopes(params.get("scope", "openid"), rp)
    if isinstance(scopes, str):
        raise OAuthError("invalid_scope", scopes)
    beyond = [s for s in scopes if s not in DEVICE_SCOPES]
    if beyond:
        raise OAuthError("invalid_scope", f"Scan to sign in gives only {' '.join(DEVICE_SCOPES)}; not: {' '.join(beyond)}.")
    await quotas.check_rate(store, address, rp.client_id)
    await quotas.purge(store, now)
    device_code = secrets.token_urlsafe(32)
    at = dt.datetime.fromtimestamp(now, dt.UTC)
    for _ in range(5):  # a user code clash is one in billions; try again rather than fail
        user_code = new_user_code()
        if not await AuthRequest.exists().where(AuthRequest.user_code == user_code).run():
            break
    await AuthRequest.insert(
        AuthRequest(
            id=uuid.uuid4(),
            handle=secrets.token_urlsafe(16),
            kind="device",
            client=rp.id,
            scopes=scopes,
            device_hash=digest(device_code),
            user_code=user_code,
            interval=settings.oidc_device_interval,
            status="pending",
            created_at=at,
            expires_at=at + dt.timedelta(seconds=settings.oidc_device_seconds),
        )
    ).run()
    uri = f"{issuer}/wallet/#/device"
    return DeviceAnswer(
        device_code=device_code,
        user_code=user_code,
        verification_uri=uri,
        verification_uri_complete=f"{uri}?user_code={user_code}",
        expires_in=settings.oidc_device_seconds,
        interval=settings.oidc_device_interval,
    )


async def lookup(user_code: str, person_id: str, store: Store, keyring: Keyring, settings: Settings, now: int) -> RequestView:
    """The pending request a user code names, for the consent screen; its `id` is what the wallet
    approves or denies. 429 `oidc.too_many_lookups` past LOOKUPS_PER_MINUTE per holder (guessing)."""
    if await store.incr(f"oidc:user-code:{person_id}", 60) > LOOKUPS_PER_MINUTE:
        raise ApiError(429, "oidc.too_many_lookups", "Too many codes tried: wait a minute.")
    code = normal(user_code)
    row = None
    if code:
        row = (
            await AuthRequest.select(AuthRequest.handle, AuthRequest.status, AuthRequest.expires_at)
            .where(AuthRequest.user_code == code)
            .first()
            .run()
        )
    if row is None or authorize.status_of(row, now) != "pending":
        raise ApiError(404, "oidc.unknown_user_code", "No sign-in waits for this code: check it, or start again on the device.")
    return await authorize.view(row["handle"], person_id, keyring, settings, now)
