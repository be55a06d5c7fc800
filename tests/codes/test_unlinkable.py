"""Two format-2 codes of one person share no identifying bytes; every profile's code fits QR version 10 at M."""

from __future__ import annotations

import hashlib
import secrets
from itertools import product

import pytest
import qrcode

from backend.codes import format as fmt
from backend.codes import format_v2 as v2
from backend.codes import minting
from backend.lib import base45, ed25519, sm2

NOW = 1_767_258_000
SLOT = 3 * 3600
REGION = {v2.Profile.VALIDITY: 440000, v2.Profile.CONCESSION: 440000, v2.Profile.TRANSIT: 440100}
ATTRS = {v2.Profile.VALIDITY: 0x00, v2.Profile.CONCESSION: 0x03, v2.Profile.TRANSIT: 0x0B}
ISSUER = {v2.Suite.ED25519: ed25519.generate(), v2.Suite.SM2: sm2.generate()}
KID = bytes.fromhex("5eed0001")
# The person: one card and one phone. Neither may show up in a code.
CARD_REF = secrets.token_bytes(8)
BOUND_DEVICE_SEED, BOUND_DEVICE_PUB = ed25519.generate()


def one_time_key(suite: v2.Suite) -> tuple[bytes, bytes]:
    return ed25519.generate() if suite is v2.Suite.ED25519 else sm2.generate()


def issue(suite: v2.Suite, profile: v2.Profile, slot: int) -> tuple[bytes, bytes]:
    """(credential, one-time private key) as the server issues one for this person: a fresh
    random cred_ref and a fresh one-time key (the phone's batch), the slot's aligned times."""
    device_private, device_pub = one_time_key(suite)
    nbf = NOW - NOW % SLOT + slot * SLOT
    credential = v2.make_credential_v2(
        suite=suite,
        issuer_kid=KID,
        issuer_private=ISSUER[suite][0],
        cred_ref=secrets.token_bytes(8),  # never derived from CARD_REF: the server keeps the mapping
        profile=profile,
        region=REGION[profile],
        nbf=nbf,
        exp=nbf + SLOT,
        attrs=ATTRS[profile],
        device_pub=device_pub,
    )
    return credential, device_private


def shown(suite: v2.Suite, profile: v2.Profile, slot: int, t: int) -> bytes:
    """The body of a code this person shows at time t."""
    credential, device_private = issue(suite, profile, slot)
    scenario = {v2.Profile.VALIDITY: "library_entry", v2.Profile.CONCESSION: "scenic_entry", v2.Profile.TRANSIT: "transit_ride"}
    return base45.decode(v2.make_offline_code_v2(credential, device_private, scenario[profile], t)[5:])


def population_positions(body: bytes) -> set[int]:
    """Offsets of the bytes that are the same for EVERY holder of this slot, profile, region and
    scenario: ver, suite, kid, profile, region, nbf, exp, attrs, the scenario tag, and those
    bytes of t that every second of the slot shares (t's high bytes do not change within it)."""
    c = v2.Suite(body[1]).credential_len
    positions = set(range(0, 6)) | set(range(14, 27)) | set(range(c, c + 4))  # ver suite kid | profile..attrs | tag
    nbf, exp = int.from_bytes(body[18:22], "big"), int.from_bytes(body[22:26], "big")
    for i in range(4):
        shift = 8 * (3 - i)
        if nbf >> shift == exp >> shift:
            positions.add(c + 4 + i)
    return positions


def common_substrings(a: bytes, b: bytes, least: int = 4) -> list[tuple[int, int, int]]:
    """Every maximal common substring of length >= `least`, as (start in a, start in b, length):
    longest-common-suffix table, reported where a run cannot be extended to the right."""
    run = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a)):
        for j in range(len(b)):
            if a[i] == b[j]:
                run[i + 1][j + 1] = run[i][j] + 1
    found = []
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            n = run[i][j]
            extendable = i < len(a) and j < len(b) and a[i] == b[j]
            if n >= least and not extendable:
                found.append((i - n, j - n, n))
    return found


def _outside(start: int, length: int, population: set[int]) -> int:
    """The longest run of the substring's offsets that lies outside the population-wide ones."""
    longest = run = 0
    for offset in range(start, start + length):
        run = 0 if offset in population else run + 1
        longest = max(longest, run)
    return longest


def test_common_substrings_finds_what_is_there() -> None:
    """The helper itself can fail: it finds a planted run, at its place and length."""
    a = secrets.token_bytes(100)
    b = secrets.token_bytes(40) + a[10:22] + secrets.token_bytes(40)
    assert (10, 40, 12) in common_substrings(a, b)
    assert not [s for s in common_substrings(a, b) if s != (10, 40, 12) and s[2] >= 8]
    assert _outside(0, 10, {0, 1, 2, 3, 8, 9}) == 4 and _outside(0, 10, {0, 4, 8}) == 3


CASES = [
    (suite, profiles, slots)
    for suite, (profiles, slots) in product(
        v2.Suite,
        [
            ((v2.Profile.TRANSIT, v2.Profile.TRANSIT), (0, 0)),  # same slot, same profile (a second batch)
            ((v2.Profile.VALIDITY, v2.Profile.VALIDITY), (0, 1)),  # the next slot
            ((v2.Profile.CONCESSION, v2.Profile.TRANSIT), (0, 0)),  # same slot, two profiles
        ],
    )
]


@pytest.mark.parametrize(
    ("suite", "profiles", "slots"), CASES, ids=[f"{s.name}-{p[0].label}-{p[1].label}-{sl}" for s, p, sl in CASES]
)
def test_two_codes_of_one_person_share_no_identifying_bytes(
    suite: v2.Suite, profiles: tuple[v2.Profile, v2.Profile], slots: tuple[int, int]
) -> None:
    first = shown(suite, profiles[0], slots[0], NOW - NOW % SLOT + slots[0] * SLOT + 17)
    second = shown(suite, profiles[1], slots[1], NOW - NOW % SLOT + slots[1] * SLOT + 4000)
    shared_a, shared_b = population_positions(first), population_positions(second)
    found = common_substrings(first, second)
    assert any(length >= 6 for _a, _b, length in found)  # ver, suite and kid at least: the search sees them
    for start_a, start_b, length in found:
        # What the two codes share beyond the population-wide fields is at most a chance
        # coincidence of 1 to 3 bytes next to them (a random byte equals another 1 time in 256).
        assert _outside(start_a, length, shared_a) < 4, (start_a, length, first[start_a : start_a + length].hex())
        assert _outside(start_b, length, shared_b) < 4, (start_b, length, second[start_b : start_b + length].hex())
    # The person's lifetime references are nowhere, not even a 4-byte piece of them.
    for body in (first, second):
        for secret in (CARD_REF, BOUND_DEVICE_PUB, hashlib.sha256(BOUND_DEVICE_PUB).digest()[:8]):
            assert not any(secret[i : i + 4] in body for i in range(len(secret) - 3))
    # And the identifying fields do differ: fresh cred_ref, one-time key, signatures, code id.
    assert first[6:14] != second[6:14]
    assert fmt.code_id_of("YKD2:" + base45.encode(first)) != fmt.code_id_of("YKD2:" + base45.encode(second))


def test_codes_of_one_credential_share_its_reference() -> None:
    """The residual linkage the spec states: two codes from the SAME credential (one slot, one
    profile) carry the same cred_ref and one-time key; only a new credential unlinks them."""
    credential, device_private = issue(v2.Suite.ED25519, v2.Profile.TRANSIT, 0)
    a, b = (base45.decode(v2.make_offline_code_v2(credential, device_private, "transit_ride", NOW + d)[5:]) for d in (10, 900))
    longest = max(n for _i, _j, n in common_substrings(a, b))
    assert a[6:14] == b[6:14] and longest >= v2.Suite.ED25519.credential_len


def qr_version_of(text: str) -> int:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(text)
    qr.make(fit=True)
    return qr.version


@pytest.mark.parametrize(("suite", "profile"), list(product(v2.Suite, v2.Profile)))
def test_every_profile_fits_qr_version_10_at_m(suite: v2.Suite, profile: v2.Profile) -> None:
    credential, device_private = issue(suite, profile, 0)
    text = v2.make_offline_code_v2(credential, device_private, "transit_ride", NOW)
    assert len(text) == (298 if suite is v2.Suite.ED25519 else 299) <= fmt.OFFLINE_MAX_CHARS
    assert minting.qr_version(text) == qr_version_of(text) == 10


def test_the_check_catches_a_reference_kept_across_credentials() -> None:
    """Were cred_ref the card's lifetime reference (as YKD1's card_ref is), the check above fails."""
    bodies = []
    for slot in (0, 1):
        device_private, device_pub = one_time_key(v2.Suite.ED25519)
        nbf = NOW - NOW % SLOT + slot * SLOT
        credential = v2.make_credential_v2(
            suite=1, issuer_kid=KID, issuer_private=ISSUER[v2.Suite.ED25519][0], cred_ref=CARD_REF, profile=1,
            region=440000, nbf=nbf, exp=nbf + SLOT, attrs=0, device_pub=device_pub,
        )  # fmt: skip
        bodies.append(base45.decode(v2.make_offline_code_v2(credential, device_private, "library_entry", nbf + 60)[5:]))
    first, second = bodies
    outside = [_outside(a, n, population_positions(first)) for a, _b, n in common_substrings(first, second)]
    assert max(outside) >= 8  # the whole reference
