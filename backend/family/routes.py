"""The family service's HTTP routes: the holder's relatives, the relative's proxies, the counter."""

from backend.family.routes_counter import ROUTES as COUNTER_ROUTES
from backend.family.routes_proxies import ROUTES as PROXY_ROUTES
from backend.family.routes_relatives import ROUTES as RELATIVE_ROUTES

ROUTES = [*RELATIVE_ROUTES, *PROXY_ROUTES, *COUNTER_ROUTES]
