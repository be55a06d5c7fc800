"""The holder's question about a code on their screen: has a venue accepted it yet?

It lives here, not in codes, because the record of uses is the venues' (codes sits below venues).
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get
from litestar.datastructures import CacheControlHeader
from litestar.params import Parameter

from backend.codes.schemas import CodeUse
from backend.lib.auth import Principal, proven_citizen
from backend.lib.errors import ApiError
from backend.lib.openapi import error
from backend.venues import code_uses

CodeIdPath = Annotated[
    str,
    Parameter(
        pattern="^[0-9a-f]{32}$",
        min_length=32,
        max_length=32,
        description="The code's id: 32 lowercase hex digits.",
    ),
]


@get(
    "/api/v1/me/codes/{code_id:str}/use",
    summary="Has my code been used",
    description=(
        "Whether a venue has accepted one of your codes (online or offline), and where and when: "
        "`used`, `at`, `venue_name`, `scenario`, `offline`. The wallet asks every few seconds while "
        "it shows a code, so it can say the code was used and show a fresh one. Answered from the "
        "database (the record of each code's one accepted use), never cached. `code_id` is the "
        "`code_id` of `POST /api/v1/me/codes/online`, or for an offline code the first 16 bytes "
        "of SHA-256 of its base45-decoded body, in hex. A code no venue has accepted answers "
        "`used: false`. 400 `request.invalid` (not 32 hex digits), 404 `code.not_found` "
        "(someone else's code)."
    ),
    tags=["codes", "me"],
    guards=[proven_citizen],
    cache_control=CacheControlHeader(no_store=True),
    responses={
        400: error("request.invalid: code_id is not 32 lowercase hex digits"),
        404: error("code.not_found: the code was used, and is not yours"),
    },
)
async def my_code_use(request: Request[Principal, Any, Any], code_id: CodeIdPath) -> CodeUse:
    person_id = request.user.person_id
    if not person_id:
        raise ApiError(404, "code.not_found", "You have no code with this id.")
    return await code_uses.use_of_code(person_id, code_id)


ROUTES = [my_code_use]
