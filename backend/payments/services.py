"""The payments feature's face: the use cases other features, the CLI and the demo call."""

from __future__ import annotations

import datetime as dt

from backend.payments import bank_reports, ledger_check, reconciliation
from backend.payments.schemas import BankReportPage, LedgerCheck, Reconciliation
from backend.payments.submission import submit_batch as submit_batch  # the demo submits its run through this face

__all__ = ["check_ledger", "reconcile", "reports_of_day", "today"]


async def check_ledger() -> LedgerCheck:
    """The whole ledger recomputed (payments/ledger_check.py)."""
    return await ledger_check.check()


async def reconcile(day: dt.date, now: int) -> Reconciliation:
    """One business day's reconciliation per bank and per agency; 422 reconciliation.bad_day outside the bounds."""
    reconciliation.check_day(day, bank_reports.today(now))
    return await reconciliation.reconcile(day)


async def reports_of_day(day: dt.date, now: int, bank_code: str | None = None) -> BankReportPage:
    """The newest version of each bank's daily report for this day (staff's view)."""
    bank_reports.check_day(day, now, bank_reports.READ_AGE_DAYS)
    return await bank_reports.newest_for_day(day, bank_code)


def today(now: int) -> dt.date:
    """The province's business day at this unix time."""
    return bank_reports.today(now)
