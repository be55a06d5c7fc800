"""Counter staff: bind a wallet after checking the document, make a code for the wallet, set
the photo of record."""

from __future__ import annotations

from typing import Any

from litestar import Request, post, put

from backend.keys.keyring import Keyring
from backend.lib.auth import COUNTER, SUPERVISOR, Principal, requires
from backend.lib.openapi import errors
from backend.lib.store import Store
from backend.proofing import binding, remote
from backend.proofing import schemas as s

TAGS = ["proofing"]
counter_staff = requires(COUNTER, SUPERVISOR)


@post(
    "/api/v1/staff/proofing/counter/bind",
    status_code=200,
    guards=[counter_staff],
    tags=TAGS,
    summary="Bind a wallet at the counter",
    description="After checking the document in person, submit the code the wallet shows (or a password reset's "
    "counter code) with the document. The code's account must be the document's person's. Recorded with the staff "
    "member and office; the e-card is activated when the person has an active card.",
    responses=errors(
        e404="`proofing.code_unknown` or `proofing.no_person`.",
        e409="`proofing.person_mismatch`: the code belongs to another person's account.",
        e422="`document.*`: the document number is malformed.",
        e429="`proofing.throttled`: too many refused attempts (Retry-After).",
    ),
)
async def counter_bind(
    request: Request[Principal, Any, Any], data: s.CounterBind, keyring: Keyring, store: Store, now: int
) -> s.CounterBound:
    return await binding.counter_bind(
        keyring, store, request.user, code=data.code, doc_type=data.doc_type, id_number=data.id_number, now=now
    )


@post(
    "/api/v1/staff/proofing/counter/codes",
    status_code=201,
    guards=[counter_staff],
    tags=TAGS,
    summary="A code for the holder's wallet",
    description="After checking the document in person: a one-time code the holder types or scans in the wallet "
    "of their own account.",
    responses=errors(
        e404="`proofing.no_person` or `proofing.no_account` (register in the wallet first).",
        e422="`document.*`: the document number is malformed.",
    ),
)
async def counter_code(request: Request[Principal, Any, Any], data: s.DocumentIn, keyring: Keyring, now: int) -> s.CodeOut:
    return await binding.counter_code(keyring, request.user, doc_type=data.doc_type, id_number=data.id_number, now=now)


@put(
    "/api/v1/staff/proofing/photo-of-record",
    status_code=200,
    request_max_body_size=s.IMAGE_BODY_BYTES,
    guards=[counter_staff],
    tags=TAGS,
    summary="Set the photo of record",
    description="The photo a provider's face match is compared with; only a keyed digest is kept. On the holder's record.",
    responses=errors(e404="`proofing.no_person`.", e422="`document.*` or `proofing.bad_image`."),
)
async def set_photo(request: Request[Principal, Any, Any], data: s.PhotoIn, keyring: Keyring, now: int) -> s.PhotoOut:
    return await remote.set_photo(
        keyring, request.user, doc_type=data.doc_type, id_number=data.id_number, photo=data.photo, now=now
    )


ROUTES = [counter_bind, counter_code, set_photo]
