"""The public trust list: issuer public keys as a JWK Set."""

from __future__ import annotations

import base64
import hashlib
import time
from typing import Any

import msgspec
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from backend.keys.keyring import Keyring, SigningKey
from backend.keys.schemas import DocumentRootJwk, Jwk, JwkSet, RetiredFormats, RevokedJwk, Sm2Jwk
from backend.lib import sm2

# settings.offline_v1_retire_at's default, for callers that have no settings at hand.
V1_RETIRE_AT = 1803859200


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwk(key: SigningKey) -> Jwk | Sm2Jwk:
    """The trust list's entry for one issuer key: OKP Ed25519 or EC SM2 (x and y of the point)."""
    if key.alg == "SM2SM3":
        xy = sm2.decompress(key.public)
        return Sm2Jwk(
            crv="SM2",
            x=_b64url(xy[:32]),
            y=_b64url(xy[32:]),
            kid=key.kid,
            use="sig",
            alg="SM2SM3",
            nbf=key.nbf,
            exp=key.exp,
            yk_publish_until=key.publish_until,
        )
    return Jwk(
        crv="Ed25519",
        x=_b64url(key.public),
        kid=key.kid,
        use="sig",
        alg="EdDSA",
        nbf=key.nbf,
        exp=key.exp,
        yk_publish_until=key.publish_until,
    )


def jwk_set(keyring: Keyring, now: int | None = None, *, v1_retire_at: int = V1_RETIRE_AT) -> JwkSet:
    """Every key that signed (or signs) credentials still valid; `nbf`/`exp` bound its signing
    period and `yk_publish_until` says how long verifiers must keep it. Revoked keys are never
    in `keys`: `yk_revoked` names them (kid, public key, when) for as long as they would have
    been listed, so a verifier that keeps keys from earlier sets knows to drop them.
    `yk_retired_formats` tells scanners when YKD1 codes stop verifying (settings.offline_v1_retire_at)."""
    now = int(time.time()) if now is None else now
    keys = [jwk(k) for k in sorted(keyring.published(now), key=lambda k: (k.nbf, k.alg))]
    revoked = [
        RevokedJwk(kid=k.kid, x=_b64url(k.public), revoked_at=k.revoked, until=k.publish_until, alg=k.alg)
        for k in sorted(keyring.revoked, key=lambda k: k.revoked)
        if k.publish_until > now
    ]
    roots = [document_root(keyring.documents.ca_cert)] if keyring.documents is not None else []
    return JwkSet(keys=keys, yk_revoked=revoked, yk_document_roots=roots, yk_retired_formats=RetiredFormats(ykd1=v1_retire_at))


def document_root(der: bytes) -> DocumentRootJwk:
    """The JWK of a document CA certificate (P-256), its certificate in `x5c`."""
    public = x509.load_der_x509_certificate(der).public_key()
    if not isinstance(public, ec.EllipticCurvePublicKey):
        raise ValueError("a document CA key must be P-256")
    numbers = public.public_numbers()
    return DocumentRootJwk(
        kty="EC",
        crv="P-256",
        x=_b64url(numbers.x.to_bytes(32, "big")),
        y=_b64url(numbers.y.to_bytes(32, "big")),
        kid="doc-" + hashlib.sha256(der).hexdigest()[:16],
        use="sig",
        alg="ES256",
        x5c=[base64.b64encode(der).decode()],
    )


def jwks(keyring: Keyring, now: int | None = None, *, v1_retire_at: int = V1_RETIRE_AT) -> dict[str, Any]:
    """The JWK Set as plain JSON data, members in the order the route sends them: what
    `yikatong keys export-trust` writes and what codes.format.trust_from_jwks reads."""
    doc: dict[str, Any] = msgspec.to_builtins(jwk_set(keyring, now, v1_retire_at=v1_retire_at))
    return doc
