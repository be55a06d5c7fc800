"""Job handlers: fan events out to subscriptions, push a subscription's deliveries (docs/webhooks.md)."""

from __future__ import annotations

import uuid
from typing import Any

from backend.jobs.services import Context, Handler
from backend.subscriptions import delivery, fanout


async def _fan_out(payload: dict[str, Any], ctx: Context) -> None:
    # Every event not yet fanned out, oldest first: the payload's event is among them (or done).
    await fanout.fan_out(ctx.keystore.load())


async def _deliver(payload: dict[str, Any], ctx: Context) -> None:
    await delivery.deliver(uuid.UUID(payload["subscription"]), ctx.keystore.load(), ctx.settings)


HANDLERS: dict[str, Handler] = {"subscriptions.fan_out": _fan_out, delivery.DELIVER: _deliver}
