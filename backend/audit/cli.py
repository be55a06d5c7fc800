"""`yikatong audit verify`: check the access record's hash chain and name the first broken link."""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backend.audit.chain import Report

_ANCHOR = re.compile(r"([1-9][0-9]*):([0-9a-f]{64})")


def _anchor(text: str) -> tuple[int, str]:
    match = _ANCHOR.fullmatch(text.strip().lower())
    if match is None:
        raise argparse.ArgumentTypeError("expected SEQ:HASH, e.g. 1042:5f2b...(64 hex digits)")
    return int(match[1]), match[2]


async def _verify(anchor: tuple[int, str] | None) -> Report:
    from backend.audit import chain
    from backend.lib import db
    from backend.lib.settings import load_settings

    async with db.lifespan(load_settings()):
        return await chain.verify(anchor=anchor)


def run(args: argparse.Namespace) -> int:
    """Exit 0 when the chain holds, 1 with the first broken link on standard error otherwise."""
    report = asyncio.run(_verify(args.anchor))
    if report.ok:
        print(f"ok: {report.entries} entries, head {report.head_seq}:{report.head_hash}")
        return 0
    brk = report.first_break
    assert brk is not None  # a report that is not ok names its break
    print(f"BROKEN at entry {brk.seq} ({brk.kind}): {brk.message}", file=sys.stderr)
    if brk.entry_id:
        print(f"entry id {brk.entry_id}; last good entry {report.head_seq}:{report.head_hash}", file=sys.stderr)
    return 1


def add_audit_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `audit verify` on the main CLI's subparsers."""
    audit = sub.add_parser("audit", help="check the access record")
    audit.add_argument("action", choices=["verify"], help="verify: walk the hash chain and report the first broken link")
    audit.add_argument("--anchor", type=_anchor, help="SEQ:HASH of a head noted earlier; also catches a rewritten tail")
    audit.set_defaults(func=run)
