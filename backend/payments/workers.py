"""The payments feature's job handlers (backend.features.job_handlers collects HANDLERS).

Each handler imports its module when it runs, so this table stays the one list of what payments
does after a commit (docs/payments.md, "Work after the commit").
"""

from __future__ import annotations

from typing import Any

from backend.jobs.services import Context, Handler


async def _execute(payload: dict[str, Any], ctx: Context) -> None:
    """Route accepted orders to their person's live card and instruct its bank (or hold them)."""
    from backend.payments import execution

    await execution.execute_orders(payload["order_ids"], ctx.keystore.load())


async def _account_opened(payload: dict[str, Any], ctx: Context) -> None:
    """A card's account was opened: orders held for want of it go again."""
    from backend.payments import rerouting

    await rerouting.on_account_opened(payload["person_id"])


async def _bank_ended(payload: dict[str, Any], ctx: Context) -> None:
    """A bank's cooperation ended: take back its unaccepted instructions and route them anew."""
    from backend.payments import rerouting

    await rerouting.on_bank_ended(payload["bank_id"])


HANDLERS: dict[str, Handler] = {
    "payments.execute": _execute,
    "cards.account_opened": _account_opened,
    "cards.bank_ended": _bank_ended,
}
