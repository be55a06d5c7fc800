"""`yikatong worker`: run the outbox's jobs in a process of their own (docs/jobs.md)."""

from __future__ import annotations

import argparse
import asyncio
import functools
import signal
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from backend.jobs.services import Handler
    from backend.keys.keyring import KeyStore

# The assembly (backend/cli.py) hands these in: the handlers are every feature's, and the jobs
# feature sits below the features that have them (import-linter's layers).
HandlersFactory = Callable[[], Mapping[str, "Handler"]]
KeyStoreFactory = Callable[[], "KeyStore"]
PeriodicFactory = Callable[[], Mapping[str, Callable[[Any], float]]]


async def _work(
    args: argparse.Namespace, handlers: HandlersFactory, keystore: KeyStoreFactory, periodic: PeriodicFactory | None
) -> int:
    from backend.jobs import runner
    from backend.jobs.services import Context
    from backend.lib import db
    from backend.lib.settings import load_settings

    settings = load_settings()
    keys = keystore()
    if settings.env in ("dev", "test"):
        keys.init()  # as the app does: dev convenience; production runs `yikatong keys init` once
    keys.load()  # a keyring that cannot be read stops the worker now, not at its first payment
    ctx = Context(settings=settings, keystore=keys)
    table = handlers()
    async with db.lifespan(settings):
        if args.once:
            ran = await runner.drain(table, ctx)
            print(f"ran {ran} jobs")
            return 0
        worker = runner.Worker(table, ctx, concurrency=args.concurrency, periodic=periodic() if periodic else None)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await worker.start()
        print(f"worker {worker.name}: up to {worker.concurrency} jobs at once; SIGTERM stops it", file=sys.stderr, flush=True)
        await stop.wait()
        # Jobs in hand get a moment to finish; the rest are released and run again elsewhere.
        await worker.stop()
    return 0


def run(
    args: argparse.Namespace, *, handlers: HandlersFactory, keystore: KeyStoreFactory, periodic: PeriodicFactory | None = None
) -> int:
    from backend.lib.logs import setup_logging
    from backend.lib.settings import load_settings

    if args.concurrency is not None and not 1 <= args.concurrency <= 256:
        print("error: --concurrency must be between 1 and 256", file=sys.stderr)
        return 2
    setup_logging(load_settings().log_level)
    return asyncio.run(_work(args, handlers, keystore, periodic))


def add_jobs_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    *,
    handlers: HandlersFactory,
    keystore: KeyStoreFactory,
    periodic: PeriodicFactory | None = None,
) -> None:
    """Register `worker` on the main CLI's subparsers."""
    worker = sub.add_parser("worker", help="run the jobs of the outbox (work after a commit: payments, re-routing)")
    worker.add_argument(
        "--concurrency", type=int, default=None, help="jobs run at once in this process (default: YIKATONG_JOBS_CONCURRENCY, 4)"
    )
    worker.add_argument("--once", action="store_true", help="run every due job, then exit (scripts, tests)")
    worker.set_defaults(func=functools.partial(run, handlers=handlers, keystore=keystore, periodic=periodic))
