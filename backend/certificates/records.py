"""Certificates at the lowest level: the record services pass around (one stored version with its type's and issuer's names), and loading it."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Protocol

import msgspec

from backend.certificates.schemas import AttrValue, Status, StoredStatus
from backend.certificates.tables import Certificate


class CertificateRow(msgspec.Struct, kw_only=True):
    """Every column of `certificates_certificate`, plus the type's code and name and the issuer's
    name. Services change it in place while deciding on a new version, then sign and store it."""

    id: uuid.UUID
    type: uuid.UUID
    type_code: str
    type_name: str
    person: uuid.UUID
    issuer: uuid.UUID
    issuer_name: str
    attributes: dict[str, AttrValue]
    status: StoredStatus
    live_key: str | None
    version: int
    reason: str
    valid_from: dt.datetime
    valid_until: dt.datetime | None
    issued_at: dt.datetime
    updated_at: dt.datetime
    key_id: str  # the issuer key that signed this version
    signature: str
    signed_at: dt.datetime


COLUMNS = (  # a CertificateRow's fields, in one select
    *Certificate.all_columns(),
    Certificate.type.code.as_alias("type_code"),
    Certificate.type.name.as_alias("type_name"),
    Certificate.issuer.name.as_alias("issuer_name"),
)


def certificate_row(row: dict[str, Any]) -> CertificateRow:
    """A row selected with `COLUMNS` (exactly the fields above) as a record, taken as the
    database gives it back: unchecked, so it is exactly what the signature was made over."""
    return CertificateRow(**row)


async def load(certificate_id: uuid.UUID) -> CertificateRow | None:
    row = await Certificate.select(*COLUMNS).where(Certificate.id == certificate_id).first().output(load_json=True).run()
    return None if row is None else certificate_row(row)


async def latest_of_type(person_id: uuid.UUID, type_code: str) -> CertificateRow | None:
    """The person's most recently issued certificate of this type, whatever its status."""
    row = (
        await Certificate.select(*COLUMNS)
        .where((Certificate.person == person_id) & (Certificate.type.code == type_code))
        .order_by(Certificate.issued_at, ascending=False)
        .first()
        .output(load_json=True)
        .run()
    )
    return None if row is None else certificate_row(row)


class Validity(Protocol):
    """What the effective status is decided on: a whole certificate, or the few columns
    verification reads for concessions."""

    @property
    def status(self) -> StoredStatus: ...
    @property
    def valid_from(self) -> dt.datetime: ...
    @property
    def valid_until(self) -> dt.datetime | None: ...


def effective_status(row: Validity, at: dt.datetime) -> Status:
    """Stored status, or `expired` / `not_yet_valid` for a live certificate outside its validity."""
    if row.status != "revoked":
        if row.valid_until is not None and row.valid_until <= at:
            return "expired"
        if row.valid_from > at:
            return "not_yet_valid"
    return row.status
