"""The holder's payments: what was paid to them, from whom, on what basis, to which account."""

from litestar.types import ControllerRouterHandler

ROUTES: list[ControllerRouterHandler] = []
