"""Banks answer account requests: the card's account number comes from the bank that opened it."""

from litestar.types import ControllerRouterHandler

ROUTES: list[ControllerRouterHandler] = []
