"""QR version at error correction M of a YKD2 code of every profile in both suites, and of YKD1 and YKO1."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing

from codes import qr_version

from backend.codes import format as fmt
from backend.codes import format_v2 as v2
from backend.lib import ed25519, sm2

NOW = 1_767_258_000
LIMIT = 10  # issue 18: every offline code within QR version 10 at M (311 alphanumeric characters)
# A scenario of each profile (catalog: needs_transport -> transit, discloses concessions -> concession).
SCENARIO = {v2.Profile.VALIDITY: "library_entry", v2.Profile.CONCESSION: "scenic_entry", v2.Profile.TRANSIT: "transit_ride"}


def _ykd2(suite: v2.Suite, profile: v2.Profile) -> str:
    pair = sm2.generate if suite is v2.Suite.SM2 else ed25519.generate
    issuer_private, _issuer_public = pair()
    device_private, device_public = pair()
    slot = 3 * 3600
    credential = v2.make_credential_v2(
        suite=suite,
        issuer_kid=os.urandom(4),
        issuer_private=issuer_private,
        cred_ref=os.urandom(8),
        profile=profile,
        region=440100 if profile is v2.Profile.TRANSIT else 440000,
        nbf=NOW - NOW % slot,
        exp=NOW - NOW % slot + slot,
        attrs=profile.mask,  # every bit the profile may carry: the largest it gets (base45 has no variable length anyway)
        device_pub=device_public,
    )
    return v2.make_offline_code_v2(credential, device_private, SCENARIO[profile], NOW)


def _ykd1() -> str:
    issuer_seed, _ = ed25519.generate()
    device_seed, device_pub = ed25519.generate()
    credential = fmt.make_credential(
        issuer_kid=os.urandom(4),
        issuer_seed=issuer_seed,
        card_ref=os.urandom(8),
        region=440100,
        nbf=NOW - 5,
        exp=NOW + 43200,
        flags=0x0F,
        device_pub=device_pub,
    )
    return fmt.make_offline_code(credential, device_seed, NOW)


def main(argv: list[str] | None = None) -> int:
    rows: list[tuple[str, str, int]] = []
    for suite in v2.Suite:
        for profile in v2.Profile:
            rows.append((f"YKD2 {suite.name.lower()} {profile.label}", _ykd2(suite, profile), LIMIT))
    rows.append(("YKD1 (format 1)", _ykd1(), LIMIT))
    suites: tuple[fmt.OnlineSuite, ...] = ("aes", "sm4")
    for suite_name in suites:
        code = fmt.mint_online(os.urandom(8), kid=1, master=os.urandom(32), now=NOW, suite=suite_name)
        rows.append((f"YKO1 online, {suite_name}", code, 3))
    print("QR codes, error correction M, alphanumeric mode (v10-M holds 311 characters):")
    print(f"  {'code':28} {'chars':>5} {'version':>7}  limit")
    versions = {name: qr_version(text) for name, text, _ in rows}
    for name, text, limit in rows:
        mark = "" if versions[name] <= limit else "  OVER"
        print(f"  {name:28} {len(text):5} {versions[name]:7}  <= {limit}{mark}")
    largest = max(v for name, v in versions.items() if name.startswith("YKD"))
    print(f"  every offline code within version {LIMIT}: {'yes' if largest <= LIMIT else 'NO'} (largest: version {largest})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
