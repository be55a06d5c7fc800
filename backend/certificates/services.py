"""Issuing, updating, suspending and revoking certificates; every version signed and on the record."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from backend.audit import services as audit
from backend.certificates import attributes, registry, signing
from backend.certificates.records import COLUMNS, CertificateRow, certificate_row, load
from backend.certificates.records import effective_status as effective_status  # re-exported: consent's queries
from backend.certificates.records import latest_of_type as latest_of_type  # re-exported: consent's queries
from backend.certificates.schemas import CertificateIssue, CertificateOut, CertificateUpdate, IntegrityOut, StoredStatus
from backend.certificates.tables import Certificate
from backend.certificates.views import certificate_out
from backend.events import services as events
from backend.identity.services import find_person_id, person_ids
from backend.inbox import services as inbox
from backend.keys.keyring import Keyring
from backend.lib import db
from backend.lib.auth import Principal
from backend.lib.errors import ApiError

T = TypeVar("T")

ACTIONS: dict[str, tuple[tuple[StoredStatus, ...], StoredStatus]] = {  # action -> (states it applies to, state it leads to)
    "suspend": (("active",), "suspended"),
    "reinstate": (("suspended",), "active"),
    "revoke": (("active", "suspended"), "revoked"),
}
ATTEMPTS = 8

_STORED = tuple(c._meta.name for c in Certificate.all_columns())  # the row's fields a write stores


def field_names(type_code: str, names: Iterable[str]) -> list[str]:
    """Names as they go on the access record: `certificate.<type>.<field>`."""
    return [f"certificate.{type_code}.{name}" for name in names]


async def _record_write(principal: Principal, row: CertificateRow, action: str, fields: list[str]) -> None:
    actor = await audit.actor_of(principal)
    await audit.record(
        actor,
        person_id=row.person,
        action=f"certificate.{action}",
        fields=field_names(row.type_code, ["status", *fields]),
        purpose=f"{action.capitalize()} {row.type_name}",
        basis_kind="official_duty",
        basis_ref=f"Issuer of {row.type_code} (Regulation Art. 7, 9)",
    )
    # Every write passes here, in its transaction: the event for agencies' subscriptions (docs/webhooks.md).
    data = {"certificate_id": str(row.id), "type": row.type_code, "status": row.status, "version": row.version, "action": action}
    await events.record("certificate.changed", row.person, data)


async def _sign_and_store(
    row: CertificateRow, keyring: Keyring, now: int, *, insert: bool, expected_version: int | None = None
) -> None:
    """Sign this version and write it; an update is a compare-and-set on the version."""
    row.key_id, row.signature = signing.sign(row, keyring, now)
    row.signed_at = signing.seconds(dt.datetime.fromtimestamp(now, dt.UTC))
    columns = {name: getattr(row, name) for name in _STORED}
    if insert:
        await Certificate.insert(Certificate(**columns)).run()
        return
    changed = (
        await Certificate.update({getattr(Certificate, k): v for k, v in columns.items() if k != "id"})
        .where((Certificate.id == row.id) & (Certificate.version == expected_version))
        .returning(Certificate.id)
        .run()
    )
    if not changed:
        raise db.Conflict


async def _retrying(attempt: Callable[[], Awaitable[T]]) -> T:
    """Run a read-decide-write attempt in a transaction; when a parallel writer won, start over."""
    return await db.retrying(attempt, attempts=ATTEMPTS, busy=_busy)


def _busy() -> ApiError:
    return ApiError(409, "certificate.busy", "The certificate is being changed by other requests; try again.", retry_after=1)


async def issue(principal: Principal, keyring: Keyring, spec: CertificateIssue, now: int) -> CertificateOut:
    """Link a new certificate to the person with this identity document (never matched by name)."""
    ctype = await registry.get(spec.type)
    if str(ctype.issuer.id) != principal.org_id:
        raise ApiError(403, "certificate.not_issuer", f"Only {ctype.issuer.name} issues {ctype.code}.")
    if not ctype.active:
        raise ApiError(409, "certificate_type.inactive", "This certificate type no longer takes new certificates.")
    values = attributes.check_values(ctype.attribute_schema, spec.attributes)
    person_id = await find_person_id(keyring, spec.doc_type, spec.id_number)
    if person_id is None:
        raise ApiError(404, "certificate.holder_unknown", "Nobody is registered with this identity document.")
    moment = signing.seconds(dt.datetime.fromtimestamp(now, dt.UTC))
    valid_from = signing.seconds(spec.valid_from) if spec.valid_from is not None else moment
    valid_until = signing.seconds(spec.valid_until) if spec.valid_until is not None else None
    if valid_until is not None and valid_until <= max(valid_from, moment):
        raise ApiError(422, "certificate.bad_validity", "valid_until must lie after valid_from and in the future.")
    row = CertificateRow(
        id=uuid.uuid4(),
        type=ctype.id,
        type_code=ctype.code,
        type_name=ctype.name,
        person=person_id,
        issuer=ctype.issuer.id,
        issuer_name=ctype.issuer.name,
        attributes=values,
        status="active",
        live_key=f"{ctype.id}:{person_id}",
        version=1,
        reason="",
        valid_from=valid_from,
        valid_until=valid_until,
        issued_at=moment,
        updated_at=moment,
        key_id="",  # the signature's three fields are set by _sign_and_store, before anything reads them
        signature="",
        signed_at=moment,
    )
    try:
        async with db.transaction():
            await _sign_and_store(row, keyring, now, insert=True)
            await _record_write(principal, row, "issue", list(values))
            await inbox.tell(row.person, "certificate.issued", {"type": row.type_code, "name": row.type_name}, now=now)
    except Exception as exc:
        if db.is_unique_violation(exc):
            raise ApiError(
                409, "certificate.exists", f"This person already holds a {ctype.code} that is not revoked; update it instead."
            ) from None
        raise
    return certificate_out(row)


async def _issued_by(principal: Principal, certificate_id: uuid.UUID) -> CertificateRow:
    """The certificate, if this agency issued it; others' certificates are simply not found."""
    row = await load(certificate_id)
    if row is None or str(row.issuer) != principal.org_id:
        raise ApiError(404, "certificate.not_found", "No certificate with this id was issued by your agency.")
    return row


async def update(
    principal: Principal, keyring: Keyring, certificate_id: uuid.UUID, changes: CertificateUpdate, now: int
) -> CertificateOut:
    """Change attributes (e.g. points) or validity; re-signed as a new version."""

    async def attempt() -> CertificateRow:
        row = await _issued_by(principal, certificate_id)
        if changes.expected_version is not None and changes.expected_version != row.version:
            raise ApiError(409, "certificate.version_mismatch", "The certificate changed since you read it.", version=row.version)
        if row.status == "revoked":
            raise ApiError(409, "certificate.revoked", "A revoked certificate cannot be changed; issue a new one.")
        ctype = await registry.by_id(row.type)
        old = row.version
        touched = list(changes.attributes or {})
        row.attributes = attributes.merge(ctype.attribute_schema, row.attributes, changes.attributes or {})
        if changes.valid_until is not None:
            until = signing.seconds(changes.valid_until)
            if until <= row.valid_from:
                raise ApiError(422, "certificate.bad_validity", "valid_until must lie after valid_from.")
            row.valid_until = until
            touched.append("valid_until")
        row.version = old + 1
        row.updated_at = signing.seconds(dt.datetime.fromtimestamp(now, dt.UTC))
        await _sign_and_store(row, keyring, now, insert=False, expected_version=old)
        await _record_write(principal, row, "update", touched)
        return row

    return certificate_out(await _retrying(attempt))


async def act(
    principal: Principal, keyring: Keyring, certificate_id: uuid.UUID, action: str, reason: str, now: int
) -> CertificateOut:
    """Suspend, reinstate or revoke. Revoking frees the slot for a new certificate of the type."""
    if action not in ACTIONS:
        raise ApiError(404, "certificate.unknown_action", "The action is suspend, reinstate or revoke.")
    sources, target = ACTIONS[action]

    async def attempt() -> CertificateRow:
        row = await _issued_by(principal, certificate_id)
        if row.status not in sources:
            raise ApiError(
                409,
                "certificate.illegal_transition",
                f"A {row.status} certificate cannot be {action}d.",
                current_status=row.status,
            )
        old = row.version
        row.status = target
        row.reason = reason
        row.version = old + 1
        row.updated_at = signing.seconds(dt.datetime.fromtimestamp(now, dt.UTC))
        row.live_key = None if target == "revoked" else row.live_key
        await _sign_and_store(row, keyring, now, insert=False, expected_version=old)
        await _record_write(principal, row, action, [])
        if target == "revoked":
            await inbox.tell(row.person, "certificate.revoked", {"type": row.type_code, "name": row.type_name}, now=now)
        return row

    return certificate_out(await _retrying(attempt))


async def for_holder(person_id: uuid.UUID | str) -> list[CertificateOut]:
    """The holder's certificates, those issued to a record merged into theirs included."""
    rows = (
        await Certificate.select(*COLUMNS)
        .where(Certificate.person.is_in(await person_ids(person_id)))
        .order_by(Certificate.issued_at, ascending=False)
        .output(load_json=True)
        .run()
    )
    return [certificate_out(certificate_row(row)) for row in rows]


async def holder_certificate(person_id: uuid.UUID | str, certificate_id: uuid.UUID) -> CertificateOut:
    row = await load(certificate_id)
    if row is None or row.person not in await person_ids(person_id):
        raise ApiError(404, "certificate.not_found", "You have no certificate with this id.")
    return certificate_out(row)


async def integrity(principal: Principal, keyring: Keyring, certificate_id: uuid.UUID) -> IntegrityOut:
    """Check the stored signature: for the holder, the issuing agency and provincial operators."""
    row = await load(certificate_id)
    if row is None or not (
        (principal.role == "citizen" and str(row.person) == str(principal.person_id))
        or (principal.role == "agency" and str(row.issuer) == principal.org_id)
        or principal.role == "provincial_operator"
    ):
        raise ApiError(404, "certificate.not_found", "No certificate you may check has this id.")
    result = signing.check(row, row.key_id, row.signature, keyring)
    return IntegrityOut(
        certificate_id=row.id,
        version=row.version,
        key_id=row.key_id,
        signed_at=row.signed_at,
        valid=result.valid,
        result=result.reason,
    )
