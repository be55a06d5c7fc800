"""The federation's job handlers (backend.features.job_handlers collects HANDLERS)."""

from __future__ import annotations

import time
from typing import Any

from backend.federation import forwarding, imports
from backend.jobs.services import Context, Handler


async def _refresh(payload: dict[str, Any], ctx: Context) -> None:
    # Idempotent: a refresh verifies whatever the list is now; the next one is keyed by its period.
    await imports.run_refresh_job(str(payload["code"]), keyring=ctx.keystore.load(), settings=ctx.settings, now=int(time.time()))


async def _forward(payload: dict[str, Any], ctx: Context) -> None:
    # Idempotent: the issuer keeps each scan once by its upload key, so a retry adds nothing.
    await forwarding.run_forward_job(payload, keyring=ctx.keystore.load(), settings=ctx.settings, now=int(time.time()))


HANDLERS: dict[str, Handler] = {imports.REFRESH_JOB: _refresh, forwarding.FORWARD_JOB: _forward}
