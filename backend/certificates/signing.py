"""Certificate signatures: the issuer key (Ed25519) over a canonical encoding of the record."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
from dataclasses import dataclass

from backend.certificates.records import CertificateRow
from backend.keys.keyring import Keyring, KeyStoreError
from backend.lib import ed25519
from backend.lib.canonical import canonical_json, iso_seconds
from backend.lib.errors import ApiError

log = logging.getLogger("yikatong.certificates")
DOMAIN = b"yikatong-certificate-v1\n"  # a certificate signature can never pass as another kind
SIGNED = (
    "id",
    "type",
    "issuer",
    "person",
    "version",
    "status",
    "attributes",
    "valid_from",
    "valid_until",
    "issued_at",
    "updated_at",
)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seconds(moment: dt.datetime) -> dt.datetime:
    """Certificate times are kept to the second, in UTC, so both databases give them back alike."""
    return moment.astimezone(dt.UTC).replace(microsecond=0)


def payload(record: CertificateRow) -> dict[str, object]:
    """What the signature covers: the record's identity, holder, content and state.

    The type goes in by code and issuer and person by id, so the signed text stands on its own
    without the database.
    """
    return {
        "id": str(record.id),
        "type": record.type_code,
        "issuer": str(record.issuer),
        "person": str(record.person),
        "version": record.version,
        "status": record.status,
        "attributes": record.attributes,
        "valid_from": iso_seconds(record.valid_from),
        "valid_until": iso_seconds(record.valid_until),
        "issued_at": iso_seconds(record.issued_at),
        "updated_at": iso_seconds(record.updated_at),
    }


def message(record: CertificateRow) -> bytes:
    return DOMAIN + canonical_json(payload(record))


def sign(record: CertificateRow, keyring: Keyring, now: int) -> tuple[str, str]:
    """(key id, signature) for this version of the record; 503 when no issuer key can sign."""
    try:
        key = keyring.active_signing(now)
    except KeyStoreError as exc:
        log.error("no issuer signing key for certificates", extra={"reason": str(exc)})
        raise ApiError(503, "keys.no_signing_key", "Certificates cannot be signed right now; try again later.") from exc
    return key.kid, _b64url(ed25519.sign(key.seed, message(record)))


@dataclass(frozen=True)
class Check:
    valid: bool
    reason: str  # valid | bad_signature | unknown_key


def check(record: CertificateRow, key_id: str, signature: str, keyring: Keyring) -> Check:
    """Whether the stored signature still matches the record under the named issuer key."""
    key = next((k for k in keyring.signing if k.kid == key_id), None)
    if key is None:
        return Check(False, "unknown_key")
    try:
        raw = _unb64url(signature)
    except (binascii.Error, ValueError):
        return Check(False, "bad_signature")
    ok = ed25519.verify(key.public, message(record), raw)
    return Check(ok, "valid" if ok else "bad_signature")
