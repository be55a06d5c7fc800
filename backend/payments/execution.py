"""Executing orders: routing each to the bank account of the person's live card when it runs."""

from __future__ import annotations

from backend.keys.keyring import Keyring


async def execute_orders(order_ids: list[str], keyring: Keyring) -> None:
    raise NotImplementedError
