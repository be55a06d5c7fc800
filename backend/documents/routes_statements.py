"""The holder's statements: preview what one would state, issue it, list, download the PDF, withdraw."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from litestar import Request, Response, get, post

from backend.documents import statements
from backend.documents.schemas import IssueRequest, PreviewOut, StatementList, StatementOut, StatementRequest, WithdrawRequest
from backend.keys.keyring import Keyring
from backend.lib.auth import Principal, proven_citizen
from backend.lib.errors import ApiError
from backend.lib.openapi import errors
from backend.lib.settings import Settings

TAGS = ["statements", "me"]
BUILD_ERRORS = dict(
    e404="`statement.record_not_found` (qualification) or `contract.not_found` (contract): not one of yours",
    e409="`statement.record_corrected` (state its correction) or `statement.contract_not_signed`",
    e422="`statement.bad_options`: an option that does not apply to the kind, a missing record_id/contract_id, "
    "from_month after to_month or more than 120 months",
)


def _person(request: Request[Principal, Any, Any]) -> uuid.UUID:
    if not request.user.person_id:
        raise ApiError(403, "auth.no_person", "This account is not bound to a person.")
    return uuid.UUID(str(request.user.person_id))


def base_url(request: Request[Any, Any, Any], settings: Settings) -> str:
    """Where people reach the service: the setting, else the address this request came to."""
    return settings.public_url or str(request.base_url)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@post(
    "/api/v1/me/statements/preview",
    status_code=200,
    guards=[proven_citizen],
    tags=TAGS,
    summary="Preview a statement",
    description="What a statement of this kind would state about you now: your name, your identity number masked "
    "(first 6 and last 4), and its lines (current records only: a corrected record gives way to its correction). "
    "Agree to it by sending `content_hash` to POST /api/v1/me/statements. Kinds: `contributions` (from_month, "
    "to_month, insurances; default the last 12 months, every insurance), `employment` (no options), "
    "`qualification` (record_id of a qualification, professional_title or skill_evaluation record), `contract` "
    "(contract_id of a signed contract; show_wage to include the wage).",
    responses=errors(**BUILD_ERRORS),
)
async def preview(request: Request[Principal, Any, Any], data: StatementRequest, keyring: Keyring) -> PreviewOut:
    return await statements.preview(keyring, _person(request), data, _now())


@post(
    "/api/v1/me/statements",
    status_code=201,
    guards=[proven_citizen],
    tags=TAGS,
    summary="Issue a statement",
    description="Issues the statement you previewed, as a PDF in Chinese signed with the service's document "
    "certificate (PAdES) and carrying a QR code to the public verification page. `agreed_content_hash` is the "
    "preview's `content_hash`: when your records changed since, 409 `statement.content_changed` (with the new hash "
    "in details) and nothing is issued.",
    responses=errors(
        e404=BUILD_ERRORS["e404"],
        e409="`statement.content_changed`, or as for the preview",
        e422=BUILD_ERRORS["e422"],
        e503="`keys.no_document_key` or `statement.font_missing`",
    ),
)
async def issue(request: Request[Principal, Any, Any], data: IssueRequest, keyring: Keyring, settings: Settings) -> StatementOut:
    return await statements.issue(
        keyring, _person(request), data, base=base_url(request, settings), font_setting=settings.documents_font, now=_now()
    )


@get(
    "/api/v1/me/statements",
    guards=[proven_citizen],
    tags=TAGS,
    summary="My statements",
    description="The statements you issued, newest first (at most 200), valid and withdrawn.",
)
async def my_statements(request: Request[Principal, Any, Any], settings: Settings) -> StatementList:
    return await statements.mine(_person(request), base_url(request, settings))


@get(
    "/api/v1/me/statements/{statement_id:uuid}/pdf",
    guards=[proven_citizen],
    tags=TAGS,
    summary="Download a statement's PDF",
    description="The signed PDF exactly as issued (application/pdf, as an attachment). 404 `statement.not_found`.",
    media_type="application/pdf",
    responses=errors(e404="`statement.not_found`"),
)
async def statement_pdf(request: Request[Principal, Any, Any], statement_id: uuid.UUID) -> Response[bytes]:
    body, number = await statements.pdf_of(_person(request), statement_id)
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="statement-{number}.pdf"'},
    )


@post(
    "/api/v1/me/statements/{statement_id:uuid}/withdraw",
    status_code=200,
    guards=[proven_citizen],
    tags=TAGS,
    summary="Withdraw a statement",
    description="From now on the verification page and the PDF check say the statement is withdrawn (a PDF "
    "already handed out keeps its valid signature: only the online check knows). 409 `statement.withdrawn` when it "
    "already is.",
    responses=errors(e404="`statement.not_found`", e409="`statement.withdrawn`"),
)
async def withdraw(
    request: Request[Principal, Any, Any], statement_id: uuid.UUID, data: WithdrawRequest, settings: Settings
) -> StatementOut:
    return await statements.withdraw(_person(request), statement_id, data.reason, base=base_url(request, settings), now=_now())


ROUTES = [preview, issue, my_statements, statement_pdf, withdraw]
