"""The keyring file: every secret sealed with AES-GCM under a scrypt key from the passphrase.

Workers only read it; `yikatong keys init|rotate|revoke` write it atomically (temp file +
rename), and a worker reloads it when the file changes, so a rotation or a revocation takes
effect in every worker at its next request, with no restart.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import itertools
import json
import os
import secrets
import tempfile
import time
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from Crypto.Cipher import AES
from Crypto.Protocol.KDF import scrypt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from backend.lib import ed25519, sm2

DEV_PASSPHRASE = "yikatong-dev-only-passphrase"
FILE_NAME = "keyring.json"
SIGNING_DAYS = 90  # an issuer key signs credentials for this long before rotation is due
# How long a superseded online-code secret is kept for verification: a code minted just before
# the rotation lives 60 s (codes.format.CODE_LIFETIME) plus the clock skew on either side.
# The CLI passes the figure from the settings' skew; this default is the one for a skew of 5 s.
ONLINE_KEEP_SECONDS = 60 + 2 * 5
ONLINE_KIDS = range(1, 256)  # the kid byte of online codes
# Statements (docs/documents.md): a document CA and the certificate that signs the PDFs, both
# P-256. Long-lived on purpose: a verifier checks a statement years after it was issued, and a
# PDF reader judges the signer's certificate at the time of checking (no timestamp authority here).
DOCUMENT_CA_DAYS = 3650
DOCUMENT_SIGNER_DAYS = 3650
# Issue 19: the federation's keys (docs/federation.md) and the OpenID provider's (docs/oidc.md).
# The root signs the region's trust list; its fingerprint is what other regions are told out of
# band. The peer key signs this region's server-to-server requests and answers, and is itself
# listed in the signed trust list. The OpenID key signs ID tokens (RS256: every OIDC client has it).
OIDC_RSA_BITS = 2048
_SCRYPT = {"N": 2**15, "r": 8, "p": 1}
_KEK_CACHE: dict[tuple[str, bytes], bytes] = {}


# The suites (docs/national-crypto.md). An issuer key signs with one algorithm, named as the
# trust list names it ("EdDSA" or "SM2SM3"); an online-code secret MACs and encrypts with one
# suite ("aes": AES + HMAC-SHA256, "sm4": SM4 + HMAC-SM3). The keyring's suite says which
# algorithm offline credentials are issued in; its Ed25519 key signs everything else either way.
Alg = Literal["EdDSA", "SM2SM3"]
OnlineSuite = Literal["aes", "sm4"]
Suite = Literal["ed25519", "sm2"]
SUITE_ALG: dict[Suite, Alg] = {"ed25519": "EdDSA", "sm2": "SM2SM3"}
SUITE_ONLINE: dict[Suite, OnlineSuite] = {"ed25519": "aes", "sm2": "sm4"}
# How the file names each algorithm (entries written before the SM suite say "Ed25519").
_FILE_ALG: dict[Alg, str] = {"EdDSA": "Ed25519", "SM2SM3": "SM2SM3"}
_ALG_OF_FILE: dict[str, Alg] = {v: k for k, v in _FILE_ALG.items()}


def _public_of(alg: Alg, secret: bytes) -> bytes:
    return ed25519.public_from_seed(secret) if alg == "EdDSA" else sm2.public_from_private(secret)


def _new_pair(alg: Alg) -> tuple[bytes, bytes]:
    return ed25519.generate() if alg == "EdDSA" else sm2.generate()


class KeyStoreError(RuntimeError):
    """The keyring is missing, unreadable or the passphrase is wrong."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


@dataclass(frozen=True)
class SigningKey:
    kid: str  # 8 lowercase hex chars = the 4 key-id bytes inside credentials
    seed: bytes = field(repr=False)  # never in a repr, a traceback or a log line
    public: bytes
    nbf: int  # signs credentials from
    exp: int  # signs credentials until (rotation moves this to the rotation time)
    publish_until: int  # stays in the trust list until credentials it signed have expired
    # "EdDSA": seed is an Ed25519 seed, public 32 raw bytes. "SM2SM3": seed is the SM2 private
    # value (32 bytes), public the compressed point (33 bytes).
    alg: Alg = "EdDSA"


@dataclass(frozen=True)
class RevokedKey:
    """An issuer key withdrawn at once (`yikatong keys revoke`): its secret is destroyed, nothing
    it signed verifies any more, and the trust list names it until `publish_until`."""

    kid: str
    public: bytes
    revoked: int
    publish_until: int
    reason: str = ""
    alg: Alg = "EdDSA"


def vapid_public(private: bytes) -> bytes:
    """The 65-byte uncompressed P-256 point of a VAPID private key (its 32-byte scalar): what
    browsers take as `applicationServerKey` and push services check the `k=` of each request against."""
    key = ec.derive_private_key(int.from_bytes(private, "big"), ec.SECP256R1())
    return key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def _new_vapid() -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    return private, vapid_public(private)


def _p256_private(scalar: bytes) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(int.from_bytes(scalar, "big"), ec.SECP256R1())


def _p256_scalar(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_numbers().private_value.to_bytes(32, "big")


@dataclass(frozen=True)
class DocumentKeys:
    """The document CA (self-signed) and the certificate it issued that signs statements (PAdES).
    Certificates are DER; private keys are P-256 scalars (32 bytes), as the VAPID key is."""

    ca_cert: bytes
    ca_key: bytes = field(repr=False)  # secrets stay out of reprs, tracebacks and logs
    signer_cert: bytes
    signer_key: bytes = field(repr=False)

    def signer_private(self) -> ec.EllipticCurvePrivateKey:
        return _p256_private(self.signer_key)

    def ca_certificate(self) -> x509.Certificate:
        return x509.load_der_x509_certificate(self.ca_cert)

    def signer_certificate(self) -> x509.Certificate:
        return x509.load_der_x509_certificate(self.signer_cert)


def _document_name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Yikatong"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def new_document_keys(now: int) -> DocumentKeys:
    """A fresh document CA (self-signed, 10 years) and a signing certificate it issues."""
    start = _utc(now - 300)  # a little slack for clocks behind ours
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _document_name("Yikatong Document CA 一卡通电子文书根证书")
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(_utc(now + DOCUMENT_CA_DAYS * 86400))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    signer_key = ec.generate_private_key(ec.SECP256R1())
    signer = (
        x509.CertificateBuilder()
        .subject_name(_document_name("Yikatong Document Signing 一卡通电子文书签章"))
        .issuer_name(ca_name)
        .public_key(signer_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(_utc(now + DOCUMENT_SIGNER_DAYS * 86400 - 86400))  # inside the CA's period
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # non-repudiation: what PDF signature validators look for
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(signer_key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return DocumentKeys(
        ca_cert=ca.public_bytes(serialization.Encoding.DER),
        ca_key=_p256_scalar(ca_key),
        signer_cert=signer.public_bytes(serialization.Encoding.DER),
        signer_key=_p256_scalar(signer_key),
    )


def _utc(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def _matches_certificate(scalar: bytes, der: bytes) -> bool:
    """Whether a sealed P-256 scalar is the private half of the certificate's public key."""
    if len(scalar) != 32:
        return False
    public = x509.load_der_x509_certificate(der).public_key()
    mine = _p256_private(scalar).public_key()
    fmt = (serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return isinstance(public, ec.EllipticCurvePublicKey) and public.public_bytes(*fmt) == mine.public_bytes(*fmt)


@dataclass(frozen=True)
class NamedKey:
    """A long-lived key kept beside `keys`: its id, its public half and its sealed private half.
    Ed25519: `private` is the 32-byte seed and `public` the raw 32 bytes. RS256: `private` is
    PKCS#8 DER and `public` SubjectPublicKeyInfo DER."""

    kid: str
    alg: str  # "EdDSA" | "RS256"
    public: bytes
    private: bytes = field(repr=False)
    created: int = 0


def _new_named(alg: str, now: int) -> tuple[NamedKey, bytes]:
    """A fresh named key (kid = 8 hex characters of the public key's SHA-256) and its private half."""
    if alg == "EdDSA":
        seed, public = _new_pair("EdDSA")
        private = seed
    else:
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=OIDC_RSA_BITS)
        private = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    kid = hashlib.sha256(public).hexdigest()[:8]
    return NamedKey(kid=kid, alg=alg, public=public, private=private, created=now), private


def _named_public_matches(alg: str, private: bytes, public: bytes) -> bool:
    if alg == "EdDSA":
        return _public_of("EdDSA", private) == public
    key = serialization.load_der_private_key(private, password=None)
    return key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) == public


# name in the file's "named" member -> algorithm
NAMED_KEYS: dict[str, str] = {
    "federation-root": "EdDSA",
    "federation-peer": "EdDSA",
    "oidc": "RS256",
    # Issue 20: signs the access record's published anchors (docs/audit.md) and the penalty records
    # sent to the public credit platform (docs/credit.md); one purpose each.
    "audit-anchor": "EdDSA",
    "credit": "EdDSA",
}


@dataclass
class Keyring:
    pii: bytes = field(repr=False)  # secrets stay out of reprs, tracebacks and logs
    blind: bytes = field(repr=False)
    online: dict[int, bytes] = field(repr=False)  # kid -> master secret
    online_kid: int  # the newest secret mints; older ones still verify until dropped
    signing: list[SigningKey] = field(default_factory=list)  # never a revoked key
    revoked: list[RevokedKey] = field(default_factory=list)
    # Web Push (VAPID, RFC 8292): the P-256 private scalar that signs every push request. Long-lived:
    # every browser subscription is bound to its public half. None in a keyring made before it
    # existed until `yikatong keys init` (or a dev/test start) adds it.
    vapid: bytes | None = field(default=None, repr=False)
    # Statements' PAdES signatures (docs/documents.md). None in a keyring made before they existed
    # until `yikatong keys init` (or a dev/test start) adds them.
    documents: DocumentKeys | None = None
    # kid -> suite of each online secret ("aes" when the file does not say: written before the SM suite).
    online_suites: dict[int, OnlineSuite] = field(default_factory=dict)
    # The suite offline credentials are issued in (`yikatong keys rotate --suite`), from
    # `suite_from` on; before it `previous_suite`: a rotation publishes the new keys ahead of
    # their first credential, so offline scanners know them before any phone shows a code.
    suite: Suite = "ed25519"
    suite_from: int = 0
    previous_suite: Suite = "ed25519"
    # Issue 19: "federation-root", "federation-peer", "oidc" (NAMED_KEYS). Missing in a keyring made
    # before them until `yikatong keys init` (or a dev/test start) adds them.
    named: dict[str, NamedKey] = field(default_factory=dict, repr=False)

    def pseudonym(self, purpose: bytes, message: bytes) -> str:
        """base64url (unpadded, 43 characters) of HMAC-SHA256(HMAC-SHA256(blind, purpose), message): a
        stable name for a person within one scope (an OpenID sector, an agency) that no other scope
        can link. The purpose label keeps the blind index key itself out of every such use."""
        key = hmac.new(self.blind, purpose, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(hmac.new(key, message, hashlib.sha256).digest()).rstrip(b"=").decode()

    def named_key(self, name: str) -> NamedKey:
        """One of NAMED_KEYS; KeyStoreError when this keyring predates it (run `yikatong keys init`)."""
        try:
            return self.named[name]
        except KeyError:
            raise KeyStoreError(f"the keyring has no {name} key: run `yikatong keys init`") from None

    def active_signing(self, now: int | None = None, alg: Alg = "EdDSA") -> SigningKey:
        """The newest key of `alg` that signs now. The default, EdDSA, is the key that signs
        certificates, payment instructions, receipts and format-1 credentials, in either suite;
        offline credentials of format 2 take `issuing_key` (the suite's algorithm)."""
        now = int(time.time()) if now is None else now
        usable = [k for k in self.signing if k.nbf <= now < k.exp and k.alg == alg]
        if not usable:
            raise KeyStoreError(f"no {alg} issuer signing key is valid now: run `yikatong keys rotate`")
        return max(usable, key=lambda k: k.nbf)

    def issuing_key(self, now: int | None = None) -> SigningKey:
        """The key that signs offline credentials now: of the suite in effect (its `.alg` says which)."""
        now = int(time.time()) if now is None else now
        return self.active_signing(now, SUITE_ALG[self.suite_at(now)])

    def suite_at(self, now: int) -> Suite:
        """The suite offline credentials are issued in at `now` (the new one once its keys sign)."""
        return self.suite if now >= self.suite_from else self.previous_suite

    def online_suite(self, kid: int) -> OnlineSuite:
        """The suite of online secret `kid` ("aes" or "sm4")."""
        return self.online_suites.get(kid, "aes")

    @property
    def online_masters(self) -> dict[int, tuple[OnlineSuite, bytes]]:
        """kid -> (suite, master secret) of every online secret that still verifies: what
        codes.format.verify_online takes as `masters` once it knows suites."""
        return {kid: (self.online_suite(kid), secret) for kid, secret in self.online.items()}

    def published(self, now: int | None = None) -> list[SigningKey]:
        now = int(time.time()) if now is None else now
        return [k for k in self.signing if k.publish_until > now]


class KeyStore:
    """Reads and writes the sealed keyring under the key dir."""

    def __init__(self, key_dir: Path | str, passphrase: str) -> None:
        if not passphrase:
            raise KeyStoreError("YIKATONG_KEY_PASSPHRASE is not set")
        self.path = Path(key_dir) / FILE_NAME
        self._path_text = str(self.path)
        self.passphrase = passphrase
        self._loaded: Keyring | None = None
        # (mtime_ns, inode, size): a rotation replaces the file (new inode), so even two writes
        # within one mtime tick are noticed.
        self._stamp: tuple[int, int, int] | None = None

    # -- sealing ---------------------------------------------------------
    def _kek(self, salt: bytes) -> bytes:
        # scrypt is deliberately slow; derive once per process for a given passphrase and salt.
        key = (self.passphrase, salt)
        if key not in _KEK_CACHE:
            _KEK_CACHE[key] = scrypt(self.passphrase.encode(), salt, 32, N=_SCRYPT["N"], r=_SCRYPT["r"], p=_SCRYPT["p"])
        return _KEK_CACHE[key]

    @staticmethod
    def _seal(kek: bytes, purpose: str, secret: bytes) -> str:
        nonce = secrets.token_bytes(12)
        cipher = AES.new(kek, AES.MODE_GCM, nonce=nonce)
        cipher.update(purpose.encode())
        ct, tag = cipher.encrypt_and_digest(secret)
        return _b64(nonce + ct + tag)

    @staticmethod
    def _open(kek: bytes, purpose: str, sealed: str) -> bytes:
        try:
            raw = _unb64(sealed)
            if len(raw) < 12 + 16:
                raise ValueError("sealed entry too short")
            cipher = AES.new(kek, AES.MODE_GCM, nonce=raw[:12])
            cipher.update(purpose.encode())
            return cipher.decrypt_and_verify(raw[12:-16], raw[-16:])
        except (ValueError, TypeError, binascii.Error) as exc:
            raise KeyStoreError("cannot open the keyring: wrong passphrase or a damaged file") from exc

    # -- file ------------------------------------------------------------
    def exists(self) -> bool:
        return self.path.is_file()

    def _read_doc(self) -> dict[str, Any]:
        try:
            doc = json.loads(self.path.read_text())
        except FileNotFoundError as exc:
            raise KeyStoreError(f"no keyring at {self.path}: run `yikatong keys init`") from exc
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise KeyStoreError(f"cannot read the keyring at {self.path}: {exc}") from exc
        if not isinstance(doc, dict) or not isinstance(doc.get("keys"), list) or not isinstance(doc.get("salt"), str):
            raise KeyStoreError(f"the keyring at {self.path} is damaged (no salt or key list)")
        return doc

    def _write_doc(self, doc: dict[str, Any], *, exclusive: bool = False) -> bool:
        """Write atomically. `exclusive`: only if no keyring exists yet (False if one appeared)."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # A unique temp name: two processes writing at once must not rename each other's file.
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".keyring-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as fh:
                os.fchmod(fh.fileno(), 0o600)
                json.dump(doc, fh, indent=2)
                fh.flush()
                os.fsync(fh.fileno())
            if exclusive:
                # link() fails if the target exists: two workers starting together keep one keyring.
                try:
                    os.link(tmp, self.path)
                except FileExistsError:
                    return False
            else:
                os.replace(tmp, self.path)
            return True
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def _file_stamp(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self._path_text)  # checked per request: os.stat on a str skips pathlib
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_ino, st.st_size)

    def load(self) -> Keyring:
        """The keyring, re-read when the file changed since the last load."""
        stamp = self._file_stamp()
        if self._loaded is not None and stamp == self._stamp:
            return self._loaded
        doc = self._read_doc()
        try:
            keyring = self._unseal(doc)
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            raise KeyStoreError(f"the keyring at {self.path} is damaged: {exc!r}") from exc
        self._loaded, self._stamp = keyring, stamp
        return keyring

    def _unseal(self, doc: dict[str, Any]) -> Keyring:
        kek = self._kek(_unb64(doc["salt"]))
        pii = blind = b""
        online: dict[int, bytes] = {}
        online_suites: dict[int, OnlineSuite] = {}
        online_kid, newest = 0, -1
        signing: list[SigningKey] = []
        revoked: list[RevokedKey] = []
        vapid: bytes | None = None
        for entry in doc["keys"]:
            if entry["purpose"] == "signing" and "revoked" in entry:  # its secret is gone: nothing to open
                revoked.append(
                    RevokedKey(
                        kid=entry["id"],
                        public=_unb64(entry["public"]),
                        revoked=int(entry["revoked"]),
                        publish_until=int(entry["publish_until"]),
                        reason=str(entry.get("reason", "")),
                        alg=_ALG_OF_FILE[entry.get("alg", "Ed25519")],
                    )
                )
                continue
            secret = self._open(kek, entry["purpose"] + ":" + entry["id"], entry["sealed"])
            if entry["purpose"] == "pii":
                pii = secret
            elif entry["purpose"] == "blind":
                blind = secret
            elif entry["purpose"] == "online":
                online[int(entry["id"])] = secret
                suite = entry.get("suite", "aes")
                if suite not in ("aes", "sm4"):
                    raise ValueError(f"online secret {entry['id']} has an unknown suite {suite!r}")
                online_suites[int(entry["id"])] = cast(OnlineSuite, suite)
                if entry["created"] >= newest:
                    online_kid, newest = int(entry["id"]), entry["created"]
            elif entry["purpose"] == "signing":
                public = _unb64(entry["public"])
                alg = _ALG_OF_FILE[entry.get("alg", "Ed25519")]  # KeyError: an algorithm this release does not know
                # The public half is stored in clear for `list`; it must belong to the sealed seed.
                if _public_of(alg, secret) != public:
                    raise ValueError(f"public key of signing key {entry['id']} does not match its seed")
                signing.append(
                    SigningKey(
                        kid=entry["id"],
                        seed=secret,
                        public=public,
                        nbf=entry["nbf"],
                        exp=entry["exp"],
                        publish_until=entry["publish_until"],
                        alg=alg,
                    )
                )
            elif entry["purpose"] == "vapid":
                if len(secret) != 32 or vapid_public(secret) != _unb64(entry["public"]):
                    raise ValueError("public key of the VAPID key does not match its secret")
                vapid = secret
        if len(pii) != 32 or len(blind) != 32 or not online or not signing:
            raise ValueError("a data key, an online-code secret or the issuer key is missing")
        suite = doc.get("suite", "ed25519")
        if suite not in SUITE_ALG:
            raise ValueError(f"unknown suite {suite!r}")
        return Keyring(
            pii=pii,
            blind=blind,
            online=online,
            online_kid=online_kid,
            signing=signing,
            revoked=revoked,
            vapid=vapid,
            documents=self._unseal_documents(kek, doc.get("documents")),
            named=self._unseal_named(kek, doc.get("named") or {}),
            online_suites=online_suites,
            suite=cast(Suite, suite),
            suite_from=int(doc.get("suite_from", 0)),
            previous_suite=cast(Suite, doc.get("previous_suite", suite)),
        )

    def _unseal_documents(self, kek: bytes, entry: Any) -> DocumentKeys | None:
        """The document CA and signer, kept beside `keys` (whose purposes outside tools list) in a
        member of their own. Their certificates are in clear; each must belong to its sealed key."""
        if entry is None:
            return None
        opened: dict[str, tuple[bytes, bytes]] = {}
        for role in ("ca", "signer"):
            part = entry[role]
            cert = _unb64(part["cert"])
            key = self._open(kek, f"document-{role}:{part['id']}", part["sealed"])
            if not _matches_certificate(key, cert):
                raise ValueError(f"the document {role} certificate does not match its sealed key")
            opened[role] = (cert, key)
        return DocumentKeys(
            ca_cert=opened["ca"][0], ca_key=opened["ca"][1], signer_cert=opened["signer"][0], signer_key=opened["signer"][1]
        )

    def _unseal_named(self, kek: bytes, entries: dict[str, Any]) -> dict[str, NamedKey]:
        """The named keys (NAMED_KEYS); each public half in clear must belong to its sealed private half."""
        out: dict[str, NamedKey] = {}
        for name, part in entries.items():
            if name not in NAMED_KEYS:
                continue  # a key of a later release: left alone
            private = self._open(kek, f"named-{name}:{part['id']}", part["sealed"])
            public = _unb64(part["public"])
            if not _named_public_matches(part["alg"], private, public):
                raise ValueError(f"the public half of the {name} key does not match its sealed key")
            out[name] = NamedKey(kid=part["id"], alg=part["alg"], public=public, private=private, created=int(part["created"]))
        return out

    def _named_entry(self, kek: bytes, name: str, now: int) -> dict[str, Any]:
        key, private = _new_named(NAMED_KEYS[name], now)
        return {
            "id": key.kid,
            "alg": key.alg,
            "public": _b64(key.public),
            "created": now,
            "sealed": self._seal(kek, f"named-{name}:{key.kid}", private),
        }

    # -- tooling ---------------------------------------------------------
    def _signing_entry(
        self, kek: bytes, now: int, max_credential_seconds: int, taken: AbstractSet[str] = frozenset(), alg: Alg = "EdDSA"
    ) -> dict[str, Any]:
        seed, public = _new_pair(alg)
        kid = secrets.token_hex(4)
        while kid in taken:  # a kid names exactly one key in every trust list
            kid = secrets.token_hex(4)
        exp = now + SIGNING_DAYS * 86400
        return {
            "purpose": "signing",
            "id": kid,
            "alg": _FILE_ALG[alg],
            "public": _b64(public),
            "nbf": now,
            "exp": exp,
            "publish_until": exp + max_credential_seconds,
            "created": now,
            "sealed": self._seal(kek, "signing:" + kid, seed),
        }

    def _vapid_entry(self, kek: bytes, now: int) -> dict[str, Any]:
        private, public = _new_vapid()
        return {
            "purpose": "vapid",
            "id": "1",
            "alg": "ES256",
            "public": _b64(public),
            "created": now,
            "sealed": self._seal(kek, "vapid:1", private),
        }

    def _documents_entry(self, kek: bytes, now: int) -> dict[str, Any]:
        keys = new_document_keys(now)
        out: dict[str, Any] = {}
        for role, cert, key in (("ca", keys.ca_cert, keys.ca_key), ("signer", keys.signer_cert, keys.signer_key)):
            serial = format(x509.load_der_x509_certificate(cert).serial_number, "x")
            out[role] = {
                "id": serial,
                "alg": "ES256",
                "cert": _b64(cert),
                "created": now,
                "sealed": self._seal(kek, f"document-{role}:{serial}", key),
            }
        return out

    def _add_missing(self, now: int) -> None:
        """Keys a keyring written by an older release lacks (the VAPID key, the document CA and
        signer), added in place."""
        loaded = self.load()
        if loaded.vapid is not None and loaded.documents is not None and set(NAMED_KEYS) <= set(loaded.named):
            return
        doc = self._read_doc()
        kek = self._kek(_unb64(doc["salt"]))
        changed = False
        if not any(e.get("purpose") == "vapid" for e in doc["keys"]):
            doc["keys"].append(self._vapid_entry(kek, now))
            changed = True
        if doc.get("documents") is None:
            doc["documents"] = self._documents_entry(kek, now)
            changed = True
        named = doc.setdefault("named", {})
        for name in NAMED_KEYS:
            if name not in named:
                named[name] = self._named_entry(kek, name, now)
                changed = True
        if changed:
            self._write_doc(doc)
            self._loaded = None

    def _online_entry(self, kek: bytes, now: int, kid: int, suite: OnlineSuite) -> dict[str, Any]:
        return {
            "purpose": "online",
            "id": str(kid),
            "suite": suite,
            "created": now,
            "sealed": self._seal(kek, f"online:{kid}", secrets.token_bytes(32)),
        }

    def _issuer_entries(
        self, kek: bytes, now: int, max_credential_seconds: int, suite: Suite, taken: set[str]
    ) -> list[dict[str, Any]]:
        """New issuer keys for `suite`: always an Ed25519 key (it signs certificates, payment
        instructions, receipts and format-1 credentials, which verifiers check as EdDSA), and
        for the SM suite an SM2 key too, which signs the offline credentials of format 2."""
        out = []
        algs: tuple[Alg, ...] = ("EdDSA", "SM2SM3") if suite == "sm2" else ("EdDSA",)
        for alg in algs:
            entry = self._signing_entry(kek, now, max_credential_seconds, taken, alg=alg)
            taken.add(entry["id"])
            out.append(entry)
        return out

    def init(self, *, now: int | None = None, max_credential_seconds: int = 86400, suite: Suite = "ed25519") -> bool:
        """Create the keyring if there is none, issuing offline credentials in `suite`. Returns
        False when one already exists (then any key it lacks, such as the VAPID key of Web Push,
        is added to it; its suite stays: `rotate --suite` changes that)."""
        now = int(time.time()) if now is None else now
        if suite not in SUITE_ALG:
            raise KeyStoreError(f"unknown suite {suite!r}: ed25519 or sm2")
        if self.exists():
            self._add_missing(now)  # also proves the passphrase opens it
            return False
        salt = secrets.token_bytes(16)
        kek = self._kek(salt)
        keys = []
        for purpose, kid in (("pii", "1"), ("blind", "1")):
            keys.append(
                {
                    "purpose": purpose,
                    "id": kid,
                    "created": now,
                    "sealed": self._seal(kek, f"{purpose}:{kid}", secrets.token_bytes(32)),
                }
            )
        keys.append(self._online_entry(kek, now, 1, SUITE_ONLINE[suite]))
        keys.extend(self._issuer_entries(kek, now, max_credential_seconds, suite, set()))
        keys.append(self._vapid_entry(kek, now))
        doc = {
            "version": 1,
            "kdf": "scrypt",
            "salt": _b64(salt),
            **{"scrypt": _SCRYPT},
            "suite": suite,
            "keys": keys,
            "documents": self._documents_entry(kek, now),
            "named": {name: self._named_entry(kek, name, now) for name in NAMED_KEYS},
        }
        if not self._write_doc(doc, exclusive=True):
            self._add_missing(now)  # another process created it first; it must open with our passphrase
            return False
        return True

    def rotate(
        self,
        *,
        now: int | None = None,
        max_credential_seconds: int = 86400,
        online_keep_seconds: int = ONLINE_KEEP_SECONDS,
        suite: Suite | None = None,
        publish_ahead: int = 0,
    ) -> tuple[str, int]:
        """New issuer key(s) and online-code secret; old ones stop signing now but stay published
        (and accepted) until everything they signed has expired, however many rotations come
        in between: issuer keys for the credential lifetime (`max_credential_seconds`),
        online-code secrets for a code's lifetime plus skew (`online_keep_seconds`).

        `suite` ("ed25519" or "sm2"; None keeps the keyring's) is the suite from now on: "sm2"
        makes an SM2 key the one that signs offline credentials and the new online secret an SM4
        one; the Ed25519 key is renewed too. Returns (the credential-signing key's id, the new
        online kid).

        `publish_ahead` (seconds): the new issuer keys enter the trust list now but sign only from
        now + publish_ahead, and the old ones sign until then (the suite changes then too), so an
        offline scanner that syncs within that time knows a new key before any code needs it.
        Online secrets change at once: only this server verifies online codes."""
        now = int(time.time()) if now is None else now
        if publish_ahead < 0:
            raise KeyStoreError("publish_ahead must not be negative")
        start = now + publish_ahead
        if suite is not None and suite not in SUITE_ALG:
            raise KeyStoreError(f"unknown suite {suite!r}: ed25519 or sm2")
        # Open everything first: sealing new keys under a wrong passphrase would ruin the file.
        current = self.load().online_kid
        doc = self._read_doc()
        target: Suite = suite or cast(Suite, doc.get("suite", "ed25519"))
        kek = self._kek(_unb64(doc["salt"]))
        for entry in doc["keys"]:
            if entry["purpose"] == "signing" and entry["exp"] > start:
                entry["exp"] = max(start, entry["nbf"])  # a key published ahead and never used ends with it
                entry["publish_until"] = start + max_credential_seconds
        online_entries = sorted((e for e in doc["keys"] if e["purpose"] == "online"), key=lambda e: e["created"])
        for older, newer in itertools.pairwise(online_entries):
            older.setdefault("retired", newer["created"])  # keyrings written before `retired` was kept
        if online_entries:
            online_entries[-1]["retired"] = now  # the secret minting until now
        # A secret stays while a code it MACed may still be shown; by age, not by count, so
        # any number of rotations within a minute keeps every live code verifiable.
        for stale in [e for e in online_entries if e["retired"] + online_keep_seconds <= now]:
            doc["keys"].remove(stale)
        taken = {int(e["id"]) for e in doc["keys"] if e["purpose"] == "online"}
        # The next kid after the current one that no kept secret uses (kids run 1..255 and wrap).
        following = [(current + step - 1) % len(ONLINE_KIDS) + 1 for step in range(1, len(ONLINE_KIDS) + 1)]
        new_online = next((k for k in following if k not in taken), None)
        if new_online is None:
            raise KeyStoreError(
                f"every online-code key id is held by a secret retired less than {online_keep_seconds} s ago: wait a minute"
            )
        doc["keys"].append(self._online_entry(kek, now, new_online, SUITE_ONLINE[target]))
        entries = self._issuer_entries(kek, start, max_credential_seconds, target, self._signing_ids(doc))
        doc["keys"].extend(entries)
        held = self.load()
        doc["previous_suite"] = held.suite_at(now)
        doc["suite"], doc["suite_from"] = target, start
        # Drop signing keys that nobody can need any more.
        doc["keys"] = [e for e in doc["keys"] if e["purpose"] != "signing" or e["publish_until"] > now]
        self._write_doc(doc)
        self._loaded = None
        return entries[-1]["id"], new_online

    @staticmethod
    def _signing_ids(doc: dict[str, Any]) -> set[str]:
        return {e["id"] for e in doc["keys"] if e["purpose"] == "signing"}

    def revoke(
        self, kid: str, *, now: int | None = None, max_credential_seconds: int = 86400, reason: str = "", by: str = ""
    ) -> str | None:
        """Withdraw issuer key `kid` at once: its sealed secret is deleted from the keyring, so no
        worker signs or verifies with it from its next request on, and the trust list moves it
        from `keys` to `yk_revoked`. Revoking the key that signs now puts a new one in its place
        in the same write (there is never a moment without a signing key). Returns the new
        key's id, or None when none was needed or `kid` was already revoked."""
        now = int(time.time()) if now is None else now
        if not isinstance(kid, str) or len(kid) != 8 or any(c not in "0123456789abcdef" for c in kid):
            raise KeyStoreError(f"{kid!r} is not an issuer key id (8 lowercase hex characters, as `yikatong keys list` shows)")
        keyring = self.load()  # proves the passphrase before anything is written
        if any(k.kid == kid for k in keyring.revoked):
            return None
        doc = self._read_doc()
        entry = next((e for e in doc["keys"] if e["purpose"] == "signing" and e["id"] == kid), None)
        if entry is None:
            raise KeyStoreError(f"no issuer key {kid} in the keyring (see `yikatong keys list`)")
        kek = self._kek(_unb64(doc["salt"]))
        del entry["sealed"]
        entry.update(revoked=now, revoked_by=by, reason=reason, exp=min(entry["exp"], now))
        replacement = None
        alg = _ALG_OF_FILE[entry.get("alg", "Ed25519")]
        # The keyring always has an Ed25519 key signing, and in the SM suite an SM2 key as well.
        needed = alg == "EdDSA" or SUITE_ALG[keyring.suite] == alg
        if needed and not any(k.kid != kid and k.alg == alg and k.nbf <= now < k.exp for k in keyring.signing):
            replacement = self._signing_entry(kek, now, max_credential_seconds, self._signing_ids(doc), alg=alg)
            doc["keys"].append(replacement)
        self._write_doc(doc)
        self._loaded = None
        return replacement["id"] if replacement else None

    def describe(self) -> list[dict[str, Any]]:
        """Public facts about every key (never the secret)."""
        doc = self._read_doc()
        out = []
        for e in doc["keys"]:
            if not isinstance(e, dict) or not isinstance(e.get("purpose"), str) or not isinstance(e.get("id"), str):
                raise KeyStoreError(f"the keyring at {self.path} is damaged (a key entry has no purpose or id)")
            out.append({k: v for k, v in e.items() if k != "sealed"})
        return out
