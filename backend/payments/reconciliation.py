"""The daily reconciliation, per bank and per paying agency, to the fen: ledger aggregates against banks' reports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from backend.lib.errors import ApiError
from backend.payments import bank_reports
from backend.payments.schemas import AgencyReconciliation, BankReconciliation, Reconciliation
from backend.payments.tables import LedgerEntry

# How far back a reconciliation may be asked for: ten years of the ledger.
MAX_AGE_DAYS = 3660

# Each statement reads the ledger once and folds it with conditional sums grouped by bank or agency:
# a day can have hundreds of thousands of lines, so no line crosses into Python. `day` is a DATE
# column: ISO text on SQLite (which orders like a date) and a date on PostgreSQL.
_BANKS_SQL = """
SELECT bank_code,
  SUM(CASE WHEN day < {d} AND account = 'bank:' || bank_code || ':in_transit' THEN amount_fen ELSE 0 END) AS opening,
  SUM(CASE WHEN day = {d} AND kind = 'instruct' AND account = 'bank:' || bank_code || ':in_transit'
      THEN amount_fen ELSE 0 END) AS instructed,
  -SUM(CASE WHEN day = {d} AND kind = 'credit' AND account = 'bank:' || bank_code || ':in_transit'
      THEN amount_fen ELSE 0 END) AS credited,
  -SUM(CASE WHEN day = {d} AND kind = 'return' AND account = 'bank:' || bank_code || ':in_transit'
      THEN amount_fen ELSE 0 END) AS returned,
  -SUM(CASE WHEN day = {d} AND kind = 'withdraw' AND account = 'bank:' || bank_code || ':in_transit'
      THEN amount_fen ELSE 0 END) AS withdrawn,
  SUM(CASE WHEN account = 'bank:' || bank_code || ':in_transit' THEN amount_fen ELSE 0 END) AS closing,
  SUM(CASE WHEN day = {d} AND account = 'bank:' || bank_code || ':paid' THEN amount_fen ELSE 0 END) AS paid_today,
  COUNT(DISTINCT CASE WHEN day = {d} AND kind = 'credit' AND account = 'bank:' || bank_code || ':paid'
      THEN journal END) AS credited_count,
  SUM(CASE WHEN day = {d} THEN 1 ELSE 0 END) AS lines_today
FROM payments_ledger_entry
WHERE day <= {d} AND bank_code <> ''
GROUP BY bank_code
"""

_AGENCIES_SQL = """
SELECT agency_code,
  SUM(CASE WHEN day = {d} AND kind = 'accept' AND account = 'orders:pending' THEN amount_fen ELSE 0 END) AS committed,
  SUM(CASE WHEN day = {d} AND kind = 'credit' AND account LIKE 'bank:%:paid' THEN amount_fen ELSE 0 END) AS credited,
  SUM(CASE WHEN day = {d} AND kind = 'cancel' AND account = 'agency:' || agency_code THEN amount_fen ELSE 0 END)
      AS cancelled,
  SUM(CASE WHEN account = 'orders:pending' THEN amount_fen ELSE 0 END) AS pending,
  SUM(CASE WHEN account = 'orders:held' THEN amount_fen ELSE 0 END) AS held,
  SUM(CASE WHEN account LIKE 'bank:%:in_transit' THEN amount_fen ELSE 0 END) AS in_transit,
  SUM(CASE WHEN account LIKE 'bank:%:paid' THEN amount_fen ELSE 0 END) AS paid,
  SUM(CASE WHEN account = 'agency:' || agency_code THEN amount_fen ELSE 0 END) AS balance,
  SUM(CASE WHEN day = {d} THEN 1 ELSE 0 END) AS lines_today
FROM payments_ledger_entry
WHERE day <= {d}
GROUP BY agency_code
"""

# Journals touching the day whose lines do not sum to zero (all lines of the journal, whatever their day).
_UNBALANCED_SQL = """
SELECT COUNT(*) AS n FROM (
  SELECT journal FROM payments_ledger_entry
  WHERE journal IN (SELECT journal FROM payments_ledger_entry WHERE day = {})
  GROUP BY journal HAVING SUM(amount_fen) <> 0
) AS unbalanced
"""


def check_day(day: dt.date, today: dt.date) -> None:
    """A day to reconcile: today (so far) or a past day, at most MAX_AGE_DAYS ago."""
    if day > today or (today - day).days > MAX_AGE_DAYS:
        raise ApiError(
            422,
            "reconciliation.bad_day",
            f"Reconcile today or a past day (province time), at most {MAX_AGE_DAYS} days ago.",
            today=today.isoformat(),
            max_age_days=MAX_AGE_DAYS,
        )


def _n(value: Any) -> int:
    """SUM is NULL over no rows and NUMERIC (a Decimal) on PostgreSQL: an int either way."""
    return int(value or 0)


async def _rows(template: str, day: dt.date) -> list[dict[str, Any]]:
    sql = template.replace("{d}", "{}")
    return await LedgerEntry.raw(sql, *([day] * sql.count("{}"))).run()


async def _banks(day: dt.date) -> list[BankReconciliation]:
    rows = {r["bank_code"]: r for r in await _rows(_BANKS_SQL, day)}
    reports = {r.bank_code: r.figures for r in (await bank_reports.newest_for_day(day)).items}
    out = []
    for code in sorted(set(rows) | set(reports)):
        r = rows.get(code, {})
        opening, closing = _n(r.get("opening")), _n(r.get("closing"))
        # Banks with nothing in transit, no movement and no report that day have nothing to reconcile.
        if code not in reports and not _n(r.get("lines_today")) and not opening and not closing:
            continue
        instructed, credited = _n(r.get("instructed")), _n(r.get("credited"))
        returned, withdrawn = _n(r.get("returned")), _n(r.get("withdrawn"))
        computed = opening + instructed - credited - returned - withdrawn
        count = _n(r.get("credited_count"))
        # The ledger agrees with itself: the kinds of the day explain the closing balance, and what
        # left transit as credited is what arrived on the paid account.
        consistent = computed == closing and _n(r.get("paid_today")) == credited
        report = reports.get(code)
        difference = None if report is None else report.credited_fen - credited
        agrees = report is None or (difference == 0 and report.credited_count == count)
        out.append(
            BankReconciliation(
                bank_code=code,
                opening_in_transit_fen=opening,
                instructed_fen=instructed,
                credited_fen=credited,
                returned_fen=returned,
                withdrawn_fen=withdrawn,
                closing_in_transit_fen=computed,
                ledger_closing_in_transit_fen=closing,
                credited_count=count,
                reported_credited_fen=None if report is None else report.credited_fen,
                reported_credited_count=None if report is None else report.credited_count,
                difference_fen=difference,
                balanced=consistent and agrees,
            )
        )
    return out


async def _agencies(day: dt.date) -> list[AgencyReconciliation]:
    out = []
    for r in sorted(await _rows(_AGENCIES_SQL, day), key=lambda r: r["agency_code"]):
        pending, held, in_transit = _n(r["pending"]), _n(r["held"]), _n(r["in_transit"])
        # An agency with no line that day and nothing on the way has nothing to reconcile.
        if not _n(r["lines_today"]) and not (pending or held or in_transit):
            continue
        balance = _n(r["balance"])
        out.append(
            AgencyReconciliation(
                agency_code=r["agency_code"],
                committed_fen=_n(r["committed"]),
                credited_fen=_n(r["credited"]),
                cancelled_fen=_n(r["cancelled"]),
                pending_fen=pending,
                held_fen=held,
                in_transit_fen=in_transit,
                balance_fen=balance,
                balanced=-balance == pending + held + in_transit + _n(r["paid"]),
            )
        )
    return out


async def reconcile(day: dt.date) -> Reconciliation:
    """The reconciliation of one business day (the ledger's `day`, province time), from the ledger's
    lines up to the end of that day and the newest version of each bank's report for it."""
    banks = await _banks(day)
    agencies = await _agencies(day)
    unbalanced = await LedgerEntry.raw(_UNBALANCED_SQL, day).run()
    journals_balanced = _n(unbalanced[0]["n"] if unbalanced else 0) == 0
    return Reconciliation(
        day=day,
        banks=banks,
        agencies=agencies,
        journals_balanced=journals_balanced,
        balanced=journals_balanced and all(b.balanced for b in banks) and all(a.balanced for a in agencies),
    )
