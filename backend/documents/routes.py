"""The statements' HTTP routes: the holder issues, downloads and withdraws; anyone verifies."""

from backend.documents import routes_me, routes_public

ROUTES: list[object] = [*routes_me.ROUTES, *routes_public.ROUTES]
