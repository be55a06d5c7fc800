"""Fixed words of the HR file: record kinds, who may write which, insurances, statutes agencies read on."""

from __future__ import annotations

from typing import get_args

from backend.consent.schemas import HrRecordKind

KINDS: tuple[str, ...] = get_args(HrRecordKind)  # named once, in consent.schemas (see hrfile.schemas.HrKind)

# Written only by the contracts feature (hrfile.services.append) once both parties have signed.
CONTRACT_KINDS = frozenset({"labour_contract", "contract_termination"})
# What an HR and social security bureau (and the staff at its counters) records: everything but contracts.
AGENCY_KINDS = frozenset(KINDS) - CONTRACT_KINDS
# What an employer writes about its own staff through its client credential.
EMPLOYER_KINDS = frozenset({"employment_start", "employment_end"})

INSURANCES = ("pension", "medical", "unemployment", "work_injury", "maternity")
# The medical insurance bureau collects medical and maternity contributions, nothing else.
MEDICAL_INSURANCES = frozenset({"medical", "maternity"})

# Agency kinds that write, and what: agency kind -> record kinds (contribution further limited by insurance).
AGENCY_WRITERS: dict[str, frozenset[str]] = {
    "hrss": AGENCY_KINDS,
    "medical_insurance": frozenset({"contribution"}),
}

# What an agency of a kind may read on a statute of its own (no consent): agency kind -> record kinds.
# HRSS administers the whole file (Social Insurance Law art. 8, Employment Promotion Law); the medical
# insurance bureau reads contributions and employment (who pays for whom).
STATUTORY_READERS: dict[str, frozenset[str]] = {
    "hrss": frozenset(KINDS),
    "medical_insurance": frozenset({"contribution", "employment_start", "employment_end"}),
}

SKILL_LEVELS = {1: "高级技师", 2: "技师", 3: "高级工", 4: "中级工", 5: "初级工"}
TITLE_LEVELS = ("junior", "intermediate", "deputy_senior", "senior")

BATCH_MAX = 1000  # lines in one batch (a month of contributions of a mid-sized employer)
PAGE_MAX = 200
