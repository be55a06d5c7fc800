"""The proofing feature's routes (docs/proofing.md)."""

from backend.proofing import routes_bank, routes_clerk, routes_recovery, routes_wallet

ROUTES = [*routes_wallet.ROUTES, *routes_clerk.ROUTES, *routes_bank.ROUTES, *routes_recovery.ROUTES]
