"""Card applications (申领): made online or at any office of the province, reviewed by a supervisor."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec
from piccolo.columns import Column
from piccolo.query import Select

from backend.audit import services as audit
from backend.cards import accounts, atomic, banks, numbers, records, states
from backend.cards import schemas as s
from backend.cards.access import Actor, ensure
from backend.cards.records import CardRow
from backend.cards.tables import Application, Card
from backend.identity import services as identity
from backend.keys.keyring import Keyring
from backend.lib.auth import PROVINCIAL
from backend.lib.errors import ApiError
from backend.org.tables import City, Office

STATUSES = ("pending", "approved", "rejected")
PROVINCE = "440000"


class ApplicationRow(msgspec.Struct, frozen=True, kw_only=True):
    """One cards_application row as read, with its preferred bank's code."""

    id: uuid.UUID
    person: uuid.UUID
    status: s.ApplicationStatus
    open_person: uuid.UUID | None
    channel: str
    office: uuid.UUID | None
    region: str
    bank: uuid.UUID | None
    applied_by_kind: str
    applied_by: str
    reviewed_by: str | None
    reviewed_at: dt.datetime | None
    reason: str
    card_id: uuid.UUID | None
    created_at: dt.datetime
    bank_code: str | None


def _select() -> Select[Any]:
    return Application.select(*Application.all_columns(), Application.bank.code.as_alias("bank_code"))


async def city(code: str) -> dict[str, Any]:
    row = await City.select().where(City.code == code).first().run()
    if row is None:
        raise ApiError(422, "region.unknown", "No issuing city of the province has this region code.", region=code)
    return row


async def office_city(office_id: uuid.UUID) -> str:
    row = await Office.select(Office.city.code.as_alias("code")).where(Office.id == office_id).first().run()
    if row is None:
        raise ApiError(403, "auth.unknown_office", "Your staff account is not attached to a known office.")
    code: str = row["code"]
    return code


async def _default_region(actor: Actor, person_id: uuid.UUID | None) -> str:
    """The office's city at a counter; online, the city of the person's registered region,
    else the province itself."""
    if actor.office_id:
        return await office_city(actor.office_id)
    candidates = [PROVINCE]
    if person_id is not None:
        registered = (await identity.get_person(person_id)).get("region") or ""
        if registered.isdigit():  # HK/MO/TW and foreign documents carry no mainland region
            candidates.insert(0, registered[:4] + "00")
    for code in candidates:
        if await City.exists().where(City.code == code).run():
            return code
    raise ApiError(422, "application.region_required", "Choose the issuing city (region) for your card.")


async def apply(
    actor: Actor,
    *,
    person_id: uuid.UUID | None = None,
    document: tuple[Keyring, str, str, str] | None = None,
    region: str | None = None,
    bank_code: str | None = None,
    now: dt.datetime | int | None = None,
    linked: tuple[str, str] | None = None,
    work_permit: str | None = None,
) -> ApplicationRow:
    """Open an application for `person_id`, or for the holder of `document` (keyring, doc_type,
    number, name) who is registered if new, in the same transaction: a residence permit with the
    travel permit it prints (`linked`), a foreign passport with its `work_permit` number. One
    person (whichever of their documents is presented) has at most one live card and one open
    application."""
    now = records.utc(now)
    if actor.kind == "staff" and actor.office_id is None:
        raise ApiError(403, "application.office_required", "Counter applications are taken at an office.")
    presented = None
    if document is not None:  # 422 document.* before anything else
        presented = identity.check_presented(document[1], document[2], linked=linked, work_permit=work_permit)
    region = region or await _default_region(actor, person_id)
    await city(region)
    await ensure(actor, "card.apply", card_city=region)
    bank = await banks.active(bank_code) if bank_code else None

    async def attempt() -> ApplicationRow:
        # A person registered by a parallel request makes this clash and run again, then found.
        if person_id is not None:
            who = person_id
        elif document is not None and presented is not None:
            who = await identity.register_presented(document[0], presented, document[3])
        else:
            raise TypeError("apply needs person_id or document")
        if await Card.exists().where(Card.active_person == who).run():
            raise atomic.UNIQUE_ANSWERS["cards_card.active_person"]()
        row = Application(
            id=uuid.uuid4(),
            person=who,
            status="pending",
            open_person=who,
            channel=actor.channel,
            office=actor.office_id,
            region=region,
            bank=bank.id if bank else None,
            applied_by_kind=actor.kind,
            applied_by=actor.id,
            created_at=now,
        )
        await Application.insert(row).run()
        return await load(row.id)

    return await atomic.run(attempt)


async def load(application_id: uuid.UUID) -> ApplicationRow:
    row = await _select().where(Application.id == application_id).first().run()
    if row is None:
        raise ApiError(404, "application.not_found", "No such application.")
    return ApplicationRow(**row)


async def open_of(person_id: uuid.UUID) -> ApplicationRow | None:
    """The person's application waiting for review, if any."""
    row = await _select().where((Application.person == person_id) & (Application.status == "pending")).first().run()
    return ApplicationRow(**row) if row else None


async def list_for_person(person_id: uuid.UUID, *, applied_by: str | None = None) -> list[ApplicationRow]:
    """The person's applications, or only those `applied_by` made (an account not yet proven
    sees its own requests, not what was filed for the person at a counter)."""
    query = _select().where(Application.person == person_id)
    if applied_by is not None:
        query = query.where(Application.applied_by == applied_by)
    rows = await query.order_by(Application.created_at, ascending=False).run()
    return [ApplicationRow(**row) for row in rows]


async def list_for_review(
    actor: Actor, *, status: str | None, city_code: str | None, limit: int, offset: int
) -> list[ApplicationRow]:
    """Applications a reviewer may see: their city's, or any city's for provincial operators."""
    principal = actor.principal
    if city_code is None and principal is not None and principal.role != PROVINCIAL:
        city_code = principal.city  # a supervisor's list is their own city's
    await ensure(actor, "application.review", card_city=city_code)
    query = _select()
    if status:
        query = query.where(Application.status == status)
    if city_code:
        query = query.where(Application.region == city_code)
    rows = await query.order_by(Application.created_at).limit(limit).offset(offset).run()
    return [ApplicationRow(**row) for row in rows]


async def _claim_pending(app: ApplicationRow, values: dict[Column | str, Any], now: dt.datetime) -> None:
    """Close the application only if it is still pending (two reviewers never both decide)."""
    done = (
        await Application.update({**values, "open_person": None, "reviewed_at": now})
        .where((Application.id == app.id) & (Application.status == "pending"))
        .returning(Application.id)
        .run()
    )
    if not done:
        raise atomic.Conflict()


def _require_pending(app: ApplicationRow) -> None:
    if app.status != "pending":
        message = f"This application was already {app.status}."
        raise ApiError(409, "application.not_pending", message, current_status=app.status)


async def _reviewed(app: ApplicationRow, actor: Actor, action: str, purpose: str) -> None:
    """The review on the applicant's access record (Art. 21), in the review's own transaction."""
    if actor.kind != "staff":
        return
    await audit.record(
        await records.staff_as_audited(actor),
        person_id=app.person,
        action=action,
        fields=["application"],
        purpose=purpose,
        basis_kind="official_duty",
        basis_ref=f"application {app.id}",
    )


async def approve(
    application_id: uuid.UUID, actor: Actor, *, bank_code: str | None = None, now: dt.datetime | int | None = None
) -> CardRow:
    """Approve: the card (physical card issued now) is created with a new number and ref."""
    now = records.utc(now)

    async def attempt() -> CardRow:
        app = await load(application_id)
        await ensure(actor, "application.review", card_city=app.region)
        _require_pending(app)
        code = bank_code or app.bank_code
        bank = await banks.active(code, hold=True) if code else await banks.default_active()
        await _claim_pending(app, {"status": "approved", "reviewed_by": actor.id}, now)
        card = await records.insert_card(
            person_id=app.person,
            region=app.region,
            bank_id=bank.id,
            account="",  # the bank opens it and tells us the number (cards/accounts.py)
            now=now,
            office_id=app.office or actor.office_id,
            application_id=app.id,
        )
        await accounts.request(card, bank.id, "new_card", now)
        await Application.update({Application.card_id: card.id}).where(Application.id == app.id).run()
        note = f"Card {numbers.mask_card_number(card.number)} issued; {bank.name} is opening its account."
        await records.event(card, actor, action=states.ISSUE, to_state=states.ACTIVE, at=now, note=note)
        await _reviewed(app, actor, "application.approve", "Application approved; card issued")
        return card

    return await atomic.run(attempt)


async def reject(application_id: uuid.UUID, actor: Actor, *, reason: str, now: dt.datetime | int | None = None) -> ApplicationRow:
    now = records.utc(now)
    if not reason.strip():
        raise ApiError(422, "application.reason_required", "Say why the application is rejected.")

    async def attempt() -> ApplicationRow:
        app = await load(application_id)
        await ensure(actor, "application.review", card_city=app.region)
        _require_pending(app)
        await _claim_pending(app, {"status": "rejected", "reviewed_by": actor.id, "reason": reason.strip()}, now)
        await _reviewed(app, actor, "application.reject", reason.strip())
        return await load(application_id)

    return await atomic.run(attempt)
