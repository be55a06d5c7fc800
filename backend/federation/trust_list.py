"""This region's trust list (a compact JWS signed by the federation root key) and the checks another region's list must pass."""

from __future__ import annotations

import base64
import hashlib
import json
import warnings
from dataclasses import dataclass, field
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from backend.keys import trust as issuer_trust  # keys feature: the issuer JWK Set
from backend.keys.keyring import Keyring, NamedKey
from backend.lib.bounds import SAFE_INT_MAX
from backend.lib.settings import Settings

TYP = "yk-trust-list+jws"
MEDIA_TYPE = "application/jose"
PATH = "/.well-known/yikatong-trust-list"
REVOCATIONS_PATH = "/api/v1/federation/revocations"
VERIFY_PATH = "/api/v1/federation/verify"
OFFLINE_RESULTS_PATH = "/api/v1/federation/offline-results"
LIFETIME = 86400  # next_update = iat + LIFETIME
MAX_BYTES = 256 * 1024  # a list larger than this is refused unread


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def okp_jwk(public: bytes, kid: str | None = None) -> dict[str, str]:
    """The public OKP JWK of a raw Ed25519 key (RFC 8037)."""
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64url(public)}
    if kid is not None:
        jwk.update(kid=kid, alg="EdDSA", use="sig")
    return jwk


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, base64url) of an OKP key: its required members only, sorted, no spaces."""
    required = {"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]}
    canonical = json.dumps(required, separators=(",", ":"), sort_keys=True).encode()
    return b64url(hashlib.sha256(canonical).digest())


def root_fingerprint(keyring: Keyring) -> str:
    """What operators exchange out of band: the thumbprint of this region's root public key."""
    root = keyring.named_key("federation-root")
    return thumbprint(okp_jwk(root.public))


def _private_jwk(key: NamedKey) -> OKPKey:
    return OKPKey.import_key({**okp_jwk(key.public), "d": b64url(key.private)})


def payload(keyring: Keyring, settings: Settings, base_url: str, now: int) -> dict[str, Any]:
    """The list's content (docs/federation.md, "The trust list")."""
    peer = keyring.named_key("federation-peer")
    base = base_url.rstrip("/")
    return {
        "region": settings.region_code,
        "name": settings.region_name,
        "name_en": settings.region_name_en,
        "iss": base,
        "seq": now,
        "iat": now,
        "next_update": now + LIFETIME,
        "issuer_keys": issuer_trust.jwks(keyring, now, v1_retire_at=settings.offline_v1_retire_at)["keys"],
        "retired_formats": {"YKD1": settings.offline_v1_retire_at},
        "peer_keys": [okp_jwk(peer.public, peer.kid)],
        "endpoints": {
            "trust_list": base + PATH,
            "revocations": base + REVOCATIONS_PATH,
            "verify": base + VERIFY_PATH,
            "offline_results": base + OFFLINE_RESULTS_PATH,
        },
    }


def sign(keyring: Keyring, content: dict[str, Any]) -> str:
    """The compact JWS of `content`, signed by the federation root key, its public JWK in the header."""
    root = keyring.named_key("federation-root")
    header = {"alg": "EdDSA", "typ": TYP, "kid": root.kid, "jwk": okp_jwk(root.public)}
    body = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
    with warnings.catch_warnings():
        # joserfc flags "EdDSA" as deprecated by RFC 9864 in favour of "Ed25519"; the list keeps
        # "EdDSA", which every JOSE library reads today (docs/federation.md).
        warnings.simplefilter("ignore")
        return jws.serialize_compact(header, body, _private_jwk(root), algorithms=["EdDSA"])


class TrustListError(Exception):
    """A list refused: `code` is the machine-readable reason (federation.<code>)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class TrustList:
    """A verified list of another region."""

    text: str
    content: dict[str, Any] = field(repr=False)
    region: str
    name: str
    name_en: str
    seq: int
    next_update: int

    @property
    def peer_keys(self) -> dict[str, bytes]:
        """kid -> raw Ed25519 public key of the region's server-to-server keys."""
        keys: dict[str, bytes] = {}
        for jwk in self.content.get("peer_keys", []):
            if isinstance(jwk, dict) and jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
                try:
                    raw = unb64url(str(jwk["x"]))
                except (KeyError, ValueError):
                    continue
                if len(raw) == 32 and isinstance(jwk.get("kid"), str):
                    keys[jwk["kid"]] = raw
        return keys

    def endpoint(self, name: str) -> str | None:
        value = self.content.get("endpoints", {}).get(name)
        return value if isinstance(value, str) else None


def _field(content: dict[str, Any], name: str, kind: type) -> Any:
    value = content.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise TrustListError("bad_trust_list", f"The trust list's `{name}` is missing or of the wrong type.")
    return value


def verify(text: str, *, fingerprint: str, region: str, last_seq: int | None, now: int, grace: int) -> TrustList:
    """Check another region's list in the order docs/federation.md gives; TrustListError otherwise.
    No key in it is used before every check has passed."""
    if not isinstance(text, str) or len(text) > MAX_BYTES or text.count(".") != 2:
        raise TrustListError("bad_trust_list", "This is not a compact JWS.")
    try:
        header = json.loads(unb64url(text.split(".", 1)[0]))
    except ValueError:
        raise TrustListError("bad_trust_list", "The JWS header is not JSON.") from None
    if not isinstance(header, dict):
        raise TrustListError("bad_trust_list", "The JWS header is not a JSON object.")
    jwk = header.get("jwk")
    if header.get("alg") != "EdDSA" or header.get("typ") != TYP or not isinstance(jwk, dict):
        raise TrustListError("bad_trust_list", "The JWS header is not a Yikatong trust list's (alg, typ, jwk).")
    # 1: the embedded root key is the one whose fingerprint was exchanged out of band.
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not isinstance(jwk.get("x"), str) or "d" in jwk:
        raise TrustListError("bad_trust_list", "The root key is not a public Ed25519 JWK.")
    if thumbprint(jwk) != fingerprint:
        raise TrustListError("fingerprint_mismatch", "The list is signed by a root key with another fingerprint.")
    # 2: the signature.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "EdDSA is deprecated via RFC 9864": see sign()
            key = OKPKey.import_key({"kty": "OKP", "crv": "Ed25519", "x": jwk["x"]})
            content = json.loads(jws.deserialize_compact(text, key, algorithms=["EdDSA"]).payload)
    except (JoseError, ValueError, TypeError):
        raise TrustListError("bad_trust_list", "The list's signature does not verify.") from None
    if not isinstance(content, dict):
        raise TrustListError("bad_trust_list", "The list's payload is not a JSON object.")
    # 3: the region it speaks for.
    if content.get("region") != region:
        raise TrustListError("region_mismatch", f"The list is for region {content.get('region')!r}, not {region}.")
    seq, next_update = _field(content, "seq", int), _field(content, "next_update", int)
    if not (0 <= seq <= SAFE_INT_MAX and 0 <= next_update <= SAFE_INT_MAX):
        raise TrustListError("bad_trust_list", "The list's seq or next_update is out of range.")
    _field(content, "issuer_keys", list)
    _field(content, "peer_keys", list)
    _field(content, "endpoints", dict)
    # 4: never older than the list accepted last.
    if last_seq is not None and seq < last_seq:
        raise TrustListError("stale_trust_list", f"The list's seq {seq} is lower than the last accepted ({last_seq}).")
    # 5: not past its next update and the grace period.
    if next_update + grace < now:
        raise TrustListError("expired_trust_list", "The list is past its next_update and the grace period.")
    return TrustList(
        text=text,
        content=content,
        region=region,
        name=str(content.get("name", "")),
        name_en=str(content.get("name_en", "")),
        seq=seq,
        next_update=next_update,
    )
