"""The enforcement feature's routes, by audience: staff (signals, cases, orders), holders, the credit platform."""

from __future__ import annotations

from typing import Any

from backend.enforcement import routes_cases, routes_credit, routes_holder, routes_orders, routes_signals

ROUTES: list[Any] = [
    *routes_signals.ROUTES,
    *routes_cases.ROUTES,
    *routes_holder.ROUTES,
    *routes_credit.ROUTES,
    *routes_orders.ROUTES,
]
