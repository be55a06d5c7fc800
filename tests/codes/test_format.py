"""Unit tests of base45, the Ed25519 wrapper and the online/offline code formats."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import qrcode

from backend.codes import format as fmt
from backend.codes.format import Result
from backend.lib import base45, ed25519

NOW = 1_767_258_000
MASTER_6 = hashlib.sha256(b"test online master 6").digest()
MASTER_7 = hashlib.sha256(b"test online master 7").digest()
CARD = bytes.fromhex("0123456789abcdef")
ISSUER_SEED = hashlib.sha256(b"test issuer A").digest()
ISSUER_PUB = ed25519.public_from_seed(ISSUER_SEED)
ISSUER_KID = bytes.fromhex("a1b2c3d4")
OLD_SEED = hashlib.sha256(b"test issuer B").digest()
OLD_KID = bytes.fromhex("0000beef")
DEVICE_SEED = hashlib.sha256(b"test device 1").digest()
DEVICE_PUB = ed25519.public_from_seed(DEVICE_SEED)
TRUST = {ISSUER_KID.hex(): ISSUER_PUB, OLD_KID.hex(): ed25519.public_from_seed(OLD_SEED)}


def qr_version(text: str) -> int:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(text)
    qr.make(fit=True)
    return qr.version


def credential(**overrides: object) -> bytes:
    fields: dict[str, object] = dict(
        issuer_kid=ISSUER_KID,
        issuer_seed=ISSUER_SEED,
        card_ref=CARD,
        region=440100,
        nbf=NOW - 3600,
        exp=NOW + 4 * 3600,
        flags=fmt.Flags.ELDERLY | fmt.Flags.TRANSPORT,
        device_pub=DEVICE_PUB,
    )
    fields.update(overrides)
    return fmt.make_credential(**fields)  # type: ignore[arg-type]


def offline_code(t: int = NOW, **overrides: object) -> str:
    return fmt.make_offline_code(credential(**overrides), DEVICE_SEED, t)


def body_of(text: str) -> bytes:
    return base45.decode(text[5:])


def with_body(prefix: str, body: bytes) -> str:
    return prefix + base45.encode(body)


@pytest.fixture(params=["nacl", "pycryptodome"])
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    ed25519.use_backend(request.param)
    yield request.param
    ed25519.use_backend("nacl")


# --- base45 -------------------------------------------------------------------------------

RFC_9285 = [(b"AB", "BB8"), (b"Hello!!", "%69 VD92EX0"), (b"base-45", "UJCLQE7W581"), (b"ietf!", "QED8WEX0"), (b"", "")]


@pytest.mark.parametrize(("raw", "text"), RFC_9285)
def test_base45_rfc_examples(raw: bytes, text: str) -> None:
    assert base45.encode(raw) == text
    assert base45.decode(text) == raw
    assert base45.encoded_length(len(raw)) == len(text)


def test_base45_extremes() -> None:
    assert base45.decode("FGW") == b"\xff\xff"
    assert base45.decode("U5") == b"\xff"
    assert base45.encode(bytes(3)) == "00000"


@pytest.mark.parametrize("text", ["GGW", "V5", "ZZZ", "A", "ABCD", "bb8", "BB#", "BB8\n", "ÄB8", "::::"])
def test_base45_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        base45.decode(text)


def test_base45_decode_requires_text() -> None:
    with pytest.raises(TypeError):
        base45.decode(b"BB8")  # type: ignore[arg-type]


# --- Ed25519 wrapper ----------------------------------------------------------------------


def test_ed25519_rfc8032_test_1(backend: str) -> None:
    seed = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    pub = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    sig = bytes.fromhex(
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    )
    assert ed25519.public_from_seed(seed) == pub
    assert ed25519.sign(seed, b"") == sig
    assert ed25519.verify(pub, b"", sig)


def test_ed25519_round_trip_and_rejections(backend: str) -> None:
    seed, pub = ed25519.generate()
    assert len(seed) == 32 and ed25519.public_from_seed(seed) == pub
    sig = ed25519.sign(seed, b"msg")
    assert ed25519.current_backend() == backend
    assert ed25519.verify(pub, b"msg", sig)
    assert not ed25519.verify(pub, b"msh", sig)
    assert not ed25519.verify(DEVICE_PUB, b"msg", sig)
    for bad in [
        (pub, b"msg", sig[:-1]),
        (pub[:31], b"msg", sig),
        (b"\xff" * 32, b"msg", sig),
        (None, b"msg", sig),
        (pub, "msg", sig),
        (32, b"", 64),
    ]:
        assert ed25519.verify(*bad) is False  # type: ignore[arg-type]
    # S + L (a non-canonical twin of a valid signature) must be refused by both backends.
    order = 2**252 + 27742317777372353535851937790883648493
    s = int.from_bytes(sig[32:], "little") + order
    assert not ed25519.verify(pub, b"msg", sig[:32] + s.to_bytes(32, "little"))


def _curve() -> Any:
    """tests/vectors/make_vectors.py: it carries plain curve arithmetic for making forged signatures."""
    spec = importlib.util.spec_from_file_location(
        "make_vectors", Path(__file__).resolve().parents[1] / "vectors" / "make_vectors.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rule_cases() -> list[tuple[str, bytes, bytes, bytes, bool]]:
    """(what, A, M, R || S, accepted) for each rule of docs/qr-format.md 5.5."""
    c = _curve()
    msg = b"rule"
    a = c.secret_scalar(DEVICE_SEED)
    honest = ed25519.sign(DEVICE_SEED, msg)
    s = 123456789
    any_sig = c.point_encode(c.point_mul(s, c.BASE)) + s.to_bytes(32, "little")
    cases = [("honest", DEVICE_PUB, msg, honest, True), ("S + L", DEVICE_PUB, msg, c.with_s_plus_l(honest), False)]
    for name, small in [
        ("A identity", c.ORDER_1), ("A identity, non-canonical", c.ORDER_1_NON_CANONICAL),
        ("A identity, sign bit", c.ORDER_1_SIGN_BIT), ("A order 2", bytes.fromhex("ec" + "ff" * 30 + "7f")),
    ]:  # fmt: skip
        # [k]A is the identity for these (order 2: when k is even), so R = [s]B, S = s passes the bare equation.
        m = next(m for m in (bytes([i]) for i in range(64)) if c.challenge(any_sig[:32], small, m) % 2 == 0)
        cases.append((name, small, m, any_sig, False))
    m8 = next(m for m in (bytes([i]) for i in range(256)) if c.challenge(any_sig[:32], c.ORDER_8, m) % 8 == 0)
    cases.append(("A order 8", c.ORDER_8, m8, any_sig, False))
    for name, r in [("R identity", c.ORDER_1), ("R identity, non-canonical", c.ORDER_1_NON_CANONICAL)]:
        k = c.challenge(r, DEVICE_PUB, msg)
        cases.append((name, DEVICE_PUB, msg, r + (k * a % c.L).to_bytes(32, "little"), False))
    mixed = c.point_encode(c.point_add(c.point_mul(a, c.BASE), c.point_decode(c.ORDER_8)))
    r_scalar = 987654321
    r = c.point_encode(c.point_mul(r_scalar, c.BASE))
    for accepted in (False, True):  # cofactorless: only when [k]T vanishes, i.e. k = 0 mod 8
        m = next(m for m in (bytes([i]) for i in range(256)) if (c.challenge(r, mixed, m) % 8 == 0) == accepted)
        k = c.challenge(r, mixed, m)
        cases.append(
            (
                f"mixed-order A, k % 8 {'==' if accepted else '!='} 0",
                mixed,
                m,
                r + ((r_scalar + k * a) % c.L).to_bytes(32, "little"),
                accepted,
            )
        )
    cases.append(("A not on the curve", c.NOT_ON_CURVE, msg, honest, False))
    return cases


def test_ed25519_follows_the_documented_rule(backend: str) -> None:
    """Both backends give the answers of docs/qr-format.md 5.5 (libsodium's), not plain RFC 8032's."""
    wrong = [what for what, pub, msg, sig, accepted in _rule_cases() if ed25519.verify(pub, msg, sig) is not accepted]
    assert wrong == []


def test_ed25519_backends_agree() -> None:
    ed25519.use_backend("pycryptodome")
    try:
        sig = ed25519.sign(DEVICE_SEED, b"x")
    finally:
        ed25519.use_backend("nacl")
    assert sig == ed25519.sign(DEVICE_SEED, b"x")
    with pytest.raises(ValueError):
        ed25519.use_backend("openssl")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ed25519.sign(b"short", b"x")


def test_ed25519_is_valid_public() -> None:
    assert ed25519.is_valid_public(DEVICE_PUB)
    assert not ed25519.is_valid_public(bytes(32))  # small order
    assert not ed25519.is_valid_public(b"\x01" + bytes(31))  # the identity point
    assert not ed25519.is_valid_public(DEVICE_PUB[:31])


# --- shared vocabulary --------------------------------------------------------------------


def test_result_values() -> None:
    assert [r.value for r in Result] == [
        "valid",
        "expired",
        "not_yet_valid",
        "replayed",
        "bad_signature",
        "unknown_key",
        "card_suspended",
        "card_cancelled",
        "device_revoked",
        "scenario_not_allowed",
        "malformed",
        "assurance_too_low",
        "wrong_scenario",
        "format_retired",
    ]
    assert Result("valid") is Result.VALID and Result.VALID == "valid"


def test_kind_of() -> None:
    assert fmt.kind_of(fmt.mint_online(CARD, kid=7, master=MASTER_7, now=NOW)) == "online"
    assert fmt.kind_of(offline_code()) == "offline"
    assert fmt.kind_of("YKD2:anything") == "offline2"  # by prefix only, as for the others
    for other in ["", "yko1:X", "ykd2:X", "YKO2:", "YKD3:", "YKD", "https://example.com", None, 5]:
        assert fmt.kind_of(other) is None  # type: ignore[arg-type]


# --- online codes -------------------------------------------------------------------------


def verify_online(text: str, now: int = NOW + 10, **kwargs: object) -> fmt.OnlineCheck:
    masters = kwargs.pop("masters", {7: MASTER_7, 6: MASTER_6})
    return fmt.verify_online(text, masters=masters, now=now, **kwargs)  # type: ignore[arg-type]


def test_online_round_trip() -> None:
    text = fmt.mint_online(CARD, kid=7, master=MASTER_7, now=NOW, nonce=b"\x00\x01\x02\x03")
    check = verify_online(text)
    assert check.result is Result.VALID
    assert (check.card_ref, check.iat) == (CARD, NOW)
    assert check.code_id == body_of(text)[1:17].hex() and len(check.code_id) == 32
    assert text.startswith("YKO1:") and len(text) == 49 and len(body_of(text)) == 29


def test_online_codes_look_random() -> None:
    texts = {fmt.mint_online(CARD, kid=7, master=MASTER_7, now=NOW) for _ in range(20)}
    assert len(texts) == 20  # fresh nonce each time: same card, same second, unlinkable codes
    assert all(CARD.hex().upper() not in t and base45.encode(CARD) not in t for t in texts)


def test_online_fits_qr_version_3() -> None:
    for i in range(30):
        text = fmt.mint_online(i.to_bytes(8, "big"), kid=i, master=MASTER_7, now=NOW + i)
        assert len(text) <= fmt.ONLINE_MAX_CHARS == 61
        assert qr_version(text) <= 3


@pytest.mark.parametrize(
    ("now", "skew", "expected"),
    [
        (NOW, 5, Result.VALID),
        (NOW - 5, 5, Result.VALID),
        (NOW - 6, 5, Result.NOT_YET_VALID),
        (NOW + 65, 5, Result.VALID),
        (NOW + 66, 5, Result.EXPIRED),
        (NOW + 60, 0, Result.VALID),
        (NOW + 61, 0, Result.EXPIRED),
        (NOW - 1, 0, Result.NOT_YET_VALID),
        (NOW + 80, 30, Result.VALID),
    ],
)
def test_online_time_window(now: int, skew: int, expected: Result) -> None:
    text = fmt.mint_online(CARD, kid=7, master=MASTER_7, now=NOW)
    check = verify_online(text, now=now, skew=skew)
    assert check.result is expected
    assert check.card_ref == CARD  # time failures happen after the MAC, so the fields are known


def test_online_failures() -> None:
    text = fmt.mint_online(CARD, kid=7, master=MASTER_7, now=NOW)
    body = body_of(text)
    for index in range(29):
        tampered = bytearray(body)
        tampered[index] ^= 0x01  # kid 7 -> 6 is a known kid with the wrong MAC key
        check = verify_online(with_body("YKO1:", bytes(tampered)))
        assert check == fmt.OnlineCheck(result=Result.BAD_SIGNATURE)
    assert verify_online(text, masters={6: MASTER_6}).result is Result.UNKNOWN_KEY
    assert verify_online(text, masters={7: MASTER_6}).result is Result.BAD_SIGNATURE
    for bad in ["", "YKO1:", text[:-1], text + "0", text.lower(), "YKD1:" + text[5:], text + "\n", None, b"YKO1:", 7]:
        assert verify_online(bad) == fmt.OnlineCheck(result=Result.MALFORMED)  # type: ignore[arg-type]
    assert verify_online("YKO1:" + "0" * 3000).result is Result.MALFORMED


def test_online_key_rotation() -> None:
    old = fmt.mint_online(CARD, kid=6, master=MASTER_6, now=NOW)
    new = fmt.mint_online(CARD, kid=7, master=MASTER_7, now=NOW)
    assert verify_online(old).result is Result.VALID
    assert verify_online(new).result is Result.VALID
    assert verify_online(old, masters={7: MASTER_7}).result is Result.UNKNOWN_KEY
    assert verify_online(new, masters={7: MASTER_7}).result is Result.VALID


def test_online_mint_rejects_bad_arguments() -> None:
    good = dict(kid=7, master=MASTER_7, now=NOW)
    for card, kwargs in [
        (CARD[:7], good),
        (CARD, {**good, "kid": 256}),
        (CARD, {**good, "kid": -1}),
        (CARD, {**good, "master": MASTER_7[:16]}),
        (CARD, {**good, "now": -1}),
        (CARD, {**good, "now": 2**32}),
        (CARD, {**good, "nonce": b"abc"}),
    ]:
        with pytest.raises(ValueError):
            fmt.mint_online(card, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        verify_online("YKO1:", skew=-1)


def test_online_sm4_suite() -> None:
    """The SM suite: SM4 and HMAC-SM3 keys from the same master, the same 29-byte layout."""
    from backend.lib import sm3sm4

    text = fmt.mint_online(CARD, kid=7, master=MASTER_7, now=NOW, nonce=b"\x00\x01\x02\x03", suite="sm4")
    assert len(text) == 49 and fmt.kind_of(text) == "online"
    check = verify_online(text, masters={7: ("sm4", MASTER_7)})
    assert (check.result, check.card_ref, check.iat) == (Result.VALID, CARD, NOW)
    assert check.code_id == fmt.code_id_of(text) == body_of(text)[1:17].hex()
    # Built by hand from docs/qr-format.md 4.3: the library follows the text, not itself.
    k_enc = sm3sm4.hmac_sm3(MASTER_7, b"yikatong online enc v1")[:16]
    k_mac = sm3sm4.hmac_sm3(MASTER_7, b"yikatong online mac v1")
    e = sm3sm4.sm4_ecb_encrypt_block(k_enc, CARD + NOW.to_bytes(4, "big") + b"\x00\x01\x02\x03")
    tag = sm3sm4.hmac_sm3(k_mac, b"YKO1:" + b"\x07" + e)[:12]
    assert body_of(text) == b"\x07" + e + tag
    # A secret of the other suite, or of no known suite, does not verify it.
    assert verify_online(text, masters={7: MASTER_7}).result is Result.BAD_SIGNATURE
    assert verify_online(text, masters={7: ("aes", MASTER_7)}).result is Result.BAD_SIGNATURE
    assert verify_online(text, masters={7: ("des", MASTER_7)}).result is Result.UNKNOWN_KEY  # type: ignore[dict-item]
    aes = fmt.mint_online(CARD, kid=7, master=MASTER_7, now=NOW, nonce=b"\x00\x01\x02\x03")
    assert aes != text and verify_online(aes, masters={7: ("aes", MASTER_7)}).result is Result.VALID
    with pytest.raises(ValueError):
        fmt.mint_online(CARD, kid=7, master=MASTER_7, now=NOW, suite="des")  # type: ignore[arg-type]


def test_online_suites_side_by_side() -> None:
    """A rotation from AES to SM4 refuses no live code: both secrets stay in the map."""
    old = fmt.mint_online(CARD, kid=6, master=MASTER_6, now=NOW)
    new = fmt.mint_online(CARD, kid=7, master=MASTER_7, now=NOW, suite="sm4")
    masters = {6: MASTER_6, 7: ("sm4", MASTER_7)}
    assert [verify_online(t, masters=masters).result for t in (old, new)] == [Result.VALID, Result.VALID]


def test_offline_v1_format_retired() -> None:
    text = offline_code()
    retire = NOW + 30
    check = fmt.verify_offline(text, trust=TRUST, now=NOW + 10, retire_at=retire)
    assert check.result is Result.VALID  # before the date: exactly as before
    assert fmt.verify_offline(text, trust=TRUST, now=retire, retire_at=retire) == fmt.OfflineCheck(result=Result.FORMAT_RETIRED)
    # After the malformed steps, before the key: a malformed text stays malformed, an unknown
    # issuer's code is retired too.
    assert fmt.verify_offline(text[:-1], trust=TRUST, now=retire, retire_at=retire).result is Result.MALFORMED
    assert fmt.verify_offline(text, trust={}, now=retire, retire_at=retire).result is Result.FORMAT_RETIRED
    with pytest.raises(ValueError):
        fmt.verify_offline(text, trust=TRUST, now=NOW, retire_at=1.5)  # type: ignore[arg-type]


def test_code_id_of_format_2() -> None:
    body = bytes([2, 1]) + bytes(193)
    assert fmt.code_id_of("YKD2:" + base45.encode(body)) == hashlib.sha256(body).digest()[:16].hex()
    sm_body = bytes([2, 2]) + bytes(194)
    assert fmt.code_id_of("YKD2:" + base45.encode(sm_body)) == hashlib.sha256(sm_body).digest()[:16].hex()
    for length in (194, 197):
        assert fmt.code_id_of("YKD2:" + base45.encode(bytes(length))) is None


# --- offline credential -------------------------------------------------------------------


def test_credential_layout() -> None:
    raw = credential()
    assert len(raw) == fmt.CREDENTIAL_LEN == 121
    assert raw[0] == 1 and raw[1:5] == ISSUER_KID and raw[5:13] == CARD
    assert raw[13:16] == (440100).to_bytes(3, "big")
    assert raw[24] == 0b1001 and raw[25:57] == DEVICE_PUB
    assert ed25519.verify(ISSUER_PUB, b"YKC1" + raw[:57], raw[57:])
    cred = fmt.parse_credential(raw)
    assert (cred.ver, cred.kid, cred.card_ref, cred.region, cred.flags) == (1, "a1b2c3d4", CARD, 440100, 9)
    assert (cred.nbf, cred.exp, cred.device_pub, cred.signature) == (NOW - 3600, NOW + 4 * 3600, DEVICE_PUB, raw[57:])


@pytest.mark.parametrize(
    "overrides",
    [
        {"flags": 0x10},
        {"region": 1_000_000},
        {"nbf": NOW, "exp": NOW},
        {"exp": 2**32},
        {"device_pub": bytes(32)},
        {"device_pub": DEVICE_PUB[:31]},
        {"card_ref": b"12345678901234567"},
        {"issuer_kid": b"abc"},
        {"issuer_seed": ISSUER_SEED[:16]},
    ],
)
def test_make_credential_rejects(overrides: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        credential(**overrides)


def test_parse_credential_rejects() -> None:
    raw = credential()
    for bad in [raw[:-1], raw + b"\x00", b"\x02" + raw[1:]]:
        with pytest.raises(ValueError):
            fmt.parse_credential(bad)


# --- offline codes ------------------------------------------------------------------------


def verify_offline(text: str, now: int = NOW + 10, **kwargs: object) -> fmt.OfflineCheck:
    trust = kwargs.pop("trust", TRUST)
    return fmt.verify_offline(text, trust=trust, now=now, **kwargs)  # type: ignore[arg-type]


def test_offline_round_trip() -> None:
    text = offline_code()
    check = verify_offline(text)
    body = body_of(text)
    assert check == fmt.OfflineCheck(
        result=Result.VALID,
        card_ref=CARD,
        region=440100,
        flags=9,
        nbf=NOW - 3600,
        exp=NOW + 4 * 3600,
        t=NOW,
        device_key_id=hashlib.sha256(DEVICE_PUB).digest()[:8].hex(),
        code_id=hashlib.sha256(body).digest()[:16].hex(),
    )
    assert len(body) == fmt.OFFLINE_BODY_LEN == 189 and len(text) == 289
    assert body[121:125] == NOW.to_bytes(4, "big")
    assert ed25519.verify(DEVICE_PUB, b"YKD1" + body[:125], body[125:])
    assert fmt.device_key_id(DEVICE_PUB) == check.device_key_id and len(check.device_key_id or "") == 16


def test_offline_fits_qr_version_10() -> None:
    for i in range(10):
        text = offline_code(t=NOW + i, card_ref=i.to_bytes(8, "big"), flags=i)
        assert len(text) <= fmt.OFFLINE_MAX_CHARS == 311
        assert qr_version(text) <= 10


@pytest.mark.parametrize(
    ("overrides", "t", "now", "expected"),
    [
        ({}, NOW, NOW + 65, Result.VALID),
        ({}, NOW, NOW - 5, Result.VALID),
        ({}, NOW, NOW + 66, Result.EXPIRED),
        ({}, NOW, NOW - 6, Result.NOT_YET_VALID),
        ({"exp": NOW - 6}, NOW, NOW, Result.EXPIRED),
        ({"exp": NOW - 5}, NOW, NOW, Result.VALID),
        ({"nbf": NOW + 6}, NOW, NOW, Result.NOT_YET_VALID),
        ({"nbf": NOW + 5}, NOW, NOW, Result.VALID),
    ],
)
def test_offline_time(overrides: dict[str, object], t: int, now: int, expected: Result) -> None:
    assert verify_offline(offline_code(t, **overrides), now=now).result is expected


def test_offline_signature_failures() -> None:
    body = body_of(offline_code())
    for index, expected_fields in [(5, False), (24, False), (60, False), (122, True), (150, True)]:
        tampered = bytearray(body)
        tampered[index] ^= 0x01
        check = verify_offline(with_body("YKD1:", bytes(tampered)))
        assert check.result is Result.BAD_SIGNATURE
        # Issuer-signed fields are reported only once the issuer signature held.
        assert (check.card_ref is not None) is expected_fields
        assert check.t is None and check.code_id is None
    other_seed, _other_pub = ed25519.generate()
    signed = body[:125]
    wrong_device = signed + ed25519.sign(other_seed, b"YKD1" + signed)
    assert verify_offline(with_body("YKD1:", wrong_device)).result is Result.BAD_SIGNATURE
    with pytest.raises(ValueError):
        fmt.make_offline_code(credential(), other_seed, NOW)


def test_offline_order() -> None:
    expired_cred = offline_code(nbf=NOW - 7200, exp=NOW - 3600)
    assert verify_offline(expired_cred).result is Result.EXPIRED
    broken = bytearray(body_of(expired_cred))
    broken[100] ^= 0x01
    assert verify_offline(with_body("YKD1:", bytes(broken))).result is Result.BAD_SIGNATURE
    assert verify_offline(expired_cred, trust={}).result is Result.UNKNOWN_KEY
    revoked = {CARD.hex(): "cancelled"}
    assert verify_offline(offline_code(), now=NOW + 100, revoked_cards=revoked).result is Result.EXPIRED


def test_offline_revocation() -> None:
    text = offline_code()
    dev = fmt.device_key_id(DEVICE_PUB)
    cases = [
        ({CARD.hex(): "suspended"}, None, Result.CARD_SUSPENDED),
        ({CARD.hex(): "cancelled"}, None, Result.CARD_CANCELLED),
        ({CARD.hex(): "something-new"}, None, Result.CARD_SUSPENDED),  # fail closed
        (None, {dev}, Result.DEVICE_REVOKED),
        ({CARD.hex(): "cancelled"}, [dev], Result.CARD_CANCELLED),  # card before device
        ({"ffffffffffffffff": "cancelled"}, {"0000000000000000"}, Result.VALID),
        ({}, set(), Result.VALID),
    ]
    for cards, devices, expected in cases:
        check = verify_offline(text, revoked_cards=cards, revoked_devices=devices)
        assert check.result is expected
        assert check.card_ref == CARD and check.code_id is not None


def test_offline_key_rotation() -> None:
    old = offline_code(issuer_kid=OLD_KID, issuer_seed=OLD_SEED)
    new = offline_code()
    assert verify_offline(old).result is Result.VALID
    assert verify_offline(new).result is Result.VALID
    without_old = {ISSUER_KID.hex(): ISSUER_PUB}
    assert verify_offline(old, trust=without_old).result is Result.UNKNOWN_KEY
    assert verify_offline(new, trust=without_old).result is Result.VALID
    swapped = {OLD_KID.hex(): ISSUER_PUB}  # a kid pointing at another key
    assert verify_offline(old, trust=swapped).result is Result.BAD_SIGNATURE


def test_offline_malformed() -> None:
    text = offline_code()
    body = body_of(text)
    bad_version = b"\x02" + body[1:]
    for bad in [
        "",
        "YKD1:",
        text[:-1],
        text[:-3],
        text + "00",
        text.lower(),
        "YKO1:" + text[5:],
        text + " ",
        "\u00e9" * 300,
        "YKD1:" + "0" * 2000,
        with_body("YKD1:", bad_version),
        None,
        text.encode(),
    ]:
        assert verify_offline(bad) == fmt.OfflineCheck(result=Result.MALFORMED)  # type: ignore[arg-type]


def test_codes_carry_no_identity() -> None:
    """Neither format has room for a name or ID number: every byte is accounted for above."""
    assert fmt.ONLINE_BODY_LEN == 1 + 16 + 12
    assert fmt.OFFLINE_BODY_LEN == (1 + 4 + 8 + 3 + 4 + 4 + 1 + 32 + 64) + 4 + 64


# --- JWKS and revocation list -------------------------------------------------------------


def test_jwk_round_trip() -> None:
    jwk = fmt.jwk_from_public("a1b2c3d4", ISSUER_PUB, NOW, NOW + 86400)
    assert jwk == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": base64.urlsafe_b64encode(ISSUER_PUB).rstrip(b"=").decode(),
        "kid": "a1b2c3d4",
        "use": "sig",
        "alg": "EdDSA",
        "nbf": NOW,
        "exp": NOW + 86400,
    }
    assert fmt.trust_from_jwks({"keys": [jwk]}) == {"a1b2c3d4": ISSUER_PUB}
    with pytest.raises(ValueError):
        fmt.jwk_from_public("A1B2C3D4", ISSUER_PUB, NOW, NOW)
    with pytest.raises(ValueError):
        fmt.jwk_from_public("a1b2c3d4", ISSUER_PUB[:31], NOW, NOW)


def test_trust_from_jwks_skips_bad_entries() -> None:
    good = fmt.jwk_from_public("a1b2c3d4", ISSUER_PUB, NOW, NOW + 1)
    other = fmt.jwk_from_public("0000beef", TRUST["0000beef"], NOW, NOW + 1)
    x = good["x"]
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".index(x[-1])
    non_canonical = x[:-1] + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[last ^ 1]
    bad_entries = [
        {**good, "kid": "c0ffee01", "kty": "EC"},
        {**good, "kid": "c0ffee02", "crv": "X25519"},
        {**good, "kid": "c0ffee03", "use": "enc"},
        {**good, "kid": "c0ffee04", "alg": "ES256"},
        {**good, "kid": "C0FFEE05"},
        {**good, "kid": "c0ffee0"},
        {**good, "kid": "c0ffee07", "x": x + "="},
        {**good, "kid": "c0ffee08", "x": x[:-1]},
        {**good, "kid": "c0ffee09", "x": non_canonical},
        {**good, "kid": 12345678},
        {k: v for k, v in good.items() if k != "use"} | {"kid": "c0ffee0a"},
        "not a jwk",
        None,
    ]
    doc = {"keys": [good, other, *bad_entries, {**good, "yk_publish_until": 1}]}
    assert fmt.trust_from_jwks(doc) == {"a1b2c3d4": ISSUER_PUB, "0000beef": TRUST["0000beef"]}
    assert fmt.trust_from_jwks({"keys": [good, {**other, "kid": "a1b2c3d4"}]}) == {}  # conflicting kid
    for junk in [{}, {"keys": None}, {"keys": "x"}, [], None]:
        assert fmt.trust_from_jwks(junk) == {}  # type: ignore[arg-type]


def test_revocation_from_json() -> None:
    doc = {"version": 3, "cards": {CARD.hex(): "suspended"}, "devices": ["00112233aabbccdd"]}
    assert fmt.revocation_from_json(doc) == (3, {CARD.hex(): "suspended"}, {"00112233aabbccdd"})
    for bad in [
        {**doc, "version": "3"},
        {**doc, "cards": {CARD.hex(): "active"}},
        {**doc, "cards": {CARD.hex().upper(): "suspended"}},
        {**doc, "devices": ["00112233"]},
        {"version": 1, "cards": {}},
        [],
    ]:
        with pytest.raises(ValueError):
            fmt.revocation_from_json(bad)  # type: ignore[arg-type]


def test_apply_revocation_update() -> None:
    card, other, device = CARD.hex(), "00112233aabbccdd", "8899aabbccddeeff"
    held = fmt.revocation_from_json({"version": 7, "full": True, "cards": {card: "suspended"}, "devices": []})
    change = {"version": 9, "kind": "card", "ref": card, "status": "active", "at": "2026-01-01T09:00:00Z"}
    delta = {"version": 12, "full": False, "since": 7, "changes": [
        {**change, "version": 12, "status": "cancelled"},  # out of order on purpose: applied by version
        change,
        {**change, "version": 10, "kind": "device", "ref": device, "status": "revoked"},
        {**change, "version": 11, "ref": other, "status": "suspended"},
    ]}  # fmt: skip
    assert fmt.apply_revocation_update(held, delta) == (12, {card: "cancelled", other: "suspended"}, {device})
    unrevoke = {
        "version": 13,
        "full": False,
        "since": 12,
        "changes": [{**change, "version": 13, "kind": "device", "ref": device}],
    }
    assert fmt.apply_revocation_update((12, {}, {device}), unrevoke) == (13, {}, set())
    assert fmt.apply_revocation_update(held, {"version": 7, "full": False, "since": 7, "changes": []}) == held
    full = {"version": 3, "full": True, "cards": {}, "devices": [device]}
    assert fmt.apply_revocation_update(held, full) == (3, {}, {device})  # a full list replaces, even an older one
    assert fmt.apply_revocation_update(None, full) == (3, {}, {device})
    for bad_held, bad in [
        (None, delta),  # nothing to apply it to
        (held, {**delta, "since": 6}),  # does not follow the held version
        (held, {**delta, "version": 6, "since": 7}),
        (held, {**delta, "changes": None}),
        (held, {**delta, "changes": [{**change, "version": 13}]}),  # beyond the delta's version
        (held, {**delta, "changes": [{**change, "version": 7}]}),  # not after since
        (held, {**delta, "changes": [{**change, "status": "lost"}]}),
        (held, {**delta, "changes": [{**change, "kind": "device", "status": "suspended"}]}),
        (held, {**delta, "changes": [{**change, "kind": "person"}]}),
        (held, {**delta, "changes": [{**change, "ref": card.upper()}]}),
        (held, {**delta, "changes": [change, "x"]}),
        (held, {**delta, "since": True}),
        (held, []),
    ]:
        with pytest.raises(ValueError):
            fmt.apply_revocation_update(bad_held, bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        fmt.revocation_from_json({**delta, "cards": {}, "devices": []})  # a delta is not a full list


def test_times_are_whole_seconds() -> None:
    """A fractional clock would move the window's ends (iat + 65.5 is past iat + 65): refused."""
    code = fmt.mint_online(CARD, kid=7, master=MASTER_7, now=NOW)
    assert fmt.verify_online(code, masters={7: MASTER_7}, now=NOW + 65).result is Result.VALID
    for now, skew in [(NOW + 65.5, 5), (NOW, 5.0), (True, 5), (NOW, True)]:
        with pytest.raises(ValueError):
            fmt.verify_online(code, masters={7: MASTER_7}, now=now, skew=skew)  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            fmt.verify_offline(offline_code(), trust=TRUST, now=now, skew=skew)  # type: ignore[arg-type]
