"""Staff's view of the misuse signals, and a scan run now by a provincial operator (docs/misuse.md)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import Parameter

from backend.enforcement import detecting
from backend.enforcement import schemas as s
from backend.enforcement.vocab import SignalKind
from backend.lib.auth import Principal, provincial_only, staff_only
from backend.lib.bounds import OFFSET_MAX
from backend.lib.openapi import errors
from backend.lib.settings import Settings

TAGS = ["Enforcement"]
BASE = "/api/v1/enforcement"


@get(
    BASE + "/signals",
    guards=[staff_only],
    tags=TAGS,
    summary="Misuse signals",
    description="The patterns the misuse scan found (impossible travel, lending, shared devices, replay and forgery "
    "attempts, withholding, verifications outside the catalog), newest first, with their evidence (verification "
    "ids, venues, times, distances, counts) and the case each opened or joined. City staff see their city's; "
    "provincial operators all (filter with `city`). Another city's asked for by city staff is 403 "
    "`signal.other_city`. Reading signals about a card goes on its holder's access record.",
    responses=errors(e403="signal.other_city"),
)
async def list_signals(
    request: Request[Principal, Any, Any],
    kind: SignalKind | None = None,
    city: Annotated[str | None, Parameter(pattern=r"^[0-9]{6}$", description="A city's region code.")] = None,
    since: Annotated[dt.datetime | None, Parameter(description="Only signals detected at or after this time.")] = None,
    limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    offset: Annotated[int, Parameter(ge=0, le=OFFSET_MAX)] = 0,
) -> s.SignalPage:
    return await detecting.list_signals(request.user, kind=kind, city=city, since=since, limit=limit, offset=offset)


@post(
    BASE + "/scan",
    status_code=200,
    guards=[provincial_only],
    tags=TAGS,
    summary="Run the misuse scan now",
    description="Provincial operators: scan the verifications of the last `window_hours` (default: the setting "
    "`misuse_window_hours`, 72) as the periodic job does, write new signals and open or join their cases. "
    "Running it again finds the same patterns and writes nothing new.",
)
async def scan(
    settings: Settings,
    now: int,
    window_hours: Annotated[int | None, Parameter(ge=1, le=24 * 31, description="How far back to look, in hours.")] = None,
) -> s.ScanReport:
    at = dt.datetime.fromtimestamp(now, dt.UTC)
    return await detecting.run_scan(now=at, window_hours=window_hours or settings.misuse_window_hours)


ROUTES: list[Any] = [list_signals, scan]
