"""`yikatong bank-sim`: run the bank simulator against a running service (docs/payments.md, "The bank simulator")."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import signal
import sys
from pathlib import Path


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("a rate is between 0 and 1")
    return value


def _concurrency(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 64:
        raise argparse.ArgumentTypeError("between 1 and 64")
    return value


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError("expected YYYY-MM-DD") from exc


def tokens_from_file(path: str) -> list[str]:
    """Bank tokens from a JSON file: {"ICBC": "ykc_...", ...}, ["ykc_...", ...] or [{"token": "ykc_..."}, ...]."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    items = data.values() if isinstance(data, dict) else data
    return [item["token"] if isinstance(item, dict) else str(item) for item in items]


async def _main(args: argparse.Namespace, tokens: list[str]) -> int:
    import httpx

    from backend.banksim.books import Books
    from backend.banksim.sim import Options, Simulator

    options = Options(
        return_rate=args.return_rate,
        return_accounts=frozenset(a for a in (args.return_accounts or "").split(",") if a),
        refuse_rate=args.refuse_rate,
        delay_seconds=args.delay_seconds,
        duplicate_rate=args.duplicate_rate,
        accept_first=args.accept_first,
        report_day=args.report_day,
        seed=args.seed,
        concurrency=args.concurrency,
    )
    books = Books(args.books)
    try:
        async with httpx.AsyncClient(base_url=args.base_url, timeout=30) as http:
            sim = Simulator(http, tokens, books, options)
            if args.once:
                done = await sim.run_once()
                print(json.dumps(done.summary(), sort_keys=True))
                return 1 if done.failed or done.conflicts else 0
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            await sim.run(stop, args.poll_seconds)
            return 0
    finally:
        books.close()


def run(args: argparse.Namespace) -> int:
    from backend.lib.logs import setup_logging

    tokens = list(args.token or [])
    if args.tokens_file:
        tokens += tokens_from_file(args.tokens_file)
    if not tokens:
        print("error: give at least one bank token (--token ykc_... or --tokens-file FILE)", file=sys.stderr)
        return 2
    setup_logging(args.log_level)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request would bury the bank's own
    return asyncio.run(_main(args, tokens))


def add_banksim_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `bank-sim` on the main CLI's subparsers."""
    p = sub.add_parser("bank-sim", help="play one or more banks against a running service (open accounts, credit payments)")
    p.add_argument("--base-url", default="http://127.0.0.1:8000", help="the service, e.g. http://127.0.0.1:8000")
    p.add_argument("--token", action="append", help="a bank client's ykc_ token (repeat for several banks)")
    p.add_argument("--tokens-file", help="JSON file of bank tokens, e.g. data/demo-bank-clients.json (written by yikatong demo)")
    p.add_argument("--books", required=True, help="the simulated bank's books (a SQLite file, created if missing)")
    p.add_argument("--return-rate", type=_rate, default=0.0, help="share of payments returned (0 to 1)")
    p.add_argument("--return-accounts", help="comma-separated account numbers whose payments are always returned")
    p.add_argument("--refuse-rate", type=_rate, default=0.0, help="share of account requests refused (0 to 1)")
    p.add_argument(
        "--delay-seconds", type=float, default=0.0, help="hold final answers back this long after first seeing an instruction"
    )
    p.add_argument("--duplicate-rate", type=_rate, default=0.0, help="share of answers sent twice (0 to 1)")
    p.add_argument("--accept-first", action="store_true", help="answer 'accepted' before crediting or returning")
    p.add_argument("--report-day", type=_day, help="send this day's figures (YYYY-MM-DD) from the books")
    p.add_argument("--once", action="store_true", help="process everything available, then exit (for tests)")
    p.add_argument("--poll-seconds", type=float, default=1.0, help="wait between passes that found nothing to do")
    p.add_argument("--seed", type=int, default=0, help="seed of the random choices (a run is reproducible from it)")
    p.add_argument("--concurrency", type=_concurrency, default=8, help="answers in flight at once (1 to 64)")
    p.add_argument("--log-level", default="INFO")
    p.set_defaults(func=run)
