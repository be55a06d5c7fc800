"""`yikatong contracts verify BUNDLE.json [--employer-key KEY]`: check a contract's evidence bundle offline; non-zero when it fails."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from typing import Any

from backend.contracts import texts
from backend.contracts.checking import EVIDENCE_FORMAT


def _check_signature(sig: Any, purpose: str, digest: str, pinned: bytes | None) -> str | None:
    """None when the signature is good, else what is wrong with it."""
    if not isinstance(sig, dict):
        return "no signature"
    public = texts.from_b64url(str(sig.get("public_key", "")))
    signature = texts.from_b64url(str(sig.get("signature", "")))
    if public is None or len(public) != 32:
        return "the public key is not 32 bytes of base64url"
    if texts.key_id(public) != sig.get("key_id"):
        return "key_id is not sha256(public_key)[:8]"
    if pinned is not None and public != pinned:
        return "signed by another key than the one given with --employer-key"
    if sig.get("signing_input") != texts.signing_input(purpose, digest):
        return "signing_input is not the one for this document"
    if not texts.signature_valid(public, purpose, digest, signature):
        return "the Ed25519 signature does not verify"
    return None


def check_bundle(bundle: Any, employer_key: bytes | None = None) -> list[tuple[str, str | None]]:
    """Each check of an evidence bundle and what failed (None: passed): the document's hash, both
    signatures, each event's hash, signature and the contract it names. Offline: no database."""
    if not isinstance(bundle, dict) or bundle.get("format") != EVIDENCE_FORMAT:
        return [("format", f"not a {EVIDENCE_FORMAT} bundle")]
    document, digest = str(bundle.get("document", "")), str(bundle.get("doc_hash", ""))
    checks: list[tuple[str, str | None]] = []
    actual = hashlib.sha256(document.encode()).hexdigest()
    checks.append(("document hash", None if actual == digest else f"sha256(document) is {actual}, not {digest}"))
    named = texts.parsed(document) or {}
    checks.append(
        ("contract id", None if named.get("id") == bundle.get("contract_id") else "the document names another contract")
    )
    signatures = bundle.get("signatures") or {}
    for party in ("employer", "employee"):
        if party in signatures:
            pinned = employer_key if party == "employer" else None
            checks.append((f"{party} signature", _check_signature(signatures[party], "contract", actual, pinned)))
        elif party == "employer" or bundle.get("status") in ("signed", "terminated"):
            checks.append((f"{party} signature", "missing"))
    for no, event in enumerate(bundle.get("events") or [], start=1):
        if not isinstance(event, dict) or event.get("signature") is None:
            continue  # declining and withdrawing are recorded, not signed
        text = str(event.get("document", ""))
        event_digest = hashlib.sha256(text.encode()).hexdigest()
        what = f"event {no} ({event.get('kind')} by {event.get('by')})"
        about = texts.parsed(text) or {}
        problem = None
        if event_digest != event.get("doc_hash"):
            problem = "sha256(document) differs from its doc_hash"
        elif about.get("contract_id") != bundle.get("contract_id") or about.get("contract_doc_hash") != digest:
            problem = "it names another contract or another text of it"
        else:
            pinned = employer_key if event.get("by") == "employer" else None
            problem = _check_signature(event["signature"], "termination", event_digest, pinned)
        checks.append((what, problem))
    return checks


def run(args: argparse.Namespace) -> int:
    """Exit 0 when every check passes, 1 when one fails, 2 when the file or key cannot be read."""
    try:
        with open(args.bundle, encoding="utf-8") as fh:
            bundle = json.load(fh)
    except (OSError, ValueError) as exc:
        print(f"error: cannot read {args.bundle}: {exc}", file=sys.stderr)
        return 2
    pinned = None
    if args.employer_key:
        pinned = texts.from_b64url(args.employer_key)
        if pinned is None or len(pinned) != 32:
            print("error: --employer-key must be a 32-byte Ed25519 public key in base64url", file=sys.stderr)
            return 2
    checks = check_bundle(bundle, pinned)
    for what, problem in checks:
        print(f"{'ok  ' if problem is None else 'FAIL'}  {what}{'' if problem is None else ': ' + problem}")
    terms = (texts.parsed(str(bundle.get("document", ""))) or {}) if isinstance(bundle, dict) else {}
    if terms:
        employer, employee = terms.get("employer") or {}, terms.get("employee") or {}
        print(f"contract {terms.get('id')}: {employer.get('name')} ({employer.get('uscc')}) and {employee.get('name')}")
    if all(p is None for _, p in checks):
        # Offline, a bundle proves its signatures match the keys it carries, not whose keys they are.
        if pinned is None:
            print("note: the employer's key was not pinned; compare its key_id with the employer registry (--employer-key)")
        print(
            "note: the employee's key is the one the bundle names; that it was a phone bound to the employee's card "
            "only the service can say (GET /api/v1/employer/contracts/{id}/verification)"
        )
    good = all(p is None for _, p in checks)
    print("VALID" if good else "NOT VALID")
    return 0 if good else 1


def add_contracts_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `contracts verify` on the main CLI's subparsers."""
    contracts = sub.add_parser("contracts", help="labour contracts: check an evidence bundle offline")
    actions = contracts.add_subparsers(dest="action", required=True)
    verify = actions.add_parser("verify", help="check a contract's evidence bundle (GET .../contracts/{id}/evidence) offline")
    verify.add_argument("bundle", help="the evidence bundle, JSON")
    verify.add_argument("--employer-key", help="the employer's registered public key (base64url): its signatures must be by it")
    verify.set_defaults(func=run)
