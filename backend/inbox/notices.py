"""The holder's own inbox: a page of notices, the unread count, marking read."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec

from backend.inbox.schemas import InboxPage, NoticeOut, ReadAll, UnreadCount
from backend.inbox.tables import Notice
from backend.lib import db
from backend.lib.errors import ApiError


def notice_out(row: dict[str, Any]) -> NoticeOut:
    try:
        params = msgspec.json.decode(row["params"] or "{}")
    except msgspec.DecodeError:
        params = {}
    read_at = db.time_column(row["read_at"]) if row["read_at"] is not None else None
    return NoticeOut(
        id=row["id"],
        event=row["event"],
        params=params if isinstance(params, dict) else {},
        created_at=db.time_column(row["created_at"]),
        read_at=read_at,
        read=read_at is not None,
    )


_COLUMNS = (Notice.id, Notice.event, Notice.params, Notice.created_at, Notice.read_at)


async def unread(person_id: uuid.UUID) -> int:
    return int(await Notice.count().where((Notice.person == person_id) & Notice.read_at.is_null()).run())


async def page(person_id: uuid.UUID, *, limit: int, offset: int) -> InboxPage:
    """Newest first (ties by id, so pages never overlap)."""
    rows = await (
        Notice.select(*_COLUMNS)
        .where(Notice.person == person_id)
        .order_by(Notice.created_at, ascending=False)
        .order_by(Notice.id, ascending=False)
        .limit(limit)
        .offset(offset)
        .run()
    )
    total = await Notice.count().where(Notice.person == person_id).run()
    return InboxPage(
        items=[notice_out(r) for r in rows], total=int(total), unread=await unread(person_id), limit=limit, offset=offset
    )


async def unread_count(person_id: uuid.UUID) -> UnreadCount:
    return UnreadCount(unread=await unread(person_id))


async def mark_read(person_id: uuid.UUID, notice_id: uuid.UUID, now: int) -> NoticeOut:
    """Mark one of the holder's notices read (again: harmless, the first time stays)."""
    moment = dt.datetime.fromtimestamp(now, dt.UTC)
    mine = (Notice.id == notice_id) & (Notice.person == person_id)
    await Notice.update({Notice.read_at: moment}).where(mine & Notice.read_at.is_null()).run()
    row = await Notice.select(*_COLUMNS).where(mine).first().run()
    if row is None:
        raise ApiError(404, "notice.not_found", "You have no notice with this id.")
    return notice_out(row)


async def read_all(person_id: uuid.UUID, now: int) -> ReadAll:
    moment = dt.datetime.fromtimestamp(now, dt.UTC)
    marked = (
        await Notice.update({Notice.read_at: moment})
        .where((Notice.person == person_id) & Notice.read_at.is_null())
        .returning(Notice.id)
        .run()
    )
    return ReadAll(marked=len(marked), unread=await unread(person_id))
