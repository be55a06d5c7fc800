"""`yikatong federation`: this region's root fingerprint, and importing, listing and refreshing other regions."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from backend.keys.keyring import KeyStore

KeyStoreFactory = Callable[[], "KeyStore"]


def _fingerprint(keystore: KeyStoreFactory) -> int:
    from backend.federation import trust_list
    from backend.lib.settings import load_settings

    settings = load_settings()
    print(f"region {settings.region_code} {settings.region_name} ({settings.region_name_en})")
    print(f"root fingerprint {trust_list.root_fingerprint(keystore().load())}")
    return 0


async def _run(action: str, args: argparse.Namespace, keystore: KeyStoreFactory) -> Any:
    from backend.federation import imports
    from backend.federation.schemas import RegionCreate
    from backend.lib import db
    from backend.lib.settings import load_settings

    settings = load_settings()
    now = int(time.time())
    async with db.lifespan(settings):
        if action == "list":
            return await imports.list_regions(settings, now)
        if action == "add":
            data = msgspec.convert(
                {
                    "code": args.code,
                    "name": args.name,
                    "name_en": args.name_en,
                    "root_fingerprint": args.fingerprint,
                    "trust_list_url": args.url,
                    "scenarios": args.scenarios.split(",") if args.scenarios else [],
                    "disclose": args.disclose.split(",") if args.disclose else [],
                },
                RegionCreate,
            )
            return await imports.add_region(data, by="cli", keyring=keystore().load(), settings=settings, now=now)
        codes = [args.code] if args.code else [r.code for r in await imports.list_regions(settings, now)]
        keyring = keystore().load()
        return [await imports.refresh(code, keyring=keyring, settings=settings, now=now) for code in codes]


def run(args: argparse.Namespace, keystore: KeyStoreFactory) -> int:
    from backend.lib.errors import ApiError

    if args.action == "fingerprint":
        return _fingerprint(keystore)
    try:
        result = asyncio.run(_run(args.action, args, keystore))
    except (ApiError, msgspec.ValidationError) as exc:
        print(f"error: {getattr(exc, 'code', 'invalid')}: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return 1
    sys.stdout.write(msgspec.json.format(msgspec.json.encode(result), indent=2).decode() + "\n")
    return 0


def add_federation_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], *, keystore: KeyStoreFactory) -> None:
    """Register `federation fingerprint|add|list|refresh` on the main CLI's subparsers."""
    fed = sub.add_parser("federation", help="trust between regions: our root fingerprint, imported regions")
    actions = fed.add_subparsers(dest="action", required=True)
    actions.add_parser("fingerprint", help="print this region's code and its root key's fingerprint (give it out of band)")
    actions.add_parser("list", help="imported regions and the state of their lists")
    add = actions.add_parser("add", help="import a region: its list is fetched and verified at once")
    add.add_argument("--code", required=True, help="region code, e.g. 810000")
    add.add_argument("--name", required=True)
    add.add_argument("--name-en", default="")
    add.add_argument("--fingerprint", required=True, help="its root fingerprint, received out of band")
    add.add_argument("--url", required=True, help="its trust list URL (…/.well-known/yikatong-trust-list)")
    add.add_argument("--scenarios", default="", help="comma-separated scenarios that accept its cards")
    add.add_argument("--disclose", default="", help="comma-separated: valid_until,concessions,transport,masked_name")
    refresh = actions.add_parser("refresh", help="refresh one region's list and revocations now (all without CODE)")
    refresh.add_argument("code", nargs="?", default=None)
    fed.set_defaults(func=lambda args: run(args, keystore))
