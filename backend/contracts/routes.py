"""The labour contracts' HTTP routes: the employer drafts and signs, the employee signs in the wallet, either verifies."""

from backend.contracts.routes_employercontracts import ROUTES as EMPLOYER_ROUTES
from backend.contracts.routes_mycontracts import ROUTES as HOLDER_ROUTES

ROUTES = [*EMPLOYER_ROUTES, *HOLDER_ROUTES]
