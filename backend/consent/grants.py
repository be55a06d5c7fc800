"""Consents: holders grant, list and revoke them and download receipts; agencies list theirs."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from typing import Any

import msgspec

from backend.certificates import registry
from backend.consent.schemas import ConsentGrant, ConsentOut, ConsentScope, ConsentStatus
from backend.consent.tables import Consent
from backend.identity.services import get_person, person_ids
from backend.keys.keyring import Keyring, KeyStoreError
from backend.lib import db, ed25519
from backend.lib.canonical import canonical_json, iso_seconds
from backend.lib.errors import ApiError
from backend.org.tables import Agency

MAX_DAYS = 366  # PIPL: consent for a purpose, not forever; a year at most, then ask again
PAST_TOLERANCE = 300  # seconds a start may lie in the past (clocks, slow forms)
RECEIPT_FORMAT = "yikatong-consent-receipt/1"
RECEIPT_DOMAIN = b"yikatong-consent-receipt-v1\n"

_COLUMNS = (  # a ConsentRow's fields, in one select
    *Consent.all_columns(),
    Consent.agency.code.as_alias("agency_code"),
    Consent.agency.name.as_alias("agency_name"),
    Consent.agency.kind.as_alias("agency_kind"),
)


class ConsentRow(msgspec.Struct, kw_only=True):
    """Every column of `consent_consent`, plus the agency's code, name and kind."""

    id: uuid.UUID
    person: uuid.UUID
    agency: uuid.UUID
    purpose: str
    scope: ConsentScope
    valid_from: dt.datetime
    valid_until: dt.datetime
    revoked_at: dt.datetime | None
    granted_by: str
    granted_at: dt.datetime
    agency_code: str
    agency_name: str
    agency_kind: str


def _consent_row(row: dict[str, Any]) -> ConsentRow:
    """A row selected with `_COLUMNS` as a record; the scope (JSON) becomes its Struct."""
    return ConsentRow(**{**row, "scope": msgspec.convert(row["scope"], ConsentScope)})


def _at(now: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(now, dt.UTC)


def status_of(row: ConsentRow, at: dt.datetime) -> ConsentStatus:
    """revoked, pending (not started), expired or active: decided at the moment of asking."""
    if row.revoked_at is not None:
        return "revoked"
    if at < row.valid_from:
        return "pending"
    if at >= row.valid_until:
        return "expired"
    return "active"


def consent_out(row: ConsentRow, now: int) -> ConsentOut:
    """The answer for one consent, its status as of `now`."""
    return ConsentOut(
        id=row.id,
        agency_id=row.agency,
        agency_code=row.agency_code,
        agency_name=row.agency_name,
        purpose=row.purpose,
        scope=row.scope,
        status=status_of(row, _at(now)),
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        granted_at=row.granted_at,
        revoked_at=row.revoked_at,
    )


async def check_scope(card_status: bool, certificates: dict[str, list[str]]) -> ConsentScope:
    """A scope naming known types and fields of their schemas; 422 otherwise."""
    if not card_status and not certificates:
        raise ApiError(422, "consent.empty_scope", "Name the card status or at least one certificate type.")
    types = await registry.known(list(certificates))
    for code, fields in certificates.items():
        unknown = sorted(set(fields) - set(types[code].attribute_schema))
        if unknown:
            raise ApiError(422, "consent.unknown_field", f"{code} has no field {unknown[0]!r}.", type=code, fields=unknown)
    return ConsentScope(card_status=card_status, certificates={code: sorted(set(f)) for code, f in sorted(certificates.items())})


async def grant(*, account_id: str, person_id: str, spec: ConsentGrant, now: int) -> ConsentOut:
    """Record a consent; it applies from `valid_from` (default now) until `valid_until`."""
    certificates: dict[str, list[str]] = {}  # the same type named twice: the union of its fields
    for item in spec.certificates:
        certificates[item.type] = sorted(set(certificates.get(item.type, [])) | set(item.fields))
    scope = await check_scope(spec.card_status, certificates)
    moment = _at(now)
    start = (spec.valid_from or moment).astimezone(dt.UTC).replace(microsecond=0)
    end = spec.valid_until.astimezone(dt.UTC).replace(microsecond=0)
    if start < moment - dt.timedelta(seconds=PAST_TOLERANCE):
        raise ApiError(422, "consent.bad_validity", "A consent cannot start in the past.")
    if end <= max(start, moment):
        raise ApiError(422, "consent.bad_validity", "valid_until must lie after valid_from and in the future.")
    if end - start > dt.timedelta(days=MAX_DAYS):
        raise ApiError(422, "consent.too_long", f"A consent lasts at most {MAX_DAYS} days; grant a new one later.")
    async with db.transaction():
        if not await Agency.exists().where(Agency.id == spec.agency_id).run():
            raise ApiError(422, "consent.unknown_agency", "No agency has this id.")
        row = Consent(
            person=person_id,
            agency=spec.agency_id,
            purpose=" ".join(spec.purpose.split()),
            scope=msgspec.to_builtins(scope),
            valid_from=start,
            valid_until=end,
            granted_by=account_id,
            granted_at=moment.replace(microsecond=0),
        )
        await Consent.insert(row).run()
    return consent_out(await get(row.id), now)


async def get(consent_id: uuid.UUID) -> ConsentRow:
    row = await Consent.select(*_COLUMNS).where(Consent.id == consent_id).first().output(load_json=True).run()
    if row is None:
        raise ApiError(404, "consent.not_found", "No such consent.")
    return _consent_row(row)


async def mine(person_id: str, consent_id: uuid.UUID) -> ConsentRow:
    row = (
        await Consent.select(*_COLUMNS)
        .where((Consent.id == consent_id) & Consent.person.is_in(await person_ids(person_id)))
        .first()
        .output(load_json=True)
        .run()
    )
    if row is None:
        raise ApiError(404, "consent.not_found", "You gave no consent with this id.")
    return _consent_row(row)


async def list_mine(person_id: str, now: int) -> list[ConsentOut]:
    """The holder's consents, those given under a record merged into theirs included."""
    rows = (
        await Consent.select(*_COLUMNS)
        .where(Consent.person.is_in(await person_ids(person_id)))
        .order_by(Consent.granted_at, ascending=False)
        .output(load_json=True)
        .run()
    )
    return [consent_out(_consent_row(row), now) for row in rows]


async def for_agency(agency_id: str, now: int, *, limit: int, offset: int) -> list[ConsentOut]:
    rows = (
        await Consent.select(*_COLUMNS)
        .where(Consent.agency == agency_id)
        .order_by(Consent.granted_at, ascending=False)
        .limit(limit)
        .offset(offset)
        .output(load_json=True)
        .run()
    )
    return [consent_out(_consent_row(row), now) for row in rows]


async def revoke(person_id: str, consent_id: uuid.UUID, now: int) -> ConsentOut:
    """Revoke at once: every later query under it is refused. Revoking twice changes nothing."""
    async with db.transaction():
        await mine(person_id, consent_id)
        await (
            Consent.update({Consent.revoked_at: _at(now).replace(microsecond=0)})
            .where((Consent.id == consent_id) & (Consent.revoked_at.is_null()))
            .run()
        )
    return consent_out(await get(consent_id), now)


async def receipt(person_id: str, consent_id: uuid.UUID, keyring: Keyring, now: int) -> dict[str, object]:
    """The consent as a self-standing JSON receipt, signed with the issuer key (kid in the trust list).
    A document, not a record: its members are what the signature covers, sent as they are."""
    row = await mine(person_id, consent_id)
    person = await get_person(person_id)
    body: dict[str, object] = {
        "format": RECEIPT_FORMAT,
        "consent_id": str(row.id),
        "holder": {"person_id": str(row.person), "name": person["name"]},
        "agency": {"id": str(row.agency), "code": row.agency_code, "name": row.agency_name, "kind": row.agency_kind},
        "purpose": row.purpose,
        "scope": msgspec.to_builtins(row.scope),
        "granted_at": iso_seconds(row.granted_at),
        "valid_from": iso_seconds(row.valid_from),
        "valid_until": iso_seconds(row.valid_until),
        "revoked_at": iso_seconds(row.revoked_at),
        "status": status_of(row, _at(now)),
        "generated_at": iso_seconds(_at(now)),
    }
    try:
        key = keyring.active_signing(now)
    except KeyStoreError:
        return {**body, "signature": None}  # the receipt itself matters more than its seal
    value = ed25519.sign(key.seed, RECEIPT_DOMAIN + canonical_json(body))
    return {
        **body,
        "signature": {"alg": "EdDSA", "key_id": key.kid, "value": base64.urlsafe_b64encode(value).rstrip(b"=").decode()},
    }
