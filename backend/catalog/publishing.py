"""Changing the catalog: items, drafts, review, publication with an effective date, withdrawal."""

# Every write takes the catalog lock (an advisory lock on PostgreSQL; SQLite's IMMEDIATE
# transaction already admits one writer), so checks and writes of concurrent operators never
# interleave: at most one open version per item, and an item's public versions never overlap.

from __future__ import annotations

import datetime as dt
from typing import Any

from piccolo.columns import Column

from backend.catalog import compiled
from backend.catalog.access import ensure_manage
from backend.catalog.schemas import ContentIn, ItemCreate
from backend.catalog.tables import CatalogItem, CatalogState, ItemVersion, ScenarioOwner
from backend.catalog.validate import content_row
from backend.catalog.vocab import DRAFT, OPEN_STATES, PROVINCE, PUBLIC_STATES, PUBLISHED, REVIEW, WITHDRAWN, utcnow
from backend.lib import db
from backend.lib.auth import Principal
from backend.lib.errors import ApiError
from backend.org.tables import City

PAST_TOLERANCE = dt.timedelta(seconds=60)  # an operator's "now" may lag the server a little
MAX_AHEAD = dt.timedelta(days=5 * 366)


async def lock() -> None:
    await db.advisory_lock("yk-catalog")  # hashtext('yk-catalog'), the key every worker takes


async def bump() -> None:
    """Raise the catalog version (inside the writer's transaction): caches everywhere reload."""
    await (
        CatalogState.insert(CatalogState(name=compiled.STATE, version=0))
        .on_conflict(target=CatalogState.name, action="DO NOTHING")
        .run()
    )
    await CatalogState.update({CatalogState.version: CatalogState.version + 1}).where(CatalogState.name == compiled.STATE).run()


async def get_item(code: str) -> dict:
    row = await CatalogItem.select().where(CatalogItem.code == code).first().run()
    if row is None:
        raise ApiError(404, "catalog.item_not_found", f"No catalog item {code!r}.")
    return row


async def _version(item: dict, number: int) -> dict:
    row = (
        await ItemVersion.select()
        .where((ItemVersion.item == item["id"]) & (ItemVersion.number == number))
        .first()
        .output(load_json=True)
        .run()
    )
    if row is None:
        raise ApiError(404, "catalog.version_not_found", f"Item {item['code']!r} has no version {number}.")
    return row


async def _check_names(item_id, scenarios: list[dict]) -> None:
    """409 when another item owns one of these scenario names."""
    names = [s["name"] for s in scenarios]
    if not names:
        return
    taken = (
        await ScenarioOwner.select(ScenarioOwner.name, ScenarioOwner.item.code.as_alias("code"))
        .where(ScenarioOwner.name.is_in(names) & (ScenarioOwner.item != item_id))
        .run()
    )
    if taken:
        name, owner = taken[0]["name"], taken[0]["code"]
        raise ApiError(409, "catalog.scenario_taken", f"Scenario {name!r} belongs to item {owner!r}.", scenario=name, item=owner)


async def _check_scope(data: ItemCreate) -> None:
    if data.scope != PROVINCE and not await City.exists().where(City.code == data.scope).run():
        raise ApiError(422, "catalog.unknown_city", "No city has this region code.", scope=data.scope)
    if data.extends is None:
        return
    if data.scope == PROVINCE:
        raise ApiError(422, "catalog.extension_needs_city", "Only a city catalog extends a provincial item.")
    base = await CatalogItem.select(CatalogItem.scope).where(CatalogItem.code == data.extends).first().run()
    if base is None:
        raise ApiError(422, "catalog.unknown_base", f"No catalog item {data.extends!r} to extend.")
    if base["scope"] != PROVINCE:
        raise ApiError(422, "catalog.base_not_provincial", "A city extends provincial items only.")


async def create_item(principal: Principal, data: ItemCreate) -> str:
    """A new item with version 1 as a draft; returns its code."""
    ensure_manage(principal, data.scope)
    row = content_row(data, extension=data.extends is not None)
    now = utcnow()
    async with db.transaction():
        await lock()
        await _check_scope(data)
        if await CatalogItem.exists().where(CatalogItem.code == data.code).run():
            raise ApiError(409, "catalog.item_exists", f"Item {data.code!r} exists already.")
        item = CatalogItem(
            code=data.code, scope=data.scope, extends=data.extends, versions=1, created_by=principal.id, created_at=now
        )
        await item.save().run()
        await _check_names(item.id, row["scenarios"])
        await ItemVersion(item=item.id, number=1, status=DRAFT, created_by=principal.id, created_at=now, **row).save().run()
    return data.code


async def new_version(principal: Principal, code: str, content: ContentIn) -> int:
    """The next version as a draft (one open version per item); returns its number."""
    item = await get_item(code)
    ensure_manage(principal, item["scope"])
    row = content_row(content, extension=item["extends"] is not None)
    async with db.transaction():
        await lock()
        item = await get_item(code)
        if await ItemVersion.exists().where((ItemVersion.item == item["id"]) & ItemVersion.status.is_in(list(OPEN_STATES))).run():
            raise ApiError(409, "catalog.version_open", "This item already has a draft or a version in review.")
        await _check_names(item["id"], row["scenarios"])
        number = item["versions"] + 1
        await CatalogItem.update({CatalogItem.versions: number}).where(CatalogItem.id == item["id"]).run()
        await (
            ItemVersion(item=item["id"], number=number, status=DRAFT, created_by=principal.id, created_at=utcnow(), **row)
            .save()
            .run()
        )
    return number


async def edit_draft(principal: Principal, code: str, number: int, content: ContentIn) -> None:
    item = await get_item(code)
    ensure_manage(principal, item["scope"])
    row = content_row(content, extension=item["extends"] is not None)
    async with db.transaction():
        await lock()
        version = await _version(item, number)
        _expect(version, DRAFT, "edit")
        await _check_names(item["id"], row["scenarios"])
        await ItemVersion.update(row).where(ItemVersion.id == version["id"]).run()


def _expect(version: dict, status: str, action: str) -> None:
    if version["status"] != status:
        raise ApiError(
            409,
            "catalog.illegal_transition",
            f"A {version['status']} version cannot {action}.",
            state=version["status"],
            action=action,
        )


async def submit(principal: Principal, code: str, number: int) -> None:
    """draft -> review."""
    item = await get_item(code)
    ensure_manage(principal, item["scope"])
    async with db.transaction():
        await lock()
        version = await _version(item, number)
        _expect(version, DRAFT, "submit")
        await (
            ItemVersion.update(
                {
                    ItemVersion.status: REVIEW,
                    ItemVersion.submitted_by: principal.id,
                    ItemVersion.submitted_at: utcnow(),
                    ItemVersion.returned_note: "",
                }
            )
            .where(ItemVersion.id == version["id"])
            .run()
        )


async def send_back(principal: Principal, code: str, number: int, note: str) -> None:
    """review -> draft, with the reviewer's reason."""
    item = await get_item(code)
    ensure_manage(principal, item["scope"])
    async with db.transaction():
        await lock()
        version = await _version(item, number)
        _expect(version, REVIEW, "return")
        await (
            ItemVersion.update({ItemVersion.status: DRAFT, ItemVersion.returned_note: note.strip()})
            .where(ItemVersion.id == version["id"])
            .run()
        )


async def _public_versions(item_id) -> list[dict]:
    return (
        await ItemVersion.select(
            ItemVersion.id, ItemVersion.number, ItemVersion.status, ItemVersion.effective_from, ItemVersion.effective_to
        )
        .where((ItemVersion.item == item_id) & ItemVersion.status.is_in(list(PUBLIC_STATES)))
        .order_by(ItemVersion.effective_from)
        .run()
    )


async def publish(principal: Principal, code: str, number: int, effective_from: dt.datetime | None) -> None:
    """review -> published from `effective_from`; the version before it ends then. Someone other
    than who submitted it must publish (four eyes)."""
    item = await get_item(code)
    ensure_manage(principal, item["scope"])
    now = utcnow()
    start = (effective_from or now).astimezone(dt.UTC)
    if start < now - PAST_TOLERANCE:
        raise ApiError(422, "catalog.effective_in_past", "A version cannot take effect in the past: history is not rewritten.")
    # Within the tolerance: from now, so no past moment changes meaning. Whole seconds, because
    # verification clocks are whole seconds (a scan in this very second must see it).
    start = max(start, now).replace(microsecond=0)
    if start > now + MAX_AHEAD:
        raise ApiError(422, "catalog.effective_too_far", "A version can be scheduled at most five years ahead.")
    async with db.transaction():
        await lock()
        version = await _version(item, number)
        _expect(version, REVIEW, "publish")
        if version["submitted_by"] == principal.id:
            raise ApiError(403, "catalog.same_reviewer", "Another operator must review and publish what you submitted.")
        await _claim_names(item["id"], version["scenarios"])
        await _supersede(item["id"], start)
        published: dict[Column | str, Any] = {
            ItemVersion.status: PUBLISHED,
            ItemVersion.effective_from: start,
            ItemVersion.effective_to: None,
            ItemVersion.published_by: principal.id,
            ItemVersion.published_at: now,
        }
        await ItemVersion.update(published).where(ItemVersion.id == version["id"]).run()
        await bump()
    compiled.invalidate()


async def _claim_names(item_id, scenarios: list[dict]) -> None:
    await _check_names(item_id, scenarios)
    for s in scenarios:
        await (
            ScenarioOwner.insert(ScenarioOwner(name=s["name"], item=item_id))
            .on_conflict(target=ScenarioOwner.name, action="DO NOTHING")
            .run()
        )


async def _supersede(item_id, start: dt.datetime) -> None:
    """End the item's last public version where the new one starts."""
    versions = await _public_versions(item_id)
    if not versions:
        return
    last = versions[-1]
    if start <= last["effective_from"]:
        raise ApiError(
            422,
            "catalog.effective_before_previous",
            "A version must take effect after the one before it.",
            previous=last["number"],
        )
    if last["status"] == WITHDRAWN:
        if start < last["effective_to"]:
            raise ApiError(422, "catalog.effective_before_end", "The item is withdrawn from a later date; publish from then on.")
        return
    await ItemVersion.update({ItemVersion.effective_to: start}).where(ItemVersion.id == last["id"]).run()


async def withdraw(principal: Principal, code: str, end: dt.datetime | None, reason: str) -> None:
    """The item stops at `end`: the version in effect ends then, a version scheduled for later never starts."""
    item = await get_item(code)
    ensure_manage(principal, item["scope"])
    now = utcnow()
    end = (end or now).astimezone(dt.UTC)
    if end < now - PAST_TOLERANCE:
        raise ApiError(422, "catalog.end_in_past", "A withdrawal cannot end in the past: history is not rewritten.")
    end = max(end, now).replace(microsecond=0)
    async with db.transaction():
        await lock()
        versions = await _public_versions(item["id"])
        if not versions or versions[-1]["status"] != PUBLISHED:
            raise ApiError(409, "catalog.not_published", "Only a published item can be withdrawn.")
        for v in versions:
            if v["effective_to"] is not None and v["effective_to"] <= end:
                continue  # over before the end date: it stays as it was
            stop = max(end, v["effective_from"])  # a version not yet started never starts
            withdrawn: dict[Column | str, Any] = {
                ItemVersion.status: WITHDRAWN,
                ItemVersion.effective_to: stop,
                ItemVersion.withdrawn_by: principal.id,
                ItemVersion.withdrawn_at: now,
                ItemVersion.withdraw_reason: reason.strip(),
            }
            await ItemVersion.update(withdrawn).where(ItemVersion.id == v["id"]).run()
        await bump()
    compiled.invalidate()
