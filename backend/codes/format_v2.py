"""Format 2 of the offline code (YKD2): one small credential per disclosure profile, scenario-bound, Ed25519 or SM2."""

# The normative description is docs/qr-format.md ("Offline code, format 2"); tests/vectors/v2/
# holds its vectors. Why a format 2: a YKD1 code carries the card's lifetime card_ref and every
# concession bit to every scanner. Here each credential has a fresh random reference, covers
# one slot of a few hours, discloses only what its profile needs, and the device signature binds
# the scenario the code was made for.

from __future__ import annotations

import base64
import enum
import hashlib
import re
import struct
from collections.abc import Mapping
from typing import Any, Literal

import msgspec

from backend.codes.format import (
    _MAX_REVOCATION_VERSION,
    CODE_LIFETIME,
    CREDENTIAL_STATUSES,
    DEFAULT_SKEW,
    OFFLINE_V2_BODY_LENS,
    OFFLINE_V2_PREFIX,
    Result,
    _bytes_of,
    _check_clock,
    _decode_body,
    _is_hex,
    _time_result,
    _uint,
    apply_delta,
    code_id_of,
    kind_of,
    revocation_from_json,
)
from backend.lib import base45, ed25519, sm2

__all__ = ["code_id_of", "kind_of"]  # re-exported: one reading of any code's kind and id

PREFIX = OFFLINE_V2_PREFIX
VERSION = 2
CREDENTIAL_TAG = b"YKC2"  # domain separation from the device signature and from format 1
DEVICE_TAG = b"YKD2"
SCENARIO_TAG_INFO = b"yikatong/scenario/"
SIGNATURE_LEN = 64  # Ed25519, and SM2 as r || s (32 + 32 bytes, big-endian)
_HEAD = struct.Struct(">BB4s8sB3sIIB")  # ver suite kid cred_ref profile region nbf exp attrs
HEAD_LEN = _HEAD.size  # 27
_KID_HEX = re.compile(r"[0-9a-f]{8}")
_B64URL_32 = re.compile(r"[A-Za-z0-9_-]{43}")
_UINT32_MAX = 0xFFFFFFFF
_REGION_MAX = 0xFFFFFF


class Suite(enum.IntEnum):
    """The algorithm of both signatures of a credential and its codes."""

    ED25519 = 1
    SM2 = 2

    @property
    def alg(self) -> str:
        """The JWK `alg` of an issuer key of this suite."""
        return "EdDSA" if self is Suite.ED25519 else "SM2SM3"

    @property
    def public_size(self) -> int:
        return ed25519.PUBLIC_SIZE if self is Suite.ED25519 else sm2.PUBLIC_SIZE

    @property
    def credential_len(self) -> int:
        return HEAD_LEN + self.public_size + SIGNATURE_LEN  # 123 / 124

    @property
    def body_len(self) -> int:
        return self.credential_len + 4 + 4 + SIGNATURE_LEN  # 195 / 196


class Profile(enum.IntEnum):
    """What a credential discloses; a scenario uses exactly one (profile_for_scenario)."""

    VALIDITY = 1  # valid, and until when
    CONCESSION = 2  # also the concession bits
    TRANSIT = 3  # also the concession bits and whether transport is enabled

    @property
    def mask(self) -> int:
        """The attribute bits this profile may carry; any other bit makes a code malformed."""
        return _MASKS[self]

    @property
    def label(self) -> str:
        """ "validity", "concession" or "transit", as the server and the wallet spell it."""
        return self.name.lower()


class Attrs(enum.IntFlag):
    """The attribute bits (the same values as format 1's flags)."""

    ELDERLY = 0x01
    DISABILITY = 0x02
    VETERAN = 0x04
    TRANSPORT = 0x08


_MASKS = {Profile.VALIDITY: 0x00, Profile.CONCESSION: 0x07, Profile.TRANSIT: 0x0F}
_SIGNERS = {"EdDSA": Suite.ED25519, "SM2SM3": Suite.SM2}

# The catalog's built-in scenarios and their profiles, for callers that name only the scenario
# (yikatong verify, the vectors). The catalog decides for published ones: callers pass
# profile=profile_for_scenario(...) from the scenario definition they hold.
BUILT_IN_PROFILES: dict[str, Profile] = {
    "hospital_registration": Profile.VALIDITY,
    "transit_ride": Profile.TRANSIT,
    "library_entry": Profile.VALIDITY,
    "scenic_entry": Profile.CONCESSION,
    "counter_service": Profile.VALIDITY,
    "certificate_check": Profile.VALIDITY,
}


def profile_for_scenario(needs_transport: bool, discloses_concessions: bool) -> Profile:
    """The profile a scenario uses: transit if it needs transport, concession if it discloses
    concessions, validity otherwise (scenarios with offline=False are never verified offline)."""
    if needs_transport:
        return Profile.TRANSIT
    if discloses_concessions:
        return Profile.CONCESSION
    return Profile.VALIDITY


def scenario_tag(name: str) -> bytes:
    """The 4 bytes a code carries for the scenario it was made for: SHA-256("yikatong/scenario/" || name)[:4]."""
    if not isinstance(name, str) or not name or not name.isascii():
        raise ValueError("scenario must be a non-empty ASCII name")
    return hashlib.sha256(SCENARIO_TAG_INFO + name.encode("ascii")).digest()[:4]


class TrustedKey(msgspec.Struct, frozen=True):
    """An issuer key of the trust list: its algorithm and its public key (Ed25519 raw 32 bytes,
    SM2 compressed 33 bytes; an SM2 point is not checked here, so an unusable one fails its
    signatures as bad_signature)."""

    alg: Literal["EdDSA", "SM2SM3"]
    public: bytes


class CredentialV2(msgspec.Struct, frozen=True, kw_only=True):
    """The fields of a format-2 credential (parsed, not verified)."""

    suite: Suite
    issuer_kid: bytes
    cred_ref: bytes
    profile: Profile
    region: int
    nbf: int
    exp: int
    attrs: int
    device_pub: bytes
    signature: bytes

    @property
    def kid(self) -> str:
        return self.issuer_kid.hex()


class OfflineCheckV2(msgspec.Struct, frozen=True, kw_only=True):
    """Outcome of verify_offline_v2; a field is set only once the signature covering it verified.

    cred_ref, suite, profile, region, nbf, exp, attrs and kid need the issuer signature;
    scenario (the code's tag, hex), t and code_id also need the device signature. A scanner
    shows only what the profile discloses: validity -> valid until exp; concession and
    transit -> also the attribute bits.
    """

    result: Result
    cred_ref: bytes | None = None
    suite: int | None = None
    profile: int | None = None
    region: int | None = None
    nbf: int | None = None
    exp: int | None = None
    attrs: int | None = None
    kid: str | None = None
    scenario: str | None = None
    t: int | None = None
    code_id: str | None = None


# --- signatures by suite -----------------------------------------------------------------


def _sign(suite: Suite, private: bytes, message: bytes) -> bytes:
    if suite is Suite.ED25519:
        return ed25519.sign(private, message)
    return sm2.sign(private, message)


def _verify(suite: Suite, public: bytes, message: bytes, signature: bytes) -> bool:
    """Never raises: an off-curve or small-order key just fails (section 5.5 for Ed25519)."""
    if suite is Suite.ED25519:
        return ed25519.verify(public, message, signature)
    return sm2.verify(public, message, signature)


def _public_of(suite: Suite, private: bytes) -> bytes:
    if suite is Suite.ED25519:
        return ed25519.public_from_seed(private)
    return sm2.public_from_private(private)


def _valid_public(suite: Suite, public: bytes) -> bool:
    if suite is Suite.ED25519:
        return ed25519.is_valid_public(public)
    return sm2.is_valid_public(public)


def _suite(value: Any) -> Suite:
    """A Suite from 1 | 2, "ed25519" | "sm2" or a Suite; ValueError otherwise."""
    if isinstance(value, str):
        names = {"ed25519": Suite.ED25519, "sm2": Suite.SM2}
        if value in names:
            return names[value]
    elif isinstance(value, int) and not isinstance(value, bool) and value in (1, 2):
        return Suite(value)
    raise ValueError("suite must be 1 (Ed25519) or 2 (SM2)")


def _profile(value: Any) -> Profile:
    """A Profile from 1..3, "validity" | "concession" | "transit" or a Profile; ValueError otherwise."""
    if isinstance(value, str):
        for profile in Profile:
            if profile.label == value:
                return profile
    elif isinstance(value, int) and not isinstance(value, bool) and value in (1, 2, 3):
        return Profile(value)
    raise ValueError("profile must be 1 (validity), 2 (concession) or 3 (transit)")


# --- credential --------------------------------------------------------------------------


def make_credential_v2(
    *,
    suite: Suite | int | str,
    issuer_kid: bytes,
    issuer_private: bytes,
    cred_ref: bytes,
    profile: Profile | int | str,
    region: int,
    nbf: int,
    exp: int,
    attrs: int,
    device_pub: bytes,
) -> bytes:
    """The credential (123 bytes Ed25519, 124 SM2) binding one-time `device_pub` to `cred_ref`
    for one profile and slot, signed by the issuer key. SM2 signatures are randomized: two
    calls give different bytes (both valid)."""
    suite, profile = _suite(suite), _profile(profile)
    issuer_kid = _bytes_of("issuer_kid", issuer_kid, 4)
    issuer_private = _bytes_of("issuer_private", issuer_private, 32)
    cred_ref = _bytes_of("cred_ref", cred_ref, 8)
    region = _uint("region", region, _REGION_MAX)
    nbf, exp = _uint("nbf", nbf, _UINT32_MAX), _uint("exp", exp, _UINT32_MAX)
    attrs = _uint("attrs", attrs, 0xFF)
    device_pub = _bytes_of("device_pub", device_pub, suite.public_size)
    if nbf >= exp:
        raise ValueError("nbf must be before exp")
    if attrs & ~profile.mask:
        raise ValueError(f"attrs 0x{attrs:02x} outside the {profile.label} profile's mask 0x{profile.mask:02x}")
    if not _valid_public(suite, device_pub):
        # A small-order, off-curve or infinite device key could make forged device signatures pass.
        raise ValueError("device_pub is not a valid public key of the suite")
    signed = _HEAD.pack(VERSION, suite, issuer_kid, cred_ref, profile, region.to_bytes(3, "big"), nbf, exp, attrs)
    signed += device_pub
    return signed + _sign(suite, issuer_private, CREDENTIAL_TAG + signed)


def parse_credential_v2(raw: bytes) -> CredentialV2:
    """Split a format-2 credential into its fields (signatures NOT checked); ValueError if it is
    not one (version, suite, length, profile, attrs within the mask)."""
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        raise ValueError("credential must be bytes")
    raw = bytes(raw)
    if len(raw) < 2 or raw[0] != VERSION or raw[1] not in (1, 2):
        raise ValueError("not a format-2 credential (version 2, suite 1 or 2)")
    suite = Suite(raw[1])
    if len(raw) != suite.credential_len:
        raise ValueError(f"a suite-{suite.value} credential is {suite.credential_len} bytes")
    cred = _unpack(raw, suite)
    if cred is None:
        raise ValueError("bad profile, or attrs outside the profile's mask")
    return cred


def _unpack(raw: bytes, suite: Suite) -> CredentialV2 | None:
    """The fields of a credential of the right length; None for a bad profile or attrs."""
    _ver, _suite_byte, kid, cred_ref, profile, region, nbf, exp, attrs = _HEAD.unpack_from(raw)
    if profile not in (1, 2, 3) or attrs & ~_MASKS[Profile(profile)]:
        return None
    end = HEAD_LEN + suite.public_size
    return CredentialV2(
        suite=suite,
        issuer_kid=kid,
        cred_ref=cred_ref,
        profile=Profile(profile),
        region=int.from_bytes(region, "big"),
        nbf=nbf,
        exp=exp,
        attrs=attrs,
        device_pub=raw[HEAD_LEN:end],
        signature=raw[end : end + SIGNATURE_LEN],
    )


# --- code --------------------------------------------------------------------------------


def make_offline_code_v2(credential: bytes, device_private: bytes, scenario: str, t: int) -> str:
    """The code the phone shows at time `t` for `scenario`, signed with the credential's one-time key."""
    cred = parse_credential_v2(credential)
    device_private = _bytes_of("device_private", device_private, 32)
    t = _uint("t", t, _UINT32_MAX)
    if _public_of(cred.suite, device_private) != cred.device_pub:
        raise ValueError("device_private does not belong to the device key in the credential")
    signed = bytes(credential) + scenario_tag(scenario) + t.to_bytes(4, "big")
    return PREFIX + base45.encode(signed + _sign(cred.suite, device_private, DEVICE_TAG + signed))


def verify_offline_v2(
    text: str,
    *,
    trust: Mapping[str, TrustedKey],
    scenario: str,
    now: int,
    skew: int = DEFAULT_SKEW,
    revoked_credentials: Mapping[str, str] | None = None,
    profile: Profile | int | str | None = None,
) -> OfflineCheckV2:
    """Check a YKD2 code at a verifier of `scenario`; never raises on `text` or the trust list.

    `profile` is the one the scenario uses; None takes it from BUILT_IN_PROFILES (ValueError
    for a scenario not there: pass profile_for_scenario(...) of the catalog's definition).
    `revoked_credentials` maps cred_ref hex -> "suspended" | "cancelled" | "revoked". The first
    failing step decides (docs/qr-format.md, format 2 verification).
    """
    _check_clock(now, skew)
    want_tag = scenario_tag(scenario)
    if profile is None:
        if scenario not in BUILT_IN_PROFILES:
            raise ValueError(f"no built-in profile for scenario {scenario!r}: pass profile=")
        want_profile = BUILT_IN_PROFILES[scenario]
    else:
        want_profile = _profile(profile)
    parsed = _parse_code(text)
    if parsed is None:
        return OfflineCheckV2(result=Result.MALFORMED)
    body, cred = parsed
    suite, cred_len = cred.suite, cred.suite.credential_len
    # 6: a key of this kid and of the suite's algorithm
    key = trust.get(cred.kid)
    if not isinstance(key, TrustedKey) or _SIGNERS.get(key.alg) is not suite:
        return OfflineCheckV2(result=Result.UNKNOWN_KEY)
    # 7: the issuer signature
    signed_len = cred_len - SIGNATURE_LEN
    if not _verify(suite, key.public, CREDENTIAL_TAG + body[:signed_len], cred.signature):
        return OfflineCheckV2(result=Result.BAD_SIGNATURE)
    fields: dict[str, Any] = {
        "cred_ref": cred.cred_ref,
        "suite": int(suite),
        "profile": int(cred.profile),
        "region": cred.region,
        "nbf": cred.nbf,
        "exp": cred.exp,
        "attrs": cred.attrs,
        "kid": cred.kid,
    }
    # 8-9: the credential's slot
    failed = _time_result(now, cred.nbf, cred.exp, skew)
    if failed:
        return OfflineCheckV2(result=failed, **fields)
    # 10: the device signature over credential || scenario || t
    code_end = cred_len + 8
    if not _verify(suite, cred.device_pub, DEVICE_TAG + body[:code_end], body[code_end:]):
        return OfflineCheckV2(result=Result.BAD_SIGNATURE, **fields)
    tag, t = body[cred_len : cred_len + 4], int.from_bytes(body[cred_len + 4 : code_end], "big")
    fields.update(scenario=tag.hex(), t=t, code_id=hashlib.sha256(body).digest()[:16].hex())
    # 11: made for this scenario, with the profile this scenario uses
    if tag != want_tag or cred.profile is not want_profile:
        return OfflineCheckV2(result=Result.WRONG_SCENARIO, **fields)
    # 12-13: the code's own minute; 14: the credential's status in the held list
    failed = _time_result(now, t, t + CODE_LIFETIME, skew)
    failed = failed or _credential_status(cred.cred_ref.hex(), revoked_credentials)
    return OfflineCheckV2(result=failed or Result.VALID, **fields)


def _parse_code(text: object) -> tuple[bytes, CredentialV2] | None:
    """Steps 1-5: (body, credential fields) of a well-formed YKD2 text, else None (malformed):
    the text, its base45, version, suite, length by suite, profile and attrs within its mask."""
    body = _decode_body(text, PREFIX, None)
    if body is None or len(body) < 2 or body[0] != VERSION or body[1] not in (1, 2):
        return None
    suite = Suite(body[1])
    if len(body) != suite.body_len:
        return None
    cred = _unpack(body[: suite.credential_len], suite)
    return None if cred is None else (body, cred)


def is_well_formed_v2(text: object) -> bool:
    """Whether `text` passes the malformed steps of format 2 (nothing is verified)."""
    return _parse_code(text) is not None


def _credential_status(ref: str, revoked: Mapping[str, str] | None) -> Result | None:
    status = (revoked or {}).get(ref)
    if status is None:
        return None
    if status == "cancelled":
        return Result.CARD_CANCELLED
    if status == "revoked":
        return Result.DEVICE_REVOKED
    return Result.CARD_SUSPENDED  # "suspended", and any status we do not know: fail closed


def device_key_id_v2(device_pub: bytes) -> str:
    """hex(SHA-256(one-time device public key)[:8]): the server's OfflineCredential.key_id."""
    if not isinstance(device_pub, (bytes, bytearray)) or len(device_pub) not in (ed25519.PUBLIC_SIZE, sm2.PUBLIC_SIZE):
        raise ValueError("device_pub must be 32 (Ed25519) or 33 (SM2) bytes")
    return hashlib.sha256(bytes(device_pub)).digest()[:8].hex()


# --- revocation list with credentials ------------------------------------------------------

RevocationsV2 = tuple[int, dict[str, str], set[str], dict[str, str]]  # + cred_ref hex -> status


def revocation_v2_from_json(doc: Mapping[str, Any]) -> RevocationsV2:
    """(version, cards, devices, credentials) of a full list; a list without `credentials` (an
    older server) has none. ValueError if malformed (keep the previous list)."""
    version, cards, devices = revocation_from_json(doc)
    credentials = doc.get("credentials", {})
    if not isinstance(credentials, Mapping):
        raise ValueError("'credentials' must be an object")
    for ref, status in credentials.items():
        if not _is_hex(ref, 16) or status not in CREDENTIAL_STATUSES:
            raise ValueError(f"bad credential entry {ref!r}: {status!r}")
    return version, cards, devices, dict(credentials)


def apply_revocation_update_v2(held: RevocationsV2 | None, doc: Mapping[str, Any]) -> RevocationsV2:
    """The lists after the server's answer to ?since=<held version> (a full list or a delta, with
    changes of kind "credential" too); ValueError when it cannot apply (keep `held`)."""
    if not isinstance(doc, Mapping):
        raise ValueError("revocation list must be a JSON object")
    if doc.get("full") is not False:
        return revocation_v2_from_json(doc)
    if held is None:
        raise ValueError("a delta needs a held list; fetch the full list")
    _uint("version", doc.get("version"), _MAX_REVOCATION_VERSION)
    return apply_delta(held[0], held[1], held[2], held[3], doc)


# --- trust list --------------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url_32(text: Any) -> bytes | None:
    """32 bytes from canonical unpadded base64url, else None (one key, one spelling)."""
    if not isinstance(text, str) or not _B64URL_32.fullmatch(text):
        return None
    raw = base64.urlsafe_b64decode(text + "=")
    return raw if _b64url(raw) == text else None


def jwk_from_sm2_public(kid: str, public: bytes, nbf: int, exp: int, publish_until: int | None = None) -> dict[str, Any]:
    """The JWK of an SM2 issuer key: kty EC, crv SM2, x and y (32 bytes each), alg SM2SM3."""
    if not isinstance(kid, str) or not _KID_HEX.fullmatch(kid):
        raise ValueError("kid must be 8 lowercase hex characters")
    public = _bytes_of("public", public, sm2.PUBLIC_SIZE)
    if not sm2.is_valid_public(public):
        raise ValueError("not a valid SM2 public key")
    xy = sm2.decompress(public)
    jwk: dict[str, Any] = {
        "kty": "EC",
        "crv": "SM2",
        "x": _b64url(xy[:32]),
        "y": _b64url(xy[32:]),
        "kid": kid,
        "use": "sig",
        "alg": "SM2SM3",
        "nbf": nbf,
        "exp": exp,
    }
    if publish_until is not None:
        jwk["yk_publish_until"] = publish_until
    return jwk


def _trusted_key_v2(jwk: Any) -> tuple[str, TrustedKey] | None:
    """(kid, key) of one JWK: a well-formed Ed25519 or SM2 signing key, else None."""
    if not isinstance(jwk, Mapping) or jwk.get("use") != "sig":
        return None
    kid = jwk.get("kid")
    if not isinstance(kid, str) or not _KID_HEX.fullmatch(kid):
        return None
    if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519" and jwk.get("alg", "EdDSA") == "EdDSA":
        x = _unb64url_32(jwk.get("x"))
        return None if x is None else (kid, TrustedKey("EdDSA", x))
    if jwk.get("kty") == "EC" and jwk.get("crv") == "SM2" and jwk.get("alg", "SM2SM3") == "SM2SM3":
        x, y = _unb64url_32(jwk.get("x")), _unb64url_32(jwk.get("y"))
        if x is None or y is None:
            return None
        # Compressed by y's parity without checking the point: an unusable key stays listed,
        # so its codes are bad_signature (not unknown_key), as an unusable Ed25519 key's are.
        return kid, TrustedKey("SM2SM3", bytes([2 + (y[-1] & 1)]) + x)
    return None


def trust_from_jwks_v2(doc: Any) -> dict[str, TrustedKey]:
    """kid -> TrustedKey for every usable Ed25519 and SM2 signing key of a JWK Set (use sig
    required); a kid listed twice with different keys (or algorithms) is dropped."""
    keys = doc.get("keys") if isinstance(doc, Mapping) else None
    trust: dict[str, TrustedKey] = {}
    conflicted: set[str] = set()
    for jwk in keys if isinstance(keys, list) else ():
        entry = _trusted_key_v2(jwk)
        if entry is None:
            continue
        kid, key = entry
        if trust.get(kid, key) != key:
            conflicted.add(kid)
        trust[kid] = key
    return {kid: key for kid, key in trust.items() if kid not in conflicted}


def retired_formats(doc: Any) -> dict[str, int]:
    """The trust list's yk_retired_formats ({"YKD1": unix seconds}); malformed entries are skipped."""
    formats = doc.get("yk_retired_formats") if isinstance(doc, Mapping) else None
    if not isinstance(formats, Mapping):
        return {}
    return {
        name: at
        for name, at in formats.items()
        if isinstance(name, str) and isinstance(at, int) and not isinstance(at, bool) and 0 <= at <= _UINT32_MAX
    }


# Format-2 body lengths, named once (format.py holds them for code_id_of).
assert OFFLINE_V2_BODY_LENS == (Suite.ED25519.body_len, Suite.SM2.body_len)
