"""Consents: holders grant, list and revoke them and download receipts; agencies list theirs."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from typing import Any

import msgspec

from backend.certificates import registry
from backend.consent.schemas import ConsentGrant, ConsentOut, ConsentScope, ConsentStatus
from backend.consent.tables import Consent, EmployerConsent
from backend.identity.services import get_person, person_ids
from backend.keys.keyring import Keyring, KeyStoreError
from backend.lib import db, ed25519
from backend.lib.canonical import canonical_json, iso_seconds
from backend.lib.errors import ApiError
from backend.org.tables import Agency, Employer

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
_EMPLOYER_COLUMNS = (  # the same for a consent to an employer: its USCC and name stand as code and name
    *EmployerConsent.all_columns(),
    EmployerConsent.employer.uscc.as_alias("agency_code"),
    EmployerConsent.employer.name.as_alias("agency_name"),
)


class ConsentRow(msgspec.Struct, kw_only=True):
    """Every column of `consent_consent`, plus the agency's code, name and kind."""

    id: uuid.UUID
    person: uuid.UUID
    agency: uuid.UUID | None  # None for a consent to an employer
    purpose: str
    scope: ConsentScope
    valid_from: dt.datetime
    valid_until: dt.datetime
    revoked_at: dt.datetime | None
    granted_by: str
    granted_at: dt.datetime
    agency_code: str  # the grantee's code: an agency's code, an employer's USCC
    agency_name: str  # the grantee's name
    agency_kind: str  # "" for an employer
    grantee_kind: str = "agency"  # agency | employer
    employer: uuid.UUID | None = None


def _consent_row(row: dict[str, Any]) -> ConsentRow:
    """A row selected with `_COLUMNS` (or `_EMPLOYER_COLUMNS`) as a record; the scope (JSON) becomes its Struct."""
    scope = msgspec.convert(row["scope"], ConsentScope)
    if "employer" in row:
        return ConsentRow(**{**row, "scope": scope, "agency": None, "agency_kind": "", "grantee_kind": "employer"})
    return ConsentRow(**{**row, "scope": scope})


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
        grantee_kind="employer" if row.grantee_kind == "employer" else "agency",
        employer_id=row.employer,
    )


async def check_scope(
    card_status: bool, certificates: dict[str, list[str]], hr_records: list[str] | None = None, account_changes: bool = False
) -> ConsentScope:
    """A scope naming known types and fields of their schemas (and HR record kinds); 422 otherwise."""
    if not card_status and not certificates and not hr_records and not account_changes:
        raise ApiError(
            422, "consent.empty_scope", "Name the card status, at least one certificate type or at least one HR record kind."
        )
    types = await registry.known(list(certificates))
    for code, fields in certificates.items():
        unknown = sorted(set(fields) - set(types[code].attribute_schema))
        if unknown:
            raise ApiError(422, "consent.unknown_field", f"{code} has no field {unknown[0]!r}.", type=code, fields=unknown)
    return ConsentScope(
        card_status=card_status,
        certificates={code: sorted(set(f)) for code, f in sorted(certificates.items())},
        hr_records=sorted(set(hr_records or [])),
        account_changes=account_changes,
    )


async def grant(*, account_id: str, person_id: str, spec: ConsentGrant, now: int) -> ConsentOut:
    """Record a consent to an agency or an employer; it applies from `valid_from` (default now) until `valid_until`."""
    if (spec.agency_id is None) == (spec.employer_uscc is None):
        raise ApiError(422, "consent.grantee_required", "Name an agency (agency_id) or an employer (employer_uscc), one of them.")
    if spec.employer_uscc is not None and (spec.card_status or spec.certificates or spec.account_changes):
        raise ApiError(422, "consent.employer_scope", "An employer may be given HR records (hr_records) only.")
    certificates: dict[str, list[str]] = {}  # the same type named twice: the union of its fields
    for item in spec.certificates:
        certificates[item.type] = sorted(set(certificates.get(item.type, [])) | set(item.fields))
    scope = await check_scope(spec.card_status, certificates, list(spec.hr_records), spec.account_changes)
    moment = _at(now)
    start = (spec.valid_from or moment).astimezone(dt.UTC).replace(microsecond=0)
    end = spec.valid_until.astimezone(dt.UTC).replace(microsecond=0)
    if start < moment - dt.timedelta(seconds=PAST_TOLERANCE):
        raise ApiError(422, "consent.bad_validity", "A consent cannot start in the past.")
    if end <= max(start, moment):
        raise ApiError(422, "consent.bad_validity", "valid_until must lie after valid_from and in the future.")
    if end - start > dt.timedelta(days=MAX_DAYS):
        raise ApiError(422, "consent.too_long", f"A consent lasts at most {MAX_DAYS} days; grant a new one later.")
    common = {
        "person": person_id,
        "purpose": " ".join(spec.purpose.split()),
        "scope": msgspec.to_builtins(scope),
        "valid_from": start,
        "valid_until": end,
        "granted_by": account_id,
        "granted_at": moment.replace(microsecond=0),
    }
    async with db.transaction():
        row: Consent | EmployerConsent
        if spec.employer_uscc is not None:
            employer = (
                await Employer.select(Employer.id, Employer.status).where(Employer.uscc == spec.employer_uscc).first().run()
            )
            if employer is None:
                raise ApiError(422, "consent.unknown_employer", "No registered employer has this unified social credit code.")
            if employer["status"] != "active":
                raise ApiError(422, "consent.employer_suspended", "This employer is suspended; it cannot be given a consent.")
            row = EmployerConsent(employer=employer["id"], **common)
            await EmployerConsent.insert(row).run()
        else:
            if not await Agency.exists().where(Agency.id == spec.agency_id).run():
                raise ApiError(422, "consent.unknown_agency", "No agency has this id.")
            row = Consent(agency=spec.agency_id, **common)
            await Consent.insert(row).run()
    return consent_out(await get(row.id), now)


async def _one(where_agency: Any, where_employer: Any) -> ConsentRow | None:
    """The consent (to an agency or an employer) these conditions find, if any."""
    row = await Consent.select(*_COLUMNS).where(where_agency).first().output(load_json=True).run()
    if row is None:
        row = await EmployerConsent.select(*_EMPLOYER_COLUMNS).where(where_employer).first().output(load_json=True).run()
    return None if row is None else _consent_row(row)


async def get(consent_id: uuid.UUID) -> ConsentRow:
    found = await _one(Consent.id == consent_id, EmployerConsent.id == consent_id)
    if found is None:
        raise ApiError(404, "consent.not_found", "No such consent.")
    return found


async def mine(person_id: str, consent_id: uuid.UUID) -> ConsentRow:
    ids = await person_ids(person_id)
    found = await _one(
        (Consent.id == consent_id) & Consent.person.is_in(ids),
        (EmployerConsent.id == consent_id) & EmployerConsent.person.is_in(ids),
    )
    if found is None:
        raise ApiError(404, "consent.not_found", "You gave no consent with this id.")
    return found


async def list_mine(person_id: str, now: int) -> list[ConsentOut]:
    """The holder's consents (to agencies and to employers), those given under a record merged into theirs included."""
    ids = await person_ids(person_id)
    rows = await Consent.select(*_COLUMNS).where(Consent.person.is_in(ids)).output(load_json=True).run()
    rows += await EmployerConsent.select(*_EMPLOYER_COLUMNS).where(EmployerConsent.person.is_in(ids)).output(load_json=True).run()
    found = sorted((_consent_row(row) for row in rows), key=lambda c: c.granted_at, reverse=True)
    return [consent_out(row, now) for row in found]


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


async def live_for(agency_id: uuid.UUID | str, person_id: uuid.UUID | str, at: dt.datetime) -> list[ConsentRow]:
    """The holder's consents to this agency that were active at `at`, already given then (a start
    may lie up to PAST_TOLERANCE before the grant: that window is not consent), and are not revoked
    since (agencies' subscriptions: the basis for an event of that moment)."""
    rows = (
        await Consent.select(*_COLUMNS)
        .where(
            (Consent.agency == agency_id)
            & (Consent.person == person_id)
            & Consent.revoked_at.is_null()
            & (Consent.valid_from <= at)
            & (Consent.granted_at <= at)
            & (Consent.valid_until > at)
        )
        .order_by(Consent.granted_at)
        .output(load_json=True)
        .run()
    )
    return [_consent_row(row) for row in rows]


async def for_employer(employer_id: str, now: int, *, limit: int, offset: int) -> list[ConsentOut]:
    rows = (
        await EmployerConsent.select(*_EMPLOYER_COLUMNS)
        .where(EmployerConsent.employer == employer_id)
        .order_by(EmployerConsent.granted_at, ascending=False)
        .limit(limit)
        .offset(offset)
        .output(load_json=True)
        .run()
    )
    return [consent_out(_consent_row(row), now) for row in rows]


async def revoke(person_id: str, consent_id: uuid.UUID, now: int) -> ConsentOut:
    """Revoke at once: every later query under it is refused. Revoking twice changes nothing."""
    async with db.transaction():
        row = await mine(person_id, consent_id)
        table = EmployerConsent if row.grantee_kind == "employer" else Consent
        await (
            table.update({table.revoked_at: _at(now).replace(microsecond=0)})
            .where((table.id == consent_id) & (table.revoked_at.is_null()))
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
        **(
            {"employer": {"id": str(row.employer), "uscc": row.agency_code, "name": row.agency_name}}
            if row.grantee_kind == "employer"
            else {"agency": {"id": str(row.agency), "code": row.agency_code, "name": row.agency_name, "kind": row.agency_kind}}
        ),
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
