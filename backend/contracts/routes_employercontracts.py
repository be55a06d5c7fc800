"""An employer's HR system's routes for its labour contracts: draft, sign, withdraw, terminate, read, verify."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter

from backend.contracts import drafting, reads, termination, views
from backend.contracts import schemas as s
from backend.contracts.vocab import Status
from backend.employers import services as employers
from backend.keys.keyring import Keyring
from backend.lib.auth import EMPLOYER, Principal, requires
from backend.lib.bounds import OFFSET_MAX
from backend.lib.openapi import errors

TAGS = ["labour contracts"]
employer_only = requires(EMPLOYER)
E404 = "`contract.not_found`: no contract of your employer with this id."
E403 = "`employer.suspended`: a provincial operator suspended your employer; it may read but not act."
E409 = "`contract.bad_state`: the contract is not in a state this applies to (`details.contract_status` says which it is)."
E422_SIGN = (
    "`contract.unknown_key` (no active key of your employer has this id; a retired key signs nothing) or "
    "`contract.bad_signature` (not a 64-byte Ed25519 signature over `signing_input` by that key)."
)


@post(
    "/api/v1/employer/contracts",
    status_code=201,
    guards=[employer_only],
    tags=TAGS,
    summary="Draft a labour contract",
    description="For a person named by identity document and name (both must agree with the person of record; the "
    "look-up goes on their access record). The answer has the canonical `document` (no identity number in it), its "
    "`doc_hash` and the `signing_input` to sign with your registered key (docs/contracts.md). The same `external_ref` "
    "with the same employee and terms answers the first draft again (200, `replayed: true`).",
    responses={
        200: ResponseSpec(s.ContractOut, description="The external_ref was used before with the same content: that draft."),
        **errors(
            e403=E403,
            e404="`contract.person_not_found`: no person with this document and name (one answer for both).",
            e409="`contract.external_ref_conflict`: you drafted another contract under this reference.",
            e422="`contract.bad_terms` (`details.field`: a fixed term without its end, an open-ended one with one, a "
            "probation longer than Art. 19 allows) or `document.*` (a malformed identity number).",
        ),
    },
)
async def draft(request: Request[Principal, Any, Any], data: s.NewContract, keyring: Keyring) -> Response[s.ContractOut]:
    out = await drafting.draft(keyring, request.user, data)
    return Response(out, status_code=200 if out.replayed else 201)


@post(
    "/api/v1/employer/contracts/{contract_id:uuid}/sign",
    status_code=200,
    guards=[employer_only],
    tags=TAGS,
    summary="Sign a drafted contract",
    description="Your Ed25519 signature over the contract's `signing_input` (UTF-8) by one of your active keys. "
    "drafted -> awaiting_employee; the employee is told in their wallet's inbox and signs there.",
    responses=errors(e403=E403, e404=E404, e409=E409, e422=E422_SIGN),
)
async def sign(request: Request[Principal, Any, Any], contract_id: uuid.UUID, data: s.EmployerSignature) -> s.ContractOut:
    return await drafting.sign(request.user, contract_id, data)


@post(
    "/api/v1/employer/contracts/{contract_id:uuid}/withdraw",
    status_code=200,
    guards=[employer_only],
    tags=TAGS,
    summary="Withdraw a contract before the employee signs",
    description="drafted or awaiting_employee -> withdrawn (recorded as an event); an employee already asked to sign "
    "is told. A signed contract is ended by a termination instead.",
    responses=errors(e403=E403, e404=E404, e409=E409),
)
async def withdraw(request: Request[Principal, Any, Any], contract_id: uuid.UUID) -> s.ContractOut:
    return await drafting.withdraw(request.user, contract_id)


@post(
    "/api/v1/employer/contracts/{contract_id:uuid}/termination/preview",
    status_code=200,
    guards=[employer_only],
    tags=TAGS,
    summary="What a termination by the employer signs",
    description="The termination document for this day and reason (naming the contract and its hash), its hash and "
    "the `signing_input` to sign. The same day and reason give the same document when you send the termination.",
    responses=errors(e403=E403, e404=E404, e409=E409),
)
async def preview_termination(
    request: Request[Principal, Any, Any], contract_id: uuid.UUID, data: s.TerminationTerms
) -> s.ToSign:
    return await termination.preview_by_employer(request.user, contract_id, data)


@post(
    "/api/v1/employer/contracts/{contract_id:uuid}/termination",
    status_code=200,
    guards=[employer_only],
    tags=TAGS,
    summary="Terminate a signed contract",
    description="Your signature over the preview's `signing_input`. signed -> terminated; the signed event is kept "
    "with the contract, a `contract_termination` record goes in the employee's HR file and the employee is told.",
    responses=errors(e403=E403, e404=E404, e409=E409, e422=E422_SIGN),
)
async def terminate(request: Request[Principal, Any, Any], contract_id: uuid.UUID, data: s.EmployerTermination) -> s.ContractOut:
    return await termination.by_employer(request.user, contract_id, data)


@get(
    "/api/v1/employer/contracts",
    guards=[employer_only],
    tags=TAGS,
    summary="Your employer's contracts",
    description="Newest change first, optionally of one status; the employee's name masked (open one for all of it).",
)
async def list_contracts(
    request: Request[Principal, Any, Any],
    status: Status | None = None,
    limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    offset: Annotated[int, Parameter(ge=0, le=OFFSET_MAX)] = 0,
) -> s.ContractPage:
    employer = await employers.employer_of(request.user)
    return await views.employer_page(employer.id, status=status, limit=limit, offset=offset)


@get(
    "/api/v1/employer/contracts/{contract_id:uuid}",
    guards=[employer_only],
    tags=TAGS,
    summary="One of your employer's contracts",
    description="The document, terms, signatures and events. The read goes on the employee's access record.",
    responses=errors(e404=E404, e409="`contract.damaged`: the stored text no longer reads; ask for its verification."),
)
async def get_contract(request: Request[Principal, Any, Any], contract_id: uuid.UUID) -> s.ContractOut:
    out: s.ContractOut = await reads.by_employer(request.user, contract_id, "contract")
    return out


@get(
    "/api/v1/employer/contracts/{contract_id:uuid}/verification",
    guards=[employer_only],
    tags=TAGS,
    summary="Verify one of your employer's contracts",
    description="Whether the stored document still hashes to its `doc_hash`, each signature verifies under the key "
    "registered to its party, and each signed event verifies (docs/contracts.md). On the employee's access record.",
    responses=errors(e404=E404),
)
async def verify(request: Request[Principal, Any, Any], contract_id: uuid.UUID) -> s.VerificationOut:
    out: s.VerificationOut = await reads.by_employer(request.user, contract_id, "verification")
    return out


@get(
    "/api/v1/employer/contracts/{contract_id:uuid}/evidence",
    guards=[employer_only],
    tags=TAGS,
    summary="Evidence bundle of one of your employer's contracts",
    description="The document, its hash, each signature with its public key, signing input and time, and the events: "
    "anyone can check it offline with an Ed25519 library (docs/contracts.md) or `yikatong contracts verify`. On the "
    "employee's access record.",
    responses=errors(e404=E404),
)
async def evidence(request: Request[Principal, Any, Any], contract_id: uuid.UUID) -> s.Evidence:
    out: s.Evidence = await reads.by_employer(request.user, contract_id, "evidence")
    return out


ROUTES = [draft, sign, withdraw, preview_termination, terminate, list_contracts, get_contract, verify, evidence]
