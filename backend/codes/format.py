"""Byte formats of the online (YKO1) and offline (YKD1) QR codes: make, parse, verify; no I/O."""

# The normative description is docs/qr-format.md; tests/vectors/*.json are its test vectors.
# Format 2 of the offline code (YKD2) lives in format_v2.py, which builds on the helpers here;
# kind_of and code_id_of know its prefix so that every caller reads any code's kind and id.

from __future__ import annotations

import base64
import enum
import functools
import hashlib
import hmac
import re
import secrets
import struct
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import msgspec
from Crypto.Cipher import AES

from backend.lib import base45, ed25519

if TYPE_CHECKING:
    from Crypto.Cipher._mode_ecb import EcbMode

# --- shared constants -------------------------------------------------------------------

ONLINE_PREFIX = "YKO1:"
OFFLINE_PREFIX = "YKD1:"
OFFLINE_V2_PREFIX = "YKD2:"
OFFLINE_V2_BODY_LENS = (195, 196)  # format 2 body by suite: Ed25519, SM2 (format_v2.py)
MAX_TEXT_LEN = 1000  # longer input is rejected before any decoding work is spent on it
DEFAULT_SKEW = 5  # seconds of clock difference tolerated between phone, venue and server
CODE_LIFETIME = 60  # seconds a displayed code (online iat / offline t) stays valid
ONLINE_MAX_CHARS = 61  # alphanumeric capacity of QR version 3 at error correction M
OFFLINE_MAX_CHARS = 311  # alphanumeric capacity of QR version 10 at error correction M

# Online body: kid(1) || E(16) || T(12)
ONLINE_BODY_LEN = 29
ONLINE_TAG_LEN = 12
ONLINE_ENC_INFO = b"yikatong online enc v1"
ONLINE_MAC_INFO = b"yikatong online mac v1"

# Offline credential: the signed part, then the issuer signature
CREDENTIAL_VERSION = 1
CREDENTIAL_SIGNED_LEN = 57
CREDENTIAL_LEN = CREDENTIAL_SIGNED_LEN + ed25519.SIGNATURE_SIZE  # 121
OFFLINE_BODY_LEN = CREDENTIAL_LEN + 4 + ed25519.SIGNATURE_SIZE  # 189
CREDENTIAL_TAG = b"YKC1"  # domain separation: an issuer signature can never pass as a device one
DEVICE_TAG = b"YKD1"
_CREDENTIAL_STRUCT = struct.Struct(">B4s8s3sIIB32s")  # ver kid card_ref region nbf exp flags device_pub
_KID_HEX = re.compile(r"[0-9a-f]{8}")
_B64URL_32 = re.compile(r"[A-Za-z0-9_-]{43}")
_UINT32_MAX = 0xFFFFFFFF
_REGION_MAX = 999_999


class Result(str, enum.Enum):
    """Outcome of checking a code; the same vocabulary is used by the server and the apps."""

    VALID = "valid"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    REPLAYED = "replayed"  # decided by the server (code id seen before)
    BAD_SIGNATURE = "bad_signature"
    UNKNOWN_KEY = "unknown_key"
    CARD_SUSPENDED = "card_suspended"
    CARD_CANCELLED = "card_cancelled"
    DEVICE_REVOKED = "device_revoked"
    SCENARIO_NOT_ALLOWED = "scenario_not_allowed"  # decided by the server (venue policy)
    MALFORMED = "malformed"
    # decided by the server: the e-card's holder was proven less surely than the scenario asks
    # (the catalog's min_assurance; an offline credential does not carry the level)
    ASSURANCE_TOO_LOW = "assurance_too_low"
    # format 2: the code was made for another scenario, or its credential's profile is not the
    # one this scenario uses (a validity credential shown at a metro gate)
    WRONG_SCENARIO = "wrong_scenario"
    # a well-formed code of a format past its retirement date (YKD1 after offline_v1_retire_at)
    FORMAT_RETIRED = "format_retired"

    def __str__(self) -> str:
        # Log lines, templates and f-strings want "expired", not "Result.EXPIRED".
        return self.value


class Flags(enum.IntFlag):
    """Concession bits of a credential; bits 4..7 are reserved (issued as 0, ignored on read)."""

    ELDERLY = 0x01
    DISABILITY = 0x02
    VETERAN = 0x04
    TRANSPORT = 0x08


KNOWN_FLAGS = 0x0F


class OnlineCheck(msgspec.Struct, frozen=True, kw_only=True):
    """Outcome of verify_online; the fields are set only once the MAC has been verified."""

    result: Result
    card_ref: bytes | None = None
    iat: int | None = None
    code_id: str | None = None


class OfflineCheck(msgspec.Struct, frozen=True, kw_only=True):
    """Outcome of verify_offline; a field is set only once the signature covering it verified.

    card_ref, region, flags, nbf, exp and device_key_id need the issuer signature;
    t and code_id also need the device signature.
    """

    result: Result
    card_ref: bytes | None = None
    region: int | None = None
    flags: int | None = None
    nbf: int | None = None
    exp: int | None = None
    t: int | None = None
    device_key_id: str | None = None
    code_id: str | None = None


class Credential(msgspec.Struct, frozen=True, kw_only=True):
    """The fields of a 121-byte offline credential (parsed, not verified)."""

    ver: int
    issuer_kid: bytes
    card_ref: bytes
    region: int
    nbf: int
    exp: int
    flags: int
    device_pub: bytes
    signature: bytes

    @property
    def kid(self) -> str:
        """The issuer key id as in the JWKS: 8 lowercase hex characters."""
        return self.issuer_kid.hex()


# --- common helpers -----------------------------------------------------------------------


def kind_of(text: str) -> str | None:
    """Which verifier a text is for, by its case-sensitive prefix: "online", "offline" (YKD1),
    "offline2" (YKD2) or None."""
    if not isinstance(text, str):
        return None
    if text.startswith(ONLINE_PREFIX):
        return "online"
    if text.startswith(OFFLINE_PREFIX):
        return "offline"
    if text.startswith(OFFLINE_V2_PREFIX):
        return "offline2"
    return None


def device_key_id(pub: bytes) -> str:
    """Id of a device public key for revocation lists: hex of the first 8 bytes of SHA-256(pub)."""
    pub = _bytes_of("device public key", pub, ed25519.PUBLIC_SIZE)
    return hashlib.sha256(pub).digest()[:8].hex()


def code_id_of(text: str) -> str | None:
    """The id a verifier claims a code by (32 hex digits), read from the code's text without
    checking it: E of an online code, SHA-256(body)[:16] of an offline one (either format);
    None if malformed. The wallet uses it to ask whether the code it shows has been used."""
    online = _decode_body(text, ONLINE_PREFIX, ONLINE_BODY_LEN)
    if online is not None:
        return online[1:17].hex()
    offline = _decode_body(text, OFFLINE_PREFIX, OFFLINE_BODY_LEN)
    if offline is None:
        offline = _decode_body(text, OFFLINE_V2_PREFIX, OFFLINE_V2_BODY_LENS)
    if offline is not None:
        return hashlib.sha256(offline).digest()[:16].hex()
    return None


def _decode_body(text: object, prefix: str, length: int | tuple[int, ...] | None) -> bytes | None:
    """The body behind `prefix` if `text` is well-formed base45 of exactly `length` bytes (one of
    them, for a tuple; any, for None)."""
    if not isinstance(text, str) or len(text) > MAX_TEXT_LEN or not text.startswith(prefix):
        return None
    try:
        body = base45.decode(text[len(prefix) :])
    except ValueError:
        return None
    if length is None or len(body) == length or (isinstance(length, tuple) and len(body) in length):
        return body
    return None


def _time_result(now: int, start: int, end: int, skew: int) -> Result | None:
    """NOT_YET_VALID / EXPIRED when `now` is outside [start - skew, end + skew], else None."""
    if now < start - skew:
        return Result.NOT_YET_VALID
    if now > end + skew:
        return Result.EXPIRED
    return None


def _check_clock(now: int, skew: int) -> None:
    """Times are whole seconds: a fractional `now` (time.time()) or a negative or non-integer
    skew is a caller bug, not a property of the scanned text. Floor the clock before calling."""
    if not isinstance(now, int) or isinstance(now, bool):
        raise ValueError("now must be whole Unix seconds (an int): floor the clock")
    if not isinstance(skew, int) or isinstance(skew, bool) or skew < 0:
        raise ValueError("skew must be a non-negative number of seconds")


def _bytes_of(name: str, value: Any, size: int) -> bytes:
    """`value` as bytes of exactly `size`, else ValueError (arguments from our own callers)."""
    if not isinstance(value, (bytes, bytearray, memoryview)) or len(bytes(value)) != size:
        raise ValueError(f"{name} must be {size} bytes")
    return bytes(value)


def _uint(name: str, value: Any, maximum: int) -> int:
    """`value` if it is an int in [0, maximum], else ValueError."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= maximum:
        raise ValueError(f"{name} must be an integer in [0, {maximum}]")
    return value


# --- online code --------------------------------------------------------------------------


OnlineSuite = Literal["aes", "sm4"]
ONLINE_SUITES: tuple[OnlineSuite, ...] = ("aes", "sm4")
# An online secret as the keyring hands it over: bare bytes are the "aes" suite (as before issue
# 18), a pair names its suite.
OnlineMaster = bytes | tuple[str, bytes]


def _online_keys(master: bytes) -> tuple[bytes, bytes]:
    """(k_enc, k_mac) of one online master secret; separate keys so AES and HMAC never share one."""
    k_enc = hmac.new(master, ONLINE_ENC_INFO, hashlib.sha256).digest()
    k_mac = hmac.new(master, ONLINE_MAC_INFO, hashlib.sha256).digest()
    return k_enc, k_mac


class _OnlineCodec(NamedTuple):
    """The three operations an online code needs, whatever the suite."""

    encrypt: Callable[[bytes], bytes]
    decrypt: Callable[[bytes], bytes]
    tag: Callable[[bytes], bytes]  # T of "YKO1:" || kid || E, given kid || E


@functools.lru_cache(maxsize=16)
def _sm4_codec(master: bytes) -> _OnlineCodec:
    """The SM suite (docs/qr-format.md 4.3): SM4 under HMAC-SM3(master, enc info)[:16], the tag
    HMAC-SM3 under HMAC-SM3(master, mac info), truncated to 12 bytes like the AES suite's."""
    from backend.lib import sm3sm4

    k_enc = sm3sm4.hmac_sm3(master, ONLINE_ENC_INFO)[:16]
    k_mac = sm3sm4.hmac_sm3(master, ONLINE_MAC_INFO)
    prefix = ONLINE_PREFIX.encode()
    return _OnlineCodec(
        encrypt=functools.partial(sm3sm4.sm4_ecb_encrypt_block, k_enc),
        decrypt=functools.partial(sm3sm4.sm4_ecb_decrypt_block, k_enc),
        tag=lambda head: sm3sm4.hmac_sm3(k_mac, prefix + head)[:ONLINE_TAG_LEN],
    )


@functools.lru_cache(maxsize=16)
def _aes_codec(master: bytes) -> _OnlineCodec:
    cipher, mac = _online_primitives(master)
    return _OnlineCodec(encrypt=cipher.encrypt, decrypt=cipher.decrypt, tag=functools.partial(_online_tag, mac))


def _online_codec(master: OnlineMaster) -> _OnlineCodec | None:
    """The codec of one secret as the keyring gives it (bytes, or (suite, bytes)); None when the
    suite is unknown or the secret is not 32 bytes (that secret verifies nothing)."""
    suite, secret = ("aes", master) if isinstance(master, (bytes, bytearray)) else master
    if not isinstance(secret, (bytes, bytearray)) or len(secret) != 32:
        return None
    if suite == "aes":
        return _aes_codec(bytes(secret))
    if suite == "sm4":
        return _sm4_codec(bytes(secret))
    return None


@functools.lru_cache(maxsize=16)
def _online_primitives(master: bytes) -> tuple[EcbMode, hmac.HMAC]:
    """(AES-ECB cipher under k_enc, HMAC under k_mac keyed but unfed) of one master secret.
    Derived once per secret, not per code: key schedules cost more than the one block and
    the one tag a code needs. ECB keeps no state between calls, and the HMAC is only copied."""
    k_enc, k_mac = _online_keys(master)
    return AES.new(k_enc, AES.MODE_ECB), hmac.new(k_mac, ONLINE_PREFIX.encode(), hashlib.sha256)


def _online_tag(mac: hmac.HMAC, head: bytes) -> bytes:
    """T = HMAC-SHA256(k_mac, "YKO1:" || kid || E), truncated to 12 bytes."""
    mac = mac.copy()
    mac.update(head)
    return mac.digest()[:ONLINE_TAG_LEN]


def mint_online(
    card_ref: bytes,
    *,
    kid: int,
    master: bytes,
    now: int,
    nonce: bytes | None = None,
    suite: OnlineSuite = "aes",
) -> str:
    """A fresh online code for `card_ref`, issued at `now`, under online secret `kid` of `suite`
    ("aes": AES-128 and HMAC-SHA256; "sm4": SM4 and HMAC-SM3).

    `nonce` (4 bytes) is random unless given; tests fix it to get deterministic codes.
    """
    card_ref = _bytes_of("card_ref", card_ref, 8)
    kid = _uint("kid", kid, 0xFF)
    master = _bytes_of("master", master, 32)
    now = _uint("now", now, _UINT32_MAX)
    nonce = secrets.token_bytes(4) if nonce is None else _bytes_of("nonce", nonce, 4)
    if suite not in ONLINE_SUITES:
        raise ValueError(f"online suite must be one of {ONLINE_SUITES}")
    codec = _online_codec((suite, master))
    assert codec is not None  # a known suite and a 32-byte secret, both checked above
    # One cipher block with a unique (card, second, nonce) plaintext: ECB leaks nothing here and
    # keeps the code small; every code looks random, so codes cannot be linked to a card.
    e = codec.encrypt(card_ref + now.to_bytes(4, "big") + nonce)
    head = bytes([kid]) + e
    return ONLINE_PREFIX + base45.encode(head + codec.tag(head))


def verify_online(text: str, *, masters: Mapping[int, OnlineMaster], now: int, skew: int = DEFAULT_SKEW) -> OnlineCheck:
    """Check an online code against the online secrets (kid -> 32-byte master, or kid ->
    (suite, master) with suite "aes" or "sm4"). Never raises on `text`."""
    _check_clock(now, skew)
    body = _decode_body(text, ONLINE_PREFIX, ONLINE_BODY_LEN)
    if body is None:
        return OnlineCheck(result=Result.MALFORMED)
    master = masters.get(body[0])
    codec = None if master is None else _online_codec(master)
    if codec is None:
        return OnlineCheck(result=Result.UNKNOWN_KEY)
    head, tag = body[:17], body[17:]
    if not hmac.compare_digest(codec.tag(head), tag):
        return OnlineCheck(result=Result.BAD_SIGNATURE)
    e = head[1:]
    plain = codec.decrypt(e)
    card_ref, iat = plain[:8], int.from_bytes(plain[8:12], "big")
    result = _time_result(now, iat, iat + CODE_LIFETIME, skew) or Result.VALID
    return OnlineCheck(result=result, card_ref=card_ref, iat=iat, code_id=e.hex())


# --- offline credential -------------------------------------------------------------------


def make_credential(
    *,
    issuer_kid: bytes,
    issuer_seed: bytes,
    card_ref: bytes,
    region: int,
    nbf: int,
    exp: int,
    flags: int,
    device_pub: bytes,
) -> bytes:
    """The 121-byte credential binding `device_pub` to `card_ref`, signed by the issuer key."""
    issuer_kid = _bytes_of("issuer_kid", issuer_kid, 4)
    issuer_seed = _bytes_of("issuer_seed", issuer_seed, ed25519.SEED_SIZE)
    card_ref = _bytes_of("card_ref", card_ref, 8)
    region = _uint("region", region, _REGION_MAX)
    nbf, exp = _uint("nbf", nbf, _UINT32_MAX), _uint("exp", exp, _UINT32_MAX)
    flags = _uint("flags", flags, KNOWN_FLAGS)
    device_pub = _bytes_of("device_pub", device_pub, ed25519.PUBLIC_SIZE)
    if nbf >= exp:
        raise ValueError("nbf must be before exp")
    if not ed25519.is_valid_public(device_pub):
        # A small-order or off-curve device key could make forged device signatures pass.
        raise ValueError("device_pub is not a valid Ed25519 public key")
    signed = _CREDENTIAL_STRUCT.pack(
        CREDENTIAL_VERSION, issuer_kid, card_ref, region.to_bytes(3, "big"), nbf, exp, flags, device_pub
    )
    return signed + ed25519.sign(issuer_seed, CREDENTIAL_TAG + signed)


def parse_credential(raw: bytes) -> Credential:
    """Split a 121-byte version-1 credential into its fields (the signature is NOT checked)."""
    raw = _bytes_of("credential", raw, CREDENTIAL_LEN)
    if raw[0] != CREDENTIAL_VERSION:
        raise ValueError(f"unsupported credential version {raw[0]}")
    return _unpack_credential(raw)


def _unpack_credential(raw: bytes) -> Credential:
    ver, kid, card_ref, region, nbf, exp, flags, device_pub = _CREDENTIAL_STRUCT.unpack(raw[:CREDENTIAL_SIGNED_LEN])
    return Credential(
        ver=ver,
        issuer_kid=kid,
        card_ref=card_ref,
        region=int.from_bytes(region, "big"),
        nbf=nbf,
        exp=exp,
        flags=flags,
        device_pub=device_pub,
        signature=raw[CREDENTIAL_SIGNED_LEN:CREDENTIAL_LEN],
    )


# --- offline code -------------------------------------------------------------------------


def make_offline_code(credential: bytes, device_seed: bytes, t: int) -> str:
    """The offline code the phone shows at time `t`, signed with the device key of the credential."""
    cred = parse_credential(credential)
    device_seed = _bytes_of("device_seed", device_seed, ed25519.SEED_SIZE)
    t = _uint("t", t, _UINT32_MAX)
    if ed25519.public_from_seed(device_seed) != cred.device_pub:
        raise ValueError("device_seed does not belong to the device key in the credential")
    signed = bytes(credential) + t.to_bytes(4, "big")
    return OFFLINE_PREFIX + base45.encode(signed + ed25519.sign(device_seed, DEVICE_TAG + signed))


def verify_offline(
    text: str,
    *,
    trust: Mapping[str, bytes],
    now: int,
    skew: int = DEFAULT_SKEW,
    revoked_cards: Mapping[str, str] | None = None,
    revoked_devices: Collection[str] | None = None,
    retire_at: int | None = None,
) -> OfflineCheck:
    """Check an offline code with the trust list (kid hex -> issuer public key). Never raises on `text`.

    `revoked_cards` maps card_ref hex -> "suspended" | "cancelled"; `revoked_devices` holds
    device key ids. From `retire_at` (Unix seconds; the trust list's yk_retired_formats.YKD1)
    on, a well-formed code is `format_retired`. The first failing step decides the result; see
    docs/qr-format.md.
    """
    _check_clock(now, skew)
    if retire_at is not None and (not isinstance(retire_at, int) or isinstance(retire_at, bool)):
        raise ValueError("retire_at must be whole Unix seconds (an int) or None")
    body = _decode_body(text, OFFLINE_PREFIX, OFFLINE_BODY_LEN)
    if body is None or body[0] != CREDENTIAL_VERSION:
        return OfflineCheck(result=Result.MALFORMED)
    if retire_at is not None and now >= retire_at:
        # Before any key or signature: a retired format is refused whoever signed it.
        return OfflineCheck(result=Result.FORMAT_RETIRED)
    raw_cred, signed = body[:CREDENTIAL_LEN], body[: CREDENTIAL_LEN + 4]
    cred = _unpack_credential(raw_cred)
    issuer_pub = trust.get(cred.kid)
    if issuer_pub is None:
        return OfflineCheck(result=Result.UNKNOWN_KEY)
    if not ed25519.verify(issuer_pub, CREDENTIAL_TAG + raw_cred[:CREDENTIAL_SIGNED_LEN], cred.signature):
        return OfflineCheck(result=Result.BAD_SIGNATURE)
    fields: dict[str, Any] = {
        "card_ref": cred.card_ref,
        "region": cred.region,
        "flags": cred.flags,
        "nbf": cred.nbf,
        "exp": cred.exp,
        "device_key_id": device_key_id(cred.device_pub),
    }
    failed = _time_result(now, cred.nbf, cred.exp, skew)
    if failed:
        return OfflineCheck(result=failed, **fields)
    if not ed25519.verify(cred.device_pub, DEVICE_TAG + signed, body[CREDENTIAL_LEN + 4 :]):
        return OfflineCheck(result=Result.BAD_SIGNATURE, **fields)
    t = int.from_bytes(signed[CREDENTIAL_LEN:], "big")
    fields.update(t=t, code_id=hashlib.sha256(body).digest()[:16].hex())
    failed = _time_result(now, t, t + CODE_LIFETIME, skew)
    failed = failed or _revocation_result(cred.card_ref.hex(), fields["device_key_id"], revoked_cards, revoked_devices)
    return OfflineCheck(result=failed or Result.VALID, **fields)


def _revocation_result(
    card: str, device: str, revoked_cards: Mapping[str, str] | None, revoked_devices: Collection[str] | None
) -> Result | None:
    """The revocation outcome; the card is checked before the device."""
    status = (revoked_cards or {}).get(card)
    if status is not None:
        # Any listed card is unusable: an unexpected status fails closed as "suspended".
        return Result.CARD_CANCELLED if status == "cancelled" else Result.CARD_SUSPENDED
    if revoked_devices and device in revoked_devices:
        return Result.DEVICE_REVOKED
    return None


Revocations = tuple[int, dict[str, str], set[str]]  # (version, card_ref hex -> status, device key ids)
_MAX_REVOCATION_VERSION = 2**53 - 1  # the largest integer every JSON reader (JavaScript too) keeps exact
_CHANGE_STATUSES = {
    "card": ("active", "suspended", "cancelled"),
    "device": ("active", "revoked"),
    # format 2 (issue 18): one offline credential, by its cred_ref
    "credential": ("active", "suspended", "cancelled", "revoked"),
}
CREDENTIAL_STATUSES = ("suspended", "cancelled", "revoked")


def revocation_from_json(doc: Mapping[str, Any]) -> Revocations:
    """(version, revoked_cards, revoked_devices) of a full revocation list; ValueError if malformed.

    Strict on purpose: a client that cannot read a new list keeps its previous one.
    """
    if not isinstance(doc, Mapping):
        raise ValueError("revocation list must be a JSON object")
    if doc.get("full", True) is not True:
        raise ValueError("this is a delta (full: false), not a full revocation list")
    version = _uint("version", doc.get("version"), _MAX_REVOCATION_VERSION)
    cards, devices = doc.get("cards"), doc.get("devices")
    if not isinstance(cards, Mapping) or not isinstance(devices, list):
        raise ValueError("revocation list needs a 'cards' object and a 'devices' array")
    for card, status in cards.items():
        if not _is_hex(card, 16) or status not in ("suspended", "cancelled"):
            raise ValueError(f"bad card entry {card!r}: {status!r}")
    for device in devices:
        if not _is_hex(device, 16):
            raise ValueError(f"bad device key id {device!r}")
    return version, dict(cards), set(devices)


def apply_revocation_update(held: Revocations | None, doc: Mapping[str, Any]) -> Revocations:
    """The list after the server's answer `doc` to `?since=<held version>`; ValueError if it cannot apply.

    A full list (`full`: true) replaces the held one whatever its version. A delta applies only
    on top of the version it was made from (`since`), its changes in ascending version. On
    ValueError keep `held` and fetch the full list: a delta is never applied in part. Changes
    of kind "credential" (format 2) are checked and left out: format_v2 keeps them.
    """
    if not isinstance(doc, Mapping):
        raise ValueError("revocation list must be a JSON object")
    if doc.get("full") is not False:
        return revocation_from_json(doc)
    if held is None:
        raise ValueError("a delta needs a held list; fetch the full list")
    version, cards, devices, _credentials = apply_delta(held[0], held[1], held[2], {}, doc)
    return version, cards, devices


def apply_delta(
    held_version: int, cards: Mapping[str, str], devices: Collection[str], credentials: Mapping[str, str], doc: Mapping[str, Any]
) -> tuple[int, dict[str, str], set[str], dict[str, str]]:
    """The lists after the delta `doc` (full: false) on top of version `held_version`; ValueError
    (nothing applied) when it does not follow it or any change is bad."""
    version = _uint("version", doc.get("version"), _MAX_REVOCATION_VERSION)
    since = _uint("since", doc.get("since"), _MAX_REVOCATION_VERSION)
    changes = doc.get("changes")
    if since != held_version:
        raise ValueError(f"delta since version {since} does not follow the held list; fetch the full list")
    if version < since or not isinstance(changes, list):
        raise ValueError("delta needs a 'changes' array and a version not below 'since'")
    cards_out, devices_out, credentials_out = dict(cards), set(devices), dict(credentials)
    for change in sorted(_checked_changes(changes, since, version), key=lambda c: c["version"]):
        ref, status, kind = change["ref"], change["status"], change["kind"]
        if kind == "device":
            if status == "revoked":
                devices_out.add(ref)
            else:
                devices_out.discard(ref)
            continue
        held = cards_out if kind == "card" else credentials_out
        if status == "active":
            held.pop(ref, None)
        else:
            held[ref] = status
    return version, cards_out, devices_out, credentials_out


def _checked_changes(changes: list[Any], since: int, version: int) -> list[Mapping[str, Any]]:
    """The changes of a delta, each checked; one bad change refuses the whole delta."""
    for change in changes:
        if not isinstance(change, Mapping):
            raise ValueError("each change must be a JSON object")
        number = _uint("change version", change.get("version"), _MAX_REVOCATION_VERSION)
        kind, ref = change.get("kind"), change.get("ref")
        if not since < number <= version:
            raise ValueError(f"change version {number} is outside ({since}, {version}]")
        if kind not in _CHANGE_STATUSES or not _is_hex(ref, 16) or change.get("status") not in _CHANGE_STATUSES[kind]:
            raise ValueError(f"bad change {kind!r} {ref!r}: {change.get('status')!r}")
    return changes


def _is_hex(value: Any, length: int) -> bool:
    return isinstance(value, str) and len(value) == length and all(c in "0123456789abcdef" for c in value)


# --- JWKS (trust list) --------------------------------------------------------------------


def jwk_from_public(kid: str, pub: bytes, nbf: int, exp: int) -> dict[str, Any]:
    """The JWK of an issuer public key (RFC 8037 OKP / Ed25519)."""
    if not isinstance(kid, str) or not _KID_HEX.fullmatch(kid):
        raise ValueError("kid must be 8 lowercase hex characters")
    pub = _bytes_of("pub", pub, ed25519.PUBLIC_SIZE)
    x = base64.urlsafe_b64encode(pub).rstrip(b"=").decode()
    return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "use": "sig", "alg": "EdDSA", "nbf": nbf, "exp": exp}


def trust_from_jwks(doc: dict[str, Any]) -> dict[str, bytes]:
    """kid -> public key for every usable Ed25519 signing key of a JWK Set; other entries are skipped.

    A kid listed twice with different keys is ambiguous and dropped (unknown_key, not a guess).
    """
    keys = doc.get("keys") if isinstance(doc, Mapping) else None
    trust: dict[str, bytes] = {}
    conflicted: set[str] = set()
    for jwk in keys if isinstance(keys, list) else ():
        entry = _trusted_key(jwk)
        if entry is None:
            continue
        kid, pub = entry
        if trust.get(kid, pub) != pub:
            conflicted.add(kid)
        trust[kid] = pub
    return {kid: pub for kid, pub in trust.items() if kid not in conflicted}


def _trusted_key(jwk: Any) -> tuple[str, bytes] | None:
    """(kid, raw public key) of one JWK, or None unless it is a well-formed Ed25519 signing key."""
    if not isinstance(jwk, Mapping):
        return None
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or jwk.get("use") != "sig":
        return None
    if jwk.get("alg", "EdDSA") != "EdDSA":
        return None
    kid, x = jwk.get("kid"), jwk.get("x")
    if not isinstance(kid, str) or not _KID_HEX.fullmatch(kid) or not isinstance(x, str) or not _B64URL_32.fullmatch(x):
        return None
    pub = base64.urlsafe_b64decode(x + "=")
    # Reject non-canonical base64url (stray low bits in the last character): one key, one spelling.
    if base64.urlsafe_b64encode(pub).rstrip(b"=").decode() != x:
        return None
    return kid, pub
