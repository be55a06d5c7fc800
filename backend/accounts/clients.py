"""Machine clients (venue scanners, agencies, banks): `ykc_` credentials, cache, rate limits."""

from __future__ import annotations

import hashlib
import hmac
import importlib
import json
import logging
import re
import secrets
import time
import uuid
from typing import Any

import msgspec

from backend.accounts.schemas import ClientView
from backend.accounts.sessions import utc
from backend.accounts.tables import Client
from backend.lib import db
from backend.lib.auth import SCANNER, Principal
from backend.lib.errors import ApiError
from backend.lib.settings import Settings
from backend.lib.store import Store

log = logging.getLogger("yikatong.accounts")
KINDS = ("scanner", "agency", "bank", "payer", "employer")
TOKEN_PREFIX = "ykc_"
CACHE_SECONDS = 60
_TOKEN = re.compile(r"ykc_([0-9a-f]{32})_([A-Za-z0-9_-]{43})", re.ASCII)
_MISSING = "-"  # cached "no such client"
_STALE = "!"  # set on rotate/revoke: do not trust or refill the cache until it expires
# Where each kind's organisation lives; a missing feature module means "cannot check".
_ORG_TABLES = {
    "bank": ("backend.org.tables", "Bank"),
    "agency": ("backend.org.tables", "Agency"),
    "payer": ("backend.org.tables", "Agency"),  # a paying agency: its payment system has a credential of its own
    "scanner": ("backend.venues.tables", "Venue"),
    "employer": ("backend.org.tables", "Employer"),  # an employing unit's HR system (backend/employers)
}


def _secret_hash(secret: str) -> str:
    # The secret is 32 random bytes: nobody can guess it, so a fast hash is right (a slow
    # password hash would only cost every machine request time for no gain).
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_secret(client_id: uuid.UUID) -> tuple[str, str]:
    secret = secrets.token_urlsafe(32)
    return f"{TOKEN_PREFIX}{client_id.hex}_{secret}", _secret_hash(secret)


def _view(row: dict[str, Any]) -> ClientView:
    return ClientView(
        id=row["id"],
        kind=row["kind"],
        org_id=row["org_id"],
        name=row["name"],
        status=row["status"],
        rate_per_minute=row["rate_per_minute"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        rotated_at=row["rotated_at"],
        revoked_at=row["revoked_at"],
        last_used_at=row["last_used_at"],
    )


async def check_org(kind: str, org_id: uuid.UUID) -> None:
    """422 when the organisation the client acts for does not exist (where we can check)."""
    module_name, table_name = _ORG_TABLES[kind]
    try:
        table = getattr(importlib.import_module(module_name), table_name)
    except (ModuleNotFoundError, AttributeError):
        return
    if not await table.exists().where(table.id == org_id).run():
        raise ApiError(422, "client.unknown_org", f"No {kind if kind != 'scanner' else 'venue'} has this id.")


async def create_client(
    *,
    kind: str,
    org_id: uuid.UUID,
    name: str,
    created_by: str,
    rate_per_minute: int | None = None,
    now: int | None = None,
) -> tuple[ClientView, str]:
    """Create a client; returns (client, token). The token is shown once and stored only hashed."""
    if kind not in KINDS:
        raise ApiError(422, "client.bad_kind", f"Kind must be one of: {', '.join(KINDS)}.")
    if rate_per_minute is not None and rate_per_minute < 1:
        raise ApiError(422, "client.bad_rate", "The rate must be at least one request a minute.")
    name = " ".join(name.split())
    if not name:
        raise ApiError(422, "client.bad_name", "Give the client a name people will recognise.")
    now = int(time.time()) if now is None else now
    client_id = uuid.uuid4()
    token, hashed = _new_secret(client_id)
    row = Client(
        id=client_id,
        kind=kind,
        org_id=org_id,
        name=name,
        secret_hash=hashed,
        status="active",
        rate_per_minute=rate_per_minute,
        created_by=created_by,
        created_at=utc(now),
    )
    await row.save().run()
    return await get_client(client_id), token


async def get_client(client_id: uuid.UUID | str) -> ClientView:
    row = await Client.select().where(Client.id == client_id).first().run()
    if row is None:
        raise ApiError(404, "client.not_found", "No such client.")
    return _view(row)


async def list_clients(*, kind: str | None, limit: int, offset: int, org_id: uuid.UUID | None = None) -> list[ClientView]:
    query = Client.select().order_by(Client.created_at, ascending=False).limit(limit).offset(offset)
    if kind is not None:
        query = query.where(Client.kind == kind)
    if org_id is not None:
        query = query.where(Client.org_id == org_id)
    return [_view(row) for row in await query.run()]


async def _invalidate(store: Store | None, client_id: uuid.UUID | str) -> None:
    # A marker rather than a delete: a worker that read the old row just before our commit
    # refills the cache with claim() (set-if-absent), which the marker blocks.
    if store is not None:
        await store.set(f"client:{uuid.UUID(str(client_id)).hex}", _STALE, CACHE_SECONDS)


async def rotate_client_secret(client_id: uuid.UUID | str, *, store: Store | None = None, now: int | None = None) -> str:
    """A new secret; the old one stops working at once. Pass the app's store so every worker's
    cache drops it immediately."""
    now = int(time.time()) if now is None else now
    token, hashed = _new_secret(uuid.UUID(str(client_id)))
    updated = await (
        Client.update({Client.secret_hash: hashed, Client.rotated_at: utc(now)})
        .where((Client.id == client_id) & (Client.status == "active"))
        .returning(Client.id)
        .run()
    )
    await _invalidate(store, client_id)
    if not updated:
        await get_client(client_id)  # 404 when unknown
        raise ApiError(409, "client.revoked", "A revoked client cannot be given a new secret.")
    log.info("client secret rotated", extra={"client_id": str(client_id)})
    return token


async def revoke_client(client_id: uuid.UUID | str, *, store: Store | None = None, now: int | None = None) -> None:
    """Revoke for good; effective at once when the app's store is passed."""
    now = int(time.time()) if now is None else now
    await get_client(client_id)
    await (
        Client.update({Client.status: "revoked", Client.revoked_at: utc(now)})
        .where((Client.id == client_id) & (Client.status == "active"))
        .run()
    )
    await _invalidate(store, client_id)
    log.info("client revoked", extra={"client_id": str(client_id)})


_STATE_SQL = "SELECT id, kind, org_id, secret_hash, status, rate_per_minute FROM accounts_client WHERE "


async def _client_states(ids: list[uuid.UUID]) -> list[dict[str, Any] | None]:
    """The cached part of each client's row (None for an unknown id), in the order of `ids`."""
    rows = await db.fetch(_STATE_SQL + db.any_of("id"), db.list_arg(ids))
    by_id = {row.pop("id"): {**row, "org_id": str(row["org_id"])} for row in rows}
    return [by_id.get(i) for i in ids]


# When a busy client's cached state expires (once a minute), its concurrent requests (64 for a
# metro gate bank) share one read. A Loader's read always starts after the request joined it, so
# a request that saw a rotation's stale marker never gets a row read before that rotation.
_states_by_id = db.Loader(_client_states)


async def _state(store: Store, client_id: uuid.UUID, cached: str | None) -> dict[str, Any] | None:
    """The client's state from `cached` (the store's copy, already fetched), else from the
    database, filling the cache unless a rotation or revocation marked it stale."""
    if cached is not None and cached != _STALE:
        return None if cached == _MISSING else msgspec.json.decode(cached)
    state = await _states_by_id.load(client_id)
    if cached is None:
        await store.claim(f"client:{client_id.hex}", _MISSING if state is None else json.dumps(state), CACHE_SECONDS)
    return state


async def resolve(store: Store, settings: Settings, token: str, now: int) -> Principal | None:
    """The client behind a `ykc_` token, or None; 429 `rate.limited` over its per-minute rate."""
    match = _TOKEN.fullmatch(token)
    if match is None:
        return None
    client_id = uuid.UUID(match[1])
    presented = _secret_hash(match[2])
    # The cached state and this minute's count in one round trip. The window is counted per
    # token (the client id and a prefix of the presented secret's hash): a caller with a wrong
    # secret counts in a window of its own and can never spend the real client's allowance;
    # its request is refused below and its count expires with the minute.
    window = f"rate:client:{client_id.hex}:{presented[:16]}:{now // 60}"
    cached, used = await store.get_and_incr(f"client:{client_id.hex}", window, 60)
    state = await _state(store, client_id, cached)
    if state is None or state["status"] != "active":
        return None
    if not hmac.compare_digest(state["secret_hash"], presented):
        return None
    limit = state["rate_per_minute"] or settings.client_rate_per_minute
    if used > limit:
        if used == limit + 1:  # once per window, not once per refused request
            log.warning("client rate limited", extra={"client_id": str(client_id), "limit": limit})
        raise ApiError(429, "rate.limited", f"This client may make {limit} requests a minute.", retry_after=60 - now % 60)
    if used == 1:  # the first request of this minute's window: note the use, once a minute at most
        await Client.update({Client.last_used_at: utc(now)}).where(Client.id == client_id).run()
    return Principal(
        kind="client",
        id=str(client_id),
        role=state["kind"],
        org_id=state["org_id"],
        scanner_id=str(client_id) if state["kind"] == SCANNER else None,
    )
