"""backend/federation/offline_v2.verify_foreign_v2 agrees with the scanner (pwa/scanner/app.js, federation.js):
a region's entry is refused at exactly its valid_until, and signatures are checked before the import's scenarios,
so a forged code of an imported region is unknown_key / bad_signature, never region_not_accepted."""

from __future__ import annotations

import secrets

from backend.federation.offline_v2 import verify_foreign_v2
from tests.codes.v2_codes import NOW, Issuer


def _merged(issuer: Issuer, *, scenarios: list[str], valid_until: int = NOW + 3600) -> dict:
    return {
        "home": "440000",
        "generated_at": NOW,
        "regions": [
            {
                "code": "810000",
                "name": "香港",
                "name_en": "Hong Kong",
                "keys": [issuer.jwk],
                "retired_formats": {},
                "scenarios": scenarios,
                "disclose": ["valid_until"],
                "credentials": {},
                "cards": {},
                "devices": [],
                "revocations_version": 0,
                "valid_until": valid_until,
            }
        ],
    }


def test_an_entry_is_refused_at_exactly_its_valid_until():
    issuer = Issuer("ed25519")
    code, _ = issuer.code(profile="validity", scenario="library_entry", region=810001)
    before = verify_foreign_v2(
        code, _merged(issuer, scenarios=["library_entry"], valid_until=NOW + 1), "library_entry", "validity", NOW
    )
    assert before.result == "valid" and before.disclosed == ["valid_until"], before
    at = verify_foreign_v2(code, _merged(issuer, scenarios=["library_entry"], valid_until=NOW), "library_entry", "validity", NOW)
    assert at.result == "region_not_trusted", at


def test_a_forged_code_is_inauthentic_before_the_scenario_is_asked():
    issuer, stranger = Issuer("ed25519"), Issuer("ed25519")
    stranger.kid = issuer.kid  # same kid, another key: the signature fails
    stranger.jwk = {**stranger.jwk, "kid": issuer.kid.hex()}
    forged, _ = stranger.code(profile="validity", scenario="library_entry", region=810001)
    merged = _merged(issuer, scenarios=["scenic_entry"])  # the import does not accept library_entry
    assert verify_foreign_v2(forged, merged, "library_entry", "validity", NOW).result == "bad_signature"
    unknown = Issuer("ed25519")
    unknown.kid = secrets.token_bytes(4)
    other, _ = unknown.code(profile="validity", scenario="library_entry", region=810001)
    assert verify_foreign_v2(other, merged, "library_entry", "validity", NOW).result == "unknown_key"
    genuine, _ = issuer.code(profile="validity", scenario="library_entry", region=810001)
    assert verify_foreign_v2(genuine, merged, "library_entry", "validity", NOW).result == "region_not_accepted"
