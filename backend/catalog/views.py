"""Read views of the catalog: the public catalog and its history, an item's versions, the review queue."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from backend.catalog import compiled
from backend.catalog.access import may_manage
from backend.catalog.compiled import Entry
from backend.catalog.publishing import get_item
from backend.catalog.scenarios import OFFLINE_ATTRIBUTES, stored_assurance
from backend.catalog.schemas import (
    CatalogOut,
    HistoryEvent,
    ItemOut,
    ManagedItem,
    PublicItem,
    PublicVersion,
    QueueEntry,
    ScenarioOut,
    TextOut,
    VersionOut,
)
from backend.catalog.tables import ItemVersion
from backend.catalog.vocab import OPEN_STATES, PROVINCE
from backend.lib.auth import PROVINCIAL, Principal
from backend.lib.errors import ApiError


def text(value: dict[str, str] | None) -> TextOut:
    value = value or {}
    base = value.get("zh-Hans", "")
    return TextOut(zh_hans=base, zh_hant=value.get("zh-Hant") or base, en=value.get("en") or base)


def scenario_out(d: dict[str, Any]) -> ScenarioOut:
    min_assurance, offline = stored_assurance(d)
    return ScenarioOut(
        name=d["name"],
        title=text(d.get("title")),
        venue_types=list(d["venue_types"]),
        attributes=list(d["attributes"]),
        offline_attributes=[a for a in d["attributes"] if a in OFFLINE_ATTRIBUTES],
        needs_transport=bool(d.get("needs_transport")),
        legal_basis=d.get("legal_basis", ""),
        min_assurance=min_assurance,
        offline=offline,
    )


def item_out(e: Entry) -> ItemOut:
    return ItemOut(
        code=e.code,
        scope=e.scope,
        extends=e.extends,
        version=e.number,
        domain=e.domain,
        name=text(e.name),
        description=text(e.description),
        venue_types=list(e.venue_types),
        scenarios=[scenario_out(d) for d in e.scenario_defs],
        effective_from=e.effective_from,
        effective_to=e.effective_to,
        note=e.note,
    )


def _haystack(e: Entry) -> str:
    parts = [e.code, e.domain, *e.venue_types, *e.name.values(), *e.description.values()]
    for d in e.scenario_defs:
        parts += [d["name"], *(d.get("title") or {}).values()]
    return " ".join(parts).casefold()


def _order(e: Entry) -> tuple[bool, str, bool, str]:
    """Provincial items first, each followed by its city extensions, then the city's own items."""
    return (e.scope != PROVINCE and e.extends is None, e.extends or e.code, e.extends is not None, e.code)


async def catalog_view(
    region: str, at: dt.datetime | None, *, q: str | None, domain: str | None, venue_type: str | None
) -> CatalogOut:
    moment = at or dt.datetime.now(dt.UTC)
    catalog = await compiled.current()
    entries = catalog.items_at(region, moment.timestamp())
    venue_types = sorted({vt for e in entries for vt in e.venue_types})
    if domain:
        entries = [e for e in entries if e.domain == domain]
    if venue_type:
        entries = [e for e in entries if venue_type in e.venue_types]
    if q:
        words = q.casefold().split()
        entries = [e for e in entries if all(w in _haystack(e) for w in words)]
    entries.sort(key=_order)
    return CatalogOut(
        scope=region, at=moment, catalog_version=catalog.version, items=[item_out(e) for e in entries], venue_types=venue_types
    )


async def history(region: str, *, limit: int, offset: int) -> tuple[list[HistoryEvent], int | None]:
    """Publications and withdrawals of the province's items (and the city's, for a city), newest first."""
    catalog = await compiled.current()
    scopes = {PROVINCE, region}
    events: list[HistoryEvent] = []
    for e in catalog.entries:
        if e.scope not in scopes:
            continue
        name = text(e.name)
        events.append(
            HistoryEvent(
                event="published",
                at=e.published_at,
                effective=e.effective_from,
                note=e.note,
                item_code=e.code,
                scope=e.scope,
                version=e.number,
                name=name,
            )
        )
        if e.withdrawn_at is not None:
            events.append(
                HistoryEvent(
                    event="withdrawn",
                    at=e.withdrawn_at,
                    # cast: a withdrawal always sets effective_to (publishing.withdraw).
                    effective=cast(dt.datetime, e.effective_to),
                    note=e.withdraw_reason,
                    item_code=e.code,
                    scope=e.scope,
                    version=e.number,
                    name=name,
                )
            )
    events.sort(key=lambda ev: (ev.at, ev.event == "withdrawn", ev.item_code, ev.version), reverse=True)
    page = events[offset : offset + limit]
    return page, (offset + limit if len(events) > offset + limit else None)


async def public_item(code: str) -> PublicItem:
    catalog = await compiled.current()
    entries = catalog.by_item.get(code)
    if not entries:
        # Unpublished items do not exist for the public: same answer as a wrong code.
        raise ApiError(404, "catalog.item_not_found", f"No published catalog item {code!r}.")
    now = dt.datetime.now(dt.UTC).timestamp()
    current = catalog.item_at(code, now)
    versions = [
        PublicVersion(
            number=e.number,
            status=e.status,
            domain=e.domain,
            name=text(e.name),
            description=text(e.description),
            venue_types=list(e.venue_types),
            scenarios=[scenario_out(d) for d in e.scenario_defs],
            note=e.note,
            effective_from=e.effective_from,
            effective_to=e.effective_to,
            published_at=e.published_at,
            withdrawn_at=e.withdrawn_at,
            withdraw_reason=e.withdraw_reason,
        )
        for e in reversed(entries)
    ]
    first = entries[0]
    return PublicItem(
        code=code, scope=first.scope, extends=first.extends, in_effect=current.number if current else None, versions=versions
    )


def version_out(r: dict[str, Any]) -> VersionOut:
    return VersionOut(
        number=r["number"],
        status=r["status"],
        domain=r["domain"],
        name=text(r["name"]),
        description=text(r["description"]),
        venue_types=list(r["venue_types"]),
        scenarios=[scenario_out(d) for d in r["scenarios"]],
        note=r["note"],
        effective_from=r["effective_from"],
        effective_to=r["effective_to"],
        created_by=r["created_by"],
        created_at=r["created_at"],
        submitted_by=r["submitted_by"],
        submitted_at=r["submitted_at"],
        returned_note=r["returned_note"],
        published_by=r["published_by"],
        published_at=r["published_at"],
        withdrawn_by=r["withdrawn_by"],
        withdrawn_at=r["withdrawn_at"],
        withdraw_reason=r["withdraw_reason"],
    )


async def managed_item(principal: Principal, code: str) -> ManagedItem:
    item = await get_item(code)
    if not may_manage(principal, item["scope"]):
        raise ApiError(403, "catalog.not_permitted", f"You may not manage the catalog of {item['scope']}.", scope=item["scope"])
    rows = (
        await ItemVersion.select()
        .where(ItemVersion.item == item["id"])
        .order_by(ItemVersion.number, ascending=False)
        .output(load_json=True)
        .run()
    )
    return ManagedItem(
        code=item["code"],
        scope=item["scope"],
        extends=item["extends"],
        created_by=item["created_by"],
        created_at=item["created_at"],
        versions=[version_out(r) for r in rows],
    )


async def queue(principal: Principal, *, scope: str | None, status: str | None, limit: int) -> list[QueueEntry]:
    """Open versions (drafts and reviews) of the catalogs this operator may manage, oldest first."""
    query = ItemVersion.select(
        ItemVersion.item.code.as_alias("code"),
        ItemVersion.item.scope.as_alias("scope"),
        ItemVersion.number,
        ItemVersion.status,
        ItemVersion.name,
        ItemVersion.created_by,
        ItemVersion.submitted_by,
        ItemVersion.created_at,
        ItemVersion.submitted_at,
    ).where(ItemVersion.status.is_in([status] if status else list(OPEN_STATES)))
    if scope:
        query = query.where(ItemVersion.item.scope == scope)
    elif principal.role != PROVINCIAL:
        query = query.where(ItemVersion.item.scope == (principal.city or "-"))
    rows = await query.order_by(ItemVersion.created_at).limit(limit).output(load_json=True).run()
    return [
        QueueEntry(
            code=r["code"],
            scope=r["scope"],
            number=r["number"],
            status=r["status"],
            name=text(r["name"]),
            created_by=r["created_by"],
            submitted_by=r["submitted_by"],
            updated_at=r["submitted_at"] or r["created_at"],
        )
        for r in rows
        if may_manage(principal, r["scope"])
    ]
