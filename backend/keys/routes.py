"""GET /.well-known/jwks.json: the public trust list of issuer signing keys."""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec
from litestar import Request, Response, get
from litestar.datastructures import ResponseHeader
from litestar.openapi import ResponseSpec

from backend.keys.keyring import Keyring
from backend.keys.schemas import JwkSet
from backend.keys.trust import jwk_set
from backend.lib.headers import cacheable
from backend.lib.settings import Settings

# Verifiers poll this; five minutes of caching is far shorter than any key's overlap period
# (a retired key stays published for the lifetime of the credentials it signed).
CACHE_CONTROL = "public, max-age=300"


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison of If-None-Match (a list of tags, or *) against our tag."""
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == etag:
            return True
    return False


def _not_modified(headers: dict[str, str]) -> Response[Any]:
    # A 304 has no body; typed Any so the route keeps declaring its 200 body as JwkSet alone.
    return Response(content=None, status_code=304, headers=headers)


@get(
    "/.well-known/jwks.json",
    summary="Issuer keys (JWK Set)",
    description=(
        "The public keys that sign offline credentials, as a JWK Set (RFC 7517/8037): Ed25519 (`kty` OKP, `alg` EdDSA) "
        "and SM2 (`kty` EC, `crv` SM2, `alg` SM2SM3). `yk_retired_formats` says from when YKD1 codes are refused. "
        "Public, no sign-in. It lists the signing key and every retired key whose credentials may "
        "still be valid (`yk_publish_until`); a key revoked before its time is never in `keys` and is "
        "named under `yk_revoked` instead. Cacheable for 5 minutes; send `If-None-Match` with the "
        "last `ETag` to get 304 when nothing changed. Online-code secrets are never published."
    ),
    tags=["keys"],
    sync_to_thread=False,
    opt=cacheable(),  # public, no personal data: keeps its Cache-Control (lib/headers.py)
    response_headers=[
        ResponseHeader(name="ETag", description="Changes whenever the key set changes.", documentation_only=True),
        ResponseHeader(name="Cache-Control", description=CACHE_CONTROL, documentation_only=True),
    ],
    responses={304: ResponseSpec(data_container=None, description="The key set still has this ETag.")},
)
def get_jwks(request: Request[Any, Any, Any], keyring: Keyring, now: int, settings: Settings) -> Response[JwkSet]:
    doc = jwk_set(keyring, now, v1_retire_at=settings.offline_v1_retire_at)
    body = msgspec.json.encode(doc)
    etag = _etag(body)
    # Any origin may fetch the trust list: other regions' verifiers must trust our cards (Art. 4).
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Access-Control-Allow-Origin": "*"}
    if _matches(request.headers.get("if-none-match"), etag):
        return _not_modified(headers)
    return Response(content=doc, headers=headers)


ROUTES = [get_jwks]
