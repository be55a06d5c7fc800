"""The payments feature's HTTP routes: paying agencies, banks, province staff, holders."""

from backend.payments.routes_inflight import ROUTES as INFLIGHT_ROUTES
from backend.payments.routes_instructions import ROUTES as INSTRUCTION_ROUTES
from backend.payments.routes_payers import ROUTES as PAYER_ROUTES
from backend.payments.routes_received import ROUTES as RECEIVED_ROUTES
from backend.payments.routes_reconciliation import ROUTES as RECONCILIATION_ROUTES
from backend.payments.routes_runs import ROUTES as RUN_ROUTES

ROUTES = [*PAYER_ROUTES, *INSTRUCTION_ROUTES, *RUN_ROUTES, *RECEIVED_ROUTES, *RECONCILIATION_ROUTES, *INFLIGHT_ROUTES]
