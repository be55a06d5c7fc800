"""The registry of certificate types: operators define issuer, schema, concessions and who sees what."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from typing import Any

import msgspec

from backend.catalog import scenarios
from backend.catalog import services as catalog
from backend.catalog.scenarios import Scenario
from backend.certificates import attributes
from backend.certificates.schemas import ConcessionSpec, FieldSpec, IssuerOut, TypeCreate, TypeOut, TypeUpdate
from backend.certificates.tables import CertificateType
from backend.lib import db
from backend.lib.errors import ApiError
from backend.org.tables import Agency

# The scenario in which a holder shows one certificate with the card (catalog/scenarios.py).
PRESENT_SCENARIO = "certificate_check"

_COLUMNS = (
    CertificateType.id,
    CertificateType.code,
    CertificateType.name,
    CertificateType.issuer.as_alias("issuer_id"),
    CertificateType.issuer.code.as_alias("issuer_code"),
    CertificateType.issuer.name.as_alias("issuer_name"),
    CertificateType.issuer.kind.as_alias("issuer_kind"),
    CertificateType.attribute_schema,
    CertificateType.concessions,
    CertificateType.disclosure,
    CertificateType.statutory_access,
    CertificateType.active,
    CertificateType.created_at,
    CertificateType.updated_at,
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _type_out(row: dict[str, Any]) -> TypeOut:
    """A row selected with `_COLUMNS` as the registry's record (the API's answer itself)."""
    return TypeOut(
        id=row["id"],
        code=row["code"],
        name=row["name"],
        issuer=IssuerOut(id=row["issuer_id"], code=row["issuer_code"], name=row["issuer_name"], kind=row["issuer_kind"]),
        attribute_schema=msgspec.convert(row["attribute_schema"], dict[str, FieldSpec]),
        concessions=msgspec.convert(row["concessions"] or [], list[ConcessionSpec]),
        disclosure=row["disclosure"] or {},
        statutory_access=row["statutory_access"] or {},
        active=row["active"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def _scenarios(names: set[str]) -> dict[str, Scenario]:
    """Scenario definitions by name: the application catalog's latest, else the built-in table."""
    found = await catalog.definitions(names)
    out: dict[str, Scenario] = {}
    for name in names:
        scenario = found.get(name) or scenarios.get(name)
        if scenario is not None:
            out[name] = scenario
    return out


async def check_concessions(concessions: list[ConcessionSpec]) -> list[ConcessionSpec]:
    """Each concession names scenarios that exist and show concessions, so a concession can
    never surface in a scenario (hotel check-in, say) that has no business seeing it."""
    known = await _scenarios({n for item in concessions for n in item.scenarios})
    out: dict[str, list[str]] = {}
    for item in concessions:
        for name in item.scenarios:
            scenario = known.get(name)
            if scenario is None:
                raise ApiError(422, "certificate_type.unknown_scenario", f"Unknown scenario {name!r}.", scenario=name)
            if not scenario.discloses_concessions:
                raise ApiError(
                    422,
                    "certificate_type.scenario_without_concessions",
                    f"Scenario {name!r} does not show concessions.",
                    scenario=name,
                )
        out[item.code] = sorted(set(out.get(item.code, [])) | set(item.scenarios))
    return [ConcessionSpec(code=code, scenarios=names) for code, names in sorted(out.items())]


async def check_disclosure(schema: Collection[str], disclosure: dict[str, list[str]]) -> dict[str, list[str]]:
    """Scenario -> fields of `schema` (field names): the scenario must be one where a certificate can be shown."""
    known = await _scenarios(set(disclosure))
    out: dict[str, list[str]] = {}
    for name, fields in disclosure.items():
        scenario = known.get(name)
        if scenario is None or "certificate" not in scenario.attributes:
            raise ApiError(
                422,
                "certificate_type.scenario_without_certificate",
                f"Scenario {name!r} cannot show certificates.",
                scenario=name,
            )
        out[name] = _known_fields(schema, fields)
    return out


def _known_fields(schema: Collection[str], fields: list[str]) -> list[str]:
    unknown = sorted(set(fields) - set(schema))
    if unknown:
        raise ApiError(422, "certificate_type.unknown_field", f"The schema has no field {unknown[0]!r}.", fields=unknown)
    return sorted(set(fields))


def check_statutory(schema: Collection[str], access: dict[str, list[str]]) -> dict[str, list[str]]:
    return {kind: _known_fields(schema, fields) for kind, fields in sorted(access.items())}


async def create(spec: TypeCreate, *, created_by: str) -> TypeOut:
    """Register a new type; 409 `certificate_type.exists`, 422 for an unknown issuer or bad spec."""
    schema = attributes.check_schema(spec.attribute_schema)
    row = {
        "code": spec.code,
        "name": " ".join(spec.name.split()),
        "attribute_schema": schema,
        "concessions": msgspec.to_builtins(await check_concessions(spec.concessions)),
        "disclosure": await check_disclosure(schema, spec.disclosure),
        "statutory_access": check_statutory(schema, spec.statutory_access),
    }
    taken = ApiError(409, "certificate_type.exists", f"A certificate type {spec.code!r} already exists.")
    try:
        async with db.transaction():
            if not await Agency.exists().where(Agency.id == spec.issuer_agency_id).run():
                raise ApiError(422, "certificate_type.unknown_issuer", "No agency has this id.")
            if await CertificateType.exists().where(CertificateType.code == spec.code).run():
                raise taken
            now = _now()
            await CertificateType.insert(
                CertificateType(issuer=spec.issuer_agency_id, created_by=created_by, created_at=now, updated_at=now, **row)
            ).run()
    except Exception as exc:
        # Parallel registrations all pass the check above; the unique index keeps one.
        if db.is_unique_violation(exc):
            raise taken from None
        raise
    return await get(spec.code)


async def update(code: str, changes: TypeUpdate) -> TypeOut:
    """Change name, concessions, disclosure, statutory access or active. The schema is fixed:
    signed certificates were checked against it (a new schema is a new type)."""
    async with db.transaction():
        current = await get(code)
        values: dict[Any, object] = {CertificateType.updated_at: _now()}  # piccolo column -> value
        schema = current.attribute_schema
        if changes.name is not None:
            values[CertificateType.name] = " ".join(changes.name.split())
        if changes.concessions is not None:
            values[CertificateType.concessions] = msgspec.to_builtins(await check_concessions(changes.concessions))
        if changes.disclosure is not None:
            values[CertificateType.disclosure] = await check_disclosure(schema, changes.disclosure)
        if changes.statutory_access is not None:
            values[CertificateType.statutory_access] = check_statutory(schema, changes.statutory_access)
        if changes.active is not None:
            values[CertificateType.active] = changes.active
        await CertificateType.update(values).where(CertificateType.id == current.id).run()
    return await get(code)


async def get(code: str) -> TypeOut:
    row = await CertificateType.select(*_COLUMNS).where(CertificateType.code == code).first().output(load_json=True).run()
    if row is None:
        raise ApiError(404, "certificate_type.not_found", f"No certificate type {code!r}.")
    return _type_out(row)


async def by_id(type_id: uuid.UUID) -> TypeOut:
    row = await CertificateType.select(*_COLUMNS).where(CertificateType.id == type_id).first().output(load_json=True).run()
    if row is None:
        raise ApiError(404, "certificate_type.not_found", "No such certificate type.")
    return _type_out(row)


async def list_types(*, include_inactive: bool) -> list[TypeOut]:
    query = CertificateType.select(*_COLUMNS).order_by(CertificateType.code)
    if not include_inactive:
        query = query.where(CertificateType.active == True)  # noqa: E712
    return [_type_out(row) for row in await query.output(load_json=True).run()]


async def known(codes: list[str]) -> dict[str, TypeOut]:
    """The types with these codes; 422 `certificate.unknown_type` naming the first unknown one."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    rows = await CertificateType.select(*_COLUMNS).where(CertificateType.code.is_in(wanted)).output(load_json=True).run()
    found = {row["code"]: _type_out(row) for row in rows}
    missing = [code for code in wanted if code not in found]
    if missing:
        raise ApiError(422, "certificate.unknown_type", f"No certificate type {missing[0]!r}.", types=missing)
    return found
