"""HTTP routes: this region's signed trust list, imported regions (operators), merged trust (scanners), revocations for peers."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, patch, post
from litestar.datastructures import ResponseHeader
from litestar.params import Parameter

from backend.federation import imports, inbound, trust_list
from backend.federation.schemas import (
    MergedTrust,
    PeerRevocations,
    RegionCreate,
    RegionList,
    RegionOut,
    RegionPatch,
    SelfOut,
)
from backend.keys.keyring import Keyring
from backend.lib.auth import PROVINCIAL, Principal, requires, scanner_only
from backend.lib.headers import cacheable
from backend.lib.openapi import error, errors
from backend.lib.settings import Settings
from backend.lib.store import Store

operator = [requires(PROVINCIAL)]
RegionPath = Annotated[str, Parameter(pattern=r"^[1-9][0-9]0000$", description="The imported region's code.")]
ERRORS = {403: error("Provincial operators only.")}
# Peers poll the list; five minutes of caching is far below its one-day next_update.
CACHE_CONTROL = "public, max-age=300"


@get(
    trust_list.PATH,
    summary="This region's signed trust list",
    description=(
        "A compact JWS (`application/jose`) signed by this region's federation root key (EdDSA, Ed25519), its public "
        "key in the protected header's `jwk`. The payload names the region, its issuer keys (the JWK Set's keys), "
        "retired formats, its server-to-server keys (`peer_keys`) and its federation endpoints. A verifier checks the "
        "`jwk`'s RFC 7638 thumbprint against the fingerprint exchanged out of band before anything else "
        "(docs/federation.md). Public, cacheable for 5 minutes; no personal data."
    ),
    tags=["federation"],
    opt=cacheable(),
    response_headers=[ResponseHeader(name="Cache-Control", description=CACHE_CONTROL, documentation_only=True)],
    media_type=trust_list.MEDIA_TYPE,
)
async def get_trust_list(request: Request[Any, Any, Any], keyring: Keyring, settings: Settings, now: int) -> Response[str]:
    base = settings.public_url or str(request.base_url)
    text = trust_list.sign(keyring, trust_list.payload(keyring, settings, base, now))
    headers = {"Cache-Control": CACHE_CONTROL, "Access-Control-Allow-Origin": "*"}
    return Response(content=text, media_type=trust_list.MEDIA_TYPE, headers=headers)


@get(
    "/api/v1/federation/self",
    summary="This region, as others import it",
    description=(
        "This region's code, names, root fingerprint (the RFC 7638 thumbprint of the key that signs its trust list) "
        "and trust-list URL: what its operators give another region's out of band (docs/federation.md). Public: it "
        "is what others are told; a region importing this one checks the fingerprint it was given, never this answer."
    ),
    tags=["federation"],
)
async def get_self(request: Request[Any, Any, Any], keyring: Keyring, settings: Settings) -> SelfOut:
    base = (settings.public_url or str(request.base_url)).rstrip("/")
    return SelfOut(
        code=settings.region_code,
        name=settings.region_name,
        name_en=settings.region_name_en,
        fingerprint=trust_list.root_fingerprint(keyring),
        trust_list_url=base + trust_list.PATH,
    )


@get(
    "/api/v1/federation/regions",
    summary="Imported regions",
    description="Every region imported here, with the state of its trust list (`fresh`, `last_error`) and revocations.",
    tags=["federation"],
    guards=operator,
    responses=ERRORS,
)
async def list_regions(settings: Settings, now: int) -> RegionList:
    return RegionList(items=await imports.list_regions(settings, now))


@post(
    "/api/v1/federation/regions",
    summary="Import a region",
    description=(
        "Trust another region's cards here: its code, its root key's fingerprint (exchanged out of band), its trust "
        "list's URL, the scenarios that accept its cards and what its codes may disclose. The list is fetched and "
        "verified at once and its revocations pulled (until they are, and whenever they are older than the grace period, its "
        "codes are not served to scanners: `revocations_fresh`), then refreshed every `federation_refresh_seconds`."
    ),
    tags=["federation"],
    guards=operator,
    status_code=201,
    responses={
        **ERRORS,
        409: error("`federation.region_exists`."),
        422: error(
            "`federation.fingerprint_mismatch`, `federation.bad_trust_list`, `federation.region_mismatch`, "
            "`federation.expired_trust_list`, `federation.unknown_scenario`, `federation.own_region`, `federation.insecure_url`, "
            "`federation.unreachable` (the list at the URL given could not be fetched: a 4xx, since 5xx means our own fault)."
        ),
    },
)
async def add_region(
    request: Request[Principal, Any, Any], data: RegionCreate, keyring: Keyring, settings: Settings, now: int
) -> RegionOut:
    return await imports.add_region(data, by=request.user.id, keyring=keyring, settings=settings, now=now)


@get(
    "/api/v1/federation/regions/{code:str}",
    summary="One imported region",
    description="The region's import and the state of its trust list and revocations.",
    tags=["federation"],
    guards=operator,
    responses={**ERRORS, **errors(e404="`federation.unknown_region`.")},
)
async def get_region(code: RegionPath, settings: Settings, now: int) -> RegionOut:
    return await imports.get_region(code, settings, now)


@patch(
    "/api/v1/federation/regions/{code:str}",
    summary="Change an imported region",
    description=(
        "Change names, scenarios, disclosure, status (`suspended`: its cards are refused here at once) or, for a key "
        "change announced out of band, the fingerprint or URL (checked at the next refresh)."
    ),
    tags=["federation"],
    guards=operator,
    responses={
        **ERRORS,
        **errors(e404="`federation.unknown_region`.", e422="`federation.unknown_scenario`, `federation.insecure_url`."),
    },
)
async def update_region(
    request: Request[Principal, Any, Any], code: RegionPath, data: RegionPatch, keyring: Keyring, settings: Settings, now: int
) -> RegionOut:
    return await imports.update_region(code, data, by=request.user.id, keyring=keyring, settings=settings, now=now)


@post(
    "/api/v1/federation/regions/{code:str}/refresh",
    summary="Refresh a region's trust list now",
    description=(
        "Fetch and verify the region's list again and pull its revocations. A list that fails a check is refused and "
        "the old one kept: the answer's `last_error` says why (200 either way)."
    ),
    tags=["federation"],
    guards=operator,
    status_code=200,
    responses={**ERRORS, **errors(e404="`federation.unknown_region`.")},
)
async def refresh_region(code: RegionPath, keyring: Keyring, settings: Settings, now: int) -> RegionOut:
    return await imports.refresh(code, keyring=keyring, settings=settings, now=now)


@get(
    "/api/v1/federation/trust",
    summary="Other regions' trust for scanners",
    description=(
        "For each active imported region with a fresh list: its issuer keys, retired formats, the scenarios its cards "
        "are accepted for, what they may disclose, and its revocations (as our own list's maps). A YKD2 code's region "
        "field picks the entry; no entry means `region_not_trusted`. Scanner credentials only; never cached."
    ),
    tags=["federation", "verification"],
    guards=[scanner_only],
    responses=ERRORS,
)
async def merged_trust(settings: Settings, now: int) -> Response[MergedTrust]:
    return Response(await imports.merged_trust(settings, now), headers={"Cache-Control": "no-store"})


@get(
    "/api/v1/federation/revocations",
    summary="Revocations, for another region's server",
    description=(
        "Callable only by an imported, active region: an RFC 9421-signed request (docs/federation.md). `since=0` or "
        "none: the full list; `since=V`: the changes after V (kinds card, device, credential). The answer is signed "
        "by our peer key over its status, Content-Digest and the request's nonce (`Yk-Request-Nonce`)."
    ),
    tags=["federation"],
    responses=errors(e401="`federation.bad_signature`.", e403="`federation.unknown_region`."),
)
async def peer_revocations(
    request: Request[Any, Any, Any],
    keyring: Keyring,
    settings: Settings,
    store: Store,
    now: int,
    # Checked only after the signature (inbound._since): the document states the rule, Litestar does not enforce it.
    since: Annotated[
        str | None,
        Parameter(
            description="The version you hold (0 or none: the full list).",
            schema_extra={"pattern": inbound.SINCE_PATTERN, "max_length": 10},
        ),
    ] = None,
) -> Response[PeerRevocations]:
    uri = inbound.target_uri(settings, str(request.url), request.url.path, request.url.query)
    caller = await inbound.authenticate(
        request.method, uri, dict(request.headers), await request.body(), store=store, settings=settings, now=now
    )
    body = await inbound.revocations(since, now)
    headers = {**inbound.signed_answer(body, caller, keyring=keyring, now=now), "Cache-Control": "no-store"}
    answer: Response[Any] = Response(content=body, media_type="application/json", headers=headers)
    return answer


ROUTES = [
    get_trust_list,
    get_self,
    list_regions,
    add_region,
    get_region,
    update_region,
    refresh_region,
    merged_trust,
    peer_revocations,
]
