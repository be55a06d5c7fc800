"""`yikatong payments check-ledger|reconcile --day`: the ledger check and a day's reconciliation as tables; non-zero when off."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from backend.payments.schemas import LedgerCheck, Reconciliation

T = TypeVar("T")


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a day as YYYY-MM-DD, e.g. 2026-12-01") from None


async def _with_db(work: Callable[[], Awaitable[T]]) -> T:
    from backend.lib import db
    from backend.lib.settings import load_settings

    async with db.lifespan(load_settings()):
        return await work()


def _yuan(fen: int | None) -> str:
    if fen is None:
        return "-"
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100:,}.{abs(fen) % 100:02d}"


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(headers, widths, strict=True)))
    body = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))) for r in rows]
    return "\n".join([line, "-" * len(line), *body])


def print_check(check: LedgerCheck) -> None:
    print(f"ledger: {check.entries} lines in {check.journals} journals; {check.orders_checked} orders checked")
    print(_table(["account", "balance (yuan)"], [[a, _yuan(b)] for a, b in sorted(check.balances.items())]))
    print(f"unbalanced journals: {check.unbalanced_journals}")
    print(f"orders whose money is not where their status says: {check.orders_misplaced}")
    print("OK: the ledger is balanced" if check.ok else "NOT BALANCED")


def print_reconciliation(rec: Reconciliation) -> None:
    print(f"reconciliation of {rec.day.isoformat()} (province time), amounts in yuan")
    print("\nbanks")
    bank_rows = [
        [
            b.bank_code,
            _yuan(b.opening_in_transit_fen),
            _yuan(b.instructed_fen),
            _yuan(b.credited_fen),
            _yuan(b.returned_fen),
            _yuan(b.withdrawn_fen),
            _yuan(b.closing_in_transit_fen),
            _yuan(b.ledger_closing_in_transit_fen),
            str(b.credited_count),
            _yuan(b.reported_credited_fen),
            "-" if b.reported_credited_count is None else str(b.reported_credited_count),
            _yuan(b.difference_fen),
            "ok" if b.balanced else "NOT BALANCED",
        ]
        for b in rec.banks
    ]
    headers = ["bank", "opening", "instructed", "credited", "returned", "withdrawn", "closing", "ledger closing"]
    print(_table([*headers, "credits", "reported", "reported n", "difference", ""], bank_rows))
    print("\npaying agencies")
    agency_rows = [
        [
            a.agency_code,
            _yuan(a.committed_fen),
            _yuan(a.credited_fen),
            _yuan(a.cancelled_fen),
            _yuan(a.pending_fen),
            _yuan(a.held_fen),
            _yuan(a.in_transit_fen),
            _yuan(a.balance_fen),
            "ok" if a.balanced else "NOT BALANCED",
        ]
        for a in rec.agencies
    ]
    headers = ["agency", "committed", "credited", "cancelled", "pending", "held", "in transit", "balance", ""]
    print(_table(headers, agency_rows))
    print(f"\njournals of the day balanced: {'yes' if rec.journals_balanced else 'NO'}")
    print("OK: balanced to the fen" if rec.balanced else "NOT BALANCED")


def run(args: argparse.Namespace) -> int:
    """Exit 0 when balanced, 1 when not, 2 when the day is out of bounds."""
    from backend.lib.errors import ApiError
    from backend.payments import services

    if args.action == "check-ledger":
        check = asyncio.run(_with_db(services.check_ledger))
        print_check(check)
        return 0 if check.ok else 1
    day = args.day or services.today(int(time.time()))
    try:
        rec = asyncio.run(_with_db(lambda: services.reconcile(day, int(time.time()))))
    except ApiError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    print_reconciliation(rec)
    return 0 if rec.balanced else 1


def add_payments_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `payments check-ledger` and `payments reconcile` on the main CLI's subparsers."""
    payments = sub.add_parser("payments", help="check the payments ledger, reconcile a day")
    payments.add_argument(
        "action",
        choices=["check-ledger", "reconcile"],
        help="check-ledger: recompute the whole ledger; reconcile: one day per bank and per paying agency",
    )
    payments.add_argument("--day", type=_day, help="reconcile: the business day, YYYY-MM-DD (default: today, province time)")
    payments.set_defaults(func=run)
