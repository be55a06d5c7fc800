"""What callers see of cards, events and applications: names resolved, numbers masked."""

from __future__ import annotations

import uuid
from typing import Any

from piccolo.querystring import Selectable

from backend.cards import accounts, numbers, states, transitions
from backend.cards import applications as apps
from backend.cards import schemas as s
from backend.cards.tables import Card, CardEvent
from backend.identity import services as identity
from backend.keys.keyring import Keyring
from backend.lib.errors import ApiError
from backend.org.tables import City, Office


def _columns() -> list[Selectable]:
    return [
        *Card.all_columns(),
        Card.bank.code.as_alias("bank_code"),
        Card.bank.name.as_alias("bank_name"),
        Card.person.name.as_alias("holder_name"),
    ]


async def _city_names(codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = await City.select(City.code, City.name).where(City.code.is_in(sorted(codes))).run()
    return {r["code"]: r["name"] for r in rows}


def _view(row: dict[str, Any], city_names: dict[str, str], actor_kind: str, changes: dict[uuid.UUID, s.BankChange]) -> s.CardOut:
    return s.CardOut(
        id=row["id"],
        number=numbers.mask_card_number(row["number"]),
        region=s.RegionOut(code=row["region"], name=city_names.get(row["region"], "")),
        holder_name=row["holder_name"],
        state=row["state"],
        allowed_actions=list(states.allowed_actions(row["state"], actor_kind)),
        lapse_at=row["lapse_at"],
        ecard=s.EcardOut(
            level=row["ecard_level"],
            issued_at=row["ecard_issued_at"],
            transport_enabled=row["transport_enabled"],
            usable=states.usable(row["state"], row["ecard_level"]),
            assurance=row["assurance"] or 0,
            proofing=row["proofing"] or "",
        ),
        bank=s.BankRef(code=row["bank_code"], name=row["bank_name"]),
        account=numbers.mask_account(row["account"]),
        issued_at=row["issued_at"],
        replaces=row["replaces"],
        replaced_by=row["replaced_by"],
        version=row["version"],
        account_status="open" if row["account"] else "pending",
        bank_change=changes.get(row["id"]),
    )


async def card(card_id: uuid.UUID, actor_kind: str = "citizen", *, settle: bool = True) -> s.CardOut:
    """The card as shown to callers; a due lapse is applied (and recorded) first."""
    if settle:
        await transitions.settle(card_id)
    row = await Card.select(*_columns()).where(Card.id == card_id).first().run()
    if row is None:
        raise ApiError(404, "card.not_found", "No such card.")
    changes = await accounts.pending_changes([row["id"]])
    return _view(row, await _city_names({row["region"]}), actor_kind, changes)


async def cards_of(person_id: uuid.UUID, actor_kind: str) -> list[s.CardOut]:
    """All of a person's cards, newest first (replaced and cancelled ones included)."""
    rows = await Card.select(*_columns()).where(Card.person == person_id).order_by(Card.issued_at, ascending=False).run()
    names = await _city_names({r["region"] for r in rows})
    changes = await accounts.pending_changes([r["id"] for r in rows])
    return [_view(r, names, actor_kind, changes) for r in rows]


async def events_of(person_id: uuid.UUID, *, limit: int = 100, offset: int = 0) -> list[s.EventOut]:
    """The holder's history across all their cards, newest first."""
    rows = (
        await CardEvent.select(
            *CardEvent.all_columns(),
            CardEvent.card.number.as_alias("card_number"),
            CardEvent.office.name.as_alias("office_name"),
        )
        .where(CardEvent.person == person_id)
        # A person's cards never live at the same time, so newest card first, then its versions
        # newest first, is the true order (clocks of racing requests need not be).
        .order_by(CardEvent.card.issued_at, ascending=False)
        .order_by(CardEvent.seq, ascending=False)
        .limit(limit)
        .offset(offset)
        .run()
    )
    return [
        s.EventOut(
            id=r["id"],
            card_id=r["card"],
            card_number=numbers.mask_card_number(r["card_number"]),
            seq=r["seq"],
            kind=r["kind"],
            action=r["action"],
            from_state=r["from_state"],
            to_state=r["to_state"],
            actor=s.ActorOut(kind=r["actor_kind"], id=r["actor_id"]),
            channel=r["channel"],
            office=s.OfficeOut(id=r["office"], name=r["office_name"]) if r["office"] else None,
            reason=r["reason"],
            note=r["note"],
            at=r["at"],
        )
        for r in rows
    ]


async def application(keyring: Keyring, row: apps.ApplicationRow) -> s.ApplicationOut:
    """An application with the applicant's name and masked document (never the full number)."""
    person = await identity.get_person(row.person)
    names = await _city_names({row.region})
    office = None
    if row.office:
        found = await Office.select(Office.id, Office.name).where(Office.id == row.office).first().run()
        office = s.OfficeOut(id=found["id"], name=found["name"]) if found else None
    return s.ApplicationOut(
        id=row.id,
        status=row.status,
        channel=row.channel,
        region=s.RegionOut(code=row.region, name=names.get(row.region, "")),
        office=office,
        bank_code=row.bank_code,
        applicant=s.Applicant(
            name=person["name"],
            doc_type=person["doc_type"],
            id_number=identity.masked_number(keyring, person),
        ),
        reason=row.reason,
        card_id=row.card_id,
        created_at=row.created_at,
        reviewed_at=row.reviewed_at,
    )


async def applications(keyring: Keyring, rows: list[apps.ApplicationRow]) -> list[s.ApplicationOut]:
    return [await application(keyring, r) for r in rows]
