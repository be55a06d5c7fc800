"""Format 2 of the offline code (YKD2): credentials per profile, scenario binding, both suites."""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import pytest

from backend.catalog import scenarios as catalog
from backend.codes import format as fmt
from backend.codes import format_v2 as v2
from backend.codes import offline_verifier
from backend.lib import base45, ed25519, sm2

R = fmt.Result
NOW = 1_767_258_000
SLOT = (NOW - NOW % 10_800, NOW - NOW % 10_800 + 10_800)
KID = bytes.fromhex("a1b2c3d4")
REF = bytes.fromhex("0011223344556677")
ED_ISSUER = hashlib.sha256(b"v2 test issuer ed").digest()
ED_DEVICE = hashlib.sha256(b"v2 test device ed").digest()
SM_ISSUER = sm2.generate()
SM_DEVICE = sm2.generate()
KEYS = {
    v2.Suite.ED25519: (ED_ISSUER, ed25519.public_from_seed(ED_ISSUER), ED_DEVICE, ed25519.public_from_seed(ED_DEVICE)),
    v2.Suite.SM2: (SM_ISSUER[0], SM_ISSUER[1], SM_DEVICE[0], SM_DEVICE[1]),
}
SUITES = list(v2.Suite)
OFF_CURVE = b"\x02" + (2).to_bytes(32, "big")  # x = 2: x^3 + ax + b is not a square mod p


def trust(suite: v2.Suite) -> dict[str, v2.TrustedKey]:
    return {KID.hex(): v2.TrustedKey(suite.alg, KEYS[suite][1])}  # type: ignore[arg-type]


def credential(key_suite: v2.Suite, **overrides: object) -> bytes:
    issuer, _pub, _device, device_pub = KEYS[key_suite]
    fields: dict[str, object] = dict(
        suite=key_suite,
        issuer_kid=KID,
        issuer_private=issuer,
        cred_ref=REF,
        profile=v2.Profile.TRANSIT,
        region=440100,
        nbf=SLOT[0],
        exp=SLOT[1],
        attrs=v2.Attrs.ELDERLY | v2.Attrs.TRANSPORT,
        device_pub=device_pub,
    )
    fields.update(overrides)
    return v2.make_credential_v2(**fields)  # type: ignore[arg-type]


def code(suite: v2.Suite, scenario: str = "transit_ride", t: int = NOW, **overrides: object) -> str:
    return v2.make_offline_code_v2(credential(suite, **overrides), KEYS[suite][2], scenario, t)


def check(text: str, suite: v2.Suite, scenario: str = "transit_ride", now: int = NOW + 10, **kwargs: object) -> v2.OfflineCheckV2:
    return v2.verify_offline_v2(text, trust=trust(suite), scenario=scenario, now=now, **kwargs)  # type: ignore[arg-type]


def body_of(text: str) -> bytes:
    return base45.decode(text[5:])


@pytest.mark.parametrize("suite", SUITES)
def test_round_trip_and_layout(suite: v2.Suite) -> None:
    text = code(suite)
    body = body_of(text)
    assert text.startswith("YKD2:") and fmt.kind_of(text) == "offline2"
    assert (len(body), len(text)) == ((195, 298) if suite is v2.Suite.ED25519 else (196, 299))
    assert len(text) <= fmt.OFFLINE_MAX_CHARS
    p = suite.public_size
    assert body[0] == 2 and body[1] == suite and body[2:6] == KID and body[6:14] == REF
    assert body[14] == 3 and int.from_bytes(body[15:18], "big") == 440100
    assert (int.from_bytes(body[18:22], "big"), int.from_bytes(body[22:26], "big"), body[26]) == (*SLOT, 0x09)
    assert body[27 : 27 + p] == KEYS[suite][3]
    cred_len = 27 + p + 64
    assert body[cred_len : cred_len + 4] == hashlib.sha256(b"yikatong/scenario/transit_ride").digest()[:4]
    assert int.from_bytes(body[cred_len + 4 : cred_len + 8], "big") == NOW
    got = check(text, suite)
    code_id = hashlib.sha256(body).digest()[:16].hex()
    assert got == v2.OfflineCheckV2(
        result=R.VALID,
        cred_ref=REF,
        suite=int(suite),
        profile=3,
        region=440100,
        nbf=SLOT[0],
        exp=SLOT[1],
        attrs=9,
        kid=KID.hex(),
        scenario=v2.scenario_tag("transit_ride").hex(),
        t=NOW,
        code_id=code_id,
    )
    assert fmt.code_id_of(text) == v2.code_id_of(text) == code_id
    # Signatures as the spec says: issuer over "YKC2" || credential head, device over "YKD2" || body head.
    verify = ed25519.verify if suite is v2.Suite.ED25519 else sm2.verify
    assert verify(KEYS[suite][1], b"YKC2" + body[: 27 + p], body[27 + p : cred_len])
    assert verify(KEYS[suite][3], b"YKD2" + body[: cred_len + 8], body[cred_len + 8 :])
    parsed = v2.parse_credential_v2(body[:cred_len])
    assert (parsed.suite, parsed.profile, parsed.kid, parsed.cred_ref) == (suite, v2.Profile.TRANSIT, KID.hex(), REF)


@pytest.mark.parametrize("suite", SUITES)
def test_scenario_and_profile_binding(suite: v2.Suite) -> None:
    transit = code(suite)
    assert check(transit, suite, "transit_ride").result is R.VALID
    assert check(transit, suite, "library_entry").result is R.WRONG_SCENARIO  # made for the metro
    assert check(transit, suite, "scenic_entry").result is R.WRONG_SCENARIO
    # A validity credential's code made for the metro: right tag, wrong profile.
    validity = code(suite, profile=v2.Profile.VALIDITY, attrs=0)
    assert check(validity, suite, "transit_ride").result is R.WRONG_SCENARIO
    assert check(code(suite, "library_entry", profile=1, attrs=0), suite, "library_entry").result is R.VALID
    assert check(code(suite, "scenic_entry", profile=2, attrs=1), suite, "scenic_entry").result is R.VALID
    # A scenario outside the built-in table names its profile; without one it is a caller bug.
    assert check(code(suite, "pool_entry", profile=2, attrs=0), suite, "pool_entry", profile="concession").result is R.VALID
    with pytest.raises(ValueError):
        check(transit, suite, "pool_entry")
    # Wrong scenario comes after the device signature, before the code's own time.
    assert check(transit, suite, "library_entry", now=NOW + 3600).result is R.WRONG_SCENARIO


def test_profile_for_scenario_matches_the_catalog() -> None:
    assert v2.profile_for_scenario(True, True) is v2.Profile.TRANSIT
    assert v2.profile_for_scenario(False, True) is v2.Profile.CONCESSION
    assert v2.profile_for_scenario(False, False) is v2.Profile.VALIDITY
    offline = {
        s.name: v2.profile_for_scenario(s.needs_transport, s.discloses_concessions) for s in catalog.all_scenarios() if s.offline
    }
    assert offline == v2.BUILT_IN_PROFILES
    assert [p.mask for p in v2.Profile] == [0x00, 0x07, 0x0F]


@pytest.mark.parametrize("suite", SUITES)
def test_make_credential_refuses_bad_arguments(suite: v2.Suite) -> None:
    other = v2.Suite.SM2 if suite is v2.Suite.ED25519 else v2.Suite.ED25519
    bad_device = bytes(32) if suite is v2.Suite.ED25519 else OFF_CURVE  # small order / not on the curve
    for overrides in [
        {"suite": 3},
        {"suite": "rsa"},
        {"profile": 4},
        {"profile": v2.Profile.VALIDITY},  # attrs 0x09 outside the validity mask
        {"profile": v2.Profile.CONCESSION},  # transport bit outside the concession mask
        {"attrs": 0x10},
        {"region": 2**24},
        {"nbf": SLOT[1]},
        {"nbf": -1},
        {"exp": 2**32},
        {"cred_ref": REF[:7]},
        {"issuer_kid": KID + b"\x00"},
        {"device_pub": KEYS[other][3]},  # the other suite's key length
        {"device_pub": bad_device},
    ]:
        with pytest.raises(ValueError):
            credential(suite, **overrides)
    with pytest.raises(ValueError):
        v2.make_offline_code_v2(credential(suite), KEYS[suite][0], "transit_ride", NOW)  # not the device key
    with pytest.raises(ValueError):
        v2.make_offline_code_v2(credential(suite), KEYS[suite][2], "", NOW)


@pytest.mark.parametrize("suite", SUITES)
def test_malformed_unknown_key_and_signatures(suite: v2.Suite) -> None:
    text = code(suite)
    body = body_of(text)
    cred_len = suite.credential_len
    for bad in ["", "YKD2:", text[:-1], text + "00", text.lower(), "YKD1:" + text[5:], text + "\n", None, 5]:
        assert check(bad, suite) == v2.OfflineCheckV2(result=R.MALFORMED)  # type: ignore[arg-type]

    def altered(index: int, value: int) -> str:
        out = bytearray(body)
        out[index] = value
        return "YKD2:" + base45.encode(bytes(out))

    assert check(altered(0, 1), suite).result is R.MALFORMED  # version
    assert check(altered(1, 3), suite).result is R.MALFORMED  # suite
    assert check(altered(1, 3 - suite), suite).result is R.MALFORMED  # the other suite's length
    assert check(altered(14, 4), suite).result is R.MALFORMED  # profile
    assert check(altered(26, 0x19), suite).result is R.MALFORMED  # attrs outside the transit mask
    assert check(altered(14, 2), suite).result is R.MALFORMED  # concession with the transport bit
    assert check(altered(14, 1), suite).result is R.MALFORMED  # validity with any bit
    assert check(altered(26, 0x0B), suite).result is R.BAD_SIGNATURE  # inside the mask: the issuer signature
    assert check(altered(cred_len + 1, body[cred_len + 1] ^ 1), suite).result is R.BAD_SIGNATURE  # scenario tag
    assert check(altered(len(body) - 1, body[-1] ^ 1), suite).result is R.BAD_SIGNATURE  # device signature
    assert v2.verify_offline_v2(text, trust={}, scenario="transit_ride", now=NOW).result is R.UNKNOWN_KEY
    other_alg = "SM2SM3" if suite is v2.Suite.ED25519 else "EdDSA"
    same_kid = {KID.hex(): v2.TrustedKey(other_alg, KEYS[suite][1])}  # type: ignore[arg-type]
    assert v2.verify_offline_v2(text, trust=same_kid, scenario="transit_ride", now=NOW).result is R.UNKNOWN_KEY


@pytest.mark.parametrize("suite", SUITES)
def test_times_and_revocation(suite: v2.Suite) -> None:
    text = code(suite)
    assert check(text, suite, now=SLOT[0] - 6).result is R.NOT_YET_VALID  # credential first
    assert check(text, suite, now=SLOT[1] + 6).result is R.EXPIRED
    assert check(text, suite, now=NOW + 65).result is R.VALID
    assert check(text, suite, now=NOW + 66).result is R.EXPIRED
    assert check(text, suite, now=NOW - 6).result is R.NOT_YET_VALID
    for status, result in [
        ("suspended", R.CARD_SUSPENDED),
        ("cancelled", R.CARD_CANCELLED),
        ("revoked", R.DEVICE_REVOKED),
        ("lost-in-a-lake", R.CARD_SUSPENDED),  # an unknown status fails closed
    ]:
        assert check(text, suite, revoked_credentials={REF.hex(): status}).result is result
    assert check(text, suite, revoked_credentials={"ffffffffffffffff": "revoked"}).result is R.VALID
    # An expired code of a revoked credential is expired: time before revocation.
    assert check(text, suite, now=NOW + 300, revoked_credentials={REF.hex(): "revoked"}).result is R.EXPIRED


def test_trust_from_jwks_v2() -> None:
    ed_pub, sm_pub = KEYS[v2.Suite.ED25519][1], KEYS[v2.Suite.SM2][1]
    ed_jwk = fmt.jwk_from_public("a1b2c3d4", ed_pub, 0, 10)
    sm_jwk = v2.jwk_from_sm2_public("0badc0de", sm_pub, 0, 10, publish_until=20)
    assert sm_jwk["kty"] == "EC" and sm_jwk["crv"] == "SM2" and sm_jwk["alg"] == "SM2SM3" and sm_jwk["yk_publish_until"] == 20
    got = v2.trust_from_jwks_v2({"keys": [ed_jwk, sm_jwk]})
    assert got == {"a1b2c3d4": v2.TrustedKey("EdDSA", ed_pub), "0badc0de": v2.TrustedKey("SM2SM3", sm_pub)}
    assert fmt.trust_from_jwks({"keys": [ed_jwk, sm_jwk]}) == {"a1b2c3d4": ed_pub}  # format 1 stays Ed25519-only
    assert v2.trust_from_jwks_v2({"keys": [{k: v for k, v in sm_jwk.items() if k != "use"}]}) == {}
    assert v2.trust_from_jwks_v2({"keys": [{**sm_jwk, "alg": "ES256"}]}) == {}
    assert v2.trust_from_jwks_v2({"keys": [{**sm_jwk, "y": sm_jwk["y"][:-1]}]}) == {}
    # The same kid with two keys (here of two algorithms) is ambiguous: dropped.
    assert v2.trust_from_jwks_v2({"keys": [ed_jwk, {**sm_jwk, "kid": "a1b2c3d4"}]}) == {}
    # An SM2 point off the curve stays listed: its codes fail as bad_signature.
    off = {**sm_jwk, "x": v2._b64url(OFF_CURVE[1:])}
    kept = v2.trust_from_jwks_v2({"keys": [off]})["0badc0de"]
    assert kept.alg == "SM2SM3" and kept.public[1:] == OFF_CURVE[1:] and not sm2.is_valid_public(kept.public)
    for junk in [None, [], {"keys": None}, {"keys": [5, "x", None]}]:
        assert v2.trust_from_jwks_v2(junk) == {}
    assert v2.retired_formats({"keys": [], "yk_retired_formats": {"YKD1": 1803859200, "X": "soon"}}) == {"YKD1": 1803859200}


def test_revocations_with_credentials() -> None:
    full = {"version": 3, "full": True, "cards": {}, "devices": [], "credentials": {REF.hex(): "revoked"}}
    held = v2.revocation_v2_from_json(full)
    assert held == (3, {}, set(), {REF.hex(): "revoked"})
    assert fmt.revocation_from_json(full) == (3, {}, set())  # format 1 readers ignore the member
    assert v2.revocation_v2_from_json({**full, "credentials": {}})[3] == {}
    assert v2.revocation_v2_from_json({k: v for k, v in full.items() if k != "credentials"})[3] == {}
    for bad in [{REF.hex(): "active"}, {"xyz": "revoked"}, [REF.hex()]]:
        with pytest.raises(ValueError):
            v2.revocation_v2_from_json({**full, "credentials": bad})
    other = "8899aabbccddeeff"
    delta = {
        "version": 6,
        "full": False,
        "since": 3,
        "changes": [
            {"version": 4, "kind": "credential", "ref": other, "status": "suspended"},
            {"version": 5, "kind": "credential", "ref": REF.hex(), "status": "active"},
            {"version": 6, "kind": "card", "ref": "0123456789abcdef", "status": "cancelled"},
        ],
    }
    assert v2.apply_revocation_update_v2(held, delta) == (6, {"0123456789abcdef": "cancelled"}, set(), {other: "suspended"})
    # A format-1 reader applies the same delta, leaving the credential changes out.
    assert fmt.apply_revocation_update((3, {}, set()), delta) == (6, {"0123456789abcdef": "cancelled"}, set())
    bad_change = {**delta, "changes": [{"version": 4, "kind": "credential", "ref": other, "status": "cancelled!"}]}
    with pytest.raises(ValueError):
        v2.apply_revocation_update_v2(held, bad_change)
    with pytest.raises(ValueError):
        v2.apply_revocation_update_v2(held, {**delta, "since": 2})
    with pytest.raises(ValueError):
        v2.apply_revocation_update_v2(None, delta)


def _cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, scenario: str | None, credentials: dict
) -> tuple[int, dict | None]:
    sm_pub = KEYS[v2.Suite.SM2][1]
    jwks = {"keys": [v2.jwk_from_sm2_public(KID.hex(), sm_pub, 0, 2**32 - 1)], "yk_retired_formats": {"YKD1": 1803859200}}
    (tmp_path / "jwks.json").write_text(json.dumps(jwks))
    (tmp_path / "rev.json").write_text(
        json.dumps({"version": 1, "full": True, "cards": {}, "devices": [], "credentials": credentials})
    )
    args = argparse.Namespace(
        code=text,
        trust=str(tmp_path / "jwks.json"),
        revocations=str(tmp_path / "rev.json"),
        now=NOW + 10,
        skew=5,
        scenario=scenario,
    )
    status = offline_verifier.verify_cli(args)
    out = capsys.readouterr().out
    return status, json.loads(out) if out else None


def test_yikatong_verify_format_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    suite = v2.Suite.SM2
    status, report = _cli(tmp_path, capsys, code(suite), "transit_ride", {})
    assert status == 0 and report is not None
    assert report["result"] == "valid" and report["kind"] == "offline2" and report["profile"] == "transit"
    assert report["cred_ref"] == REF.hex() and report["suite"] == "sm2" and report["concessions"] == ["elderly", "transport"]
    library = code(suite, "library_entry", profile=1, attrs=0)
    status, report = _cli(tmp_path, capsys, library, "library_entry", {})
    assert status == 0 and report is not None and "concessions" not in report and "attrs" not in report  # validity only
    status, report = _cli(tmp_path, capsys, code(suite), "library_entry", {})
    assert (status, report and report["result"]) == (1, "wrong_scenario")
    status, report = _cli(tmp_path, capsys, code(suite), "transit_ride", {REF.hex(): "cancelled"})
    assert (status, report and report["result"]) == (1, "card_cancelled")
    status, report = _cli(tmp_path, capsys, code(suite), None, {})  # a YKD2 code needs --scenario
    assert (status, report) == (2, None)
    status, report = _cli(tmp_path, capsys, "YKD2:00", None, {})  # unless it is malformed anyway
    assert (status, report and report["result"]) == (1, "malformed")
    status, report = _cli(tmp_path, capsys, code(suite), "pool_entry", {})
    assert (status, report) == (2, None)
