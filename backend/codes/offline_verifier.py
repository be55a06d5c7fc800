"""`yikatong verify`: the reference offline verifier, using only a trust list and a revocation list."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, cast

from backend.codes import format as fmt

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
}


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


def load_trust(path: str) -> dict[str, bytes]:
    """kid -> issuer public key from a JWK Set file (entries that are not Ed25519 signing keys are skipped)."""
    doc = _load_json(path, "trust")
    if not isinstance(doc, dict) or not isinstance(doc.get("keys"), list):
        raise UsageError(f"trust file {path} is not a JWK Set (an object with a 'keys' array)")
    return fmt.trust_from_jwks(doc)


def load_revocations(path: str) -> tuple[int, dict[str, str], set[str]]:
    """(version, revoked cards, revoked device key ids) from a revocation list file."""
    doc = _load_json(path, "revocation")
    if isinstance(doc, dict) and doc.get("full") is False:
        # A delta only makes sense on top of the list it was asked against.
        raise UsageError(
            f"revocation file {path} is a delta (changes since version {doc.get('since')}); "
            "give the full list (GET /api/v1/revocations without ?since)"
        )
    try:
        return fmt.revocation_from_json(doc)
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
    code: str, trust: dict[str, bytes], revocations: tuple[int, dict[str, str], set[str]], now: int, skew: int
) -> dict[str, Any]:
    """The report for one code: result, message and the fields the signatures vouch for."""
    version, cards, devices = revocations
    kind = fmt.kind_of(code)
    report: dict[str, Any] = {"kind": kind, "revocation_version": version}
    if kind == "online":
        result = fmt.verify_online(code, masters={}, now=now, skew=skew).result
        message = ONLINE_MESSAGE if result is fmt.Result.UNKNOWN_KEY else MESSAGES[result]
        return {"result": result.value, "message": message, **report}
    check = fmt.verify_offline(code, trust=trust, now=now, skew=skew, revoked_cards=cards, revoked_devices=devices)
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


def verify_cli(args: argparse.Namespace) -> int:
    """Run `yikatong verify`; print one JSON line and return the exit status."""
    try:
        if args.skew is None or args.skew < 0:
            raise UsageError("--skew must be a non-negative number of seconds")
        now = int(time.time()) if args.now is None else args.now
        if now < 0:
            raise UsageError("--now must be a unix time (seconds, not negative)")
        trust = load_trust(args.trust)
        revocations = load_revocations(args.revocations)
        code = _read_code(args.code)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not trust:
        # Not fatal (the answer is simply unknown_key), but almost certainly the wrong file.
        print(f"warning: trust file {args.trust} has no usable Ed25519 signing key", file=sys.stderr)
    report = verify(code, trust, revocations, now, args.skew)
    print(json.dumps(report, ensure_ascii=False, separators=(",", ":")))
    return 0 if report["result"] == fmt.Result.VALID.value else 1
