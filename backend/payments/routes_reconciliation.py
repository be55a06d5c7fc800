"""Banks' daily data reports and the daily reconciliation per bank and per agency."""

from litestar.types import ControllerRouterHandler

ROUTES: list[ControllerRouterHandler] = []
