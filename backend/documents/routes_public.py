"""Anyone holding a statement: read what it states by its reference, or check a PDF file. No account."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.openapi.spec import OpenAPIMediaType, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType
from litestar.params import Parameter

from backend.documents import statements
from backend.documents.schemas import CheckOut, PublicStatement
from backend.documents.statements import MAX_PDF_BYTES
from backend.keys.keyring import Keyring
from backend.lib.errors import ApiError
from backend.lib.openapi import PublicOperation, errors
from backend.lib.store import Store

TAGS = ["statements"]
Token = Annotated[
    str,
    Parameter(
        pattern=r"^[A-Za-z0-9_-]{16,32}$", min_length=16, max_length=32, description="The reference in the statement's QR code"
    ),
]


def _address(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


@get(
    "/api/v1/statements/{token:str}",
    tags=TAGS,
    summary="Verify a statement by its reference",
    description="What the verification page shows: whether the statement is valid or withdrawn, what it states, "
    "when it was issued, the signed PDF's SHA-256 and the signing certificate. Public: the reference is the random "
    "one in the statement's QR code (it names no person). Each view goes on the holder's access record. At most 60 "
    "a minute from one address (429 `statement.rate_limited`).",
    responses=errors(e404="`statement.not_found`", e429="`statement.rate_limited`, with Retry-After"),
)
async def view(request: Request[Any, Any, Any], token: Token, keyring: Keyring, store: Store) -> PublicStatement:
    await statements.throttle(store, "view", _address(request))
    return await statements.public_view(keyring, token)


@dataclass
class _PdfUpload(PublicOperation):
    """The check route's body in the document: a PDF file, required. The handler reads the raw bytes
    itself (a `bytes` parameter), which Litestar would otherwise leave out of the document."""

    def __post_init__(self) -> None:
        super().__post_init__()
        pdf = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY, max_length=MAX_PDF_BYTES)
        media = OpenAPIMediaType(schema=pdf)
        # Documented as application/octet-stream, which every client and test generator can send as
        # is; the route takes application/pdf alike.
        self.request_body = RequestBody(
            content={"application/octet-stream": media}, required=True, description="The statement PDF file's bytes"
        )


@post(
    "/api/v1/statements/check",
    operation_class=_PdfUpload,
    status_code=200,
    tags=TAGS,
    summary="Check a statement PDF",
    description="Send the PDF file's bytes as the body (application/octet-stream or application/pdf, at most 5 MB). `genuine`: its signature is valid "
    "and chains to the service's document CA (the trust list's `yk_document_roots`); `unaltered`: the signature "
    "covers the whole file and the file is the one issued; `status` valid, withdrawn or unknown; `reasons` says what "
    "failed. A matched statement's check goes on the holder's access record. At most 12 a minute from one address.",
    request_max_body_size=statements.MAX_PDF_BYTES,
    responses=errors(e413="`statement.too_large`", e415="`statement.not_pdf`", e429="`statement.rate_limited`"),
)
async def check(
    request: Request[Any, Any, Any],
    body: bytes,
    keyring: Keyring,
    store: Store,
) -> CheckOut:
    media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media not in ("application/pdf", "application/octet-stream"):
        raise ApiError(415, "statement.not_pdf", "Send the PDF file as application/pdf.")
    await statements.throttle(store, "check", _address(request))
    return await statements.public_check(keyring, body)


ROUTES = [check, view]
