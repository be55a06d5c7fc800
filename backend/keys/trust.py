"""The public trust list: issuer public keys as a JWK Set."""

from __future__ import annotations

import base64
import hashlib
import time
from typing import Any

import msgspec
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from backend.keys.keyring import Keyring
from backend.keys.schemas import DocumentRootJwk, Jwk, JwkSet, RevokedJwk


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwk_set(keyring: Keyring, now: int | None = None) -> JwkSet:
    """Every key that signed (or signs) credentials still valid; `nbf`/`exp` bound its signing
    period and `yk_publish_until` says how long verifiers must keep it. Revoked keys are never
    in `keys`: `yk_revoked` names them (kid, public key, when) for as long as they would have
    been listed, so a verifier that keeps keys from earlier sets knows to drop them."""
    now = int(time.time()) if now is None else now
    keys = [
        Jwk(
            kty="OKP",
            crv="Ed25519",
            x=_b64url(k.public),
            kid=k.kid,
            use="sig",
            alg="EdDSA",
            nbf=k.nbf,
            exp=k.exp,
            yk_publish_until=k.publish_until,
        )
        for k in sorted(keyring.published(now), key=lambda k: k.nbf)
    ]
    revoked = [
        RevokedJwk(kid=k.kid, x=_b64url(k.public), revoked_at=k.revoked, until=k.publish_until)
        for k in sorted(keyring.revoked, key=lambda k: k.revoked)
        if k.publish_until > now
    ]
    roots = [document_root(keyring.documents.ca_cert)] if keyring.documents is not None else []
    return JwkSet(keys=keys, yk_revoked=revoked, yk_document_roots=roots)


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


def jwks(keyring: Keyring, now: int | None = None) -> dict[str, Any]:
    """The JWK Set as plain JSON data, members in the order the route sends them: what
    `yikatong keys export-trust` writes and what codes.format.trust_from_jwks reads."""
    doc: dict[str, Any] = msgspec.to_builtins(jwk_set(keyring, now))
    return doc
