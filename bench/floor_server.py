"""The real server plus one bench-only route: what any online verification must pay, and no more.

`POST /bench/floor` takes a verification request from a scanner credential and does only the
I/O a verification cannot do without: the scanner's token check with its rate window (the auth
middleware, as for /api/v1/verify), the code's one-time claim in the shared store, and one
group-committed verification row. No crypto, no card, no scenario, no access-record entry.
Its throughput beside the trivial POST is the ceiling any implementation of the verify route
could reach on this stack (docs/verification.md). The route exists only in this process: the
service itself never serves it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sys
import time
import uuid
from pathlib import Path

from litestar import Litestar, Request, Response, post

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.lib.auth import SCANNER, only  # noqa: E402
from backend.venues import records  # noqa: E402
from backend.venues.schemas import Attributes, VerifyRequest, VerifyResponse  # noqa: E402


@post("/bench/floor", opt=only(SCANNER), status_code=200, include_in_schema=False)
async def floor(request: Request, data: VerifyRequest) -> Response[VerifyResponse]:
    return await _floor(request, data, durable=False)


@post("/bench/floor-durable", opt=only(SCANNER), status_code=200, include_in_schema=False)
async def floor_durable(request: Request, data: VerifyRequest) -> Response[VerifyResponse]:
    """The floor with the durable one-time record: the row claims its code in the database
    (`use_key`, unique), as every accepted verification does. Beside /bench/floor it prices
    that record alone."""
    return await _floor(request, data, durable=True)


async def _floor(request: Request, data: VerifyRequest, *, durable: bool) -> Response[VerifyResponse]:
    principal = request.user
    now = int(time.time())
    code_id = hashlib.sha256(data.code.encode()).digest()[:16].hex()
    verification_id = records.new_id()
    # Each route claims under its own key, so both can be driven with the same codes.
    held = await request.app.state.store.claim(
        f"floor{'-durable' if durable else ''}:{code_id}", f"{principal.id}|{verification_id}", 120
    )
    result = "valid" if held is None else "replayed"
    checked_at = dt.datetime.fromtimestamp(now, dt.UTC)
    row = records.VerificationRow(
        id=verification_id,
        venue=uuid.UUID(principal.org_id),
        scanner_id=uuid.UUID(principal.id),
        scenario=data.scenario,
        result=result,
        code_kind="online",
        code_id=code_id,
        card_id=None,
        card_ref=None,
        device_key_id=None,
        person=None,
        disclosed=[],
        at=checked_at,
        use_key=code_id if durable and result == "valid" else None,
    )
    await records.record_scan(row, None)
    body = VerifyResponse(
        result=result,
        scenario=data.scenario,
        attributes=Attributes(),
        concessions=[],
        verification_id=verification_id,
        checked_at=checked_at,
        code_kind="online",
    )
    return Response(body, headers={"Cache-Control": "no-store"})


def app() -> Litestar:
    """uvicorn factory: the service's own app, as `yikatong serve` builds it, plus the floor route."""
    from backend.app import app_from_env

    served = app_from_env()
    served.register(floor)
    served.register(floor_durable)
    return served


if __name__ == "__main__":
    from backend.cli import run_server

    run_server("floor_server:app", host="127.0.0.1", port=int(sys.argv[1]), workers=1)
