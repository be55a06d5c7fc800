"""Fixed words of labour contracts: states, kinds of term and working hours, the signing context, legal bases."""

from __future__ import annotations

from typing import Literal

Status = Literal["drafted", "awaiting_employee", "signed", "declined", "withdrawn", "terminated"]
TermKind = Literal["fixed", "open_ended", "task"]
WorkingHours = Literal["standard", "comprehensive", "flexible"]
Party = Literal["employer", "employee"]
EventKind = Literal["terminated", "declined", "withdrawn"]
Purpose = Literal["contract", "termination"]
SignatureCheck = Literal["valid", "invalid", "missing"]

# What both Ed25519 keys sign is this context, the purpose and a document's hash (docs/contracts.md):
# a signature over a contract can never pass for one over a termination, or over anything else we sign.
CONTEXT = "yikatong/labour-contract/v1"

# The employer signs first; the employee signs what the employer signed.
SIGNED_BY_EMPLOYER: frozenset[str] = frozenset({"awaiting_employee", "signed", "terminated"})
SIGNED_BY_EMPLOYEE: frozenset[str] = frozenset({"signed", "terminated"})
# What the holder sees: a draft the employer has not signed is the employer's own business.
SHOWN_TO_HOLDER: frozenset[str] = frozenset({"awaiting_employee", "signed", "declined", "terminated"})

# 《劳动合同法》: the articles the HR file records and the access record cite.
BASIS_CONTRACT = "《中华人民共和国劳动合同法》第十条 建立劳动关系，应当订立书面劳动合同"
BASIS_TERMINATION = "《中华人民共和国劳动合同法》第五十条 解除或者终止劳动合同"
BASIS_DRAFT = "《中华人民共和国劳动合同法》第八条、第十条 订立劳动合同"
# Art. 19: the longest probation for each length of term, in months.
PROBATION_SHORT = 0  # a term under three months, or a task
PROBATION_UNDER_YEAR = 1
PROBATION_UNDER_THREE_YEARS = 2
PROBATION_LONG = 6  # three years or more, or open-ended
