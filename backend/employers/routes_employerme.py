"""The employer's own view of itself, for its HR system's client credential."""

from __future__ import annotations

from typing import Any

from litestar import Request, get

from backend.employers import registering, services
from backend.employers import schemas as s
from backend.lib.auth import EMPLOYER, Principal, requires

TAGS = ["employers"]


@get(
    "/api/v1/employer/me",
    guards=[requires(EMPLOYER)],
    tags=TAGS,
    summary="The employer behind this credential",
    description="An employer client. Its registry entry: code, name, status (a suspended employer reads but does not "
    "act) and its signing keys, whose ids a contract signature names.",
)
async def employer_me(request: Request[Principal, Any, Any]) -> s.EmployerOut:
    employer = await services.employer_of(request.user)
    return await registering.get(employer.id)


ROUTES = [employer_me]
