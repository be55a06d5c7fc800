"""The access record's job handlers (backend.features collects HANDLERS and PERIODIC)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from backend.audit import anchors
from backend.jobs.services import Context, Handler
from backend.lib.settings import Settings

ANCHOR_JOB = "audit.anchor"


async def _anchor(payload: dict[str, Any], ctx: Context) -> None:
    # Idempotent: a head already anchored is not anchored again (anchors.anchor_now, under the chain's lock).
    await anchors.anchor_now(ctx.keystore.load(), now=dt.datetime.now(dt.UTC), region=ctx.settings.region_code)


HANDLERS: dict[str, Handler] = {ANCHOR_JOB: _anchor}
PERIODIC: dict[str, Callable[[Settings], float]] = {ANCHOR_JOB: lambda s: s.audit_anchor_seconds}
