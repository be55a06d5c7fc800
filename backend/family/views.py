"""The read side: relations as the holder, the relative and the counter clerk see them (names and
document numbers masked)."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any, Literal, cast

from backend.family import records, vocab
from backend.family.records import RelationRow
from backend.family.schemas import (
    CounterRequest,
    CounterRequests,
    FamilyPage,
    Limit,
    ProxyOut,
    ProxyPage,
    RelativeOut,
)
from backend.family.tables import Relation
from backend.identity import services as identity
from backend.identity.tables import Person
from backend.keys.keyring import Keyring
from backend.lib import assurance

LIST_MAX = 100  # relations of one person, ended ones included


async def _people(ids: set[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    if not ids:
        return {}
    rows = await Person.select(Person.id, Person.name, Person.doc_type, Person.id_cipher).where(Person.id.is_in(list(ids))).run()
    return {uuid.UUID(str(row["id"])): row for row in rows}


def _consent(value: str) -> Any:
    return value or None


def _ended_by(value: str) -> Literal["holder", "relative"] | None:
    return cast(Literal["holder", "relative"], value) if value in ("holder", "relative") else None


async def _rows(where: Any) -> list[RelationRow]:
    rows = (
        await Relation.select(*records.COLUMNS).where(where).order_by(Relation.created_at, ascending=False).limit(LIST_MAX).run()
    )
    return [records.row_of(row) for row in rows]


def _relative_out(r: RelationRow, person: dict[str, Any], keyring: Keyring) -> RelativeOut:
    return RelativeOut(
        id=r.id,
        name=identity.masked_name(person["name"]),
        document=identity.masked_number(keyring, person),
        relationship=cast(Any, r.relationship),
        status=cast(Any, r.status),
        minor=r.minor,
        consent=_consent(r.consent),
        created_at=r.created_at,
        agreed_at=r.agreed_at,
        ended_at=r.ended_at,
        ended_by=_ended_by(r.ended_by),
    )


def _proxy_out(r: RelationRow, person: dict[str, Any], account_assurance: int) -> ProxyOut:
    return ProxyOut(
        id=r.id,
        name=identity.masked_name(person["name"]),
        relationship=cast(Any, r.relationship),
        status=cast(Any, r.status),
        consent=_consent(r.consent),
        since=r.agreed_at,
        created_at=r.created_at,
        ended_at=r.ended_at,
        can_accept=r.status == vocab.PENDING and not r.minor and account_assurance >= assurance.REMOTE,
    )


async def family_of(holder: uuid.UUID, keyring: Keyring) -> FamilyPage:
    """The holder's relatives, newest first, and what each limit leaves."""
    relations = await _rows(Relation.holder == holder)
    people = await _people({r.relative for r in relations})
    used = Counter(r.relationship for r in relations if r.status in vocab.LIVE)
    limits = [Limit(relationship=cast(Any, kind), max=top, used=used[kind]) for kind, top in vocab.LIMITS.items()]
    limits.append(Limit(relationship="total", max=vocab.TOTAL, used=sum(used.values())))
    return FamilyPage(items=[_relative_out(r, people[r.relative], keyring) for r in relations], limits=limits)


async def proxies_of(relative: uuid.UUID, account_assurance: int) -> ProxyPage:
    """Everyone who acts (or asks to act) for this person, newest first."""
    relations = await _rows(Relation.relative == relative)
    people = await _people({r.holder for r in relations})
    return ProxyPage(
        items=[_proxy_out(r, people[r.holder], account_assurance) for r in relations],
        active=sum(r.status == vocab.ACTIVE for r in relations),
        pending=sum(r.status == vocab.PENDING for r in relations),
    )


async def counter_requests(keyring: Keyring, relations: list[RelationRow]) -> CounterRequests:
    people = await _people({r.holder for r in relations} | {r.relative for r in relations})
    return CounterRequests(
        items=[
            CounterRequest(
                id=r.id,
                holder_name=identity.masked_name(people[r.holder]["name"]),
                holder_document=identity.masked_number(keyring, people[r.holder]),
                relative_name=identity.masked_name(people[r.relative]["name"]),
                relationship=cast(Any, r.relationship),
                minor=r.minor,
                created_at=r.created_at,
            )
            for r in relations
        ]
    )


async def one_relative(relation: RelationRow, keyring: Keyring) -> RelativeOut:
    people = await _people({relation.relative})
    return _relative_out(relation, people[relation.relative], keyring)


async def one_proxy(relation: RelationRow, account_assurance: int) -> ProxyOut:
    people = await _people({relation.holder})
    return _proxy_out(relation, people[relation.holder], account_assurance)
