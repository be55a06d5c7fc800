"""Issuing, updating, suspending and revoking certificates; every version signed and on the record."""

from __future__ import annotations

import datetime as dt
import uuid

from backend.audit import services as audit
from backend.certificates import attributes, registry, signing
from backend.certificates.tables import Certificate
from backend.identity.services import find_person_id
from backend.keys.keyring import Keyring
from backend.lib import db
from backend.lib.auth import Principal
from backend.lib.errors import ApiError

ACTIONS = {  # action -> (states it applies to, state it leads to)
    "suspend": (("active",), "suspended"),
    "reinstate": (("suspended",), "active"),
    "revoke": (("active", "suspended"), "revoked"),
}
ATTEMPTS = 8

COLUMNS = (
    *Certificate.all_columns(),
    Certificate.type.code.as_alias("type_code"),
    Certificate.type.name.as_alias("type_name"),
    Certificate.issuer.name.as_alias("issuer_name"),
)


def effective_status(row: dict, at: dt.datetime) -> str:
    """Stored status, or `expired` / `not_yet_valid` for a live certificate outside its validity."""
    if row["status"] != "revoked":
        if row["valid_until"] is not None and row["valid_until"] <= at:
            return "expired"
        if row["valid_from"] > at:
            return "not_yet_valid"
    return row["status"]


def record_for_signing(row: dict) -> dict:
    """The row in the shape the signature covers (type by code)."""
    return {**row, "type": row["type_code"]}


async def load(certificate_id: uuid.UUID) -> dict | None:
    return await Certificate.select(*COLUMNS).where(Certificate.id == certificate_id).first().output(load_json=True).run()


def field_names(type_code: str, names) -> list[str]:
    """Names as they go on the access record: `certificate.<type>.<field>`."""
    return [f"certificate.{type_code}.{name}" for name in names]


async def _record_write(principal: Principal, row: dict, action: str, fields: list[str]) -> None:
    actor = await audit.actor_of(principal)
    await audit.record(
        actor,
        person_id=row["person"],
        action=f"certificate.{action}",
        fields=field_names(row["type_code"], ["status", *fields]),
        purpose=f"{action.capitalize()} {row['type_name']}",
        basis_kind="official_duty",
        basis_ref=f"Issuer of {row['type_code']} (Regulation Art. 7, 9)",
    )


async def _sign_and_store(row: dict, keyring: Keyring, now: int, *, insert: bool, expected_version: int | None = None) -> None:
    """Sign this version and write it; an update is a compare-and-set on the version."""
    kid, signature = signing.sign(record_for_signing(row), keyring, now)
    row.update(key_id=kid, signature=signature, signed_at=signing.seconds(dt.datetime.fromtimestamp(now, dt.UTC)))
    columns = {k: row[k] for k in (c._meta.name for c in Certificate.all_columns())}
    if insert:
        await Certificate.insert(Certificate(**columns)).run()
        return
    changed = (
        await Certificate.update({getattr(Certificate, k): v for k, v in columns.items() if k != "id"})
        .where((Certificate.id == row["id"]) & (Certificate.version == expected_version))
        .returning(Certificate.id)
        .run()
    )
    if not changed:
        raise db.Conflict


async def _retrying(attempt):
    """Run a read-decide-write attempt in a transaction; when a parallel writer won, start over."""
    return await db.retrying(attempt, attempts=ATTEMPTS, busy=_busy)


def _busy() -> ApiError:
    return ApiError(409, "certificate.busy", "The certificate is being changed by other requests; try again.", retry_after=1)


async def issue(principal: Principal, keyring: Keyring, spec: dict, now: int) -> dict:
    """Link a new certificate to the person with this identity document (never matched by name)."""
    ctype = await registry.get(spec["type"])
    if str(ctype["issuer_id"]) != principal.org_id:
        raise ApiError(403, "certificate.not_issuer", f"Only {ctype['issuer_name']} issues {ctype['code']}.")
    if not ctype["active"]:
        raise ApiError(409, "certificate_type.inactive", "This certificate type no longer takes new certificates.")
    values = attributes.check_values(ctype["attribute_schema"], spec["attributes"])
    person_id = await find_person_id(keyring, spec["doc_type"], spec["id_number"])
    if person_id is None:
        raise ApiError(404, "certificate.holder_unknown", "Nobody is registered with this identity document.")
    moment = signing.seconds(dt.datetime.fromtimestamp(now, dt.UTC))
    valid_from = signing.seconds(spec["valid_from"]) if spec.get("valid_from") else moment
    valid_until = signing.seconds(spec["valid_until"]) if spec.get("valid_until") else None
    if valid_until is not None and valid_until <= max(valid_from, moment):
        raise ApiError(422, "certificate.bad_validity", "valid_until must lie after valid_from and in the future.")
    row = {
        "id": uuid.uuid4(),
        "type": ctype["id"],
        "type_code": ctype["code"],
        "type_name": ctype["name"],
        "person": person_id,
        "issuer": ctype["issuer_id"],
        "issuer_name": ctype["issuer_name"],
        "attributes": values,
        "status": "active",
        "live_key": f"{ctype['id']}:{person_id}",
        "version": 1,
        "reason": "",
        "valid_from": valid_from,
        "valid_until": valid_until,
        "issued_at": moment,
        "updated_at": moment,
    }
    try:
        async with db.transaction():
            await _sign_and_store(row, keyring, now, insert=True)
            await _record_write(principal, row, "issue", list(values))
    except Exception as exc:
        if db.is_unique_violation(exc):
            raise ApiError(
                409, "certificate.exists", f"This person already holds a {ctype['code']} that is not revoked; update it instead."
            ) from None
        raise
    return row


async def _issued_by(principal: Principal, certificate_id: uuid.UUID) -> dict:
    """The certificate, if this agency issued it; others' certificates are simply not found."""
    row = await load(certificate_id)
    if row is None or str(row["issuer"]) != principal.org_id:
        raise ApiError(404, "certificate.not_found", "No certificate with this id was issued by your agency.")
    return row


async def update(principal: Principal, keyring: Keyring, certificate_id: uuid.UUID, changes: dict, now: int) -> dict:
    """Change attributes (e.g. points) or validity; re-signed as a new version."""

    async def attempt() -> dict:
        row = await _issued_by(principal, certificate_id)
        if changes.get("expected_version") is not None and changes["expected_version"] != row["version"]:
            raise ApiError(
                409, "certificate.version_mismatch", "The certificate changed since you read it.", version=row["version"]
            )
        if row["status"] == "revoked":
            raise ApiError(409, "certificate.revoked", "A revoked certificate cannot be changed; issue a new one.")
        ctype = await registry.by_id(row["type"])
        old = row["version"]
        touched = list(changes.get("attributes") or {})
        row["attributes"] = attributes.merge(ctype["attribute_schema"], row["attributes"], changes.get("attributes") or {})
        if changes.get("valid_until") is not None:
            until = signing.seconds(changes["valid_until"])
            if until <= row["valid_from"]:
                raise ApiError(422, "certificate.bad_validity", "valid_until must lie after valid_from.")
            row["valid_until"] = until
            touched.append("valid_until")
        row["version"] = old + 1
        row["updated_at"] = signing.seconds(dt.datetime.fromtimestamp(now, dt.UTC))
        await _sign_and_store(row, keyring, now, insert=False, expected_version=old)
        await _record_write(principal, row, "update", touched)
        return row

    return await _retrying(attempt)


async def act(principal: Principal, keyring: Keyring, certificate_id: uuid.UUID, action: str, reason: str, now: int) -> dict:
    """Suspend, reinstate or revoke. Revoking frees the slot for a new certificate of the type."""
    if action not in ACTIONS:
        raise ApiError(404, "certificate.unknown_action", "The action is suspend, reinstate or revoke.")
    sources, target = ACTIONS[action]

    async def attempt() -> dict:
        row = await _issued_by(principal, certificate_id)
        if row["status"] not in sources:
            raise ApiError(
                409,
                "certificate.illegal_transition",
                f"A {row['status']} certificate cannot be {action}d.",
                current_status=row["status"],
            )
        old = row["version"]
        row.update(
            status=target,
            reason=reason,
            version=old + 1,
            updated_at=signing.seconds(dt.datetime.fromtimestamp(now, dt.UTC)),
            live_key=None if target == "revoked" else row["live_key"],
        )
        await _sign_and_store(row, keyring, now, insert=False, expected_version=old)
        await _record_write(principal, row, action, [])
        return row

    return await _retrying(attempt)


async def for_holder(person_id: uuid.UUID | str) -> list[dict]:
    return (
        await Certificate.select(*COLUMNS)
        .where(Certificate.person == person_id)
        .order_by(Certificate.issued_at, ascending=False)
        .output(load_json=True)
        .run()
    )


async def holder_certificate(person_id: uuid.UUID | str, certificate_id: uuid.UUID) -> dict:
    row = await load(certificate_id)
    if row is None or str(row["person"]) != str(person_id):
        raise ApiError(404, "certificate.not_found", "You have no certificate with this id.")
    return row


async def integrity(principal: Principal, keyring: Keyring, certificate_id: uuid.UUID) -> tuple[dict, signing.Check]:
    """Check the stored signature: for the holder, the issuing agency and provincial operators."""
    row = await load(certificate_id)
    allowed = row is not None and (
        (principal.role == "citizen" and str(row["person"]) == str(principal.person_id))
        or (principal.role == "agency" and str(row["issuer"]) == principal.org_id)
        or principal.role == "provincial_operator"
    )
    if not allowed:
        raise ApiError(404, "certificate.not_found", "No certificate you may check has this id.")
    return row, signing.check(record_for_signing(row), row["key_id"], row["signature"], keyring)
