"""Executing orders: routing each to the bank account of the person's live card when it runs."""

from __future__ import annotations


async def execute_orders(order_ids: list[str]) -> None:
    raise NotImplementedError
