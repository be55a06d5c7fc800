"""At-rest protection for identity numbers: AES-GCM encryption, blind indexes and log redaction."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from Crypto.Cipher import AES

from backend.identity.documents import DocType, DocumentError, check_digit, normalize, validate

FORMAT_VERSION = b"\x01"
_AAD_PREFIX = b"yikatong.id.v1|"
_NONCE_BYTES = 12
_TAG_BYTES = 16
_AES_KEY_BYTES = 32
_MIN_INDEX_KEY_BYTES = 32

REDACTED = "[redacted]"


def _type_label(doc_type: DocType | str) -> str:
    # "|" separates the type from the number in the AAD and the blind index input, so
    # allowing it in a type name would let two different (type, number) pairs collide.
    label = doc_type.value if isinstance(doc_type, DocType) else doc_type
    if not isinstance(label, str) or not label or "|" in label:
        raise ValueError("doc_type must be a non-empty name without '|'")
    return label


def _aad(doc_type: DocType | str) -> bytes:
    # Binding the type into the AAD stops a ciphertext being replayed under another type.
    return _AAD_PREFIX + _type_label(doc_type).encode("utf-8")


def _check_aes_key(key: bytes) -> None:
    if not isinstance(key, (bytes, bytearray)) or len(key) != _AES_KEY_BYTES:
        raise ValueError("the encryption key must be exactly 32 bytes (AES-256)")


def encrypt_id(number: str, doc_type: DocType | str, key: bytes) -> bytes:
    """Encrypt a (validated, normalised) number: version byte + nonce + ciphertext + tag.

    The number is encrypted exactly as given; pass Document.number so that what is
    stored matches what blind_index() saw.
    """
    _check_aes_key(key)
    # A random 96-bit nonce per record; with one key, GCM stays safe far beyond the
    # number of identity records this service will ever hold.
    nonce = secrets.token_bytes(_NONCE_BYTES)
    cipher = AES.new(bytes(key), AES.MODE_GCM, nonce=nonce, mac_len=_TAG_BYTES)
    cipher.update(_aad(doc_type))
    ciphertext, tag = cipher.encrypt_and_digest(number.encode("utf-8"))
    return FORMAT_VERSION + nonce + ciphertext + tag


def decrypt_id(blob: bytes, doc_type: DocType | str, key: bytes) -> str:
    """Reverse encrypt_id(); any tampering, wrong key or wrong doc_type raises ValueError."""
    _check_aes_key(key)
    blob = bytes(blob)
    if len(blob) < 1 + _NONCE_BYTES + _TAG_BYTES:
        raise ValueError("encrypted identity number is truncated")
    if blob[:1] != FORMAT_VERSION:
        raise ValueError("encrypted identity number has an unknown format version")
    nonce = blob[1 : 1 + _NONCE_BYTES]
    ciphertext, tag = blob[1 + _NONCE_BYTES : -_TAG_BYTES], blob[-_TAG_BYTES:]
    cipher = AES.new(bytes(key), AES.MODE_GCM, nonce=nonce, mac_len=_TAG_BYTES)
    cipher.update(_aad(doc_type))
    try:
        plaintext = cipher.decrypt_and_verify(ciphertext, tag)
    except ValueError:
        # One message for every cause, so callers cannot tell a wrong key from a forgery.
        raise ValueError("encrypted identity number failed authentication") from None
    return plaintext.decode("utf-8")


def blind_index(number: str, doc_type: DocType | str, key: bytes) -> str:
    """Keyed HMAC-SHA256 of "doc_type|normalised number", as 64 hex characters.

    Equal numbers give equal indexes, so it serves lookups and a unique constraint
    without decrypting. Use a key separate from the encryption key: a leaked index
    key then only enables guessing, never decryption.
    """
    if not isinstance(key, (bytes, bytearray)) or len(key) < _MIN_INDEX_KEY_BYTES:
        raise ValueError("the blind index key must be at least 32 bytes")
    message = f"{_type_label(doc_type)}|{normalize(number)}".encode()
    return hmac.new(bytes(key), message, hashlib.sha256).hexdigest()


# What counts as "looks like an identity number" in free text. Deliberately liberal:
# a redacted order number costs little, a leaked identity number in a log costs a lot.
# \d is Unicode-aware here on purpose, so full-width digits are caught as well.
#  - 17+ digits then X, or 18+ digits: resident IDs, residence permits, 2023 foreign
#    cards, also when glued to other text or inside a longer digit run (the whole run goes;
#    the other patterns also swallow a trailing X so no stray check letter is left behind);
#  - H/M + 8 or more digits: Hong Kong/Macao travel permits (lower-case only at a word
#    start, so words like "item12345678" survive);
#  - 3 capital letters + 12 or more digits: pre-2023 foreign permanent residence cards.
# Taiwan travel permits (bare 8 or 10 digits) are indistinguishable from ordinary numbers
# and are not redacted. Numbers split by spaces or dashes are not recognised either.
_CANDIDATE = re.compile(
    r"\d{17,}[XxＸｘ]"
    r"|\d{18,}"
    r"|[HM]\d{8,}[XxＸｘ]?"
    r"|(?<![A-Za-z])[hm]\d{8,}[XxＸｘ]?"
    r"|[A-Z]{3}\d{12,}[XxＸｘ]?"
)
_DIGIT_RUN = re.compile(r"\d{8}")
# Request ids, hashes and similar are long hex runs that may by chance hold 18 digits in a row.
_HEX_RUN = re.compile(r"[0-9A-Fa-f]{32,}", re.ASCII)
_HEX_LETTER = re.compile(r"[A-Fa-f]", re.ASCII)
_ASCII_DIGITS = re.compile(r"[0-9]+", re.ASCII)


def _has_valid_checksum_window(digits: str) -> bool:
    for start in range(len(digits) - 17):
        window = digits[start : start + 18]
        if check_digit(window[:17]) == window[17]:
            return True
    return False


def redact(text: str) -> str:
    """Replace everything in `text` that looks like an identity number with "[redacted]".

    One exception keeps logs readable: an all-digit run inside a hex identifier of 32+
    characters (such as a uuid4().hex request id) is left alone, unless some 18 digits of
    it carry a valid GB 11643 check digit, in which case it is treated as a real number.
    """
    if not _DIGIT_RUN.search(text):  # the common case, checked cheaply: every pattern needs 8 digits in a row
        return text
    hex_spans: list[tuple[int, int]] | None = None

    def replace(match: re.Match[str]) -> str:
        nonlocal hex_spans
        found = match.group()
        if _ASCII_DIGITS.fullmatch(found):
            if hex_spans is None:
                hex_spans = [m.span() for m in _HEX_RUN.finditer(text) if _HEX_LETTER.search(m.group())]
            start, end = match.span()
            inside_hex = any(lo <= start and end <= hi for lo, hi in hex_spans)
            if inside_hex and not _has_valid_checksum_window(found):
                return found
        return REDACTED

    return _CANDIDATE.sub(replace, text)


# Places in a request id where an identity document number could sit (checked strictly below).
_EIGHTEEN = re.compile(r"(?=([0-9]{17}[0-9Xx]))", re.ASCII)
_HK_MO = re.compile(r"(?<![A-Za-z0-9])[HMhm][0-9]{8}(?:[0-9]{2})?(?![0-9])", re.ASCII)
_OLD_FOREIGN = re.compile(r"(?<![A-Za-z])[A-Za-z]{3}[0-9]{12}(?![0-9])", re.ASCII)
_EIGHT_DIGITS = re.compile(r"[0-9]{8}", re.ASCII)


def names_a_document(rid: str) -> bool:
    """True when the id holds a number that is a valid identity document number (real region,
    real birth date, check digit), not merely 18 digits whose last one happens to check out."""
    if not _EIGHT_DIGITS.search(rid):  # the common case: every document number has 8 digits in a row
        return False
    candidates = [
        (m.group(1), kind)
        for m in _EIGHTEEN.finditer(rid)
        for kind in (DocType.resident_id, DocType.hmt_residence_permit, DocType.foreign_permanent_residence)
    ]
    candidates += [(m.group(), DocType.hk_mo_travel_permit) for m in _HK_MO.finditer(rid)]
    candidates += [(m.group(), DocType.foreign_permanent_residence) for m in _OLD_FOREIGN.finditer(rid)]
    for number, kind in candidates:
        try:
            validate(kind, number)
        except DocumentError:
            continue
        return True
    return False
