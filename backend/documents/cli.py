"""`yikatong documents verify FILE.pdf --trust trust.json`: check a statement offline against the trust list's document roots."""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import sys
from typing import Any


def roots_from_trust(doc: Any) -> list[bytes]:
    """The DER certificates of the trust list's `yk_document_roots` (nothing else is trusted for PDFs)."""
    roots: list[bytes] = []
    entries = doc.get("yk_document_roots") if isinstance(doc, dict) else None
    for jwk in entries if isinstance(entries, list) else ():
        if not isinstance(jwk, dict) or jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
            continue
        chain = jwk.get("x5c")
        if isinstance(chain, list) and chain and isinstance(chain[0], str):
            try:
                roots.append(base64.b64decode(chain[0], validate=True))
            except ValueError:
                continue
    return roots


def _lines(content: dict[str, Any]) -> list[str]:
    """What the statement states, as text: the title, the holder, the facts and the table."""
    out = [str(content.get("title", ""))]
    holder = content.get("holder") or {}
    out.append(f"姓名 {holder.get('name', '')}  证件号码 {holder.get('id_number_masked', '')}")
    for fact in content.get("facts") or []:
        out.append(f"{fact.get('label', '')}：{fact.get('value', '')}")
    columns = content.get("columns") or []
    if columns:
        out.append(" | ".join(map(str, columns)))
        out.extend(" | ".join(map(str, row)) for row in content.get("rows") or [])
    return out


def run(args: argparse.Namespace) -> int:
    """Exit 0 when the signature is valid, chains to a document root and covers the whole file; 1 otherwise; 2 on bad input."""
    from backend.documents import pades

    try:
        with open(args.trust, encoding="utf-8") as fh:
            roots = roots_from_trust(json.load(fh))
        with open(args.file, "rb") as fh:
            data = fh.read()
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not roots:
        print("error: the trust list has no yk_document_roots (export it with `yikatong keys export-trust`)", file=sys.stderr)
        return 2
    verdict = asyncio.run(pades.check(data, roots))
    ok = verdict.genuine and verdict.whole_file
    if ok:
        print(
            f"genuine: signed by {verdict.signer_subject} (serial {verdict.signer_serial}); the signature covers the whole file"
        )
        for line in _lines(verdict.content or {}):
            print(line)
        print("withdrawal is known only online: open the QR code's page or POST the file to /api/v1/statements/check")
        return 0
    print("NOT VERIFIED: " + ", ".join(verdict.reasons or ["unknown"]), file=sys.stderr)
    return 1


def add_documents_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `documents verify` on the main CLI's subparsers."""
    documents = sub.add_parser("documents", help="check a statement PDF offline")
    documents.add_argument(
        "action", choices=["verify"], help="verify: the PDF's signature against the trust list's document roots"
    )
    documents.add_argument("file", help="the statement PDF")
    documents.add_argument(
        "--trust", required=True, help="the trust list (yikatong keys export-trust, or /.well-known/jwks.json)"
    )
    documents.set_defaults(func=run)
