"""Paying agencies' routes: submit orders and batches, follow them, retry or cancel held ones, read their events."""

from litestar.types import ControllerRouterHandler

ROUTES: list[ControllerRouterHandler] = []
