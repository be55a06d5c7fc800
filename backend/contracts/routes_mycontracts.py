"""The holder's routes for their labour contracts, in the wallet: read, sign with the phone's key, decline, terminate, verify."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post

from backend.contracts import countersigning, reads, termination, views
from backend.contracts import schemas as s
from backend.lib.auth import Principal, proven_citizen
from backend.lib.errors import ApiError
from backend.lib.openapi import errors

TAGS = ["my contracts"]
E404 = "`contract.not_found`: no contract of yours with this id (a draft your employer has not signed is not shown)."
E409 = "`contract.bad_state`: the contract is not in a state this applies to (`details.contract_status` says which it is)."
E422_SIGN = (
    "`contract.unknown_key` (no phone bound to your card in use has this key: an unbound phone, another person's, or "
    "a suspended card) or `contract.bad_signature` (not a 64-byte Ed25519 signature over `signing_input` by that key)."
)


def _person(request: Request[Principal, Any, Any]) -> uuid.UUID:
    if not request.user.person_id:
        raise ApiError(403, "auth.no_person", "This account is not bound to a person.")
    return uuid.UUID(request.user.person_id)


@get(
    "/api/v1/me/contracts",
    guards=[proven_citizen],
    tags=TAGS,
    summary="My labour contracts",
    description="Contracts your employers have signed for you (awaiting your signature, signed, declined, "
    "terminated), newest change first.",
)
async def my_contracts(request: Request[Principal, Any, Any]) -> list[s.ContractSummary]:
    return await views.holder_list(_person(request))


@get(
    "/api/v1/me/contracts/{contract_id:uuid}",
    guards=[proven_citizen],
    tags=TAGS,
    summary="One of my contracts",
    description="The employer, terms, the canonical `document`, its `doc_hash`, the `signing_input` to sign with "
    "your phone's key, the signatures with their key ids and times, and the events.",
    responses=errors(e404=E404, e409="`contract.damaged`: the stored text no longer reads; ask for its verification."),
)
async def my_contract(request: Request[Principal, Any, Any], contract_id: uuid.UUID) -> s.ContractOut:
    return await reads.contract_for_holder(_person(request), contract_id)


@post(
    "/api/v1/me/contracts/{contract_id:uuid}/sign",
    status_code=200,
    guards=[proven_citizen],
    tags=TAGS,
    summary="Sign a contract with my phone's key",
    description="An Ed25519 signature over `signing_input` (UTF-8) by the key of a phone bound to your card in use "
    "(`device_key_id`: the key id the device API gave it). awaiting_employee -> signed; a `labour_contract` record "
    "goes in your HR file in the same transaction, and you are told.",
    responses=errors(e404=E404, e409=E409, e422=E422_SIGN),
)
async def sign(request: Request[Principal, Any, Any], contract_id: uuid.UUID, data: s.EmployeeSignature) -> s.ContractOut:
    return await countersigning.sign(_person(request), contract_id, data)


@post(
    "/api/v1/me/contracts/{contract_id:uuid}/decline",
    status_code=200,
    guards=[proven_citizen],
    tags=TAGS,
    summary="Decline a contract",
    description="awaiting_employee -> declined, with your reason (your employer sees it).",
    responses=errors(e404=E404, e409=E409),
)
async def decline(request: Request[Principal, Any, Any], contract_id: uuid.UUID, data: s.Decline) -> s.ContractOut:
    return await countersigning.decline(_person(request), contract_id, data.reason)


@post(
    "/api/v1/me/contracts/{contract_id:uuid}/termination/preview",
    status_code=200,
    guards=[proven_citizen],
    tags=TAGS,
    summary="What a termination by me signs",
    description="The termination document for this day and reason, its hash and the `signing_input` to sign with "
    "your phone's key.",
    responses=errors(e404=E404, e409=E409),
)
async def preview_termination(
    request: Request[Principal, Any, Any], contract_id: uuid.UUID, data: s.TerminationTerms
) -> s.ToSign:
    return await termination.preview_by_employee(_person(request), contract_id, data)


@post(
    "/api/v1/me/contracts/{contract_id:uuid}/termination",
    status_code=200,
    guards=[proven_citizen],
    tags=TAGS,
    summary="Terminate a signed contract",
    description="Your signature over the preview's `signing_input`. signed -> terminated; a `contract_termination` "
    "record goes in your HR file.",
    responses=errors(e404=E404, e409=E409, e422=E422_SIGN),
)
async def terminate(request: Request[Principal, Any, Any], contract_id: uuid.UUID, data: s.EmployeeTermination) -> s.ContractOut:
    return await termination.by_employee(_person(request), contract_id, data)


@get(
    "/api/v1/me/contracts/{contract_id:uuid}/verification",
    guards=[proven_citizen],
    tags=TAGS,
    summary="Verify one of my contracts",
    description="Whether the stored document still hashes to its `doc_hash`, both signatures verify under the keys "
    "registered to their parties, and each signed event verifies.",
    responses=errors(e404=E404),
)
async def verify(request: Request[Principal, Any, Any], contract_id: uuid.UUID) -> s.VerificationOut:
    out: s.VerificationOut = await reads.by_holder(_person(request), contract_id, "verification")
    return out


@get(
    "/api/v1/me/contracts/{contract_id:uuid}/evidence",
    guards=[proven_citizen],
    tags=TAGS,
    summary="Evidence bundle of one of my contracts",
    description="The document, hash, signatures with their public keys and times, and the events, as JSON anyone can "
    "check offline (docs/contracts.md).",
    responses=errors(e404=E404),
)
async def evidence(request: Request[Principal, Any, Any], contract_id: uuid.UUID) -> s.Evidence:
    out: s.Evidence = await reads.by_holder(_person(request), contract_id, "evidence")
    return out


ROUTES = [my_contracts, my_contract, sign, decline, preview_termination, terminate, verify, evidence]
