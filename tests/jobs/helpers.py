"""Shared by the jobs tests: a tiny handler table that records what it ran, and job rows as a client sees them."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections import Counter
from typing import Any

import msgspec

from backend.jobs.services import Context
from backend.jobs.tables import Job
from tests.venues.helpers import World


class Recorder:
    """Test handlers, by job kind (unique to this test, so no other test's job is ever ours):
    `ok` counts each run by the payload's tag, `fails` raises, `slow` notes runs that overlap."""

    def __init__(self) -> None:
        prefix = f"test.{secrets.token_hex(4)}"
        self.ok_kind, self.fail_kind, self.slow_kind = f"{prefix}.ok", f"{prefix}.fails", f"{prefix}.slow"
        self.runs: Counter[str] = Counter()
        self.running: set[str] = set()
        self.overlaps: list[str] = []

    @property
    def handlers(self) -> dict[str, Any]:
        return {self.ok_kind: self._ok, self.fail_kind: self._fails, self.slow_kind: self._slow}

    async def _ok(self, payload: dict[str, Any], ctx: Context) -> None:
        self.runs[payload["tag"]] += 1

    async def _fails(self, payload: dict[str, Any], ctx: Context) -> None:
        self.runs[payload["tag"]] += 1
        # A message with a long number in it: last_error must not keep it (it could be an identity number).
        raise ValueError(f"bank refused account 6222020200112233445 for {payload['tag']}")

    async def _slow(self, payload: dict[str, Any], ctx: Context) -> None:
        tag = payload["tag"]
        if tag in self.running:
            self.overlaps.append(tag)
        self.running.add(tag)
        try:
            await asyncio.sleep(0.02)
            self.runs[tag] += 1
        finally:
            self.running.discard(tag)


class Jobs(World):
    """The app's loop and settings, for running the job runner beside the app."""

    def context(self, **settings: Any) -> Context:
        app = self.client.app
        return Context(settings=msgspec.structs.replace(app.state.settings, **settings), keystore=app.state.keystore)

    async def rows(self, kind: str) -> list[dict[str, Any]]:
        return await self.call(Job.select().where(Job.kind == kind).order_by(Job.created_at).run)

    async def row(self, job_id: uuid.UUID | str) -> dict[str, Any]:
        return await self.call(Job.select().where(Job.id == job_id).first().run)

    async def due_now(self, kind: str) -> None:
        """Time passes: every ready job of this kind is due (its back-off over)."""
        import datetime as dt

        now = dt.datetime.now(dt.UTC)
        await self.call(
            Job.update({Job.run_at: now - dt.timedelta(seconds=1)}).where((Job.kind == kind) & (Job.state == "ready")).run
        )
