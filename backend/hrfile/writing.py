"""Writing the HR file: a record's data checked against its kind, appended once per (source, external_ref)."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any

import msgspec

from backend.hrfile.schemas import DATA
from backend.hrfile.tables import Record
from backend.lib.canonical import canonical_json
from backend.lib.errors import ApiError


def checked_data(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """The kind's fields, checked and in their one spelling (dates ISO, ids lowercase); 422 otherwise."""
    shape = DATA.get(kind)
    if shape is None:
        raise ApiError(422, "hrfile.unknown_kind", f"No record kind {kind!r}.", kind=kind)
    try:
        value = msgspec.convert(data, shape)
    except msgspec.ValidationError as exc:
        raise ApiError(422, "hrfile.bad_data", f"The data of a {kind} record is not valid: {exc}", kind=kind) from None
    result: dict[str, Any] = msgspec.to_builtins(value)
    return result


def content_hash(
    *,
    person_id: uuid.UUID,
    kind: str,
    data: dict[str, Any],
    effective_on: dt.date,
    legal_basis: str,
    corrects: uuid.UUID | None,
    correction_reason: str,
) -> str:
    """What makes two submissions "the same record" for a replay."""
    body = {
        "person": str(person_id),
        "kind": kind,
        "data": data,
        "effective_on": effective_on.isoformat(),
        "legal_basis": legal_basis,
        "corrects": None if corrects is None else str(corrects),
        "correction_reason": correction_reason,
    }
    return hashlib.sha256(canonical_json(body)).hexdigest()


def conflict(external_ref: str) -> ApiError:
    return ApiError(
        409,
        "hrfile.external_ref_conflict",
        f"You already wrote a different record under external_ref {external_ref!r}; use a new reference.",
        external_ref=external_ref,
    )


async def replay_of(source_id: str, external_ref: str | None, digest: str) -> uuid.UUID | None:
    """The record written before under this reference when its content is the same; 409 if it differs."""
    if external_ref is None:
        return None
    row = (
        await Record.select(Record.id, Record.content_hash)
        .where((Record.source_id == source_id) & (Record.external_ref == external_ref))
        .first()
        .run()
    )
    if row is None:
        return None
    if row["content_hash"] != digest:
        raise conflict(external_ref)
    return uuid.UUID(str(row["id"]))


async def insert(
    *,
    person_id: uuid.UUID,
    kind: str,
    data: dict[str, Any],
    effective_on: dt.date,
    source_kind: str,
    source_id: str,
    source_name: str,
    client_id: str,
    legal_basis: str,
    external_ref: str | None,
    corrects: uuid.UUID | None = None,
    correction_reason: str = "",
) -> tuple[uuid.UUID, bool]:
    """(record id, replayed). Data already checked (`checked_data`). Call inside the caller's transaction."""
    digest = content_hash(
        person_id=person_id,
        kind=kind,
        data=data,
        effective_on=effective_on,
        legal_basis=legal_basis,
        corrects=corrects,
        correction_reason=correction_reason,
    )
    earlier = await replay_of(source_id, external_ref, digest)
    if earlier is not None:
        return earlier, True
    record_id = uuid.uuid4()
    await Record.insert(
        Record(
            id=record_id,
            person=person_id,
            kind=kind,
            data=msgspec.json.encode(data).decode(),
            effective_on=effective_on,
            source_kind=source_kind,
            source_id=source_id[:64],
            source_name=source_name[:128],
            client_id=client_id[:64],
            legal_basis=legal_basis[:200],
            external_ref=external_ref,
            content_hash=digest,
            corrects=corrects,
            correction_reason=correction_reason[:200],
            recorded_at=dt.datetime.now(dt.UTC),
        )
    ).run()
    return record_id, False
