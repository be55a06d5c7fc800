"""Server-to-server calls between regions: RFC 9421 HTTP Message Signatures (http-message-signatures) on requests and answers."""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from http_message_signatures import (
    ContentDigest,
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    InvalidSignature,
    algorithms,
)
from http_message_signatures.exceptions import HTTPMessageSignaturesException

from backend.keys.keyring import NamedKey

LABEL = "yk"
REGION_HEADER = "Yk-Region"
NONCE_HEADER = "Yk-Request-Nonce"
COVERED_REQUEST = ("@method", "@target-uri", "content-digest", "yk-region")
COVERED_RESPONSE = ("@status", "content-digest", "yk-request-nonce")
SKEW = 60  # seconds a signature's `created` may lie either side of the callee's clock
# A request nonce is remembered this long: a request dated SKEW ahead stays acceptable until
# 2 * SKEW from now, so its nonce must outlive that (with margin).
NONCE_TTL = 3 * SKEW


class PeerAuthError(Exception):
    """A request whose signature does not hold (401 federation.bad_signature)."""


@dataclass
class _Request:
    method: str
    url: str
    headers: httpx.Headers


@dataclass
class _Response:
    status_code: int
    headers: httpx.Headers
    request: Any = None


class _Keys(HTTPSignatureKeyResolver):
    """Raw Ed25519 keys by kid: public halves to verify, the private seed to sign."""

    def __init__(self, public: Mapping[str, bytes] | None = None, private: Mapping[str, bytes] | None = None) -> None:
        self.public = dict(public or {})
        self.private = dict(private or {})

    def resolve_public_key(self, key_id: str) -> Ed25519PublicKey | None:
        raw = self.public.get(key_id)
        return Ed25519PublicKey.from_public_bytes(raw) if raw is not None else None

    def resolve_private_key(self, key_id: str) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.private[key_id])


class _Verifier(HTTPMessageVerifier):
    max_clock_skew = dt.timedelta(seconds=SKEW)


def _created(now: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(now, dt.UTC)


def sign_request(method: str, url: str, body: bytes, *, region: str, key: NamedKey, now: int) -> tuple[dict[str, str], str]:
    """The headers of a signed call (Content-Digest, Yk-Region, Signature-Input, Signature) and its nonce."""
    nonce = secrets.token_urlsafe(18)
    headers = httpx.Headers({REGION_HEADER: region})
    ContentDigest.add(headers, body)
    signer = HTTPMessageSigner(signature_algorithm=algorithms.ED25519, key_resolver=_Keys(private={key.kid: key.private}))
    signer.sign(
        _Request(method, url, headers),
        key_id=key.kid,
        created=_created(now),
        nonce=nonce,
        label=LABEL,
        covered_component_ids=COVERED_REQUEST,
        use_existing_digest=True,
    )
    return dict(headers.items()), nonce


@dataclass(frozen=True)
class SignedRequest:
    """What a valid request signature proved: the key that made it and its nonce."""

    keyid: str
    nonce: str


def verify_request(
    method: str, url: str, headers: Mapping[str, str], body: bytes, keys: Mapping[str, bytes], *, now: int | None = None
) -> SignedRequest:
    """Check a call's signature with the caller region's peer keys (from its verified trust list):
    label `yk`, the four covered components, `created` within SKEW, a nonce, the body's digest.
    The nonce's single use is the caller's (the store). PeerAuthError otherwise."""
    message = _Request(method, url, httpx.Headers(list(headers.items())))
    try:
        results = _Verifier(signature_algorithm=algorithms.ED25519, key_resolver=_Keys(public=keys)).verify(
            message, max_age=dt.timedelta(seconds=SKEW), require_components=COVERED_REQUEST, body=body
        )
    except (InvalidSignature, HTTPMessageSignaturesException, ValueError) as exc:
        raise PeerAuthError(str(exc)) from None
    result = results[0]
    # The library accepts `created` from max_age + its clock skew back: check ±SKEW ourselves.
    created = result.parameters.get("created")
    stamp = int(created.timestamp()) if isinstance(created, dt.datetime) else created
    if not isinstance(stamp, int) or abs(stamp - (int(time.time()) if now is None else now)) > SKEW:
        raise PeerAuthError(f"created must lie within {SKEW} s of our clock")
    nonce, keyid = result.parameters.get("nonce"), result.parameters.get("keyid")
    if len(results) != 1 or result.label != LABEL or not isinstance(nonce, str) or not (8 <= len(nonce) <= 64):
        raise PeerAuthError("one signature labelled yk with a nonce is required")
    return SignedRequest(str(keyid), nonce)


def sign_response(status: int, body: bytes, request_nonce: str, key: NamedKey, now: int) -> dict[str, str]:
    """The headers that bind an answer to its status, its body and the request it answers."""
    headers = httpx.Headers({NONCE_HEADER: request_nonce})
    ContentDigest.add(headers, body)
    signer = HTTPMessageSigner(signature_algorithm=algorithms.ED25519, key_resolver=_Keys(private={key.kid: key.private}))
    signer.sign(
        _Response(status, headers),
        key_id=key.kid,
        created=_created(now),
        label=LABEL,
        covered_component_ids=COVERED_RESPONSE,
        use_existing_digest=True,
    )
    return dict(headers.items())


def verify_response(status: int, headers: Mapping[str, str], body: bytes, request_nonce: str, keys: Mapping[str, bytes]) -> bool:
    """Whether an answer is the issuing region's (its peer keys) and answers our request (our nonce)."""
    message = _Response(status, httpx.Headers(list(headers.items())))
    if message.headers.get(NONCE_HEADER) != request_nonce:
        return False
    try:
        results = _Verifier(signature_algorithm=algorithms.ED25519, key_resolver=_Keys(public=keys)).verify(
            message, max_age=dt.timedelta(seconds=SKEW), require_components=COVERED_RESPONSE, body=body
        )
    except (InvalidSignature, HTTPMessageSignaturesException, ValueError):
        return False
    return len(results) == 1 and results[0].label == LABEL
