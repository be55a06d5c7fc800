"""`yikatong audit verify|anchor|anchors`: check the access record's hash chain against its signed
anchors (and a witness's copy), sign the head now, and export the anchors for an outside witness."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

if TYPE_CHECKING:
    from backend.audit.chain import Report
    from backend.keys.keyring import KeyStore

KeyStoreFactory = Callable[[], "KeyStore"]
_ANCHOR = re.compile(r"([1-9][0-9]*):([0-9a-f]{64})")


def _anchor(text: str) -> tuple[int, str]:
    match = _ANCHOR.fullmatch(text.strip().lower())
    if match is None:
        raise argparse.ArgumentTypeError("expected SEQ:HASH, e.g. 1042:5f2b...(64 hex digits)")
    return int(match[1]), match[2]


def _witness(path: str) -> list[str]:
    """Statements from a witness's file: JSON lines as `audit anchors` prints them (or bare statements)."""
    statements = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        if line.startswith("{"):
            try:
                value = msgspec.json.decode(line)
            except msgspec.DecodeError:
                raise argparse.ArgumentTypeError(f"{path}:{n}: not JSON") from None
            if not isinstance(value, dict) or not isinstance(value.get("statement"), str):
                raise argparse.ArgumentTypeError(f"{path}:{n}: no `statement`")
            statements.append(value["statement"])
        else:
            statements.append(line)
    return statements


async def _verify(keystore: KeyStoreFactory, anchor: tuple[int, str] | None, witness: list[str] | None) -> Report:
    from backend.audit import anchors
    from backend.lib import db
    from backend.lib.settings import load_settings

    keys = anchors.public_keys(keystore().load())
    async with db.lifespan(load_settings()):
        return await anchors.verify(keys, witness=witness, anchor=anchor)


async def _anchor_now(keystore: KeyStoreFactory) -> int:
    from backend.audit import anchors
    from backend.lib import db
    from backend.lib.settings import load_settings

    settings = load_settings()
    keyring = keystore().load()
    async with db.lifespan(settings):
        made = await anchors.anchor_now(keyring, now=dt.datetime.now(dt.UTC), region=settings.region_code)
    if made is None:
        print("nothing to anchor: the newest anchor already holds the chain's head")
    else:
        print(f"anchor {made.number}: entry {made.seq} {made.hash}")
    return 0


async def _export(after: int) -> int:
    from backend.audit import anchors
    from backend.lib import db
    from backend.lib.settings import load_settings

    async with db.lifespan(load_settings()):
        while True:
            items, next_after = await anchors.page(after=after, limit=1000)
            for item in items:
                sys.stdout.write(msgspec.json.encode(item).decode() + "\n")
            if next_after is None:
                return 0
            after = next_after


def run(args: argparse.Namespace, keystore: KeyStoreFactory) -> int:
    """verify: exit 0 when the chain holds, 1 with the first problem on standard error otherwise."""
    if args.action == "anchor":
        return asyncio.run(_anchor_now(keystore))
    if args.action == "anchors":
        return asyncio.run(_export(args.after))
    witness = _witness(args.anchors) if args.anchors else None
    report = asyncio.run(_verify(keystore, args.anchor, witness))
    if report.ok:
        print(f"ok: {report.entries} entries, head {report.head_seq}:{report.head_hash}")
        return 0
    brk = report.first_break
    assert brk is not None  # a report that is not ok names its break
    print(f"BROKEN at entry {brk.seq} ({brk.kind}): {brk.message}", file=sys.stderr)
    if brk.entry_id:
        print(f"entry id {brk.entry_id}; last good entry {report.head_seq}:{report.head_hash}", file=sys.stderr)
    return 1


def add_audit_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], *, keystore: KeyStoreFactory) -> None:
    """Register `audit verify|anchor|anchors` on the main CLI's subparsers."""
    audit = sub.add_parser("audit", help="check the access record and its anchors")
    audit.add_argument(
        "action",
        choices=["verify", "anchor", "anchors"],
        help=(
            "verify: walk the hash chain and check it against every signed anchor; anchor: sign the head now; "
            "anchors: print the anchors' statements as JSON lines (for an outside witness)"
        ),
    )
    audit.add_argument("--anchor", type=_anchor, help="SEQ:HASH of a head noted earlier; also catches a rewritten tail")
    audit.add_argument(
        "--anchors", metavar="FILE", help="a witness's copy (JSON lines of `audit anchors`): catches deleted anchors"
    )
    audit.add_argument("--after", type=int, default=0, help="anchors: only those numbered above this")
    audit.set_defaults(func=lambda args: run(args, keystore))
