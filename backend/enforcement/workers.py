"""Enforcement's periodic job: scan for misuse, then mark correction orders past their deadline overdue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from backend.enforcement import correcting, detecting
from backend.jobs.services import Context, Handler
from backend.lib.settings import Settings

SCAN_JOB = "enforcement.scan"


async def _scan(payload: dict[str, Any], ctx: Context) -> None:
    # Idempotent: signals have dedupe keys and cases open keys; a run again over the same window adds nothing.
    now = dt.datetime.now(dt.UTC)
    await detecting.run_scan(now=now, window_hours=ctx.settings.misuse_window_hours)
    await correcting.mark_overdue(now)


HANDLERS: dict[str, Handler] = {SCAN_JOB: _scan}
PERIODIC: dict[str, Callable[[Settings], float]] = {SCAN_JOB: lambda s: float(s.misuse_scan_seconds)}
