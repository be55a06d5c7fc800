"""`yikatong enforcement scan [--window-hours N]`: run the misuse scan now and print its report."""

from __future__ import annotations

import argparse
import asyncio
import sys

import msgspec


async def _scan(window_hours: int | None) -> object:
    import datetime as dt

    from backend.enforcement import detecting
    from backend.lib import db
    from backend.lib.settings import load_settings

    settings = load_settings()
    async with db.lifespan(settings):
        return await detecting.run_scan(now=dt.datetime.now(dt.UTC), window_hours=window_hours or settings.misuse_window_hours)


def _run(args: argparse.Namespace) -> int:
    report = asyncio.run(_scan(args.window_hours))
    sys.stdout.write(msgspec.json.format(msgspec.json.encode(report), indent=2).decode() + "\n")
    return 0


def _hours(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 24 * 31:
        raise argparse.ArgumentTypeError("expected a whole number of hours from 1 to 744")
    return value


def add_enforcement_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `enforcement scan` on the main CLI's subparsers."""
    enforcement = sub.add_parser("enforcement", help="misuse of cards and services: run the misuse scan")
    actions = enforcement.add_subparsers(dest="action", required=True)
    scan = actions.add_parser("scan", help="scan the recent verifications for misuse now; prints what it found (docs/misuse.md)")
    scan.add_argument("--window-hours", type=_hours, default=None, help="how far back to look (default: the setting, 72)")
    scan.set_defaults(func=_run)
