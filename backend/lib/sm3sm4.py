"""SM3 (GB/T 32905), HMAC-SM3 and single-block SM4 (GB/T 32907), from pyca cryptography (OpenSSL)."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as _hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

DIGEST_SIZE = 32
KEY_SIZE = 16
BLOCK_SIZE = 16


def sm3(data: bytes) -> bytes:
    """The 32-byte SM3 digest of data."""
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    """HMAC (RFC 2104) with SM3: 32 bytes."""
    h = _hmac.HMAC(key, hashes.SM3())
    h.update(data)
    return h.finalize()


def _block(key16: bytes, block16: bytes) -> None:
    if len(key16) != KEY_SIZE or len(block16) != BLOCK_SIZE:
        raise ValueError("SM4 takes a 16-byte key and one 16-byte block")


def sm4_ecb_encrypt_block(key16: bytes, block16: bytes) -> bytes:
    """One SM4 block encrypted under key16 (ECB of a single block: no chaining to choose)."""
    _block(key16, block16)
    enc = Cipher(algorithms.SM4(key16), modes.ECB()).encryptor()
    return enc.update(block16) + enc.finalize()


def sm4_ecb_decrypt_block(key16: bytes, block16: bytes) -> bytes:
    """One SM4 block decrypted under key16."""
    _block(key16, block16)
    dec = Cipher(algorithms.SM4(key16), modes.ECB()).decryptor()
    return dec.update(block16) + dec.finalize()
