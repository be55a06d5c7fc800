"""A YKD2 code of another region, checked as our scanners check it: with that region's entry of the merged trust."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from backend.codes import format as fmt
from backend.codes import format_v2 as v2
from backend.federation.vocab import NOT_THEIRS, FederationResult
from backend.lib import base45

# What each credential profile can show offline (docs/qr-format.md, format 2), before the import's `disclose`.
PROFILE_FIELDS: dict[str, tuple[str, ...]] = {
    "validity": ("valid_until",),
    "concession": ("valid_until", "concessions"),
    "transit": ("valid_until", "concessions", "transport"),
}
HOME = "home"  # the code is of the verifier's own region: check it with the home lists instead


@dataclass
class ForeignCheck:
    """The verdict, the region the code names (province code), and the fields a scanner may show."""

    result: str
    region: str | None = None
    name: str = ""
    name_en: str = ""
    disclosed: list[str] = field(default_factory=list)
    check: v2.OfflineCheckV2 | None = None


def code_region(text: str) -> int | None:
    """The region field of a well-formed YKD2 code's credential (unverified), else None."""
    if not isinstance(text, str) or not text.startswith(v2.PREFIX) or not v2.is_well_formed_v2(text):
        return None
    try:
        body = base45.decode(text[len(v2.PREFIX) :])
        suite = v2.Suite(body[1])
        return v2.parse_credential_v2(body[: suite.credential_len]).region
    except ValueError:
        return None


def verify_foreign_v2(text: str, merged: Mapping[str, Any], scenario: str, profile: str, now: int, skew: int = 5) -> ForeignCheck:
    """Pick trust by the code's region (province = region // 10000 * 10000): our own region gives
    `home`; a region not in `merged` (GET /api/v1/federation/trust), or at or past its `valid_until`,
    `region_not_trusted`; otherwise the format's own checks with that region's keys and credential
    revocations, signatures first (a forged code is `unknown_key`/`bad_signature`, as at the
    scanner: pwa/scanner/app.js); an authentic code for a scenario the import does not accept,
    `region_not_accepted`."""
    region = code_region(text)
    if region is None:
        return ForeignCheck(fmt.Result.MALFORMED.value)
    province = str(region // 10000 * 10000)
    if province == str(merged.get("home")):
        return ForeignCheck(HOME, province)
    entry = next((r for r in merged.get("regions", []) if isinstance(r, Mapping) and r.get("code") == province), None)
    until = entry.get("valid_until") if entry is not None else None
    if entry is None or not isinstance(until, int) or isinstance(until, bool) or until <= now:
        return ForeignCheck(FederationResult.REGION_NOT_TRUSTED.value, province)
    named = ForeignCheck("", province, str(entry.get("name", "")), str(entry.get("name_en", "")))
    trust = v2.trust_from_jwks_v2({"keys": entry.get("keys", [])})
    revoked = entry.get("credentials") if isinstance(entry.get("credentials"), Mapping) else {}
    check = v2.verify_offline_v2(
        text, trust=trust, scenario=scenario, now=now, skew=skew, revoked_credentials=revoked, profile=profile
    )
    named.result, named.check = check.result.value, check
    if scenario not in entry.get("scenarios", []) and named.result not in NOT_THEIRS:
        named.result = FederationResult.REGION_NOT_ACCEPTED.value
    elif check.result is fmt.Result.VALID:
        allowed = set(entry.get("disclose", []))
        named.disclosed = [f for f in PROFILE_FIELDS.get(profile, ()) if f in allowed]
    return named
