"""The OAuth wire: RFC 6749 error answers, form bodies, secrets and their hashes, the issuer's address."""

from __future__ import annotations

import base64
import hashlib
import secrets
import urllib.parse
from typing import Any

from backend.lib.settings import PRODUCTION_ENVS, Settings

# Any origin may call the protocol endpoints from a browser (a single-page relying party with
# oidc-client-ts): every one of them is authenticated by what it carries, never by a cookie.
CORS = {"Access-Control-Allow-Origin": "*"}
CORS_PREFLIGHT = {
    **CORS,
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type",
    "Access-Control-Max-Age": "600",
}


class OAuthError(Exception):
    """An error answer of RFC 6749 section 5.2 (`{"error", "error_description"}`), RFC 8628 or RFC 6750."""

    def __init__(
        self, error: str, description: str, status: int = 400, *, bearer: bool = False, retry_after: int | None = None
    ) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status
        self.bearer = bearer  # a userinfo refusal: WWW-Authenticate: Bearer (RFC 6750 section 3)
        self.retry_after = retry_after  # a rate limit: Retry-After (seconds)

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}

    def headers(self) -> dict[str, str]:
        headers = dict(CORS)
        if self.bearer:
            headers["WWW-Authenticate"] = f'Bearer error="{self.error}", error_description="{self.description}"'
        elif self.status == 401:
            headers["WWW-Authenticate"] = 'Basic realm="yikatong"'
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        return headers


def form(body: bytes, content_type: str | None) -> dict[str, str]:
    """An application/x-www-form-urlencoded body as a dict: a parameter sent twice, or any other
    media type, is `invalid_request` (RFC 6749 section 3.2)."""
    if (content_type or "").split(";", 1)[0].strip().lower() != "application/x-www-form-urlencoded":
        raise OAuthError("invalid_request", "Send the parameters as application/x-www-form-urlencoded.")
    try:
        pairs = urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=40)
    except (UnicodeDecodeError, ValueError):
        raise OAuthError("invalid_request", "The form body cannot be read.") from None
    params: dict[str, str] = {}
    for name, value in pairs:
        if name in params:
            raise OAuthError("invalid_request", f"The parameter {name} is sent more than once.")
        if "\x00" in value or len(value) > 2000:
            raise OAuthError("invalid_request", f"The parameter {name} is not acceptable.")
        params[name] = value
    return params


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """(client_id, secret) of an `Authorization: Basic` header (RFC 6749 2.3.1: both form-urlencoded)."""
    if not header or header[:6].lower() != "basic ":
        return None
    try:
        raw = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise OAuthError("invalid_client", "The Basic credentials cannot be read.", 401) from None
    user, sep, password = raw.partition(":")
    if not sep:
        raise OAuthError("invalid_client", "The Basic credentials cannot be read.", 401)
    return urllib.parse.unquote_plus(user), urllib.parse.unquote_plus(password)


def new_secret(prefix: str, nbytes: int = 32) -> str:
    return prefix + secrets.token_urlsafe(nbytes)


def digest(secret: str) -> str:
    """SHA-256 hex of a high-entropy secret (codes, tokens, client secrets): enough to find and
    compare it, useless to whoever reads the table."""
    return hashlib.sha256(secret.encode()).hexdigest()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def issuer(settings: Settings, origin: str) -> str:
    """The issuer identifier and base of every endpoint: settings.oidc_issuer, else public_url, else
    (outside production) the request's own origin."""
    chosen = settings.oidc_issuer or settings.public_url
    if not chosen:
        if settings.env in PRODUCTION_ENVS:  # settings refuse to start so; kept as a last guard
            raise OAuthError("server_error", "The issuer is not configured.", 500)
        chosen = origin
    return chosen.rstrip("/")


def origin_of(scope: Any) -> str:
    """scheme://host[:port] of the request, from its Host header."""
    headers = dict(scope.get("headers") or [])
    host = headers.get(b"host", b"localhost").decode("latin-1")
    return f"{scope.get('scheme', 'http')}://{host}"


def with_params(uri: str, params: dict[str, str]) -> str:
    """`uri` with `params` added to its query (RFC 6749 4.1.2: keep the redirect URI's own query)."""
    parts = urllib.parse.urlsplit(uri)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    query += [(k, v) for k, v in params.items() if v != ""]
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, urllib.parse.urlencode(query), ""))
