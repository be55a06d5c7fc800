"""The contracts' own rows: load a contract for its employer or its holder, move it between states, append its events."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from backend.contracts.tables import Contract, ContractEvent
from backend.contracts.vocab import SHOWN_TO_HOLDER
from backend.lib.errors import ApiError

Row = dict[str, Any]


def not_found() -> ApiError:
    return ApiError(404, "contract.not_found", "No contract with this id that you may see.")


def bad_state(status: str, wanted: str) -> ApiError:
    return ApiError(
        409, "contract.bad_state", f"The contract is {status.replace('_', ' ')}; this needs it {wanted}.", contract_status=status
    )


async def of_employer(employer_id: uuid.UUID, contract_id: uuid.UUID | str) -> Row:
    """The employer's contract (404 `contract.not_found` for anyone else's)."""
    row = await Contract.select().where((Contract.id == contract_id) & (Contract.employer == employer_id)).first().run()
    if row is None:
        raise not_found()
    return row


async def of_holder(person_id: uuid.UUID | str, contract_id: uuid.UUID | str) -> Row:
    """The holder's contract once the employer signed it (404 `contract.not_found` otherwise)."""
    row = await Contract.select().where((Contract.id == contract_id) & (Contract.person == person_id)).first().run()
    if row is None or row["status"] not in SHOWN_TO_HOLDER:
        raise not_found()
    return row


async def events(contract_id: uuid.UUID) -> list[Row]:
    rows: list[Row] = await ContractEvent.select().where(ContractEvent.contract == contract_id).order_by(ContractEvent.at).run()
    return rows


async def move(row: Row, to: str, values: dict[Any, Any], now: dt.datetime) -> None:
    """Compare-and-set from the status read to `to`: a concurrent change in between (the other party
    signing, withdrawing, declining) makes this one 409 `contract.bad_state`."""
    changed = (
        await Contract.update({Contract.status: to, Contract.updated_at: now, **values})
        .where((Contract.id == row["id"]) & (Contract.status == row["status"]))
        .returning(Contract.id)
        .run()
    )
    if not changed:
        current = await Contract.select(Contract.status).where(Contract.id == row["id"]).first().run()
        raise bad_state(current["status"] if current else row["status"], "as it was when you read it")


async def append_event(
    contract_id: uuid.UUID,
    *,
    kind: str,
    by: str,
    document: str,
    digest: str,
    now: dt.datetime,
    key_id: str = "",
    public_key: bytes = b"",
    signature: bytes = b"",
    record: uuid.UUID | None = None,
) -> uuid.UUID:
    """One event; declining and withdrawing carry no signature (empty key and signature)."""
    event_id = uuid.uuid4()
    await ContractEvent.insert(
        ContractEvent(
            id=event_id,
            contract=contract_id,
            kind=kind,
            by=by,
            document=document,
            doc_hash=digest,
            key_id=key_id,
            public_key=public_key,
            signature=signature,
            record=record,
            at=now,
        )
    ).run()
    return event_id
