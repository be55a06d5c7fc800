"""The agency directory: holders pick whom to consent to; operators register agencies."""

from __future__ import annotations

import uuid
from typing import Any, cast

from backend.consent.schemas import AgencyOut
from backend.lib import db
from backend.lib.errors import ApiError
from backend.org.tables import Agency

_COLUMNS = (Agency.id, Agency.code, Agency.name, Agency.kind)


def agency_out(row: dict[str, Any]) -> AgencyOut:
    """A row with (at least) the columns above as the directory's record."""
    return AgencyOut(id=row["id"], code=row["code"], name=row["name"], kind=row["kind"])


async def list_all() -> list[AgencyOut]:
    return [agency_out(row) for row in await Agency.select(*_COLUMNS).order_by(Agency.code).run()]


async def create(*, code: str, name: str, kind: str) -> AgencyOut:
    """A new agency (its systems then get `agency` clients); 409 `agency.exists` for a taken code."""
    taken = ApiError(409, "agency.exists", f"An agency with code {code!r} already exists.")
    try:
        async with db.transaction():
            if await Agency.exists().where(Agency.code == code).run():
                raise taken
            agency = Agency(id=uuid.uuid4(), code=code, name=" ".join(name.split()), kind=kind)
            await Agency.insert(agency).run()
    except Exception as exc:
        # Parallel registrations all pass the check above; the unique index keeps one.
        if db.is_unique_violation(exc):
            raise taken from None
        raise
    row = await Agency.select(*_COLUMNS).where(Agency.id == agency.id).first().run()
    return agency_out(cast(dict[str, Any], row))  # the row just committed: agencies are never deleted
