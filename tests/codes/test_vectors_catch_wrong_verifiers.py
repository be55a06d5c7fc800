"""The vectors can fail: plausible wrong verifiers, each a small change to a faithful re-implementation
of docs/qr-format.md, are run over tests/vectors/ and every one of them must miss some vector.

The faithful variant (no change) passes every vector, so a miss is the change's doing."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from backend.codes import format as fmt
from backend.codes import format_v2 as v2
from backend.lib import ed25519

VECTOR_DIR = Path(__file__).resolve().parents[1] / "vectors"
VECTORS = {p.stem: json.loads(p.read_text(encoding="ascii")) for p in sorted(VECTOR_DIR.glob("*.json"))}
OFFLINE_ORDER = ("version", "kid", "issuer_sig", "credential_time", "device_sig", "code_time", "card", "device")
U32 = 0xFFFFFFFF


def _make_vectors() -> Any:
    spec = importlib.util.spec_from_file_location("make_vectors", VECTOR_DIR / "make_vectors.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CURVE = _make_vectors()


@dataclasses.dataclass(frozen=True)
class Variant:
    """A verifier; the defaults are the documented one, every other value a plausible mistake."""

    offline_order: tuple[str, ...] = OFFLINE_ORDER
    online_mac_first: bool = True  # False: decrypt and check the time before the MAC
    fixed_skew: int | None = None  # the skew hard-coded instead of taken from the caller
    credential_skew: bool = True  # False: nbf <= now <= exp without the skew
    inclusive: bool = True  # False: the window's ends are refused
    wrap_32: bool = False  # time sums computed in 32 bits
    signatures: str = "rule"  # "textbook": [S]B == R + [k]A, points compared, no other check
    use_optional: bool = False  # a JWK without `use` is taken as a signing key (RFC 7517 allows it)
    revocations: str = "rule"  # "full_only", "id_member", "ignore_since", "merge_full"
    third_party: str = "rule"  # "prefix_only": every YKO1: text is unknown_key


def textbook_verify(pub: bytes, message: bytes, sig: bytes) -> bool:
    """RFC 8032 without its S < L check and without small-order checks, decoding y modulo p."""

    def lenient(raw: bytes) -> Any:
        value = int.from_bytes(raw, "little")
        y = (value & (2**255 - 1)) % CURVE.P
        x = CURVE._x_of(y, value >> 255)
        return None if x is None else (x, y, 1, x * y % CURVE.P)

    a, r = lenient(pub), lenient(sig[:32])
    if a is None or r is None:
        return False
    k = CURVE.challenge(sig[:32], pub, message)
    left = CURVE.point_mul(int.from_bytes(sig[32:], "little"), CURVE.BASE)
    return CURVE.point_encode(left) == CURVE.point_encode(CURVE.point_add(r, CURVE.point_mul(k, a)))


def _sig_ok(v: Variant, pub: bytes, message: bytes, sig: bytes) -> bool:
    return textbook_verify(pub, message, sig) if v.signatures == "textbook" else ed25519.verify(pub, message, sig)


def _window(v: Variant, now: int, start: int, end: int, skew: int) -> str | None:
    low, high = start - skew, end + skew
    if v.wrap_32:
        low, high = low & U32, high & U32
    if now < low or (not v.inclusive and now == low):
        return "not_yet_valid"
    if now > high or (not v.inclusive and now == high):
        return "expired"
    return None


def _trust(v: Variant, jwks: Any) -> dict[str, bytes]:
    if not v.use_optional or not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        return fmt.trust_from_jwks(jwks)
    return fmt.trust_from_jwks({"keys": [{"use": "sig", **k} if isinstance(k, dict) else k for k in jwks["keys"]]})


def _revocations(v: Variant, case: dict[str, Any]) -> tuple[dict[str, str], set[str]]:
    if "revocation" not in case:
        return {}, set()
    held = fmt.revocation_from_json(case["revocation"])
    for update in case.get("revocation_updates", []):
        if update["full"] and v.revocations == "merge_full":
            new = fmt.revocation_from_json(update)
            held = new[0], {**held[1], **new[1]}, held[2] | new[2]
        elif update["full"] or v.revocations in ("rule", "merge_full"):
            try:
                held = fmt.apply_revocation_update(held, update)
            except ValueError:
                pass
        elif v.revocations in ("id_member", "ignore_since"):
            held = _apply_delta_loosely(held, update, v.revocations == "id_member")
    return held[1], held[2]


def _apply_delta_loosely(held: fmt.Revocations, delta: dict[str, Any], id_member: bool) -> fmt.Revocations:
    """A delta applied whatever its `since`, its changes' refs read from `id` (the old document) or `ref`."""
    cards, devices = dict(held[1]), set(held[2])
    for change in sorted(delta["changes"], key=lambda c: c["version"]):
        ref = change.get("id" if id_member else "ref")
        if ref is None:
            continue
        if change["kind"] == "card" and change["status"] == "active":
            cards.pop(ref, None)
        elif change["kind"] == "card":
            cards[ref] = change["status"]
        elif change["status"] == "revoked":
            devices.add(ref)
        else:
            devices.discard(ref)
    return delta["version"], cards, devices


def verify_offline(v: Variant, case: dict[str, Any]) -> str:
    body = fmt._decode_body(case["code"], fmt.OFFLINE_PREFIX, fmt.OFFLINE_BODY_LEN)
    if body is None:
        return "malformed"
    cred = fmt._unpack_credential(body[: fmt.CREDENTIAL_LEN])
    trust = _trust(v, case["trust"])
    now, skew = case["now"], case["skew"] if v.fixed_skew is None else v.fixed_skew
    t = int.from_bytes(body[121:125], "big")
    cards, devices = _revocations(v, case)
    device_id = hashlib.sha256(cred.device_pub).digest()[:8].hex()
    steps = {
        "version": lambda: None if body[0] == 1 else "malformed",
        "kid": lambda: None if cred.kid in trust else "unknown_key",
        "issuer_sig": lambda: None if _sig_ok(v, trust[cred.kid], b"YKC1" + body[:57], body[57:121]) else "bad_signature",
        "credential_time": lambda: _window(v, now, cred.nbf, cred.exp, skew if v.credential_skew else 0),
        "device_sig": lambda: None if _sig_ok(v, cred.device_pub, b"YKD1" + body[:125], body[125:]) else "bad_signature",
        "code_time": lambda: _window(v, now, t, t + 60, skew),
        "card": lambda: {"cancelled": "card_cancelled", None: None}.get(cards.get(cred.card_ref.hex()), "card_suspended"),
        "device": lambda: "device_revoked" if device_id in devices else None,
    }
    for step in v.offline_order:
        result = steps[step]()
        if result:
            return result
    return "valid"


def verify_online(v: Variant, case: dict[str, Any]) -> str:
    text = case["code"]
    if v.third_party == "prefix_only" and not case["online_masters"] and isinstance(text, str) and text.startswith("YKO1:"):
        return "unknown_key"
    body = fmt._decode_body(text, fmt.ONLINE_PREFIX, fmt.ONLINE_BODY_LEN)
    if body is None:
        return "malformed"
    master = {int(k): bytes.fromhex(m) for k, m in case["online_masters"].items()}.get(body[0])
    if master is None:
        return "unknown_key"
    cipher, mac = fmt._online_primitives(master)
    iat = int.from_bytes(cipher.decrypt(body[1:17])[8:12], "big")
    skew = case["skew"] if v.fixed_skew is None else v.fixed_skew
    mac_ok = hmac.compare_digest(fmt._online_tag(mac, body[:17]), body[17:])
    if v.online_mac_first and not mac_ok:
        return "bad_signature"
    late = _window(v, case["now"], iat, iat + 60, skew)
    if late:
        return late
    return "valid" if mac_ok else "bad_signature"


def misses(v: Variant) -> list[str]:
    """The vectors this verifier gets wrong."""
    verify = {"offline": verify_offline, "online": verify_online}
    return sorted(name for name, case in VECTORS.items() if verify[case["kind"]](v, case) != case["expected"])


def test_the_faithful_variant_passes_every_vector() -> None:
    assert misses(Variant()) == []


def _swap(a: str, b: str) -> tuple[str, ...]:
    order = list(OFFLINE_ORDER)
    i, j = order.index(a), order.index(b)
    order[i], order[j] = order[j], order[i]
    return tuple(order)


WRONG = {
    # checks in the wrong order
    "kid before version": Variant(offline_order=_swap("version", "kid")),
    "both signatures before any time": Variant(offline_order=_swap("credential_time", "device_sig")),
    "code time before credential time": Variant(offline_order=_swap("credential_time", "code_time")),
    "times before the device signature": Variant(
        offline_order=("version", "kid", "issuer_sig", "credential_time", "code_time", "device_sig", "card", "device")
    ),
    "revocation before the code time": Variant(offline_order=_swap("code_time", "card")),
    "device before card": Variant(offline_order=_swap("card", "device")),
    "online time before MAC": Variant(online_mac_first=False),
    # skews
    "skew hard-coded to 5": Variant(fixed_skew=5),
    "skew hard-coded to 0": Variant(fixed_skew=0),
    "no skew on credential times": Variant(credential_skew=False),
    "exclusive window ends": Variant(inclusive=False),
    "32-bit time sums": Variant(wrap_32=True),
    # signatures, keys, lists, online codes at a third party
    "textbook Ed25519": Variant(signatures="textbook"),
    "JWK without use trusted": Variant(use_optional=True),
    "deltas ignored": Variant(revocations="full_only"),
    "delta changes read from `id`": Variant(revocations="id_member"),
    "delta since ignored": Variant(revocations="ignore_since"),
    "full lists merged": Variant(revocations="merge_full"),
    "every YKO1: text unknown_key": Variant(third_party="prefix_only"),
}


@pytest.mark.parametrize("name", list(WRONG))
def test_a_wrong_verifier_misses_some_vector(name: str) -> None:
    assert misses(WRONG[name]), f"no vector catches a verifier with {name}"


def test_the_named_mistakes_are_caught_by_the_vectors_made_for_them() -> None:
    """The three the issue names, with the vectors that catch each (so dropping one is noticed)."""
    assert {"offline-order-credential-time-beats-device-signature"} <= set(misses(WRONG["both signatures before any time"]))
    assert {"offline-code-expired-plus-61-skew-0", "online-valid-plus-90-skew-30"} <= set(misses(WRONG["skew hard-coded to 5"]))
    assert {"offline-credential-valid-from-edge", "offline-credential-valid-until-edge"} <= set(
        misses(WRONG["no skew on credential times"])
    )


# --- format 2 (tests/vectors/v2) ---------------------------------------------------------

V2_VECTORS = {p.stem: json.loads(p.read_text(encoding="ascii")) for p in sorted((VECTOR_DIR / "v2").glob("*.json"))}
V2_ORDER = ("kid", "issuer_sig", "credential_time", "device_sig", "scenario", "code_time", "revocation")


@dataclasses.dataclass(frozen=True)
class VariantV2:
    """A format-2 verifier; the defaults are the documented one (docs/qr-format.md, format 2)."""

    order: tuple[str, ...] = V2_ORDER
    check_tag: bool = True  # False: the scenario tag is signed but never compared
    check_profile: bool = True  # False: any profile is accepted at any scenario
    check_mask: bool = True  # False: attribute bits outside the profile's mask are accepted
    match_alg: bool = True  # False: a kid is enough, whatever the key's algorithm
    retire: str = "rule"  # "never": format 1 is verified forever; "after_time": retirement after the time checks
    unknown_status: str = "suspended"  # what an unknown credential status gives


def _held_credentials(case: dict[str, Any]) -> dict[str, str]:
    if "revocation" not in case:
        return {}
    held = v2.revocation_v2_from_json(case["revocation"])
    for update in case.get("revocation_updates", []):
        try:
            held = v2.apply_revocation_update_v2(held, update)
        except ValueError:
            pass
    return held[3]


def verify_v2(v: VariantV2, case: dict[str, Any]) -> str:
    text = case["code"]
    if isinstance(text, str) and text.startswith("YKD1:"):
        retire_at = None if v.retire == "never" else case["retire_at"]
        check = fmt.verify_offline(text, trust=fmt.trust_from_jwks(case["trust"]), now=case["now"], skew=case["skew"])
        if retire_at is not None and case["now"] >= retire_at and check.result is not fmt.Result.MALFORMED:
            if v.retire == "rule" or check.result is fmt.Result.VALID:
                return "format_retired"
        return check.result.value
    body = fmt._decode_body(text, "YKD2:", None)
    if body is None or len(body) < 2 or body[0] != 2 or body[1] not in (1, 2):
        return "malformed"
    suite = v2.Suite(body[1])
    if len(body) != suite.body_len or body[14] not in (1, 2, 3):
        return "malformed"
    profile = v2.Profile(body[14])
    if v.check_mask and body[26] & ~profile.mask:
        return "malformed"
    p, now, skew = suite.public_size, case["now"], case["skew"]
    c = 27 + p + 64
    kid = body[2:6].hex()
    trust = v2.trust_from_jwks_v2(case["trust"])
    key = trust.get(kid)
    nbf, exp = int.from_bytes(body[18:22], "big"), int.from_bytes(body[22:26], "big")
    t = int.from_bytes(body[c + 4 : c + 8], "big")
    status = _held_credentials(case).get(body[6:14].hex())
    want = v2.BUILT_IN_PROFILES[case["scenario"]]

    def sig(public: bytes, message: bytes, signature: bytes) -> bool:
        return v2._verify(suite, public, message, signature)

    steps = {
        "kid": lambda: None if key and (not v.match_alg or key.alg == suite.alg) else "unknown_key",
        "issuer_sig": lambda: None if sig(key.public, b"YKC2" + body[: 27 + p], body[27 + p : c]) else "bad_signature",
        "credential_time": lambda: _window(Variant(), now, nbf, exp, skew),
        "device_sig": lambda: None if sig(body[27 : 27 + p], b"YKD2" + body[: c + 8], body[c + 8 :]) else "bad_signature",
        "scenario": lambda: "wrong_scenario"
        if (v.check_tag and body[c : c + 4] != v2.scenario_tag(case["scenario"])) or (v.check_profile and profile is not want)
        else None,
        "code_time": lambda: _window(Variant(), now, t, t + 60, skew),
        "revocation": lambda: None
        if status is None
        else {"cancelled": "card_cancelled", "revoked": "device_revoked", "suspended": "card_suspended"}.get(
            status, v.unknown_status
        ),
    }
    for step in v.order:
        result = steps[step]()
        if result:
            return result
    return "valid"


def misses_v2(v: VariantV2) -> list[str]:
    return sorted(name for name, case in V2_VECTORS.items() if verify_v2(v, case) != case["expected"])


def _swap_v2(a: str, b: str) -> tuple[str, ...]:
    order = list(V2_ORDER)
    i, j = order.index(a), order.index(b)
    order[i], order[j] = order[j], order[i]
    return tuple(order)


def test_the_faithful_format_2_variant_passes_every_vector() -> None:
    assert V2_VECTORS and misses_v2(VariantV2()) == []


WRONG_V2 = {
    "scenario tag not checked": VariantV2(check_tag=False),
    "profile not checked": VariantV2(check_profile=False),
    "attrs mask ignored": VariantV2(check_mask=False),
    "kid matched whatever the algorithm": VariantV2(match_alg=False),
    "revocation before the code time": VariantV2(order=_swap_v2("code_time", "revocation")),
    "scenario after the code time": VariantV2(order=_swap_v2("scenario", "code_time")),
    "scenario before the device signature": VariantV2(order=_swap_v2("device_sig", "scenario")),
    "revocation before the scenario": VariantV2(
        order=("kid", "issuer_sig", "credential_time", "device_sig", "revocation", "scenario", "code_time")
    ),
    "format 1 never retired": VariantV2(retire="never"),
    "format 1 retired only when otherwise valid": VariantV2(retire="after_time"),
}


@pytest.mark.parametrize("name", list(WRONG_V2))
def test_a_wrong_format_2_verifier_misses_some_vector(name: str) -> None:
    assert misses_v2(WRONG_V2[name]), f"no v2 vector catches a verifier with {name}"


def test_the_format_2_mistakes_the_issue_names_are_caught_by_their_vectors() -> None:
    assert "wrong-scenario-sm2-library-code-at-hospital" in misses_v2(WRONG_V2["scenario tag not checked"])
    assert "wrong-profile-sm2-validity-credential-for-transit" in misses_v2(WRONG_V2["profile not checked"])
    assert "order-code-time-beats-revocation" in misses_v2(WRONG_V2["revocation before the code time"])
    assert "malformed-attrs-outside-validity-mask" in misses_v2(WRONG_V2["attrs mask ignored"])
    assert "unknown-key-sm2-code-kid-listed-as-ed25519" in misses_v2(WRONG_V2["kid matched whatever the algorithm"])
