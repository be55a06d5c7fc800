"""Merge two person records found to be one person, keeping the history of both.

What moves: the absorbed record's documents (identity), and the rows of the features this one
builds on that have no signature or hash over the person (cards: applications, cards, their
events and devices; accounts: the account). What stays, under the absorbed id: the access
record (hash-chained), certificates (signed), consents (receipts), verification records and the
rows of features above this one; they are read for the holder through
`identity.services.person_ids`, which lists the survivor and every record merged into it. The
absorbed person row itself is kept, with `merged_into` pointing at the survivor."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from backend.accounts.tables import Account
from backend.audit import services as audit
from backend.cards.tables import Application, Card, CardEvent, Device
from backend.identity import services as identity
from backend.keys.keyring import Keyring
from backend.lib.auth import Principal
from backend.lib.db import advisory_lock, transaction, unique_clash
from backend.lib.errors import ApiError
from backend.persons.schemas import MergeOut, MergeRequest, Moved
from backend.persons.tables import Merge
from backend.persons.views import person_out

BOTH = {
    "cards_card.active_person": (
        "persons.both_have_cards",
        "Both records have a live card: cancel the duplicate card first, then merge.",
    ),
    "accounts_account.person": (
        "persons.both_have_accounts",
        "Both records have an account: the holder closes the duplicate account first, then merge.",
    ),
    "cards_application.open_person": (
        "persons.both_have_applications",
        "Both records have an application waiting for review: decide the duplicate first, then merge.",
    ),
}


def _both(column: str) -> ApiError:
    code, message = BOTH[column]
    return ApiError(409, code, message)


async def _count(table: Any, column: Any, ids: tuple[uuid.UUID, uuid.UUID]) -> int:
    """How many of the two records have a row here (0, 1 or 2)."""
    rows = await table.select(column).where(column.is_in(list(ids))).run()
    return len({row[column._meta.name] for row in rows})


async def _repoint(table: Any, column: Any, survivor: uuid.UUID, absorbed: uuid.UUID) -> int:
    moved = await table.update({column: survivor}).where(column == absorbed).returning(table._meta.primary_key).run()
    return len(moved)


async def merge(keyring: Keyring, principal: Principal, data: MergeRequest, *, now: dt.datetime) -> MergeOut:
    survivor, absorbed = data.survivor, data.absorbed
    if survivor == absorbed:
        raise ApiError(422, "persons.same_person", "Choose two different person records.")
    merge_id = uuid.uuid4()
    office = uuid.UUID(principal.office_id) if principal.office_id else None
    try:
        async with transaction():
            for pid in sorted((survivor, absorbed), key=str):  # one order, so two merges never deadlock
                await advisory_lock(f"person:{pid}")
            for pid in (survivor, absorbed):
                person = await identity.get_person(pid)  # 404 person.not_found
                if person["merged_into"] is not None:
                    raise identity.merged_error(person)
            pair = (survivor, absorbed)
            for column in (Card.active_person, Account.person, Application.open_person):
                if await _count(column._meta.table, column, pair) == 2:
                    raise _both(f"{column._meta.table._meta.tablename}.{column._meta.name}")
            moved = Moved(
                documents=await identity.mark_merged(survivor, absorbed, now),
                cards=await _repoint(Card, Card.person, survivor, absorbed),
                applications=await _repoint(Application, Application.person, survivor, absorbed),
                card_events=await _repoint(CardEvent, CardEvent.person, survivor, absorbed),
                devices=await _repoint(Device, Device.person, survivor, absorbed),
                accounts=await _repoint(Account, Account.person, survivor, absorbed),
            )
            await _repoint(Card, Card.active_person, survivor, absorbed)
            await _repoint(Application, Application.open_person, survivor, absorbed)
            await Merge.insert(
                Merge(
                    id=merge_id,
                    survivor=survivor,
                    absorbed=absorbed,
                    reason=data.reason.strip(),
                    staff_id=principal.id,
                    office=office,
                    moved={k: getattr(moved, k) for k in moved.__struct_fields__},
                    at=now,
                )
            ).run()
            actor = await audit.actor_of(principal)
            for pid, role in ((survivor, "kept"), (absorbed, "merged into another record")):
                await audit.record(
                    actor,
                    person_id=pid,
                    action="person.merge",
                    fields=["name", "documents", "cards", "account"],
                    purpose=f"Two records of one person merged ({role})",
                    basis_kind="official_duty",
                    basis_ref=f"merge {merge_id}",
                )
    except ApiError:
        raise
    except Exception as exc:
        clash = unique_clash(exc, BOTH)
        if clash is not None:  # a card, account or application appeared for the other record meanwhile
            raise _both(clash) from None
        raise
    return MergeOut(
        id=merge_id,
        survivor=await person_out(keyring, survivor),
        absorbed=absorbed,
        reason=data.reason.strip(),
        staff_id=principal.id,
        office=office,
        moved=moved,
        at=now,
    )
