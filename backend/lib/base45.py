"""Base45 (RFC 9285): bytes <-> text made only of the QR alphanumeric characters."""

from __future__ import annotations

# RFC 9285 section 4: exactly the 45 characters of QR code alphanumeric mode, in this order,
# so a base45 string packs into the QR symbol at 5.5 bits per character.
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_VALUE = {char: index for index, char in enumerate(ALPHABET)}
_PAIR_MAX = 0xFFFF  # a 3-character group carries two bytes
_SINGLE_MAX = 0xFF  # a trailing 2-character group carries one byte


def encoded_length(byte_count: int) -> int:
    """Length of the base45 text for `byte_count` bytes (3 chars per 2 bytes, 2 for a lone byte)."""
    return 3 * (byte_count // 2) + 2 * (byte_count % 2)


def encode(data: bytes) -> str:
    """Base45-encode `data` (bytes-like)."""
    data = bytes(data)
    out: list[str] = []
    for i in range(0, len(data) - 1, 2):
        value = (data[i] << 8) | data[i + 1]
        high, rest = divmod(value, 45 * 45)
        middle, low = divmod(rest, 45)
        out += (ALPHABET[low], ALPHABET[middle], ALPHABET[high])
    if len(data) % 2:
        middle, low = divmod(data[-1], 45)
        out += (ALPHABET[low], ALPHABET[middle])
    return "".join(out)


def decode(text: str) -> bytes:
    """Decode base45 `text`; raise ValueError for any character, length or value RFC 9285 forbids.

    Every valid string decodes to exactly one byte string and back (the encoding is canonical),
    so two different valid texts never carry the same bytes.
    """
    if not isinstance(text, str):
        raise TypeError(f"base45 text must be str, not {type(text).__name__}")
    if len(text) % 3 == 1:
        raise ValueError("invalid base45 length: a final group of one character carries no byte")
    values = _values(text)
    out = bytearray()
    full = len(values) - len(values) % 3
    for i in range(0, full, 3):
        value = values[i] + values[i + 1] * 45 + values[i + 2] * 45 * 45
        if value > _PAIR_MAX:
            raise ValueError(f"invalid base45 group at offset {i}: {value} > {_PAIR_MAX}")
        out += value.to_bytes(2, "big")
    if full < len(values):
        value = values[full] + values[full + 1] * 45
        if value > _SINGLE_MAX:
            raise ValueError(f"invalid base45 final group at offset {full}: {value} > {_SINGLE_MAX}")
        out.append(value)
    return bytes(out)


def _values(text: str) -> list[int]:
    """The alphabet index of every character; ValueError names the first foreign one."""
    try:
        return [_VALUE[char] for char in text]
    except KeyError as exc:
        raise ValueError(f"invalid base45 character {exc.args[0]!r}") from None
