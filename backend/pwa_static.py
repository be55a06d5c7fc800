"""Serves the wallet and scanner PWAs, their shared modules and a few allow-listed npm files."""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path
from typing import Any

from litestar import Request, Router, get
from litestar.datastructures import CacheControlHeader
from litestar.file_system import BaseLocalFileSystem
from litestar.response import Redirect
from litestar.static_files import create_static_files_router
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

# no-cache = "revalidate before use": the service workers give the offline copy, so the
# network copy must never be stale (a new sw.js or app.js takes effect on the next load).
# public: these files hold no personal data, the explicit opt-out of no-store (lib/headers.py).
NO_CACHE = CacheControlHeader(public=True, no_cache=True)


class LocalFileSystem(BaseLocalFileSystem):
    """The local file system, where a name the operating system cannot look up (over 255 bytes:
    ENAMETOOLONG, a path too deep: ELOOP) is a file that does not exist, 404, not Litestar's 500."""

    async def info(self, path: Any, **kwargs: Any) -> Any:
        try:
            return await super().info(path, **kwargs)
        except FileNotFoundError:
            raise
        except OSError as exc:
            # PermissionError is an OSError too: a file we cannot read is not served either.
            raise FileNotFoundError(path) from exc


class AllowListFileSystem(LocalFileSystem):
    """A local file system that only admits the vendor allow-list (as absolute paths)."""

    def __init__(self, allowed: dict[str, str], base: Path) -> None:
        self._base = base
        self._allowed = {str((base / target).resolve()) for target in allowed.values()}
        self._by_public = {public: base / target for public, target in allowed.items()}

    async def info(self, path: Any, **kwargs: Any) -> Any:
        mapped = self._map(str(path))
        if mapped is None:
            raise FileNotFoundError(path)
        return await super().info(mapped, **kwargs)

    async def open(self, file: Any, mode: str, buffering: int = -1) -> Any:
        mapped = self._map(str(file))
        if mapped is None:
            raise FileNotFoundError(file)
        return await super().open(mapped, mode, buffering)

    def _map(self, path: str) -> Path | None:
        # The router joins the request path onto the base directory; map public names onto
        # their real location and refuse anything not listed.
        try:
            relative = Path(path).resolve().relative_to(self._base.resolve()).as_posix()
        except (ValueError, OSError):
            return None
        target = self._by_public.get(relative)
        if target is None or str(target.resolve()) not in self._allowed:
            return None
        return target


def _app_router(name: str) -> Router:
    return create_static_files_router(
        path=f"/{name}",
        directories=[PWA_DIR / name],
        html_mode=True,
        file_system=LocalFileSystem(),
        name=f"pwa-{name}",
        cache_control=NO_CACHE,
        include_in_schema=False,
        before_request=_add_slash,
        opt=page(camera=name == "scanner"),  # the camera is for the scanner only
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


def _vendor_router() -> Router:
    return create_static_files_router(
        path="/vendor",
        directories=[NODE_MODULES],
        file_system=AllowListFileSystem(VENDOR_FILES, NODE_MODULES),
        name="pwa-vendor",
        cache_control=NO_CACHE,
        opt=page(),
        include_in_schema=False,
        resolve_symlinks=False,
    )


def _shared_router() -> Router:
    return create_static_files_router(
        path="/shared",
        directories=[PWA_DIR / "shared"],
        file_system=LocalFileSystem(),
        name="pwa-shared",
        cache_control=NO_CACHE,
        opt=page(),
        include_in_schema=False,
    )


ROUTES: list[ControllerRouterHandler] = [
    root_redirect,
    _app_router("wallet"),
    _app_router("scanner"),
    _app_router("catalog"),  # the public application catalog page (no service worker)
    _app_router("console"),  # the staff console (issue 15)
    _shared_router(),
    _vendor_router(),
]
