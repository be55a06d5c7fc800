"""Whether a holder's code has been used: the wallet asks while it shows the code (issue 15).

The answer comes from the database, the durable record of each code's one accepted use (the
row holding its `use_key`), so any worker answers alike and nothing depends on the shared store.
"""

from __future__ import annotations

from backend.codes.schemas import CodeUse
from backend.identity import services as identity  # a holder's merged records
from backend.lib.errors import ApiError
from backend.venues.tables import Verification


async def use_of_code(person_id: str, code_id: str) -> CodeUse:
    """The accepted use of `code_id` if it is the holder's; `used=false` while no venue has
    accepted it. 404 `code.not_found` when the code was used and is someone else's."""
    rows = (
        await Verification.select(
            Verification.person,
            Verification.at,
            Verification.venue.name.as_alias("venue_name"),
            Verification.scenario,
            Verification.offline,
        )
        .where(Verification.use_key == code_id)
        .limit(1)
        .run()
    )
    if not rows:
        return CodeUse(code_id=code_id, used=False)
    row = rows[0]
    if row["person"] is None or row["person"] not in await identity.person_ids(person_id):
        raise ApiError(404, "code.not_found", "You have no code with this id.")
    return CodeUse(
        code_id=code_id,
        used=True,
        at=int(row["at"].timestamp()),
        venue_name=row["venue_name"],
        scenario=row["scenario"],
        offline=bool(row["offline"]),
    )
