"""Property tests: the decoders take any input without crashing and never accept a forgery."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.codes import format as fmt
from backend.codes.format import Result
from backend.lib import base45, ed25519

NOW = 1_767_258_000
MASTER = hashlib.sha256(b"fuzz online master").digest()
MASTERS = {7: MASTER}
KID = bytes.fromhex("f00dfeed")
ISSUER_SEED = hashlib.sha256(b"fuzz issuer").digest()
DEVICE_SEED = hashlib.sha256(b"fuzz device").digest()
TRUST = {KID.hex(): ed25519.public_from_seed(ISSUER_SEED)}
CREDENTIAL = fmt.make_credential(
    issuer_kid=KID,
    issuer_seed=ISSUER_SEED,
    card_ref=b"\x01" * 8,
    region=110000,
    nbf=NOW - 3600,
    exp=NOW + 3600,
    flags=0,
    device_pub=ed25519.public_from_seed(DEVICE_SEED),
)
OFFLINE_BODY = base45.decode(fmt.make_offline_code(CREDENTIAL, DEVICE_SEED, NOW)[5:])
ONLINE_BODY = base45.decode(fmt.mint_online(b"\x02" * 8, kid=7, master=MASTER, now=NOW)[5:])

b45_text = st.text(alphabet=base45.ALPHABET)
json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=30,
)
fuzz = settings(max_examples=150, deadline=None)


def check_online(text: str) -> Result:
    check = fmt.verify_online(text, masters=MASTERS, now=NOW)
    assert isinstance(check.result, Result)
    return check.result


def check_offline(text: str) -> Result:
    check = fmt.verify_offline(text, trust=TRUST, now=NOW, revoked_cards={"00" * 8: "cancelled"}, revoked_devices={"00" * 8})
    assert isinstance(check.result, Result)
    return check.result


# --- base45 -------------------------------------------------------------------------------


@fuzz
@given(st.text() | b45_text)
def test_base45_decode_only_raises_value_error(text: str) -> None:
    try:
        data = base45.decode(text)
    except ValueError:
        return
    assert base45.encode(data) == text  # whatever decodes is canonical


@fuzz
@given(st.binary(max_size=400))
def test_base45_round_trip(data: bytes) -> None:
    text = base45.encode(data)
    assert set(text) <= set(base45.ALPHABET)
    assert len(text) == base45.encoded_length(len(data))
    assert base45.decode(text) == data


# --- decoders never raise -----------------------------------------------------------------


@fuzz
@given(st.text() | st.text(min_size=990, max_size=1100, alphabet="0A"))
def test_verifiers_accept_any_text(text: str) -> None:
    assert check_online(text) is Result.MALFORMED or text.startswith("YKO1:")
    assert check_offline(text) is Result.MALFORMED or text.startswith("YKD1:")


@fuzz
@given(b45_text | st.text(alphabet=base45.ALPHABET, min_size=44, max_size=44))
def test_online_random_base45(tail: str) -> None:
    assert check_online("YKO1:" + tail) is not Result.VALID


@fuzz
@given(b45_text | st.text(alphabet=base45.ALPHABET, min_size=284, max_size=284))
def test_offline_random_base45(tail: str) -> None:
    assert check_offline("YKD1:" + tail) is not Result.VALID


@fuzz
@given(st.binary(max_size=60) | st.binary(min_size=28, max_size=28).map(lambda b: b"\x07" + b))
def test_online_random_bytes(body: bytes) -> None:
    assert check_online("YKO1:" + base45.encode(body)) is not Result.VALID


@fuzz
@given(st.binary(max_size=300) | st.binary(min_size=184, max_size=184).map(lambda b: b"\x01" + KID + b))
def test_offline_random_bytes(body: bytes) -> None:
    assert check_offline("YKD1:" + base45.encode(body)) is not Result.VALID


@fuzz
@given(json_like)
def test_trust_and_revocation_parsers_take_any_json(doc: Any) -> None:
    assert isinstance(fmt.trust_from_jwks({"keys": doc} if isinstance(doc, list) else doc), dict)
    try:
        fmt.revocation_from_json(doc)
    except ValueError:
        pass


# --- no forgery by tampering --------------------------------------------------------------


def test_valid_bodies_are_valid() -> None:
    assert check_offline("YKD1:" + base45.encode(OFFLINE_BODY)) is Result.VALID
    assert check_online("YKO1:" + base45.encode(ONLINE_BODY)) is Result.VALID


@pytest.mark.parametrize("mask", [0x01, 0x80, 0xFF])
def test_every_single_byte_flip_is_rejected(mask: int) -> None:
    for body, prefix, check in [(OFFLINE_BODY, "YKD1:", check_offline), (ONLINE_BODY, "YKO1:", check_online)]:
        for index in range(len(body)):
            tampered = bytearray(body)
            tampered[index] ^= mask
            assert check(prefix + base45.encode(bytes(tampered))) is not Result.VALID, (prefix, index)


@fuzz
@given(st.integers(0, len(OFFLINE_BODY) - 1), st.integers(1, 255), st.data())
def test_offline_byte_changes_never_valid(index: int, mask: int, data: st.DataObject) -> None:
    tampered = bytearray(OFFLINE_BODY)
    tampered[index] ^= mask
    extra = data.draw(st.integers(0, len(OFFLINE_BODY) - 1))  # and maybe a second byte
    tampered[extra] ^= data.draw(st.integers(0, 255))
    if bytes(tampered) != OFFLINE_BODY:
        assert check_offline("YKD1:" + base45.encode(bytes(tampered))) is not Result.VALID
