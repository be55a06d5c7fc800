"""The statements' HTTP routes: the holder issues, downloads and withdraws; anyone verifies."""

from backend.documents import routes_public, routes_statements

ROUTES: list[object] = [*routes_statements.ROUTES, *routes_public.ROUTES]
