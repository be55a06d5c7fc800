"""What a labour contract's parties sign, as pure functions: the canonical documents, their hashes, the
signing input, Ed25519 checks. No I/O: the server, `yikatong contracts verify` and anyone's verifier agree."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from backend.contracts.vocab import CONTEXT
from backend.lib import ed25519
from backend.lib.canonical import canonical_json


def document_text(document: dict[str, Any]) -> str:
    """The canonical JSON text of a document (sorted keys, no spaces, UTF-8): what is stored and hashed."""
    return canonical_json(document).decode()


def doc_hash(text: str) -> str:
    """sha256 of the document's UTF-8 bytes, lowercase hex."""
    return hashlib.sha256(text.encode()).hexdigest()


def signing_input(purpose: str, digest: str) -> str:
    """`yikatong/labour-contract/v1` LF purpose LF doc_hash: the text both keys sign, as UTF-8."""
    return f"{CONTEXT}\n{purpose}\n{digest}"


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def from_b64url(text: str) -> bytes | None:
    """The bytes of unpadded (or padded) base64url text, or None for anything else."""
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


def key_id(public_key: bytes) -> str:
    """sha256(public key)[:8] hex: how a signature names its key (employer keys and device keys alike)."""
    return hashlib.sha256(public_key).digest()[:8].hex()


def signature_valid(public_key: bytes | None, purpose: str, digest: str, signature: bytes | None) -> bool:
    """Whether `signature` is an Ed25519 signature by `public_key` over the signing input of this hash."""
    if not public_key or not signature:
        return False
    return ed25519.verify(public_key, signing_input(purpose, digest).encode(), signature)


def parsed(text: str) -> dict[str, Any] | None:
    """A stored document read back (None if it is not a JSON object: a damaged row verifies as invalid)."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
