"""The HR file's face to other features: append a record (contracts) and read a holder's records (documents)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from backend.hrfile import writing
from backend.hrfile.views import records_of

__all__ = ["append", "records_of"]


async def append(
    *,
    person_id: uuid.UUID | str,
    kind: str,
    data: dict[str, Any],
    effective_on: dt.date,
    source_kind: str,
    source_id: str,
    source_name: str,
    client_id: str,
    legal_basis: str,
    external_ref: str | None = None,
) -> uuid.UUID:
    """Append one record for a writer another feature vouches for (the contracts feature writes
    `labour_contract` and `contract_termination` once both parties signed); the data is checked
    against its kind (422 `hrfile.bad_data`). With an `external_ref` a second call with the same
    content returns the first record, other content raises 409 `hrfile.external_ref_conflict`.
    Call inside the caller's transaction, so the record and the caller's change commit together."""
    if source_kind not in ("agency", "employer", "staff", "system"):
        raise ValueError(f"not a source kind: {source_kind!r}")
    record_id, _ = await writing.insert(
        person_id=uuid.UUID(str(person_id)),
        kind=kind,
        data=writing.checked_data(kind, data),
        effective_on=effective_on,
        source_kind=source_kind,
        source_id=str(source_id),
        source_name=source_name,
        client_id=str(client_id),
        legal_basis=legal_basis,
        external_ref=external_ref,
    )
    return record_id
