"""Calls other regions make to us: who signed them (an imported, active region with a fresh list), and our signed answers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import msgspec

from backend.cards import services as cards
from backend.federation import imports, peers
from backend.federation.schemas import PeerChange, PeerRevocations
from backend.keys.keyring import Keyring
from backend.lib.errors import ApiError
from backend.lib.settings import Settings
from backend.lib.store import Store

DELTA_LIMIT = 1000  # more changes than this since the caller's version: send the full list
_MAX_VERSION = 2**31 - 1


@dataclass(frozen=True)
class Caller:
    """An authenticated region calling us."""

    code: str
    name: str
    name_en: str
    nonce: str


def target_uri(settings: Settings, url: str, path: str, query: str) -> str:
    """The URI the caller signed: our public URL when one is set (behind a TLS-terminating proxy the
    request's own URL differs), else the request's."""
    if settings.public_url:
        return settings.public_url.rstrip("/") + path + (f"?{query}" if query else "")
    return url


async def authenticate(
    method: str, uri: str, headers: dict[str, str], body: bytes, *, store: Store, settings: Settings, now: int
) -> Caller:
    """403 `federation.unknown_region` unless the named region is imported, active and fresh here;
    401 `federation.bad_signature` unless its peer key signed this exact request, recently, with a
    nonce not seen before."""
    code = headers.get(peers.REGION_HEADER.lower()) or headers.get(peers.REGION_HEADER) or ""
    region = next((r for r, listed, _ in await imports.active_regions(settings, now) if r["code"] == code), None)
    listed = await imports.verified_list(code) if region is not None else None
    if region is None or listed is None:
        raise ApiError(403, "federation.unknown_region", "Your region is not imported here, or its trust list is stale.")
    try:
        signed = peers.verify_request(method, uri, headers, body, listed.peer_keys, now=now)
    except peers.PeerAuthError as exc:
        raise ApiError(
            401, "federation.bad_signature", "The request's signature does not verify.", reason=str(exc)[:200]
        ) from None
    if await store.claim(f"federation:nonce:{code}:{signed.nonce}", "1", peers.NONCE_TTL) is not None:
        raise ApiError(401, "federation.bad_signature", "This request was seen before (its nonce is used).")
    return Caller(code=code, name=str(region["name"]), name_en=str(region["name_en"]), nonce=signed.nonce)


def signed_answer(body: bytes, caller: Caller, *, keyring: Keyring, now: int, status: int = 200) -> dict[str, str]:
    """The headers that sign our answer for this caller's request."""
    return peers.sign_response(status, body, caller.nonce, keyring.named_key("federation-peer"), now)


SINCE_PATTERN = r"^[0-9]{1,10}$"


def _since(value: str | None) -> int | None:
    """The caller's version cursor, read only once its signature checked out (an unsigned call is
    401/403 whatever its query): 400 `request.invalid` unless 1 to 10 digits; a version beyond any
    we hand out counts as none (the full list)."""
    if value is None:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 10:
        raise ApiError(400, "request.invalid", "`since` is a version number (1 to 10 digits).", where="query:since")
    number = int(value)
    return number if number <= _MAX_VERSION else None


async def revocations(since: str | None, now: int) -> bytes:
    """Our revocations as our own scanners get them (GET /api/v1/revocations), encoded."""
    start = _since(since)
    answer: Any
    if start:
        version, entries = await cards.revocations_since(start, limit=DELTA_LIMIT)
        if start <= version and len(entries) < DELTA_LIMIT:
            changes = [PeerChange(version=e.version, kind=e.kind, ref=e.ref, status=e.status, at=e.at) for e in entries]
            answer = PeerRevocations(version=version, full=False, since=start, changes=changes, generated_at=now)
            return msgspec.json.encode(answer)
    full = await cards.revocation_list(dt.datetime.fromtimestamp(now, dt.UTC))
    answer = PeerRevocations(
        version=full.version,
        full=True,
        cards=dict(full.cards),
        devices=sorted(full.devices),
        credentials=dict(full.credentials),
        generated_at=now,
    )
    return msgspec.json.encode(answer)
