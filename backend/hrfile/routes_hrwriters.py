"""HTTP routes for the HR file's writers: agency and employer systems append records, one at a time or in batches."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, post
from litestar.datastructures import CacheControlHeader
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import Body

from backend.hrfile import access, writing
from backend.hrfile import schemas as s
from backend.keys.keyring import Keyring
from backend.lib.auth import Principal
from backend.lib.openapi import errors

# Hand-written: one generated from the schema draws up to 1,000 records (seconds at every build of
# the API document, and an unreadable example).
BATCH_EXAMPLE = Example(
    summary="One month's pension contribution of one person",
    value={
        "records": [
            {
                "person": s.PERSON_EXAMPLE,
                "kind": "contribution",
                "data": s.DATA_EXAMPLE,
                "effective_on": "2026-10-01",
                "legal_basis": "《中华人民共和国社会保险法》第五十八条",
                "external_ref": "SI-2026-10-000123",
            }
        ]
    },
)

TAGS = ["hr file"]
NO_STORE = CacheControlHeader(no_store=True)
WRITERS = (
    "Writers: an agency of kind `hrss` writes every kind but `labour_contract` and `contract_termination` (the "
    "contracts feature writes those once both parties signed); an agency of kind `medical_insurance` writes "
    "`contribution` of medical or maternity insurance; an employer writes `employment_start` and `employment_end` "
    "for itself (its USCC and name come from the registry; another USCC: 403 `hrfile.other_employer`). Anyone "
    "else: 403 `hrfile.writer_not_allowed` (details name `kind` and `writer`)."
)


@post(
    "/api/v1/hrfile/records",
    status_code=201,
    guards=[access.signed_in],
    tags=TAGS,
    cache_control=NO_STORE,
    summary="Append a record to a person's HR file",
    description="Append-only: a correction is a new record with `corrects` (the record's id) and `correction_reason`, "
    "of the same kind, from the source that wrote it; the corrected record stays (`status: corrected`). "
    + WRITERS
    + " The person is named by identity document and name: 404 `hrfile.person_not_found` for an unknown document "
    "and a wrong name alike. With `external_ref`, a retry with the same content answers 200 with the first record "
    "(`replayed: true`); other content under the same reference: 409 `hrfile.external_ref_conflict`.",
    responses={
        200: ResponseSpec(
            s.RecordWritten, description="A replay: the record written before under this external_ref, `replayed: true`."
        ),
        **errors(
            e403="`hrfile.writer_not_allowed`, `hrfile.other_employer`, `hrfile.correction_not_allowed`, `employer.suspended`",
            e404="`hrfile.person_not_found`; `hrfile.not_found` (what `corrects` names)",
            e409="`hrfile.external_ref_conflict`, `hrfile.already_corrected`",
            e422="`hrfile.bad_data`, `hrfile.correction_kind`, `hrfile.correction_incomplete`, `hrfile.reserved_ref`, `document.*` (a malformed "
            "identity number)",
        ),
    },
)
async def write_record(request: Request[Principal, Any, Any], data: s.RecordWrite, keyring: Keyring) -> Response[s.RecordWritten]:
    written = await writing.write_from(request.user, data, keyring)
    return Response(written, status_code=200 if written.replayed else 201)


@post(
    "/api/v1/hrfile/records/batch",
    status_code=200,
    request_max_body_size=s.BATCH_BODY_BYTES,
    guards=[access.signed_in],
    tags=TAGS,
    cache_control=NO_STORE,
    summary="Append up to 1,000 records",
    description="A month of contributions in one call: each line is written (or refused) on its own, as the single "
    "route would, and answered line by line (`status` 201 written, 200 replayed, 4xx with `error.code`). " + WRITERS,
    responses=errors(e403="`hrfile.writer_not_allowed` (a caller that writes nothing), `employer.suspended`"),
)
async def write_batch(
    request: Request[Principal, Any, Any], data: Annotated[s.BatchWrite, Body(examples=[BATCH_EXAMPLE])], keyring: Keyring
) -> s.BatchResult:
    return await writing.write_batch(request.user, data, keyring)


ROUTES = [write_record, write_batch]
