"""The cards feature's HTTP routes: citizens' own card, staff business, the bank registry."""

from backend.cards.routes_accounts import ROUTES as BANK_ACCOUNT_ROUTES
from backend.cards.routes_banks import ROUTES as BANK_ROUTES
from backend.cards.routes_me import ROUTES as ME_ROUTES
from backend.cards.routes_staff import ROUTES as STAFF_ROUTES

ROUTES = [*ME_ROUTES, *STAFF_ROUTES, *BANK_ROUTES, *BANK_ACCOUNT_ROUTES]
