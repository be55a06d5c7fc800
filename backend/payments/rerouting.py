"""Re-routing: orders waiting for an account, and a bank's instructions when its cooperation ends."""

from __future__ import annotations


async def on_account_opened(person_id: str) -> None:
    raise NotImplementedError


async def on_bank_ended(bank_id: str) -> None:
    raise NotImplementedError
