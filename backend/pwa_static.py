"""Serves the PWAs, their shared modules and a few allow-listed npm files: gzip when the browser
takes it (compressed once per file version), ETag/304, and a year's caching for versioned vendor
files (docs/static.md)."""

from __future__ import annotations

import gzip
import hashlib
import json
import mimetypes
import os
import stat
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path, PurePath
from typing import Any

import anyio.to_thread
from litestar import Request, Router, get, route
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import NotFoundException
from litestar.response import Redirect
from litestar.response.base import ASGIResponse
from litestar.types import ControllerRouterHandler

from backend.lib.headers import page

ROOT = Path(__file__).resolve().parent.parent
# YIKATONG_PWA_DIR lets the browser tests serve a copy (to publish a new service-worker version).
PWA_DIR = Path(os.environ.get("YIKATONG_PWA_DIR") or ROOT / "pwa")
NODE_MODULES = ROOT / "node_modules"

# The system's mime.types may be missing or old (no .webmanifest, .mjs as text/plain), and
# browsers refuse module scripts and manifests with a wrong type: register what we serve.
for _ext, _type in {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".css": "text/css",
    ".html": "text/html",
    ".wasm": "application/wasm",  # WebAssembly.instantiateStreaming insists on it
}.items():
    mimetypes.add_type(_type, _ext)

# Only these third-party files are reachable under /vendor/<pkg>/...; everything else in
# node_modules stays private (sources, package metadata, other packages).
VENDOR_FILES: dict[str, str] = {
    "jsqr/dist/jsQR.js": "jsqr/dist/jsQR.js",
    "qrcode-generator/qrcode.js": "qrcode-generator/dist/qrcode.js",
    "axe-core/axe.min.js": "axe-core/axe.min.js",
    # The API reference at /schema (backend/app.py), served from here rather than a CDN.
    "swagger-ui-dist/swagger-ui-bundle.js": "swagger-ui-dist/swagger-ui-bundle.js",
    "swagger-ui-dist/swagger-ui-standalone-preset.js": "swagger-ui-dist/swagger-ui-standalone-preset.js",
    "swagger-ui-dist/swagger-ui.css": "swagger-ui-dist/swagger-ui.css",
    # The scanner's QR decoder (docs/decoders.md): zxing-wasm's reader, its shared chunk and wasm.
    "zxing-wasm/dist/es/reader/index.js": "zxing-wasm/dist/es/reader/index.js",
    "zxing-wasm/dist/es/share.js": "zxing-wasm/dist/es/share.js",
    "zxing-wasm/dist/reader/zxing_reader.wasm": "zxing-wasm/dist/reader/zxing_reader.wasm",
    # SM2 with SM3 (the national suite, docs/national-crypto.md): sm-crypto-v2's self-contained
    # UMD build, loaded by pwa/shared/sm2.js (scanner verification, wallet one-time keys).
    "sm-crypto-v2/dist/index.umd.js": "sm-crypto-v2/dist/index.umd.js",
}
# @simplewebauthn/browser's ES module build (passkeys in the wallet): its entry and the modules it imports.
SIMPLEWEBAUTHN_ESM = "@simplewebauthn/browser/esm/"
for _module in (
    "index.js",
    "methods/startRegistration.js",
    "methods/startAuthentication.js",
    "methods/sendSignal.js",
    "helpers/base64URLStringToBuffer.js",
    "helpers/browserSupportsPasskeys.js",
    "helpers/browserSupportsWebAuthn.js",
    "helpers/browserSupportsWebAuthnAutofill.js",
    "helpers/bufferToBase64URLString.js",
    "helpers/getBrowserCapabilities.js",
    "helpers/identifyAuthenticationError.js",
    "helpers/identifyRegistrationError.js",
    "helpers/identifySignalError.js",
    "helpers/isValidDomain.js",
    "helpers/platformAuthenticatorIsAvailable.js",
    "helpers/toAuthenticatorAttachment.js",
    "helpers/toPublicKeyCredentialDescriptor.js",
    "helpers/webAuthnAbortService.js",
    "helpers/webAuthnError.js",
    "types/dom.js",
    "types/index.js",
):
    VENDOR_FILES[SIMPLEWEBAUTHN_ESM + _module] = SIMPLEWEBAUTHN_ESM + _module

# How each kind of file may be kept by browsers and proxies (docs/static.md).
# no-cache = "revalidate before use": the service workers give the offline copy, so the
# network copy must never be stale (a new sw.js or app.js takes effect on the next load); the
# ETag makes that revalidation a 304 without a body. These URLs name no version, so nothing
# longer is safe. public: these files hold no personal data, the explicit opt-out of no-store
# (lib/headers.py).
NO_CACHE = CacheControlHeader(public=True, no_cache=True)
# A versioned vendor URL (/vendor/<pkg>@<version>/...) never changes content: a new version of
# the package is a new URL, so browsers keep it a year without asking again.
IMMUTABLE = "public, max-age=31536000, immutable"

# Below this size the gzip framing (about 20 bytes) eats most of the gain.
MIN_COMPRESS = 512
# gzip is kept for a file only when it saves at least this share: measured per file, whatever
# its type (text saves 70-80 %, the decoder's wasm 57 %, our icons 10-40 %; a photo would
# save nothing and is then served as it is, without Vary). docs/static.md has the figures.
MIN_SAVING = 0.10


@dataclass(frozen=True, slots=True)
class Asset:
    """One file as served: its bytes, their gzip form (None: not worth it) and validators."""

    stamp: tuple[int, int, int]  # (mtime_ns, size, inode) of the file when it was read
    media_type: str
    body: bytes
    gzip: bytes | None
    etag: str  # strong, from the content: the same on every worker and after a restart
    last_modified: str
    mtime: int  # whole seconds, to compare with If-Modified-Since


def _media_type(path: Path) -> str:
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def _load(path: Path, stamp: tuple[int, int, int], mtime: float) -> Asset:
    body = path.read_bytes()
    media_type = _media_type(path)
    packed: bytes | None = None
    if len(body) >= MIN_COMPRESS:
        # Level 9 once per file version (not per request); mtime=0: the same bytes every time.
        packed = gzip.compress(body, compresslevel=9, mtime=0)
        if len(packed) > len(body) * (1 - MIN_SAVING):
            packed = None  # already dense: served as it is
    digest = hashlib.sha256(body).hexdigest()[:20]
    return Asset(
        stamp=stamp,
        media_type=media_type,
        body=body,
        gzip=packed,
        etag=f'"{digest}"',
        last_modified=formatdate(mtime, usegmt=True),
        mtime=int(mtime),
    )


class AssetCache:
    """Files read and compressed once per version (their mtime, size and inode), kept in memory.

    Everything it can hold is in the app folders and the vendor allow-list: a few megabytes.
    A changed file (a new deployment, the service-worker test publishing a new version) is
    read again on its next request."""

    def __init__(self) -> None:
        self._assets: dict[str, Asset] = {}

    async def get(self, path: Path) -> Asset | None:
        """The file as served, or None when it is not a regular file we can read."""
        try:
            st = path.stat()
        except OSError:
            # Missing, a name the system cannot look up (ENAMETOOLONG, ELOOP), unreadable: 404.
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        key = str(path)
        known = self._assets.get(key)
        if known is not None and known.stamp == stamp:
            return known
        try:
            # Reading and compressing a large file (Swagger UI: 1.5 MB) is off the event loop.
            asset = await anyio.to_thread.run_sync(_load, path, stamp, st.st_mtime)
        except OSError:
            return None
        self._assets[key] = asset
        return asset


ASSETS = AssetCache()


def accepts_gzip(header: str | None) -> bool:
    """Whether an Accept-Encoding value admits gzip (by name or `*`, with a q above zero)."""
    if not header:
        return False
    named: float | None = None
    star: float | None = None
    for part in header.split(","):
        token, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        token = token.strip().lower()
        if token in ("gzip", "x-gzip"):
            named = q
        elif token == "*":
            star = q
    chosen = named if named is not None else star
    return chosen is not None and chosen > 0


def _not_modified(request: Request[Any, Any, Any], asset: Asset) -> bool:
    """RFC 9110 §13.1: If-None-Match (weak comparison, either encoding's tag) wins over If-Modified-Since."""
    match = request.headers.get("if-none-match")
    if match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in match.split(",")}
        return "*" in tags or asset.etag in tags or _gzip_etag(asset) in tags
    since = request.headers.get("if-modified-since")
    if since:
        try:
            when = parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
        if when.tzinfo is None:
            return False
        return asset.mtime <= int(when.timestamp())
    return False


def _gzip_etag(asset: Asset) -> str:
    # Each representation has its own strong tag (RFC 9110 §8.8.3): the gzip body differs.
    return asset.etag[:-1] + '-gz"'


async def serve_file(request: Request[Any, Any, Any], path: Path, *, cache_control: str) -> ASGIResponse:
    """The file at `path` (404 when there is none), gzip when the client takes it, 304 when
    the client's copy is current. Litestar's own static files send neither gzip nor 304."""
    asset = await ASSETS.get(path)
    if asset is None:
        raise NotFoundException()
    use_gzip = asset.gzip is not None and accepts_gzip(request.headers.get("accept-encoding"))
    headers = {
        "cache-control": cache_control,
        "etag": _gzip_etag(asset) if use_gzip else asset.etag,
        "last-modified": asset.last_modified,
    }
    if asset.gzip is not None:
        headers["vary"] = "Accept-Encoding"  # caches keep the two forms apart
    if _not_modified(request, asset):
        return ASGIResponse(status_code=304, headers=headers, media_type=asset.media_type)
    body = asset.gzip if use_gzip and asset.gzip is not None else asset.body
    if use_gzip:
        headers["content-encoding"] = "gzip"
    head = request.method == "HEAD"
    if head:  # the headers GET would send, without the body
        headers["content-length"] = str(len(body))
        headers["content-type"] = asset.media_type + ("; charset=utf-8" if asset.media_type.startswith("text/") else "")
    return ASGIResponse(
        body=b"" if head else body,
        headers=headers,
        media_type=asset.media_type,
        is_head_response=head,
    )


def _inside(base: Path, relative: str) -> Path | None:
    """base/relative when it stays inside base (no `..` out of it), else None."""
    joined = os.path.normpath(os.path.join(base, relative.lstrip("/")))
    if os.path.commonpath([str(base), joined]) != str(base):
        return None
    return Path(joined)


def _app_router(name: str) -> Router:
    base = Path(os.path.normpath(PWA_DIR / name))

    @route(["/", "/{file_path:path}"], http_method=["GET", "HEAD"], name=f"pwa-{name}")
    async def app_file(request: Request[Any, Any, Any], file_path: PurePath | None = None) -> ASGIResponse:
        """A file of the app; a folder means its index.html (the app's shell at /<app>/)."""
        target = _inside(base, file_path.as_posix() if file_path else "")
        if target is None:
            raise NotFoundException()
        try:
            if stat.S_ISDIR(target.stat().st_mode):
                target = target / "index.html"
        except OSError:
            raise NotFoundException() from None  # missing, or a name too long to look up
        return await serve_file(request, target, cache_control=NO_CACHE.to_header())

    return Router(
        path=f"/{name}",
        route_handlers=[app_file],
        cache_control=NO_CACHE,  # declares the router public for lib/headers.py
        include_in_schema=False,
        before_request=_add_slash,
        # The camera (and the decoder's WebAssembly) for the scanner and the wallet's 扫一扫 (issue 19) only.
        opt=page(camera=name in ("scanner", "wallet")),
    )


@get("/", include_in_schema=False, sync_to_thread=False)
def root_redirect() -> Redirect:
    """The site root opens the citizen wallet."""
    return Redirect(path="/wallet/", status_code=302)


def _add_slash(request: Request[Any, Any, Any]) -> Redirect | None:
    """/wallet -> /wallet/: the service worker scope and relative URLs need the slash (Litestar
    routes both spellings to the same handler, so the check is on the raw path)."""
    raw = request.scope.get("raw_path") or request.scope["path"].encode()
    path = raw.decode("latin-1").split("?", 1)[0]
    if path.count("/") == 1:
        return Redirect(path=path + "/", status_code=301)
    return None


def _package_of(public: str) -> tuple[str, str]:
    """'jsqr/dist/jsQR.js' -> ('jsqr', 'dist/jsQR.js'); '@scope/pkg/a.js' -> ('@scope/pkg', 'a.js')."""
    parts = public.split("/")
    cut = 2 if parts[0].startswith("@") else 1
    return "/".join(parts[:cut]), "/".join(parts[cut:])


_versions: dict[str, tuple[int, str | None]] = {}


def installed_version(package: str) -> str | None:
    """The version in node_modules/<package>/package.json (what package-lock.json pinned), re-read
    when that file changes (an `npm ci` under a running server)."""
    manifest = NODE_MODULES / package / "package.json"
    try:
        mtime = manifest.stat().st_mtime_ns
    except OSError:
        return None
    known = _versions.get(package)
    if known is not None and known[0] == mtime:
        return known[1]
    try:
        version = json.loads(manifest.read_bytes()).get("version")
    except (OSError, ValueError):
        version = None
    version = version if isinstance(version, str) and version else None
    _versions[package] = (mtime, version)
    return version


def vendor_url(public: str) -> str:
    """The versioned URL of an allow-listed file: /vendor/<pkg>@<version>/<path>, cached for a year.
    Every reference in the apps uses this form (tests/test_static_serving.py checks them)."""
    if public not in VENDOR_FILES:
        raise KeyError(f"{public} is not in VENDOR_FILES")
    package, rest = _package_of(public)
    version = installed_version(package)
    if version is None:
        return f"/vendor/{public}"  # node_modules not installed: the unversioned name
    return f"/vendor/{package}@{version}/{rest}"


def vendor_public_name(path: str) -> tuple[str, str | None]:
    """'/vendor/jsqr@1.4.0/dist/jsQR.js' -> ('jsqr/dist/jsQR.js', '1.4.0'); unversioned: version None."""
    parts = path.removeprefix("/vendor/").lstrip("/").split("/")
    cut = 2 if parts and parts[0].startswith("@") else 1
    head = parts[cut - 1] if len(parts) >= cut else ""
    name, sep, version = head.partition("@")
    parts[cut - 1 : cut] = [name] if len(parts) >= cut else []
    return "/".join(parts), (version if sep else None)


@route("/{file_path:path}", http_method=["GET", "HEAD"], name="pwa-vendor")
async def vendor_file(request: Request[Any, Any, Any], file_path: PurePath) -> ASGIResponse:
    """An allow-listed npm file: versioned (immutable) or under its old unversioned name (no-cache).
    A version other than the installed one is 404: that URL promised other bytes."""
    public, version = vendor_public_name(file_path.as_posix())
    target = VENDOR_FILES.get(public)
    if target is None:
        raise NotFoundException()
    if version is None:
        cache_control = NO_CACHE.to_header()
    elif version == installed_version(_package_of(public)[0]):
        cache_control = IMMUTABLE
    else:
        raise NotFoundException()
    return await serve_file(request, NODE_MODULES / target, cache_control=cache_control)


def _vendor_router() -> Router:
    return Router(
        path="/vendor",
        route_handlers=[vendor_file],
        cache_control=NO_CACHE,
        opt=page(),
        include_in_schema=False,
    )


def _shared_router() -> Router:
    base = Path(os.path.normpath(PWA_DIR / "shared"))

    @route("/{file_path:path}", http_method=["GET", "HEAD"], name="pwa-shared")
    async def shared_file(request: Request[Any, Any, Any], file_path: PurePath) -> ASGIResponse:
        """A module, stylesheet or dictionary the apps share."""
        target = _inside(base, file_path.as_posix())
        if target is None:
            raise NotFoundException()
        return await serve_file(request, target, cache_control=NO_CACHE.to_header())

    return Router(path="/shared", route_handlers=[shared_file], cache_control=NO_CACHE, opt=page(), include_in_schema=False)


ROUTES: list[ControllerRouterHandler] = [
    root_redirect,
    _app_router("wallet"),
    _app_router("scanner"),
    _app_router("catalog"),  # the public application catalog page (no service worker)
    _app_router("console"),  # the staff console (issue 15)
    _app_router("verify"),  # the public statement verification page (issue 17; no service worker)
    _shared_router(),
    _vendor_router(),
]
