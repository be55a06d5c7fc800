"""Banks' payment routes: pull signed instructions and answer them."""

from litestar.types import ControllerRouterHandler

ROUTES: list[ControllerRouterHandler] = []
