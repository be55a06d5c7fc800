"""The service-point directory: add, change and search service points and self-service terminals."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec
from piccolo.columns import Column

from backend.lib import db
from backend.lib.auth import PROVINCIAL, SUPERVISOR, Principal
from backend.lib.errors import ApiError
from backend.org.tables import City
from backend.servicepoints.schemas import Hours, HoursOut, PointCreate, PointOut, PointUpdate, TextOut
from backend.servicepoints.tables import ServicePoint

_LANGS = ("zh-Hans", "zh-Hant", "en")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def ensure_city_staff(principal: Principal | None, city: str) -> None:
    """Provincial operators keep the whole directory; a city's supervisors keep their city's."""
    if principal is None:
        raise ApiError(401, "auth.required", "Sign in or present valid credentials.")
    allowed = principal.kind == "staff" and (
        principal.role == PROVINCIAL or (principal.role == SUPERVISOR and principal.city == city)
    )
    if not allowed:
        raise ApiError(403, "service_point.not_permitted", f"You may not change service points of {city}.", city=city)


def _hours(hours: list[Hours]) -> list[dict[str, Any]]:
    out = []
    for index, h in enumerate(hours):
        if h.opens >= h.closes:
            raise ApiError(422, "service_point.bad_hours", "Opening must come before closing.", index=index)
        out.append({"days": sorted(set(h.days)), "opens": h.opens, "closes": h.closes})
    return out


def _tags(values: list[str]) -> str:
    return "," + ",".join(dict.fromkeys(values)) + "," if values else ""


def _search_text(row: dict[str, Any]) -> str:
    parts = [row["district"], *(row["name"].get(k, "") for k in _LANGS), *(row["address"].get(k, "") for k in _LANGS)]
    return " ".join(p for p in parts if p).casefold()


def _derived(row: dict[str, Any]) -> dict[str, Any]:
    """Columns computed from the others, so search never depends on a writer remembering them."""
    if any(not row["name"][k].strip() for k in _LANGS) or any(not row["address"][k].strip() for k in _LANGS):
        raise ApiError(422, "service_point.text_required", "Name and address are needed in every language.")
    row["services"] = list(dict.fromkeys(row["services"]))
    row["facilities"] = list(dict.fromkeys(row["facilities"]))
    row["service_tags"] = _tags(row["services"])
    row["facility_tags"] = _tags(row["facilities"])
    row["search_text"] = _search_text(row)
    return row


async def _check_city(code: str) -> None:
    if not await City.exists().where(City.code == code).run():
        raise ApiError(422, "service_point.unknown_city", "No city has this region code.", city=code)


async def create_point(principal: Principal, data: PointCreate) -> PointOut:
    ensure_city_staff(principal, data.city_code)
    row = msgspec.to_builtins(data)
    row["city"] = row.pop("city_code")
    row["opening_hours"] = _hours(data.opening_hours)
    row = _derived(row)
    now = _now()
    async with db.transaction():
        await _check_city(data.city_code)
        point = ServicePoint(**row, created_by=principal.id, created_at=now, updated_at=now)
        await point.save().run()
    return await get_point(point.id, public=False)


async def update_point(principal: Principal, point_id: uuid.UUID, data: PointUpdate) -> PointOut:
    """Change the given fields if nobody changed the point since `version` was read (409 otherwise)."""
    current = await _row(point_id, public=False)
    ensure_city_staff(principal, current["city_code"])
    changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET and k != "version"}
    row = {**current, **msgspec.to_builtins(changes)}
    if not isinstance(data.opening_hours, msgspec.UnsetType):
        row["opening_hours"] = _hours(data.opening_hours)
    row = _derived(row)
    columns: dict[Column | str, Any] = {
        k: row[k] for k in (*changes, "services", "facilities", "service_tags", "facility_tags", "search_text")
    }
    columns["version"] = data.version + 1
    columns["updated_at"] = _now()
    async with db.transaction():
        done = (
            await ServicePoint.update(columns)
            .where((ServicePoint.id == point_id) & (ServicePoint.version == data.version))
            .returning(ServicePoint.id)
            .run()
        )
    if not done:
        raise ApiError(
            409,
            "service_point.conflict",
            "The service point changed since you read it; read it again.",
            version=current["version"],
        )
    return await get_point(point_id, public=False)


_COLUMNS = (
    ServicePoint.id,
    ServicePoint.kind,
    ServicePoint.city.as_alias("city_code"),
    ServicePoint.district,
    ServicePoint.name,
    ServicePoint.address,
    ServicePoint.phone,
    ServicePoint.opening_hours,
    ServicePoint.hours_note,
    ServicePoint.services,
    ServicePoint.facilities,
    ServicePoint.latitude,
    ServicePoint.longitude,
    ServicePoint.active,
    ServicePoint.version,
    ServicePoint.updated_at,
)


def _text(value: dict[str, str]) -> TextOut:
    return TextOut(zh_hans=value.get("zh-Hans", ""), zh_hant=value.get("zh-Hant", ""), en=value.get("en", ""))


def _out(row: dict[str, Any]) -> PointOut:
    return PointOut(
        id=row["id"],
        kind=row["kind"],
        city_code=row["city_code"],
        district=row["district"],
        name=_text(row["name"]),
        address=_text(row["address"]),
        phone=row["phone"],
        opening_hours=[HoursOut(days=h["days"], opens=h["opens"], closes=h["closes"]) for h in row["opening_hours"]],
        hours_note=_text(row["hours_note"] or {}),
        services=row["services"],
        facilities=row["facilities"],
        latitude=row["latitude"],
        longitude=row["longitude"],
        active=row["active"],
        version=row["version"],
        updated_at=row["updated_at"],
    )


async def _row(point_id: uuid.UUID, *, public: bool) -> dict[str, Any]:
    query = ServicePoint.select(*_COLUMNS).where(ServicePoint.id == point_id)
    if public:
        query = query.where(ServicePoint.active == True)  # noqa: E712
    row: dict[str, Any] | None = await query.first().output(load_json=True).run()
    if row is None:
        raise ApiError(404, "service_point.not_found", "No such service point.")
    return row


async def get_point(point_id: uuid.UUID, *, public: bool = True) -> PointOut:
    return _out(await _row(point_id, public=public))


def _words(q: str) -> list[str]:
    # LIKE wildcards in the search words would match anything; they are not part of any name.
    return [w for w in q.casefold().replace("%", " ").replace("_", " ").split() if w][:8]


async def search(
    *,
    city: str | None,
    service: str | None,
    facility: str | None,
    kind: str | None,
    q: str | None,
    include_inactive: bool,
    limit: int,
    offset: int,
) -> tuple[list[PointOut], int | None]:
    query = ServicePoint.select(*_COLUMNS)
    if not include_inactive:
        query = query.where(ServicePoint.active == True)  # noqa: E712
    if city:
        query = query.where(ServicePoint.city == city)
    if kind:
        query = query.where(ServicePoint.kind == kind)
    if service:
        query = query.where(ServicePoint.service_tags.like(f"%,{service},%"))
    if facility:
        query = query.where(ServicePoint.facility_tags.like(f"%,{facility},%"))
    for word in _words(q or ""):
        query = query.where(ServicePoint.search_text.like(f"%{word}%"))
    rows = (
        await query.order_by(ServicePoint.city)
        .order_by(ServicePoint.id)
        .limit(limit + 1)
        .offset(offset)
        .output(load_json=True)
        .run()
    )
    return [_out(r) for r in rows[:limit]], (offset + limit if len(rows) > limit else None)
