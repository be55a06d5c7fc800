"""The jobs feature's own job handlers (backend.features.job_handlers collects HANDLERS)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from backend.jobs.services import Context, Handler
from backend.jobs.tables import Job
from backend.lib import db

FORGET_DONE = "jobs.forget_done"
KEEP_DAYS = 7  # done jobs are kept this long (for "what ran when"); dead ones until staff remove them


async def forget_done(payload: dict[str, Any], ctx: Context) -> None:
    """Delete the jobs done more than `keep_days` ago. Idempotent: a second run finds fewer."""
    keep_days = min(max(int(payload.get("keep_days", KEEP_DAYS)), 1), 3650)
    before = dt.datetime.now(dt.UTC) - dt.timedelta(days=keep_days)
    async with db.transaction():
        await Job.delete().where((Job.state == "done") & (Job.done_at < before)).run()


HANDLERS: dict[str, Handler] = {FORGET_DONE: forget_done}
