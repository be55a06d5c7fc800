"""YKD2 codes made in a test with the server's own format 2 (backend/codes/format_v2), both suites,
as cases the JavaScript verifier's runner (tests/codes/vector_runner.js) takes beside the vectors."""

from __future__ import annotations

import secrets
from typing import Any

import msgspec

from backend.codes import format_v2 as f2
from backend.lib import ed25519, sm2

NOW = 1767258012
SUITES = ("ed25519", "sm2")


def key_pair(suite: str) -> tuple[bytes, bytes]:
    """(private, public) of the suite: an Ed25519 seed and raw key, or SM2's 32 + 33 bytes."""
    if suite == "ed25519":
        seed = secrets.token_bytes(32)
        return seed, ed25519.public_from_seed(seed)
    return sm2.generate()


def jwk_of(suite: str, kid: str, public: bytes) -> dict[str, Any]:
    if suite == "ed25519":
        return {"kty": "OKP", "crv": "Ed25519", "x": f2._b64url(public), "kid": kid, "use": "sig", "alg": "EdDSA"}
    return f2.jwk_from_sm2_public(kid, public, NOW - 86400, NOW + 86400)


class Issuer:
    """One issuer key of a suite and the trust list that publishes it."""

    def __init__(self, suite: str) -> None:
        self.suite = suite
        self.kid = secrets.token_bytes(4)
        self.private, self.public = key_pair(suite)
        self.jwk = jwk_of(suite, self.kid.hex(), self.public)

    def trust(self, **extra: Any) -> dict[str, Any]:
        return {"keys": [self.jwk], **extra}

    def code(
        self,
        *,
        profile: str,
        scenario: str,
        attrs: int = 0,
        now: int = NOW,
        t: int | None = None,
        nbf: int | None = None,
        exp: int | None = None,
        region: int = 440000,
        cred_ref: bytes | None = None,
    ) -> tuple[str, str]:
        """(code text, cred_ref hex): a fresh credential and one-time device key, the code made for
        `scenario`; made 10 s before `now`, in a slot from an hour before to an hour after."""
        t = now - 10 if t is None else t
        nbf = now - 3600 if nbf is None else nbf
        exp = now + 3600 if exp is None else exp
        device_private, device_public = key_pair(self.suite)
        cred_ref = cred_ref or secrets.token_bytes(8)
        credential = f2.make_credential_v2(
            suite=self.suite,
            issuer_kid=self.kid,
            issuer_private=self.private,
            cred_ref=cred_ref,
            profile=profile,
            region=region,
            nbf=nbf,
            exp=exp,
            attrs=attrs,
            device_pub=device_public,
        )
        return f2.make_offline_code_v2(credential, device_private, scenario, t), cred_ref.hex()


def expected(code: str, trust: dict[str, Any], scenario: str, **kwargs: Any) -> tuple[str, dict[str, Any]]:
    """The server's verdict and fields for a code (what the JavaScript must answer too)."""
    check = f2.verify_offline_v2(code, trust=f2.trust_from_jwks_v2(trust), scenario=scenario, **kwargs)
    fields = {k: (v.hex() if isinstance(v, bytes) else v) for k, v in msgspec.structs.asdict(check).items()}
    result = str(fields.pop("result"))
    return result, {k: v for k, v in fields.items() if v is not None}


def case(
    code: str, trust: dict[str, Any], scenario: str, *, revocation: dict | None = None, skew: int = 5, now: int = NOW
) -> dict:
    """A vector-shaped case (kind, code, now, skew, trust, scenario, revocation, expected, expected_fields)."""
    revoked = (revocation or {}).get("credentials")
    result, fields = expected(code, trust, scenario, now=now, skew=skew, revoked_credentials=revoked)
    out = {"kind": "offline", "code": code, "now": now, "skew": skew, "trust": trust, "scenario": scenario}
    if revocation is not None:
        out["revocation"] = revocation
    return {**out, "expected": result, "expected_fields": fields}


def revocation_list(credentials: dict[str, str] | None = None, version: int = 7) -> dict[str, Any]:
    return {"version": version, "full": True, "cards": {}, "devices": [], "credentials": credentials or {}}


def cases() -> dict[str, dict]:
    """Every result of format 2 the runner must give, for each suite, from codes made now."""
    out: dict[str, dict] = {}
    for suite in SUITES:
        issuer = Issuer(suite)
        other = Issuer(suite)
        trust = issuer.trust()
        lib, _ = issuer.code(profile="validity", scenario="library_entry")
        metro, metro_ref = issuer.code(profile="transit", scenario="transit_ride", attrs=0x09)
        scenic, _ = issuer.code(profile="concession", scenario="scenic_entry", attrs=0x05)
        out |= {
            f"{suite}-validity-at-library": case(lib, trust, "library_entry"),
            f"{suite}-transit-at-metro": case(metro, trust, "transit_ride"),
            f"{suite}-concession-at-scenic": case(scenic, trust, "scenic_entry"),
            f"{suite}-transit-code-at-library": case(metro, trust, "library_entry"),
            f"{suite}-validity-code-at-metro": case(lib, trust, "transit_ride"),
            # The right tag with another profile's credential: the wallet never makes it; a holder could.
            f"{suite}-validity-credential-signed-for-metro": case(
                issuer.code(profile="validity", scenario="transit_ride")[0], trust, "transit_ride"
            ),
            f"{suite}-unknown-key": case(lib, other.trust(), "library_entry"),
            f"{suite}-code-expired": case(lib, trust, "library_entry", now=NOW + 120),
            f"{suite}-credential-expired": case(
                issuer.code(profile="validity", scenario="library_entry", exp=NOW - 100, t=NOW - 10)[0], trust, "library_entry"
            ),
            f"{suite}-credential-not-yet-valid": case(
                issuer.code(profile="validity", scenario="library_entry", nbf=NOW + 100, exp=NOW + 3600)[0],
                trust,
                "library_entry",
            ),
            f"{suite}-revoked-credential": case(metro, trust, "transit_ride", revocation=revocation_list({metro_ref: "revoked"})),
            f"{suite}-cancelled-credential": case(
                metro, trust, "transit_ride", revocation=revocation_list({metro_ref: "cancelled"})
            ),
            f"{suite}-other-credential-revoked": case(
                metro, trust, "transit_ride", revocation=revocation_list({secrets.token_hex(8): "suspended"})
            ),
        }
        # One bit of each signature's territory flipped: the issuer's (in the credential's
        # head), the scenario tag (under the device signature), the device signature itself.
        for label, at in (("issuer-signed", 20), ("scenario-tag", -72), ("device-signature", -1)):
            body = bytearray(f2.base45.decode(lib[5:]))
            body[at] ^= 0x01
            out[f"{suite}-tampered-{label}"] = case("YKD2:" + f2.base45.encode(bytes(body)), trust, "library_entry")
    return out
