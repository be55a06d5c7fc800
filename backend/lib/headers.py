"""Security headers on every answer, and Cache-Control: no-store unless a route declares itself public."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from litestar.types import Message, Scope

# Route `opt` for routes that set their own public Cache-Control (see cacheable()).
CACHEABLE_OPT = "yk_cacheable"
# Route `opt` for the routers that serve the PWAs' files (backend/pwa_static.py): their documents
# run our scripts, so they get the page policy instead of the API's "nothing at all".
PAGE_OPT = "yk_page"

# API answers are data, never documents: nothing may load, run or frame them.
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# The PWAs: scripts, styles and everything else from this origin only, no inline code of any
# kind (no `unsafe-inline`, no `unsafe-eval`). data: images are the TOTP enrolment QR (an SVG
# the server drew). Service workers and manifests are ours too.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; media-src 'self'; manifest-src 'self'; worker-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# The scanner's pages: the same, plus compiling WebAssembly (its QR decoder is ZXing-C++ as
# wasm, docs/decoders.md; Chromium refuses WebAssembly.instantiate without this). The keyword
# allows WebAssembly compilation only: still no eval(), no new Function(), no inline code, and
# scripts and fetched bytes come from 'self' alone. Only the scanner and the wallet (its 扫一扫, issue 19) get it.
SCANNER_CSP = PAGE_CSP.replace("script-src 'self';", "script-src 'self' 'wasm-unsafe-eval';")
# The API reference (Litestar's Swagger UI page): its script and style are swagger-ui-dist from
# node_modules (/vendor/, never a CDN, so it works without the internet), and it starts with an
# inline script that embeds the schema. Only /schema gets this; it shows no personal data and
# echoes nothing from the request.
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# Powerful features nobody here needs; the camera only on the scanner's and the wallet's pages.
_DENIED = "microphone=(), geolocation=(), payment=(), usb=()"
NO_CAMERA = f"camera=(), {_DENIED}"
CAMERA = f"camera=(self), {_DENIED}"
# One year. Not includeSubDomains nor preload: other hosts of the domain are not ours to commit.
HSTS = "max-age=31536000"

_REPLACED = {
    b"content-security-policy",
    b"x-content-type-options",
    b"x-frame-options",
    b"referrer-policy",
    b"permissions-policy",
    b"strict-transport-security",
}
_CACHE_CONTROL = b"cache-control"
_NO_STORE = (_CACHE_CONTROL, b"no-store")


def cacheable() -> dict[str, Any]:
    """Route `opt`: the answers hold no personal data and carry their own Cache-Control (e.g.
    the trust list's). The other way to opt in is `cache_control=CacheControlHeader(public=True)`."""
    return {CACHEABLE_OPT: True}


def page(*, camera: bool = False) -> dict[str, Any]:
    """Route `opt` for routers serving PWA files; `camera` for the scanner's."""
    return {PAGE_OPT: "camera" if camera else "plain"}


class Policy(msgspec.Struct, frozen=True):
    """What a route's answers carry: the security headers, and whether caches may keep them."""

    headers: tuple[tuple[bytes, bytes], ...]
    cacheable: bool


def _declares_public(handler: Any) -> bool:
    """True when the route is marked cacheable(), or it (or the closest layer above it that
    says anything) declares `cache_control=CacheControlHeader(public=True, ...)`: the two
    explicit ways to opt in to caching."""
    if handler.opt.get(CACHEABLE_OPT):
        return True
    for layer in reversed(getattr(handler, "ownership_layers", ())):
        declared = getattr(layer, "cache_control", None)
        if declared is not None:
            return bool(declared.public) and not declared.no_store and not declared.private
    return False


def route_policy(handler: Any, *, docs_prefix: str, behind_tls: bool = False) -> Policy:
    """The headers for one route handler (None: the request matched no route)."""
    kind = handler.opt.get(PAGE_OPT) if handler is not None else None
    # Litestar mounts the API reference as a router at the OpenAPI path (/schema).
    routers = [getattr(layer, "path", "") or "" for layer in getattr(handler, "ownership_layers", ())]
    if kind:
        csp = SCANNER_CSP if kind == "camera" else PAGE_CSP
    elif any(path.startswith(docs_prefix) for path in routers) and getattr(handler, "media_type", "") == "text/html":
        csp = DOCS_CSP
    else:
        csp = API_CSP
    headers = [
        (b"content-security-policy", csp.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),  # frame-ancestors for browsers that predate it
        (b"referrer-policy", b"no-referrer"),
        (b"permissions-policy", (CAMERA if kind == "camera" else NO_CAMERA).encode()),
    ]
    if behind_tls:
        headers.append((b"strict-transport-security", HSTS.encode()))
    return Policy(tuple(headers), cacheable=handler is not None and _declares_public(handler))


BeforeSend = Callable[[Message, Scope], Awaitable[None]]


def security_headers(*, behind_tls: bool, docs_prefix: str = "/schema") -> BeforeSend:
    """A `before_send` hook: Litestar calls it for every message of every answer (routed or
    not, handler or exception handler, static file or 404), so no answer can miss the headers.

    Every answer gets `Cache-Control: no-store` (replacing what it set), unless its route
    declared itself public and the answer carries its own Cache-Control: personal data is
    never cached by accident, and an error on a public route is not cached either.
    """
    policies: dict[int, tuple[Any, Policy]] = {}  # by route handler: they live as long as the app
    unrouted = route_policy(None, docs_prefix=docs_prefix, behind_tls=behind_tls)

    async def hook(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        handler = scope.get("route_handler")
        if handler is None:
            policy = unrouted
        else:
            known = policies.get(id(handler))
            if known is None or known[0] is not handler:
                known = policies[id(handler)] = (handler, route_policy(handler, docs_prefix=docs_prefix, behind_tls=behind_tls))
            policy = known[1]
        kept = []
        has_cache_control = False
        for name, value in message.get("headers", ()):
            lowered = name.lower()
            if lowered in _REPLACED:
                continue
            if lowered == _CACHE_CONTROL:
                if not policy.cacheable:
                    continue
                has_cache_control = True
            kept.append((name, value))
        if not has_cache_control:
            kept.append(_NO_STORE)
        kept.extend(policy.headers)
        message["headers"] = kept

    return hook
