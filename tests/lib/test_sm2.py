"""lib.sm2: the published example on the recommended curve, round trips, tampering and hostile input."""

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.lib import sm2
from backend.lib.sm3sm4 import sm3

# GM/T 0003.5-2012 (GB/T 32918.5) Annex A: a signature on the recommended curve, default user id.
# (The example of GB/T 32918.2 / GM/T 0003.2 Annex A is on a test curve, p = 8542D69E..., with
# the id "ALICE123@YAHOO.COM": no production library takes that curve, so it is not used here.)
D = bytes.fromhex("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8")
X = bytes.fromhex("09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020")
Y = bytes.fromhex("CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13")
MESSAGE = b"message digest"
K = bytes.fromhex("59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21")
Z_A = bytes.fromhex("B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3")
E = bytes.fromhex("F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640")
R = bytes.fromhex("F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3")
S = bytes.fromhex("B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA")
PUB = bytes([2 | (Y[-1] & 1)]) + X


# An independent verifier written from GB/T 32918.2 section 7 (affine arithmetic, slow and plain),
# so that the library's signatures are checked against the standard, not against itself.
def _add(p1, p2):
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    (x1, y1), (x2, y2) = p1, p2
    if x1 == x2 and (y1 + y2) % sm2.P == 0:
        return None
    if p1 == p2:
        lam = (3 * x1 * x1 + sm2.A) * pow(2 * y1, -1, sm2.P)
    else:
        lam = (y2 - y1) * pow(x2 - x1, -1, sm2.P)
    x3 = (lam * lam - x1 - x2) % sm2.P
    return x3, (lam * (x1 - x3) - y1) % sm2.P


def _mul(k, point):
    out = None
    while k:
        if k & 1:
            out = _add(out, point)
        point = _add(point, point)
        k >>= 1
    return out


def _reference_verify(xy: bytes, message: bytes, signature: bytes) -> bool:
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if not (1 <= r < sm2.N and 1 <= s < sm2.N):
        return False
    za = sm3(
        (128).to_bytes(2, "big")
        + sm2.DEFAULT_USER_ID
        + b"".join(v.to_bytes(32, "big") for v in (sm2.A, sm2.B, sm2.GX, sm2.GY))
        + xy
    )
    e = int.from_bytes(sm3(za + message), "big")
    t = (r + s) % sm2.N
    if t == 0:
        return False
    pa = (int.from_bytes(xy[:32], "big"), int.from_bytes(xy[32:], "big"))
    point = _add(_mul(s, (sm2.GX, sm2.GY)), _mul(t, pa))
    return point is not None and (e + point[0]) % sm2.N == r


def test_the_published_key_pair_z_a_and_digest():
    assert sm2.public_from_private(D) == PUB
    assert sm2.decompress(PUB) == X + Y
    assert sm2.compress(X + Y) == PUB == sm2.compress(b"\x04" + X + Y)
    assert sm2.z_a(PUB) == Z_A
    assert sm3(Z_A + MESSAGE) == E


def test_the_published_signature_verifies_and_its_tampered_forms_do_not():
    assert sm2.verify(PUB, MESSAGE, R + S)
    assert _reference_verify(X + Y, MESSAGE, R + S)
    assert not sm2.verify(PUB, MESSAGE + b".", R + S)
    assert not sm2.verify(PUB, MESSAGE, S + R)
    for i in (0, 31, 32, 63):
        bad = bytearray(R + S)
        bad[i] ^= 0x01
        assert not sm2.verify(PUB, MESSAGE, bytes(bad))
    other = bytes([PUB[0] ^ 1]) + PUB[1:]  # the same x, the other y: the negated key
    assert not sm2.verify(other, MESSAGE, R + S)


def test_the_reference_reproduces_the_published_signature_from_its_nonce():
    # The annex's nonce k through the signing equation of GB/T 32918.2 6.1 gives exactly its r and s:
    # the reference verifier above and the constants here are the standard's, not a guess.
    d, k, e = (int.from_bytes(v, "big") for v in (D, K, E))
    x1, _y1 = _mul(k, (sm2.GX, sm2.GY))
    r = (e + x1) % sm2.N
    s = pow(1 + d, -1, sm2.N) * (k - r * d) % sm2.N
    assert r.to_bytes(32, "big") + s.to_bytes(32, "big") == R + S


def test_sign_and_verify_round_trip_checked_by_the_reference():
    private, public = sm2.generate()
    assert len(private) == sm2.PRIVATE_SIZE and len(public) == sm2.PUBLIC_SIZE
    assert sm2.public_from_private(private) == public and sm2.is_valid_public(public)
    for message in (b"", b"YKC2" + os.urandom(60), os.urandom(5000)):
        signature = sm2.sign(private, message)
        assert len(signature) == sm2.SIGNATURE_SIZE
        assert sm2.verify(public, message, signature)
        assert _reference_verify(sm2.decompress(public), message, signature)
        assert not sm2.verify(public, message + b"\x00", signature)
        assert not sm2.verify(sm2.generate()[1], message, signature)


def test_nonces_are_fresh():
    # The same key and message twice give two signatures (a fixed nonce would leak the key after two).
    private, public = sm2.generate()
    one, two = sm2.sign(private, b"m"), sm2.sign(private, b"m")
    assert one != two and one[:32] != two[:32]
    assert sm2.verify(public, b"m", one) and sm2.verify(public, b"m", two)


def test_generated_keys_differ():
    assert len({sm2.generate()[0] for _ in range(20)}) == 20


N_BYTES = sm2.N.to_bytes(32, "big")
ONE = (1).to_bytes(32, "big")


@pytest.mark.parametrize(
    "public, signature",
    [
        (PUB, b""),
        (PUB, (R + S)[:63]),
        (PUB, R + S + b"\x00"),
        (PUB, bytes(32) + S),  # r = 0
        (PUB, R + bytes(32)),  # s = 0
        (PUB, N_BYTES + S),  # r = n
        (PUB, R + N_BYTES),  # s = n
        (PUB, b"\xff" * 64),  # r, s > n
        (PUB, (sm2.N - int.from_bytes(S, "big")).to_bytes(32, "big") + S),  # r + s = n
        (b"", R + S),
        (PUB[:32], R + S),
        (PUB + b"\x00", R + S),
        (b"\x04" + X + Y, R + S),  # uncompressed: not what a trust list or credential carries
        (b"\x04" + X, R + S),
        (b"\x00" + X, R + S),
        (b"\x05" + X, R + S),
        (b"\x02" + sm2.P.to_bytes(32, "big"), R + S),  # x = p
        (b"\x02" + b"\xff" * 32, R + S),  # x > p
        (b"\x02" + bytes(32), R + S),  # x = 0
        (None, R + S),
        (PUB, None),
        ("02" + X.hex(), R + S),
        (PUB, (R + S).hex()),
    ],
)
def test_hostile_input_is_false_never_an_exception(public, signature, capfd):
    assert sm2.verify(public, MESSAGE, signature) is False
    assert capfd.readouterr() == ("", "")  # and nothing printed (a scanner's log is not the attacker's)


def test_points_off_the_curve_are_refused():
    off = 0
    for x in range(2, 100):  # about half of all x have no point; take some
        if not sm2.is_valid_public(b"\x02" + x.to_bytes(32, "big")):
            off = x
            break
    assert off
    public = b"\x02" + off.to_bytes(32, "big")
    assert not sm2.is_valid_public(public) and not sm2.is_valid_public(b"\x03" + public[1:])
    assert sm2.verify(public, MESSAGE, R + S) is False
    with pytest.raises(ValueError):
        sm2.decompress(public)
    with pytest.raises(ValueError):
        sm2.compress(X + bytes(31) + b"\x01")  # a y that is not X's


def test_private_values_out_of_range_are_refused():
    for bad in (bytes(32), N_BYTES, (sm2.N - 1).to_bytes(32, "big"), b"\xff" * 32, D[:31], D + b"\x00"):
        with pytest.raises(ValueError):
            sm2.sign(bad, b"m")
        with pytest.raises(ValueError):
            sm2.public_from_private(bad)
    assert sm2.verify(sm2.public_from_private(ONE), b"m", sm2.sign(ONE, b"m"))


@settings(max_examples=200, deadline=None)
@given(public=st.binary(min_size=0, max_size=40), message=st.binary(max_size=64), signature=st.binary(min_size=0, max_size=70))
def test_random_bytes_never_raise(public, message, signature):
    assert sm2.verify(public, message, signature) in (False, True)
    assert sm2.verify(
        bytes([2 + (len(message) & 1)]) + public[:32].rjust(32, b"\x01"), message, signature[:64].ljust(64, b"\x01")
    ) in (False, True)
