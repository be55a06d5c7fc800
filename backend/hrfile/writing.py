"""Writing the HR file: a record's data checked against its kind, appended once per (source, external_ref)."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

import msgspec

from backend.hrfile import access, views
from backend.hrfile.access import Writer
from backend.hrfile.schemas import (
    DATA,
    BatchLine,
    BatchResult,
    BatchWrite,
    PersonRef,
    RecordWrite,
    RecordWritten,
    StaffRecordWrite,
)
from backend.hrfile.tables import Record
from backend.identity.services import find_person_id, get_person, known_names, person_ids
from backend.keys.keyring import Keyring
from backend.lib import db
from backend.lib.auth import Principal
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


# --- the use cases: one record, a batch, a record at a counter --------------------------------


@dataclass
class Line:
    """One record to write, as any writer's route hands it over (the person resolved)."""

    person_id: uuid.UUID
    kind: str
    data: dict[str, Any]
    effective_on: dt.date
    legal_basis: str
    external_ref: str | None = None
    corrects: uuid.UUID | None = None
    correction_reason: str | None = None


async def resolve_person(keyring: Keyring, ref: PersonRef) -> uuid.UUID:
    """The person with this identity document and name; 404 `hrfile.person_not_found` for an unknown
    document and a name that is not theirs alike (a writer learns no more than "no such person")."""
    person_id = await find_person_id(keyring, ref.doc_type, ref.id_number)
    if person_id is not None:
        wanted = "".join(ref.name.split()).casefold()
        if any("".join(name.split()).casefold() == wanted for name in await known_names(person_id) if name):
            return person_id
    raise ApiError(404, "hrfile.person_not_found", "No person with this identity document and name.")


async def _target(record_id: uuid.UUID) -> dict[str, Any] | None:
    """The record a correction names, with the record that corrected it already (if any)."""
    row = await Record.select(Record.id, Record.person, Record.kind, Record.source_id).where(Record.id == record_id).first().run()
    if row is None:
        return None
    by = await views.correctors([record_id])
    return {**row, "corrected_by": by.get(record_id)}


# The contracts feature writes its records in the employer's name with references of this form; an
# employer's own reference of this form would take them (409) and so block the contract's signing.
RESERVED_REF = "contract:"


def precheck(writer: Writer, body: RecordWrite) -> None:
    """The refusals that need no person, made before the person is looked up: a writer learns whether
    an identity number and name belong to someone only with a request it may make (a data error
    answered after the look-up would tell, unrecorded)."""
    access.check_kind(writer, body.kind)
    access.check_data(writer, body.kind, checked_data(body.kind, access.own_employer(writer, body.data)))
    if (body.corrects is None) != (body.correction_reason is None):
        raise ApiError(422, "hrfile.correction_incomplete", "A correction names `corrects` and a `correction_reason`, both.")
    if body.external_ref is not None and body.external_ref.startswith(RESERVED_REF):
        raise ApiError(422, "hrfile.reserved_ref", f"References starting with {RESERVED_REF!r} are the contracts feature's.")


async def write(writer: Writer, line: Line) -> RecordWritten:
    """Write one record for this writer, or refuse (403 writer/kind, 422 data, 404 person or
    corrected record, 409 reference or correction conflicts). A replay returns the first record."""
    access.check_kind(writer, line.kind)
    data = checked_data(line.kind, access.own_employer(writer, line.data))
    access.check_data(writer, line.kind, data)
    if (line.corrects is None) != (line.correction_reason is None):
        raise ApiError(422, "hrfile.correction_incomplete", "A correction names `corrects` and a `correction_reason`, both.")
    digest = content_hash(
        person_id=line.person_id,
        kind=line.kind,
        data=data,
        effective_on=line.effective_on,
        legal_basis=line.legal_basis,
        corrects=line.corrects,
        correction_reason=line.correction_reason or "",
    )

    async def decide() -> tuple[uuid.UUID, bool]:
        # One writer per person at a time: two corrections of one record cannot both pass.
        await db.advisory_lock(f"hrfile.person:{line.person_id}")
        earlier = await replay_of(writer.source_id, line.external_ref, digest)
        if earlier is not None:
            return earlier, True
        if line.corrects is not None:
            ids = await person_ids(line.person_id)
            access.check_correction(writer, await _target(line.corrects), line.kind, ids)
        return await insert(
            person_id=line.person_id,
            kind=line.kind,
            data=data,
            effective_on=line.effective_on,
            source_kind=writer.source_kind,
            source_id=writer.source_id,
            source_name=writer.source_name,
            client_id=writer.client_id,
            legal_basis=line.legal_basis,
            external_ref=line.external_ref,
            corrects=line.corrects,
            correction_reason=line.correction_reason or "",
        )

    async def attempt() -> tuple[uuid.UUID, bool]:
        async with db.transaction():
            result = await decide()
        return result

    try:
        record_id, replayed = await attempt()
    except Exception as exc:
        # A parallel submission of the same reference won the unique index: answer as its replay.
        if not (db.is_unique_violation(exc) and line.external_ref is not None):
            raise
        found = await replay_of(writer.source_id, line.external_ref, digest)
        if found is None:
            raise
        record_id, replayed = found, True
    out = (await views.as_out(await views.rows_by_id([record_id])))[0]
    return RecordWritten(**msgspec.structs.asdict(out), replayed=replayed)


async def write_from(principal: Principal, body: RecordWrite, keyring: Keyring) -> RecordWritten:
    """POST /api/v1/hrfile/records: an agency's or employer's record for a person named by document and name."""
    writer = await access.writer_of(principal)
    precheck(writer, body)  # before the person: a refused request learns nothing about anyone
    return await write(writer, _line(await resolve_person(keyring, body.person), body))


def _line(person_id: uuid.UUID, body: RecordWrite | StaffRecordWrite) -> Line:
    return Line(
        person_id=person_id,
        kind=body.kind,
        data=body.data,
        effective_on=body.effective_on,
        legal_basis=" ".join(body.legal_basis.split()),
        external_ref=getattr(body, "external_ref", None),
        corrects=body.corrects,
        correction_reason=None if body.correction_reason is None else " ".join(body.correction_reason.split()),
    )


async def write_batch(principal: Principal, body: BatchWrite, keyring: Keyring) -> BatchResult:
    """Up to 1,000 records, each written (or refused) on its own, answered line by line."""
    writer = await access.writer_of(principal)
    if not writer.source_kind:  # a caller that writes nothing: refused whole, as the single route does
        raise access.refused(body.records[0].kind, writer)
    lines: list[BatchLine] = []
    for index, item in enumerate(body.records):
        try:
            precheck(writer, item)
            written = await write(writer, _line(await resolve_person(keyring, item.person), item))
        except ApiError as exc:
            lines.append(BatchLine(index=index, status=exc.status, error={"code": exc.code, "message": exc.message}))
            continue
        lines.append(BatchLine(index=index, status=200 if written.replayed else 201, record=written))
    return BatchResult(
        written=sum(1 for line in lines if line.status == 201),
        replayed=sum(1 for line in lines if line.status == 200),
        failed=sum(1 for line in lines if line.error is not None),
        lines=lines,
    )


async def write_at_counter(principal: Principal, body: StaffRecordWrite) -> RecordWritten:
    """POST /api/v1/staff/hrfile/records: a counter operator or supervisor writes for a person looked up."""
    writer = await access.writer_of(principal)
    access.check_kind(writer, body.kind)
    try:
        person = await get_person(body.person_id)
    except ApiError:
        raise ApiError(404, "hrfile.person_not_found", "No person with this id.") from None
    # A record merged into another lives on under the survivor: write where the holder reads.
    person_id = uuid.UUID(str(person["merged_into"] or person["id"]))
    return await write(writer, _line(person_id, body))
