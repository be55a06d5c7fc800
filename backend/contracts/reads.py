"""Reading one contract: the holder reads their own; an employer's read of one goes on the holder's access record."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypeVar

from backend.audit import services as audit
from backend.contracts import checking, records, views
from backend.contracts import schemas as s
from backend.contracts import vocab as v
from backend.employers import services as employers
from backend.lib import db
from backend.lib.auth import Principal

T = TypeVar("T")
What = Literal["contract", "verification", "evidence"]
_SHOW: dict[str, Callable[[dict[str, Any]], Awaitable[Any]]] = {
    "contract": views.contract_out,
    "verification": checking.verify,
    "evidence": checking.evidence,
}


async def by_employer(principal: Principal, contract_id: uuid.UUID, what: What) -> Any:
    """The employer's contract (a suspended employer may still read its own), recorded on the holder's
    access record in the same transaction as the read."""
    employer = await employers.employer_of(principal)
    actor = await audit.actor_of(principal)
    async with db.transaction():
        row = await records.of_employer(employer.id, contract_id)
        out = await _SHOW[what](row)
        await audit.record(
            actor,
            person_id=row["person"],
            action=f"contract.{'read' if what == 'contract' else what}",
            fields=["labour_contract"],
            purpose="用人单位查阅其订立的劳动合同",
            basis_kind="statute",
            basis_ref=v.BASIS_CONTRACT,
        )
    return out


async def by_holder(person_id: uuid.UUID, contract_id: uuid.UUID, what: What) -> Any:
    row = await records.of_holder(person_id, contract_id)
    return await _SHOW[what](row)


async def contract_for_holder(person_id: uuid.UUID, contract_id: uuid.UUID) -> s.ContractOut:
    out: s.ContractOut = await by_holder(person_id, contract_id, "contract")
    return out
