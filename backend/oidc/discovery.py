"""The discovery document (OpenID Connect Discovery 1.0) and the ID-token signing keys (JWKS)."""

from __future__ import annotations

import functools
from typing import Any

from joserfc.jwk import RSAKey

from backend.keys.keyring import Keyring
from backend.oidc.claims import SCOPE_CLAIMS, SCOPES

KEY_NAME = "oidc"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


@functools.lru_cache(maxsize=8)
def _private(der: bytes) -> RSAKey:
    return RSAKey.import_key(der)


def signing_key(keyring: Keyring) -> tuple[str, RSAKey]:
    """(kid, private key) of the keyring's `oidc` RS256 key."""
    named = keyring.named_key(KEY_NAME)
    return named.kid, _private(named.private)


def jwks(keyring: Keyring) -> dict[str, Any]:
    named = keyring.named_key(KEY_NAME)
    public = RSAKey.import_key(named.public).as_dict(private=False)
    return {"keys": [{**public, "kid": named.kid, "alg": "RS256", "use": "sig"}]}


def document(issuer: str) -> dict[str, Any]:
    """What a relying party's library reads first: where everything is, and what we support."""
    claims = sorted({"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce"} | {c for cs in SCOPE_CLAIMS.values() for c in cs})
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/oauth/authorize",
        "token_endpoint": f"{issuer}/oauth/token",
        "userinfo_endpoint": f"{issuer}/oauth/userinfo",
        "jwks_uri": f"{issuer}/oauth/jwks",
        "device_authorization_endpoint": f"{issuer}/oauth/device_authorization",
        "revocation_endpoint": f"{issuer}/oauth/revoke",
        "scopes_supported": list(SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", DEVICE_GRANT],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["none", "client_secret_basic", "client_secret_post"],
        "revocation_endpoint_auth_methods_supported": ["none", "client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": claims,
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "authorization_response_iss_parameter_supported": True,
        "prompt_values_supported": ["consent", "login"],
        "ui_locales_supported": ["zh-Hans", "zh-Hant", "en"],
    }
