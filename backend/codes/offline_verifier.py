"""`yikatong verify`: the reference offline verifier, using only a trust list and a revocation list."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, cast

import msgspec

from backend.codes import format as fmt
from backend.codes import format_v2 as v2

# It reads nothing but the two files it is given (no database, no keyring, no network): exactly
# what an offline gate has. Exit status: 0 valid, 1 any other result, 2 usage errors.
MAX_FILE_BYTES = 16 * 1024 * 1024  # a revocation list for every card of the province fits easily
# Online codes (YKO1) are authenticated with a server-only secret, so no offline verifier can
# check them: like any verifier without the secret (docs/qr-format.md 4.5), a well-formed one
# is `unknown_key`, with this message, and anything else `malformed`.
ONLINE_MESSAGE = (
    "online codes (YKO1) are verified by the issuer's server only; their secret is never published, "
    "so no trust list can check them offline"
)
MESSAGES = {
    fmt.Result.VALID: "the code is genuine, current and not revoked",
    fmt.Result.EXPIRED: "the code or its credential has expired",
    fmt.Result.NOT_YET_VALID: "the code or its credential is not valid yet (check the clocks)",
    fmt.Result.BAD_SIGNATURE: "a signature does not match: the code was altered or forged",
    fmt.Result.UNKNOWN_KEY: "the credential was signed by a key that is not in the trust list",
    fmt.Result.CARD_SUSPENDED: "the card is suspended (reported lost or locked)",
    fmt.Result.CARD_CANCELLED: "the card is cancelled",
    fmt.Result.DEVICE_REVOKED: "the phone that made this code has been revoked",
    fmt.Result.MALFORMED: "this is not a Yikatong code",
    fmt.Result.WRONG_SCENARIO: "the code was made for another scenario, or discloses another profile than this one uses",
    fmt.Result.FORMAT_RETIRED: "codes of this format are no longer accepted (format 1 retired); the holder's app must update",
}
# A format-2 credential's revocation status says which of these it was (section 10).
MESSAGES_V2 = {
    **MESSAGES,
    fmt.Result.DEVICE_REVOKED: "the credential was revoked (its phone was unbound or revoked)",
}


class Trust(msgspec.Struct, frozen=True):
    """What the trust file gives: Ed25519 keys for format 1, every key for format 2, retirement dates."""

    v1: dict[str, bytes]
    v2: dict[str, v2.TrustedKey]
    retired: dict[str, int]


class UsageError(Exception):
    """Bad arguments or files: exit status 2."""


def _load_json(path: str, what: str) -> Any:
    try:
        file = Path(path)
        if file.stat().st_size > MAX_FILE_BYTES:
            raise UsageError(f"{what} file {path} is larger than {MAX_FILE_BYTES} bytes")
        return json.loads(file.read_bytes())
    except UsageError:
        raise
    except OSError as exc:
        raise UsageError(f"cannot read {what} file {path}: {exc.strerror or exc}") from exc
    except (ValueError, RecursionError) as exc:
        raise UsageError(f"{what} file {path} is not valid JSON: {exc}") from exc


def load_trust(path: str) -> Trust:
    """The issuer keys of a JWK Set file (entries that are not signing keys are skipped) and its
    yk_retired_formats."""
    doc = _load_json(path, "trust")
    if not isinstance(doc, dict) or not isinstance(doc.get("keys"), list):
        raise UsageError(f"trust file {path} is not a JWK Set (an object with a 'keys' array)")
    return Trust(fmt.trust_from_jwks(doc), v2.trust_from_jwks_v2(doc), v2.retired_formats(doc))


def load_revocations(path: str) -> v2.RevocationsV2:
    """(version, revoked cards, revoked device key ids, credentials) from a revocation list file."""
    doc = _load_json(path, "revocation")
    if isinstance(doc, dict) and doc.get("full") is False:
        # A delta only makes sense on top of the list it was asked against.
        raise UsageError(
            f"revocation file {path} is a delta (changes since version {doc.get('since')}); "
            "give the full list (GET /api/v1/revocations without ?since)"
        )
    try:
        return v2.revocation_v2_from_json(doc)
    except ValueError as exc:
        raise UsageError(f"revocation file {path} is malformed: {exc}") from exc


def _read_code(arg: str) -> str:
    """The code from the argument (verbatim), or from standard input with `-`."""
    if arg != "-":
        return arg
    # Anything longer than a code can be is malformed anyway; undecodable bytes become U+FFFD,
    # which is not in the code alphabet, so they fail as malformed too.
    text = sys.stdin.buffer.read(fmt.MAX_TEXT_LEN + 2).decode("utf-8", errors="replace")
    # `echo` and scanners in keyboard mode end the line; strip only that one line end.
    return text.removesuffix("\n").removesuffix("\r")


def verify(
    code: str,
    trust: Trust | dict[str, bytes],
    revocations: v2.RevocationsV2 | tuple[int, dict[str, str], set[str]],
    now: int,
    skew: int,
    scenario: str | None = None,
) -> dict[str, Any]:
    """The report for one code: result, message and the fields the signatures vouch for.

    A format-2 code needs the `scenario` the verifier stands for (its profile is the catalog's
    built-in one); without it, the report says so (usage error). A bare dict of Ed25519 keys
    is format 1's trust, as before format 2."""
    if not isinstance(trust, Trust):
        trust = Trust(dict(trust), {kid: v2.TrustedKey("EdDSA", pub) for kid, pub in trust.items()}, {})
    version, cards, devices = revocations[0], revocations[1], revocations[2]
    credentials = revocations[3] if len(revocations) > 3 else {}
    kind = fmt.kind_of(code)
    report: dict[str, Any] = {"kind": kind, "revocation_version": version}
    if kind == "online":
        result = fmt.verify_online(code, masters={}, now=now, skew=skew).result
        message = ONLINE_MESSAGE if result is fmt.Result.UNKNOWN_KEY else MESSAGES[result]
        return {"result": result.value, "message": message, **report}
    if kind == "offline2":
        if scenario is None and v2.is_well_formed_v2(code):
            raise UsageError("a format-2 code (YKD2) is verified for one scenario: give --scenario NAME")
        if scenario is None:
            return {"result": fmt.Result.MALFORMED.value, "message": MESSAGES[fmt.Result.MALFORMED], **report}
        return _verify_v2(code, trust, credentials, now, skew, scenario, report)
    check = fmt.verify_offline(
        code,
        trust=trust.v1,
        now=now,
        skew=skew,
        revoked_cards=cards,
        revoked_devices=devices,
        retire_at=trust.retired.get("YKD1"),
    )
    out: dict[str, Any] = {"result": check.result.value, "message": MESSAGES.get(check.result, check.result.value), **report}
    if check.card_ref is not None:
        flags = check.flags or 0
        out.update(
            card_ref=check.card_ref.hex(),
            region=check.region,
            flags=flags,
            # Iterating a Flag yields its named single-bit members only: name is never None here.
            concessions=[cast(str, flag.name).lower() for flag in fmt.Flags if flags & flag],
            credential_nbf=check.nbf,
            credential_exp=check.exp,
            device_key_id=check.device_key_id,
        )
    if check.t is not None:
        out.update(t=check.t, expires=check.t + fmt.CODE_LIFETIME, code_id=check.code_id)
    return out


def _verify_v2(
    code: str, trust: Trust, credentials: dict[str, str], now: int, skew: int, scenario: str, report: dict[str, Any]
) -> dict[str, Any]:
    """The report for a YKD2 code: what its profile discloses, and the references it carries."""
    check = v2.verify_offline_v2(code, trust=trust.v2, scenario=scenario, now=now, skew=skew, revoked_credentials=credentials)
    out: dict[str, Any] = {"result": check.result.value, "message": MESSAGES_V2[check.result], **report, "scenario": scenario}
    if check.cred_ref is not None:
        profile = v2.Profile(cast(int, check.profile))
        out.update(
            cred_ref=check.cred_ref.hex(),
            suite={1: "ed25519", 2: "sm2"}[cast(int, check.suite)],
            kid=check.kid,
            profile=profile.label,
            region=check.region,
            credential_nbf=check.nbf,
            credential_exp=check.exp,
        )
        if profile is not v2.Profile.VALIDITY:
            attrs = check.attrs or 0
            out.update(attrs=attrs, concessions=[cast(str, a.name).lower() for a in v2.Attrs if attrs & a])
    if check.t is not None:
        out.update(code_scenario=check.scenario, t=check.t, expires=check.t + fmt.CODE_LIFETIME, code_id=check.code_id)
    return out


def verify_cli(args: argparse.Namespace) -> int:
    """Run `yikatong verify`; print one JSON line and return the exit status."""
    try:
        if args.skew is None or args.skew < 0:
            raise UsageError("--skew must be a non-negative number of seconds")
        now = int(time.time()) if args.now is None else args.now
        if now < 0:
            raise UsageError("--now must be a unix time (seconds, not negative)")
        scenario = getattr(args, "scenario", None)
        if scenario is not None and scenario not in v2.BUILT_IN_PROFILES:
            known = ", ".join(sorted(v2.BUILT_IN_PROFILES))
            raise UsageError(f"--scenario {scenario!r} is not a scenario verified offline ({known})")
        trust = load_trust(args.trust)
        revocations = load_revocations(args.revocations)
        code = _read_code(args.code)
        if not trust.v2:
            # Not fatal (the answer is simply unknown_key), but almost certainly the wrong file.
            print(f"warning: trust file {args.trust} has no usable Ed25519 or SM2 signing key", file=sys.stderr)
        report = verify(code, trust, revocations, now, args.skew, scenario)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report, ensure_ascii=False, separators=(",", ":")))
    return 0 if report["result"] == fmt.Result.VALID.value else 1
