"""HTTP routes for staff at a counter: a person's HR file (on their access record) and records written there."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.datastructures import CacheControlHeader
from litestar.params import Parameter

from backend.hrfile import reading, writing
from backend.hrfile import schemas as s
from backend.lib.auth import Principal, staff_only
from backend.lib.openapi import errors

TAGS = ["hr file", "staff"]
NO_STORE = CacheControlHeader(no_store=True)


@get(
    "/api/v1/staff/hrfile/persons/{person_id:uuid}/records",
    guards=[staff_only],
    tags=TAGS,
    cache_control=NO_STORE,
    summary="A person's HR file at the counter",
    description="Every record of the person (corrected ones with `status: corrected`), newest first; `kind` filters. "
    "The read goes on the holder's access record (action `hrfile.staff_read`, basis: staff service). "
    "404 `hrfile.person_not_found`.",
    responses=errors(e404="`hrfile.person_not_found`"),
)
async def person_records(
    request: Request[Principal, Any, Any],
    person_id: uuid.UUID,
    kind: Annotated[s.HrKind | None, Parameter(description="Only records of this kind")] = None,
) -> s.RecordPage:
    return await reading.for_staff(request.user, person_id, kind)


@post(
    "/api/v1/staff/hrfile/records",
    status_code=201,
    guards=[staff_only],
    tags=TAGS,
    cache_control=NO_STORE,
    summary="Write a record at the counter",
    description="A counter operator or supervisor writes any kind an HR and social security bureau writes (all but "
    "`labour_contract` and `contract_termination`); the source is their office. A correction (`corrects`, "
    "`correction_reason`) is allowed to the office that wrote the record, and to a supervisor for any source. "
    "403 `hrfile.writer_not_allowed` (a provincial operator, a contract kind), `hrfile.correction_not_allowed`; "
    "404 `hrfile.person_not_found`, `hrfile.not_found`; 409 `hrfile.already_corrected`; 422 `hrfile.bad_data`.",
    responses=errors(
        e403="`hrfile.writer_not_allowed`, `hrfile.correction_not_allowed`",
        e404="`hrfile.person_not_found`, `hrfile.not_found`",
        e409="`hrfile.already_corrected`",
        e422="`hrfile.bad_data`, `hrfile.correction_kind`, `hrfile.correction_incomplete`",
    ),
)
async def write_record(request: Request[Principal, Any, Any], data: s.StaffRecordWrite) -> s.RecordWritten:
    return await writing.write_at_counter(request.user, data)


ROUTES = [person_records, write_record]
