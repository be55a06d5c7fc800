"""lib.sm3sm4: SM3, HMAC-SM3 and SM4 against the standards' examples."""

import pytest

from backend.lib import sm3sm4


def test_sm3_examples_of_gb_t_32905():
    # Annex A, examples 1 ("abc") and 2 (512 bits: "abcd" sixteen times).
    assert sm3sm4.sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert sm3sm4.sm3(b"abcd" * 16).hex() == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"


def _hmac_by_hand(key: bytes, data: bytes) -> bytes:
    # RFC 2104 written out over the vector-checked sm3, so the library's HMAC is checked by an independent route.
    block = 64
    if len(key) > block:
        key = sm3sm4.sm3(key)
    key = key.ljust(block, b"\x00")
    inner = sm3sm4.sm3(bytes(b ^ 0x36 for b in key) + data)
    return sm3sm4.sm3(bytes(b ^ 0x5C for b in key) + inner)


@pytest.mark.parametrize("key", [b"", b"k", bytes(range(32)), bytes(range(64)), bytes(range(100))])
def test_hmac_sm3_is_rfc_2104_over_sm3(key):
    for data in (b"", b"yikatong online mac v1", bytes(range(256)) * 3):
        assert sm3sm4.hmac_sm3(key, data) == _hmac_by_hand(key, data)
    assert len(sm3sm4.hmac_sm3(key, b"x")) == 32


KEY = bytes.fromhex("0123456789abcdeffedcba9876543210")


def test_sm4_example_of_gb_t_32907():
    assert sm3sm4.sm4_ecb_encrypt_block(KEY, KEY).hex() == "681edf34d206965e86b3e94f536e4246"
    assert sm3sm4.sm4_ecb_decrypt_block(KEY, bytes.fromhex("681edf34d206965e86b3e94f536e4246")) == KEY


def test_sm4_million_encryptions_of_gb_t_32907():
    # Example 2: the plaintext encrypted 1,000,000 times under the same key. The module's function
    # makes the first thousand steps, one reused encryptor the rest (about half a second).
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    block = KEY
    for _ in range(1000):
        block = sm3sm4.sm4_ecb_encrypt_block(KEY, block)
    enc = Cipher(algorithms.SM4(KEY), modes.ECB()).encryptor()
    for _ in range(1_000_000 - 1000):
        block = enc.update(block)
    assert block.hex() == "595298c7c6fd271f0402f804c33d3f66"


@pytest.mark.parametrize("key, block", [(KEY[:15], KEY), (KEY, KEY[:15]), (KEY + b"x", KEY), (KEY, KEY + KEY)])
def test_sm4_refuses_wrong_lengths(key, block):
    with pytest.raises(ValueError):
        sm3sm4.sm4_ecb_encrypt_block(key, block)
    with pytest.raises(ValueError):
        sm3sm4.sm4_ecb_decrypt_block(key, block)
