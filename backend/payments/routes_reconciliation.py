"""Banks' daily data reports and the daily reconciliation per bank and per agency."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.openapi import ResponseSpec
from litestar.params import Parameter
from litestar.types import ControllerRouterHandler

from backend.lib.auth import BANK, Principal, provincial_only, requires
from backend.lib.openapi import error
from backend.payments import bank_reports, services
from backend.payments.schemas import BankDailyFigures, BankReportOut, BankReportPage, LedgerCheck, Reconciliation

TAGS = ["payments"]
bank_only = requires(BANK)
Day = Annotated[dt.date, Parameter(description="The business day (province time, YYYY-MM-DD).")]
BankFilter = Annotated[str | None, Parameter(min_length=2, max_length=16, pattern=r"^[A-Z0-9]+$", description="A bank code.")]
BAD_REPORT_DAY = error("`bank_report.bad_day`: the day is in the future (province time) or too old (`details.max_age_days`).")


@post(
    "/api/v1/bank/reports",
    status_code=201,
    guards=[bank_only],
    tags=TAGS,
    summary="Send the bank's daily report",
    description=(
        'The bank\'s figures for one day (docs/payments.md, "Bank daily report"): cards and accounts, payments '
        f"credited and returned, service. The day is today or a past day, at most {bank_reports.MAX_AGE_DAYS} days "
        "ago. 201 with version 1 for a first report; the same figures as the newest version again answer 200 with "
        "`duplicate` true and nothing changes; other figures for the same day are a correction: 201 with the next "
        "version. Reconciliation compares the newest version with the ledger."
    ),
    responses={
        200: ResponseSpec(BankReportOut, description="The same figures as the newest version: `duplicate` is true."),
        422: BAD_REPORT_DAY,
        503: error("`bank_report.busy`: reports of this day were being written at the same moment; send it again."),
    },
)
async def send_report(request: Request[Principal, Any, Any], data: BankDailyFigures, now: int) -> Response[BankReportOut]:
    report, created = await bank_reports.submit(request.user, data, now)
    return Response(report, status_code=201 if created else 200)


@get(
    "/api/v1/bank/reports",
    guards=[bank_only],
    tags=TAGS,
    summary="The bank's own reports of a day",
    description="Every version of the calling bank's report for `day`, newest first (empty when none was sent).",
    responses={422: BAD_REPORT_DAY},
)
async def my_reports(request: Request[Principal, Any, Any], day: Day, now: int) -> BankReportPage:
    return await bank_reports.for_bank(request.user, day, now)


@get(
    "/api/v1/staff/payments/reports",
    guards=[provincial_only],
    tags=TAGS,
    summary="Banks' daily reports of a day",
    description="The newest version of each bank's report for `day` (with its version number), or of one bank's.",
    responses={422: BAD_REPORT_DAY},
)
async def staff_reports(day: Day, now: int, bank: BankFilter = None) -> BankReportPage:
    return await services.reports_of_day(day, now, bank)


@get(
    "/api/v1/staff/payments/reconciliation",
    guards=[provincial_only],
    tags=TAGS,
    summary="Daily reconciliation per bank and per agency",
    description=(
        "One business day (the ledger's day, province time) reconciled to the fen. Per bank: money in transit at "
        "the opening, instructed, credited, returned and withdrawn that day, the closing balance computed and as "
        "the ledger holds it, the credits counted, and the newest version of the bank's report with the "
        "difference (reported - ledger). Per paying agency: committed, credited and cancelled that day, where its "
        "money sits at the end of the day, and its account's balance. `journals_balanced`: every journal with "
        "lines that day sums to zero. Same figures as `yikatong payments reconcile --day`."
    ),
    responses={422: error("`reconciliation.bad_day`: the day is in the future (province time) or too old.")},
)
async def reconciliation(day: Day, now: int) -> Reconciliation:
    return await services.reconcile(day, now)


@get(
    "/api/v1/staff/payments/ledger/check",
    guards=[provincial_only],
    tags=TAGS,
    summary="Check the whole ledger",
    description=(
        "The ledger recomputed from every line: journals that do not sum to zero, each ledger account's balance, "
        'and orders whose money is not where their status says (docs/payments.md, "The ledger"). `ok` when '
        "neither kind of fault is found. Same check as `yikatong payments check-ledger`."
    ),
)
async def ledger_check() -> LedgerCheck:
    return await services.check_ledger()


ROUTES: list[ControllerRouterHandler] = [send_report, my_reports, staff_reports, reconciliation, ledger_check]
