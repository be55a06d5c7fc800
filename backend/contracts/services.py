"""What other features use of labour contracts: a holder's own contract (the documents feature states it)."""

from __future__ import annotations

import uuid

from backend.contracts import reads
from backend.contracts.schemas import ContractOut


async def contract_of_holder(person_id: uuid.UUID | str, contract_id: uuid.UUID | str) -> ContractOut:
    """The holder's contract as they see it (no access record: their own); 404 `contract.not_found` if it
    is not theirs, or their employer has not signed it yet."""
    return await reads.contract_for_holder(uuid.UUID(str(person_id)), uuid.UUID(str(contract_id)))
