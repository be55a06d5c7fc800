"""The whole ledger recomputed from its lines: balanced journals, account balances, each order's money where its status says."""

from __future__ import annotations

from typing import Any

from backend.payments.moves import HOME
from backend.payments.schemas import LedgerCheck
from backend.payments.tables import LedgerEntry

_TOTALS_SQL = "SELECT COUNT(*) AS entries, COUNT(DISTINCT journal) AS journals FROM payments_ledger_entry"
_UNBALANCED_SQL = """
SELECT COUNT(*) AS n FROM (
  SELECT journal FROM payments_ledger_entry GROUP BY journal HAVING SUM(amount_fen) <> 0
) AS unbalanced
"""
_BALANCES_SQL = "SELECT account, SUM(amount_fen) AS balance FROM payments_ledger_entry GROUP BY account ORDER BY account"

# Per order and account, the net of its lines; then per order, what sits on its home account (moves.HOME
# for its status, with its bank's code), on its agency's account, and whether anything sits elsewhere.
_ORDERS_SQL = """
WITH pos AS (
  SELECT "order" AS order_id, account, SUM(amount_fen) AS net
  FROM payments_ledger_entry GROUP BY "order", account
), placed AS (
  SELECT o.id AS id, o.amount_fen AS amount, o.status AS status, {home} AS home, 'agency:' || a.code AS agency_account
  FROM payments_order o JOIN org_agency a ON a.id = o.agency LEFT JOIN org_bank b ON b.id = o.bank
), per_order AS (
  SELECT p.id AS id, p.amount AS amount, p.status AS status,
    SUM(CASE WHEN pos.account = p.home THEN pos.net ELSE 0 END) AS home_net,
    SUM(CASE WHEN pos.account = p.agency_account THEN pos.net ELSE 0 END) AS agency_net,
    SUM(CASE WHEN pos.account <> p.agency_account AND (p.home IS NULL OR pos.account <> p.home) AND pos.net <> 0
        THEN 1 ELSE 0 END) AS stray
  FROM placed p LEFT JOIN pos ON pos.order_id = p.id
  GROUP BY p.id, p.amount, p.status
)
SELECT COUNT(*) AS checked,
  SUM(CASE WHEN COALESCE(home_net, 0) <> (CASE WHEN status = 'cancelled' THEN 0 ELSE amount END)
        OR COALESCE(agency_net, 0) <> (CASE WHEN status = 'cancelled' THEN 0 ELSE -amount END)
        OR COALESCE(stray, 0) > 0
      THEN 1 ELSE 0 END) AS misplaced
FROM per_order
"""


def _sql_text(template: str) -> str:
    """A HOME template as an SQL expression: literal text joined with the order's bank code."""
    parts = [f"'{part}'" for part in template.split("{bank}")]
    return " || b.code || ".join(parts)


def _home_case() -> str:
    """CASE on the order's status giving its home account, written from moves.HOME (our own words, no input)."""
    whens = " ".join(f"WHEN '{status}' THEN {_sql_text(template)}" for status, template in HOME.items())
    return f"(CASE o.status {whens} ELSE NULL END)"


def _n(value: Any) -> int:
    return int(value or 0)


async def check() -> LedgerCheck:
    """Recompute the ledger: every journal sums to zero, every account's balance, every order's money placed."""
    totals = (await LedgerEntry.raw(_TOTALS_SQL).run())[0]
    unbalanced = _n((await LedgerEntry.raw(_UNBALANCED_SQL).run())[0]["n"])
    balances = {r["account"]: _n(r["balance"]) for r in await LedgerEntry.raw(_BALANCES_SQL).run()}
    orders = (await LedgerEntry.raw(_ORDERS_SQL.replace("{home}", _home_case())).run())[0]
    misplaced = _n(orders["misplaced"])
    return LedgerCheck(
        entries=_n(totals["entries"]),
        journals=_n(totals["journals"]),
        unbalanced_journals=unbalanced,
        orders_checked=_n(orders["checked"]),
        orders_misplaced=misplaced,
        balances=balances,
        ok=unbalanced == 0 and misplaced == 0,
    )
