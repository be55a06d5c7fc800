"""HTTP route: another region's server verifies one of our online codes (RFC 9421-signed both ways)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Response, post
from litestar.di import Provide
from litestar.openapi.spec import Example
from litestar.params import Body

from backend.federation import services as federation  # federation feature: who signed the call
from backend.federation.schemas import PeerOfflineAnswer, PeerOfflineUpload, PeerVerifyAnswer, PeerVerifyRequest
from backend.keys.keyring import Keyring
from backend.lib.body import decode_json
from backend.lib.openapi import errors
from backend.lib.settings import Settings
from backend.lib.store import Store
from backend.venues import peer_offline, peer_verification

# 500 forwarded scans of about 450 bytes each do not fit the app-wide 64 KiB limit.
OFFLINE_MAX_BYTES = 512 * 1024
BODY_ERRORS = errors(
    e401="`federation.bad_signature`.",
    e403="`federation.unknown_region`.",
    e413="`request.too_large`: the body is over the size limit.",
    e415="`request.unsupported_media_type`: send the body as `application/json` (checked after the signature).",
)


# The handlers read the body raw: who signed the call is checked before its shape, so an unsigned
# call is 401/403 whatever it carries (docs/federation.md section 4). These never-called
# dependencies only name the body for the OpenAPI document (Litestar documents a dependency's
# `data`; a dependency no handler parameter asks for is never run).
async def _verify_body(data: PeerVerifyRequest) -> None:  # pragma: no cover - documentation only
    return None


# Hand-written: one generated from the schema draws up to 500 results (seconds at every build of the
# API document, and an unreadable example).
OFFLINE_UPLOAD_EXAMPLE = Example(
    summary="One scan of a code of ours at the caller's library",
    value={
        "results": [
            {
                "key": "5f0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b",
                "cred_ref": "9a0c4d2e11f3b688",
                "code_id": "9f86d081884c7d659a2feaa0c55ad015",
                "scenario": "library_entry",
                "result": "valid",
                "verified_at": 1764650000,
                "disclosed": ["valid_until"],
                "venue": {"name": "香港中央圖書館", "type": "library", "city": "810000"},
            }
        ]
    },
)


async def _offline_body(
    data: Annotated[PeerOfflineUpload, Body(examples=[OFFLINE_UPLOAD_EXAMPLE])],
) -> None:  # pragma: no cover - documentation only
    return None


@post(
    "/api/v1/federation/verify",
    summary="Verify one of our online codes for another region",
    description=(
        "Called by an imported, active region's server only, as an RFC 9421-signed request (label `yk`, covering "
        "`@method`, `@target-uri`, `content-digest`, `yk-region`; docs/federation.md). The code is checked as at our "
        "own venues and used once: a second call for it answers `replayed`. The access goes on the holder's record. "
        "`attributes` holds only what both the scenario shows online and the caller's `disclose` allow "
        "(masked_name, valid_until, concessions). The answer is signed by our peer key over `@status`, "
        "`content-digest` and `yk-request-nonce` (the request's nonce)."
    ),
    tags=["federation", "verification"],
    status_code=200,
    dependencies={"peer_verify_body": Provide(_verify_body)},
    responses=BODY_ERRORS,
)
async def peer_verify(
    request: Request[Any, Any, Any], body: bytes, keyring: Keyring, store: Store, settings: Settings, now: int
) -> Response[PeerVerifyAnswer]:
    uri = federation.target_uri(settings, str(request.url), request.url.path, request.url.query)
    caller = await federation.authenticate(
        request.method, uri, dict(request.headers), body, store=store, settings=settings, now=now
    )
    data = decode_json(body, request.headers.get("content-type"), PeerVerifyRequest)
    answer = await peer_verification.verify_for_peer(caller, data, keyring=keyring, store=store, settings=settings, now=now)
    body = msgspec.json.encode(answer)
    headers = {**federation.signed_answer(body, caller, keyring=keyring, now=now), "Cache-Control": "no-store"}
    response: Response[Any] = Response(content=body, media_type="application/json", headers=headers)
    return response


@post(
    "/api/v1/federation/offline-results",
    summary="Take another region's offline scans of our codes",
    description=(
        "Called by an imported, active region's server only, signed as `/api/v1/federation/verify` is. Its scanners "
        "checked our YKD2 codes offline; each scan (at most 500 per call) names the credential (`cred_ref`), which "
        "we map to the card. The scan is recorded under the caller's region, goes on the holder's record like an "
        "online check, uses the code once and flags a code used twice. Each scan is kept once by the caller's `key`, "
        "so a call may be repeated. Scans of credentials not ours are counted in `unknown` and not kept. The answer "
        "is signed like the verify answer."
    ),
    tags=["federation", "verification"],
    status_code=200,
    request_max_body_size=OFFLINE_MAX_BYTES,
    dependencies={"peer_offline_body": Provide(_offline_body)},
    responses=BODY_ERRORS,
)
async def peer_offline_results(
    request: Request[Any, Any, Any], body: bytes, keyring: Keyring, store: Store, settings: Settings, now: int
) -> Response[PeerOfflineAnswer]:
    uri = federation.target_uri(settings, str(request.url), request.url.path, request.url.query)
    caller = await federation.authenticate(
        request.method, uri, dict(request.headers), body, store=store, settings=settings, now=now
    )
    data = decode_json(body, request.headers.get("content-type"), PeerOfflineUpload)
    answer = await peer_offline.take_from_peer(caller, data, store=store, settings=settings, now=now)
    body = msgspec.json.encode(answer)
    headers = {**federation.signed_answer(body, caller, keyring=keyring, now=now), "Cache-Control": "no-store"}
    response: Response[Any] = Response(content=body, media_type="application/json", headers=headers)
    return response


ROUTES = [peer_verify, peer_offline_results]
