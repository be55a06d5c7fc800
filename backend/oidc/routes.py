"""The OpenID provider's protocol endpoints (/oauth/*, discovery) and the feature's ROUTES.

Their contract is OAuth 2.0 / OpenID Connect's, not this API's: form bodies, RFC 6749 error
objects (`{"error", "error_description"}`), described by the discovery document and docs/oidc.md.
So they stay out of the OpenAPI document (whose every error is the service's ErrorResponse).
"""

from __future__ import annotations

import html
import urllib.parse
from typing import Any

from litestar import Request, Response, Router, get, route
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import HTTPException

from backend.keys.keyring import Keyring
from backend.lib.auth import OWN_AUTH_OPT
from backend.lib.headers import cacheable
from backend.lib.settings import Settings
from backend.lib.store import Store
from backend.oidc import authorize, device, discovery, protocol, tokens
from backend.oidc.protocol import CORS, CORS_PREFLIGHT, OAuthError
from backend.oidc.routes_parties import ROUTES as MANAGE_ROUTES
from backend.oidc.routes_signins import ROUTES as ME_ROUTES

TAGS = ["openid connect"]
# The client's own credentials (Basic) or an access token (Bearer): never an account's token.
OWN_AUTH = {OWN_AUTH_OPT: True}
PUBLIC_CACHE = "public, max-age=300"


def _issuer(request: Request[Any, Any, Any], settings: Settings) -> str:
    return protocol.issuer(settings, protocol.origin_of(request.scope))


def _address(request: Request[Any, Any, Any]) -> str | None:
    return request.client.host if request.client else None


def _oauth_error(_: Request[Any, Any, Any], exc: OAuthError) -> Response[Any]:
    return Response(content=exc.body(), status_code=exc.status, headers=exc.headers(), media_type="application/json")


def _page(error: authorize.NoRedirect, accept: str) -> Response[Any]:
    """An authorization error shown where it happened, not sent to an unverified redirect URI."""
    if "text/html" not in accept:
        return Response(content={"error": error.error, "error_description": error.description}, status_code=400)
    body = (
        "<!doctype html><html lang='en'><meta charset='utf-8'><title>Sign-in error</title>"
        f"<h1>This sign-in cannot continue</h1><p>{html.escape(error.description)}</p>"
        f"<p><code>{html.escape(error.error)}</code></p><p>Go back to the site and try again.</p></html>"
    )
    return Response(content=body, status_code=400, media_type="text/html")


@get(
    "/.well-known/openid-configuration",
    tags=TAGS,
    summary="OpenID provider discovery document",
    description="OpenID Connect Discovery 1.0 metadata: endpoints, scopes, claims, algorithms. Public and cacheable.",
    opt={**cacheable(), **OWN_AUTH},
    include_in_schema=False,
    exception_handlers={OAuthError: _oauth_error},
)
async def configuration(request: Request[Any, Any, Any], settings: Settings) -> Response[dict[str, Any]]:
    doc = discovery.document(_issuer(request, settings))
    return Response(content=doc, headers={**CORS, "Cache-Control": PUBLIC_CACHE})


@get(
    "/jwks",
    tags=TAGS,
    summary="ID token signing keys",
    description="The RS256 key(s) that sign ID tokens, as a JWK Set. Public and cacheable.",
    opt={**cacheable(), **OWN_AUTH},
    sync_to_thread=False,
)
def jwks(keyring: Keyring) -> Response[dict[str, Any]]:
    return Response(content=discovery.jwks(keyring), headers={**CORS, "Cache-Control": PUBLIC_CACHE})


def _http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """What the framework refuses on /oauth/* (a body over the size limit: 413) in OAuth's shape too."""
    status = exc.status_code if 400 <= exc.status_code < 500 else 500
    error = OAuthError("invalid_request" if status < 500 else "server_error", str(exc.detail) or "Bad request.", status)
    return _oauth_error(_, error)


@route(
    "/authorize",
    http_method=["GET", "POST"],
    tags=TAGS,
    summary="Authorization endpoint",
    description="Authorization code flow with PKCE S256; the parameters in the query (GET) or a form body (POST, "
    "OIDC Core 3.1.2.1). 303 to the wallet's consent screen; errors after a valid redirect_uri go back to it, before "
    "one they are shown here (400).",
    opt=OWN_AUTH,
    cache_control=CacheControlHeader(no_store=True),
    status_code=303,
)
async def authorization(
    request: Request[Any, Any, Any], body: bytes, settings: Settings, store: Store, now: int
) -> Response[Any]:
    params: dict[str, str] = {}
    repeated: set[str] = set()
    pairs: list[tuple[str, str]] = list(request.query_params.multi_items())
    if request.method == "POST":
        media = (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
        if media != "application/x-www-form-urlencoded":
            error = authorize.NoRedirect("invalid_request", "POST the parameters as application/x-www-form-urlencoded.")
            return _page(error, request.headers.get("accept", ""))
        try:
            pairs = urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=40)
        except (UnicodeDecodeError, ValueError):
            return _page(
                authorize.NoRedirect("invalid_request", "The form body cannot be read."), request.headers.get("accept", "")
            )
    for name, value in pairs:
        if name in params:
            repeated.add(name)
        params.setdefault(name, str(value)[:2000])
    issuer = _issuer(request, settings)
    try:
        outcome = await authorize.start(params, repeated, issuer, store, _address(request), now)
    except authorize.NoRedirect as error:
        return _page(error, request.headers.get("accept", ""))
    return Response(content=b"", status_code=303, headers={"Location": outcome.location})


@route(
    "/token",
    http_method=["POST"],
    tags=TAGS,
    summary="Token endpoint",
    description="grant_type authorization_code (with code_verifier) or urn:ietf:params:oauth:grant-type:device_code.",
    opt=OWN_AUTH,
    status_code=200,
)
async def token(request: Request[Any, Any, Any], body: bytes, keyring: Keyring, settings: Settings, now: int) -> Response[Any]:
    params = protocol.form(body, request.headers.get("content-type"))
    answer = await tokens.exchange(
        params, request.headers.get("authorization"), keyring, settings, _issuer(request, settings), now
    )
    return Response(content=answer, headers={**CORS, "Pragma": "no-cache"})


@route(
    "/userinfo",
    http_method=["GET", "POST"],
    tags=TAGS,
    summary="UserInfo endpoint",
    description="The claims of the access token's scopes (Bearer). Each read is on the holder's access record.",
    opt=OWN_AUTH,
    status_code=200,
)
async def userinfo(request: Request[Any, Any, Any], body: bytes, keyring: Keyring, settings: Settings, now: int) -> Response[Any]:
    header = request.headers.get("authorization") or ""
    bearer = header[7:].strip() if header[:7].lower() == "bearer " else None
    found = await tokens.userinfo(bearer, keyring, settings, now)
    return Response(content=found, headers=CORS)


@route(
    "/device_authorization",
    http_method=["POST"],
    tags=TAGS,
    summary="Device authorization endpoint (RFC 8628)",
    description="Scan to sign in: a device_code for the terminal and a user_code / QR URL for the holder's wallet.",
    opt=OWN_AUTH,
    status_code=200,
)
async def device_authorization(
    request: Request[Any, Any, Any], body: bytes, settings: Settings, store: Store, now: int
) -> Response[Any]:
    params = protocol.form(body, request.headers.get("content-type"))
    answer = await device.start(
        params, request.headers.get("authorization"), _issuer(request, settings), settings, store, _address(request), now
    )
    return Response(content=answer, headers=CORS)


@route(
    "/revoke",
    http_method=["POST"],
    tags=TAGS,
    summary="Token revocation (RFC 7009)",
    description="Revokes the client's own access token; 200 also for an unknown token.",
    opt=OWN_AUTH,
    status_code=200,
)
async def revocation(request: Request[Any, Any, Any], body: bytes, now: int) -> Response[Any]:
    params = protocol.form(body, request.headers.get("content-type"))
    await tokens.revoke(params, request.headers.get("authorization"), now)
    return Response(content=b"", headers=CORS)


@route(
    ["/token", "/userinfo", "/device_authorization", "/revoke", "/jwks"],
    http_method=["OPTIONS"],
    tags=TAGS,
    summary="CORS preflight",
    description="Lets a browser relying party call the endpoint with Authorization and Content-Type headers.",
    opt=OWN_AUTH,
    status_code=200,  # the Response below says 204; Litestar refuses a 204 handler that returns a Response
    sync_to_thread=False,
)
def preflight() -> Response[Any]:
    return Response(content=b"", status_code=204, headers=CORS_PREFLIGHT)


OAUTH = Router(
    path="/oauth",
    # The preflight first: Litestar adds its own OPTIONS handler (without CORS headers) to a path
    # registered before an explicit one exists, and that one would answer instead.
    route_handlers=[preflight, jwks, authorization, token, userinfo, device_authorization, revocation],
    exception_handlers={OAuthError: _oauth_error, HTTPException: _http_error},
    include_in_schema=False,
)

ROUTES = [configuration, OAUTH, *ME_ROUTES, *MANAGE_ROUTES]
