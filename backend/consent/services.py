"""Consents: holders grant, list and revoke them and download receipts; agencies list theirs."""

from __future__ import annotations

import base64
import datetime as dt
import uuid

from backend.audit.chain import canonical_json, iso_seconds
from backend.certificates import registry
from backend.consent.tables import Consent
from backend.identity.services import get_person
from backend.keys.keyring import Keyring, KeyStoreError
from backend.lib import db, ed25519
from backend.lib.errors import ApiError
from backend.org.tables import Agency

MAX_DAYS = 366  # PIPL: consent for a purpose, not forever; a year at most, then ask again
PAST_TOLERANCE = 300  # seconds a start may lie in the past (clocks, slow forms)
RECEIPT_FORMAT = "yikatong-consent-receipt/1"
RECEIPT_DOMAIN = b"yikatong-consent-receipt-v1\n"

_COLUMNS = (
    *Consent.all_columns(),
    Consent.agency.code.as_alias("agency_code"),
    Consent.agency.name.as_alias("agency_name"),
    Consent.agency.kind.as_alias("agency_kind"),
)


def _at(now: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(now, dt.UTC)


def status_of(row: dict, at: dt.datetime) -> str:
    """revoked, pending (not started), expired or active: decided at the moment of asking."""
    if row["revoked_at"] is not None:
        return "revoked"
    if at < row["valid_from"]:
        return "pending"
    if at >= row["valid_until"]:
        return "expired"
    return "active"


async def check_scope(card_status: bool, certificates: dict[str, list[str]]) -> dict:
    """A scope naming known types and fields of their schemas; 422 otherwise."""
    if not card_status and not certificates:
        raise ApiError(422, "consent.empty_scope", "Name the card status or at least one certificate type.")
    types = await registry.known(list(certificates))
    for code, fields in certificates.items():
        unknown = sorted(set(fields) - set(types[code]["attribute_schema"]))
        if unknown:
            raise ApiError(422, "consent.unknown_field", f"{code} has no field {unknown[0]!r}.", type=code, fields=unknown)
    return {"card_status": card_status, "certificates": {code: sorted(set(f)) for code, f in sorted(certificates.items())}}


async def grant(*, account_id: str, person_id: str, spec: dict, now: int) -> dict:
    """Record a consent; it applies from `valid_from` (default now) until `valid_until`."""
    scope = await check_scope(spec["card_status"], spec["certificates"])
    moment = _at(now)
    start = (spec.get("valid_from") or moment).astimezone(dt.UTC).replace(microsecond=0)
    end = spec["valid_until"].astimezone(dt.UTC).replace(microsecond=0)
    if start < moment - dt.timedelta(seconds=PAST_TOLERANCE):
        raise ApiError(422, "consent.bad_validity", "A consent cannot start in the past.")
    if end <= max(start, moment):
        raise ApiError(422, "consent.bad_validity", "valid_until must lie after valid_from and in the future.")
    if end - start > dt.timedelta(days=MAX_DAYS):
        raise ApiError(422, "consent.too_long", f"A consent lasts at most {MAX_DAYS} days; grant a new one later.")
    async with db.transaction():
        if not await Agency.exists().where(Agency.id == spec["agency_id"]).run():
            raise ApiError(422, "consent.unknown_agency", "No agency has this id.")
        row = Consent(
            person=person_id,
            agency=spec["agency_id"],
            purpose=" ".join(spec["purpose"].split()),
            scope=scope,
            valid_from=start,
            valid_until=end,
            granted_by=account_id,
            granted_at=moment.replace(microsecond=0),
        )
        await Consent.insert(row).run()
    return await get(row.id)


async def get(consent_id: uuid.UUID) -> dict:
    row = await Consent.select(*_COLUMNS).where(Consent.id == consent_id).first().output(load_json=True).run()
    if row is None:
        raise ApiError(404, "consent.not_found", "No such consent.")
    return row


async def mine(person_id: str, consent_id: uuid.UUID) -> dict:
    row = (
        await Consent.select(*_COLUMNS)
        .where((Consent.id == consent_id) & (Consent.person == person_id))
        .first()
        .output(load_json=True)
        .run()
    )
    if row is None:
        raise ApiError(404, "consent.not_found", "You gave no consent with this id.")
    return row


async def list_mine(person_id: str) -> list[dict]:
    return (
        await Consent.select(*_COLUMNS)
        .where(Consent.person == person_id)
        .order_by(Consent.granted_at, ascending=False)
        .output(load_json=True)
        .run()
    )


async def for_agency(agency_id: str, *, limit: int, offset: int) -> list[dict]:
    return (
        await Consent.select(*_COLUMNS)
        .where(Consent.agency == agency_id)
        .order_by(Consent.granted_at, ascending=False)
        .limit(limit)
        .offset(offset)
        .output(load_json=True)
        .run()
    )


async def revoke(person_id: str, consent_id: uuid.UUID, now: int) -> dict:
    """Revoke at once: every later query under it is refused. Revoking twice changes nothing."""
    async with db.transaction():
        await mine(person_id, consent_id)
        await (
            Consent.update({Consent.revoked_at: _at(now).replace(microsecond=0)})
            .where((Consent.id == consent_id) & (Consent.revoked_at.is_null()))
            .run()
        )
    return await get(consent_id)


async def receipt(person_id: str, consent_id: uuid.UUID, keyring: Keyring, now: int) -> dict:
    """The consent as a self-standing JSON receipt, signed with the issuer key (kid in the trust list)."""
    row = await mine(person_id, consent_id)
    person = await get_person(person_id)
    body = {
        "format": RECEIPT_FORMAT,
        "consent_id": str(row["id"]),
        "holder": {"person_id": str(row["person"]), "name": person["name"]},
        "agency": {"id": str(row["agency"]), "code": row["agency_code"], "name": row["agency_name"], "kind": row["agency_kind"]},
        "purpose": row["purpose"],
        "scope": row["scope"],
        "granted_at": iso_seconds(row["granted_at"]),
        "valid_from": iso_seconds(row["valid_from"]),
        "valid_until": iso_seconds(row["valid_until"]),
        "revoked_at": iso_seconds(row["revoked_at"]),
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
