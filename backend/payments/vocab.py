"""Fixed words of payments: payment types, who may pay which, order and instruction states, reason codes."""

from __future__ import annotations

import datetime as dt
from typing import Literal

PaymentType = Literal[
    "subsidy",  # 补贴
    "relief",  # 救助金
    "pension",  # 基本养老保险待遇
    "unemployment_benefit",  # 失业保险金
    "work_injury_benefit",  # 工伤保险待遇
    "maternity_benefit",  # 生育津贴
    "medical_reimbursement",  # 医疗保险报销
    "wage",  # 工资（含欠薪保障金）
    "tax_refund",  # 退税
    "housing_fund",  # 住房公积金提取
]
PAYMENT_TYPES: tuple[str, ...] = PaymentType.__args__  # type: ignore[attr-defined]

# Which payment types an agency of each kind (org_agency.kind) may pay. A kind not listed pays nothing.
PAYER_TYPES: dict[str, frozenset[str]] = {
    "hrss": frozenset({"pension", "unemployment_benefit", "work_injury_benefit", "maternity_benefit", "subsidy", "wage"}),
    "medical_insurance": frozenset({"medical_reimbursement", "maternity_benefit"}),
    "civil_affairs": frozenset({"relief", "subsidy"}),
    "veterans": frozenset({"subsidy", "relief"}),
    "disabled_federation": frozenset({"subsidy"}),
    "finance": frozenset({"subsidy", "relief"}),
    "tax": frozenset({"tax_refund"}),
    "housing_fund": frozenset({"housing_fund"}),
}

OrderStatus = Literal["accepted", "instructed", "credited", "held", "cancelled"]
ACCEPTED, INSTRUCTED, CREDITED, HELD, CANCELLED = "accepted", "instructed", "credited", "held", "cancelled"
FINAL = frozenset({CREDITED, CANCELLED})

# Why an order is held (the agency is told; it may retry or cancel).
HoldReason = Literal[
    "no_live_card",  # the person has no card that is not replaced or cancelled
    "card_suspended",  # the live card is reported lost, locked or being replaced
    "account_pending",  # the card's bank has not confirmed the account yet
    "bank_not_active",  # the card's bank ended cooperation and the holder is not moved yet
    "returned",  # the bank returned the payment (hold_detail: the bank's reason code)
]
HOLD_REASONS: tuple[str, ...] = HoldReason.__args__  # type: ignore[attr-defined]
# Held for a reason that goes away by itself: retried automatically when the account opens.
AUTO_RETRY = frozenset({"no_live_card", "account_pending", "bank_not_active"})

InstructionStatus = Literal["pending", "accepted", "credited", "returned", "withdrawn"]
BankOutcome = Literal["accepted", "credited", "returned"]
# The bank's reasons for returning a payment.
ReturnReason = Literal["account_closed", "account_not_found", "account_frozen", "name_mismatch", "limit_exceeded", "other"]
RETURN_REASONS: tuple[str, ...] = ReturnReason.__args__  # type: ignore[attr-defined]

AgencyEventKind = Literal["order.held", "order.credited", "order.returned", "order.rerouted", "order.cancelled", "bank.ended"]

# The business day of the ledger and of the daily reconciliation is the province's calendar day.
CST = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
