"""What other features use of employers: the employer behind a client credential, its signing keys, the USCC check."""

from __future__ import annotations

import uuid

from backend.employers import registering, uscc
from backend.employers import schemas as s
from backend.lib.auth import EMPLOYER, Principal
from backend.lib.errors import ApiError
from backend.org.tables import Employer, EmployerKey

# Re-exported: the registry's read and writes (the demo registers its employer) and the code check.
get_employer = registering.get
register = registering.create
add_key = registering.add_key
check_uscc = uscc.checked
key_id = registering.key_id


async def employer_of(principal: Principal) -> s.EmployerRef:
    """The employer an `employer` client acts for, whatever its status. 403 `auth.wrong_role` for
    any other caller, `auth.not_permitted` when the credential names no registered employer."""
    if principal.role != EMPLOYER or not principal.org_id:
        raise ApiError(403, "auth.wrong_role", "Only an employer's system may do this.")
    found = await employer_by_id(principal.org_id)
    if found is None:
        raise ApiError(403, "auth.not_permitted", "This credential's employer is not registered.")
    return found


async def active_employer_of(principal: Principal) -> s.EmployerRef:
    """As employer_of, and 403 `employer.suspended` while a provincial operator has it suspended."""
    found = await employer_of(principal)
    require_active(found)
    return found


def require_active(employer: s.EmployerRef) -> None:
    if employer.status != "active":
        raise ApiError(
            403, "employer.suspended", "This employer is suspended: it may not write records or sign contracts until reinstated."
        )


async def employer_by_id(employer_id: uuid.UUID | str) -> s.EmployerRef | None:
    try:
        wanted = uuid.UUID(str(employer_id))
    except ValueError:
        return None
    row = (
        await Employer.select(Employer.id, Employer.uscc, Employer.name, Employer.status)
        .where(Employer.id == wanted)
        .first()
        .run()
    )
    return s.EmployerRef(id=row["id"], uscc=row["uscc"], name=row["name"], status=row["status"]) if row else None


async def signing_key(key: str) -> s.SigningKey | None:
    """The registered key with this key id (active or retired), or None."""
    row = await EmployerKey.select().where(EmployerKey.key_id == key).first().run()
    if row is None:
        return None
    return s.SigningKey(
        employer_id=row["employer"],
        key_id=row["key_id"],
        public_key=bytes(row["public_key"]),
        status=row["status"],
        registered_at=row["registered_at"],
        retired_at=row["retired_at"],
    )
