"""Province staff's payment routes: runs, holds, returns, order detail with its ledger."""

from litestar.types import ControllerRouterHandler

ROUTES: list[ControllerRouterHandler] = []
