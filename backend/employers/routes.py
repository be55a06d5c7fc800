"""The employers feature's HTTP routes: the registry (provincial operators) and the employer's own view."""

from backend.employers.routes_employerme import ROUTES as ME_ROUTES
from backend.employers.routes_registry import ROUTES as REGISTRY_ROUTES

ROUTES = [*REGISTRY_ROUTES, *ME_ROUTES]
