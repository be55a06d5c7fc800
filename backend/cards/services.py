"""What other features use of cards: code subjects, devices, the revocation feed, direct issue."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any, TypedDict

from piccolo.query import Select

from backend.cards import accounts, applications, atomic, banks, devices, numbers, records, revocations, states, transitions
from backend.cards.access import Actor
from backend.cards.devices import DeviceRow
from backend.cards.payable import payable_cards as payable_cards  # re-exported: payments route to the live card
from backend.cards.records import CardRow
from backend.cards.revocations import FeedEntry, Pending, Snapshot
from backend.cards.tables import Application, Card, Device, OfflineCredential, RevocationEntry
from backend.keys.keyring import Keyring
from backend.lib import assurance, db
from backend.lib.errors import ApiError

ELDERLY_AGE = 65  # Art. 7: elderly preferential certificate integrated into the card
CHINA = dt.timezone(dt.timedelta(hours=8))  # birthdays turn at midnight Beijing time


@dataclass(frozen=True)
class CodeSubject:
    """Everything code minting and verification need to know about a card, in one read."""

    card_id: uuid.UUID
    card_ref: str  # 16 lowercase hex = 8 bytes
    person_id: uuid.UUID
    region: str  # 6 digits
    state: str
    usable: bool  # card active and e-card issued
    unusable_result: str | None  # "card_suspended" | "card_cancelled" | None
    ecard_level: int  # 0 none, 1 identity, 2 payment
    transport_enabled: bool
    concessions: tuple[str, ...]
    holder_name: str
    assurance: int = 0  # how surely the holder was proven (backend/lib/assurance.py)


class IssuedCard(TypedDict):
    """What issue_card_directly made (the demo seeder and tests read it by key)."""

    application_id: uuid.UUID
    card_id: uuid.UUID
    card_ref: str
    card_number: str
    person_id: uuid.UUID
    region: str
    state: str
    ecard_level: int
    bank_code: str
    account: str


def age_on(birth: dt.date | None, today: dt.date) -> int | None:
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _subject(row: dict[str, Any], now: dt.datetime) -> CodeSubject:
    # A lapsed temporary loss report is applied in memory only: verification never writes.
    state = states.effective_state(row["state"], row["lapse_at"], now)
    age = age_on(row["birth_date"], now.astimezone(CHINA).date())
    return CodeSubject(
        card_id=row["id"],
        card_ref=row["ref"],
        person_id=row["person"],
        region=row["region"],
        state=state,
        usable=states.usable(state, row["ecard_level"]),
        unusable_result=states.unusable_result(state),
        ecard_level=row["ecard_level"],
        transport_enabled=bool(row["transport_enabled"]),
        concessions=("elderly",) if age is not None and age >= ELDERLY_AGE else (),
        holder_name=row["holder_name"],
        assurance=row["assurance"] or 0,
    )


def _subject_query() -> Select[Any]:
    return Card.select(
        Card.id,
        Card.ref,
        Card.person,
        Card.region,
        Card.state,
        Card.lapse_at,
        Card.ecard_level,
        Card.assurance,
        Card.transport_enabled,
        Card.person.name.as_alias("holder_name"),
        Card.person.birth_date.as_alias("birth_date"),
    )


_SUBJECTS_SQL = (
    "SELECT c.id, c.ref, c.person, c.region, c.state, c.lapse_at, c.ecard_level, c.assurance, c.transport_enabled,"
    " p.name AS holder_name, p.birth_date AS birth_date"
    " FROM cards_card c JOIN identity_person p ON p.id = c.person WHERE "
)


async def _subject_rows(refs: list[str]) -> list[dict[str, Any] | None]:
    """The rows of _subject_query for these refs, in their order, in one hand-written query."""
    rows = await db.fetch(_SUBJECTS_SQL + db.any_of("c.ref"), db.list_arg(refs))
    by_ref = {row["ref"]: row for row in rows}
    return [by_ref.get(ref) for ref in refs]


# Every scan asks for its card: concurrent scans share one query.
_subjects_by_ref = db.Loader(_subject_rows)


async def card_for_code(card_ref: str, now: dt.datetime | None = None) -> CodeSubject | None:
    """The card a QR code names (by its ref), or None. One indexed read, no writes; live, never
    cached (a card suspended a moment ago must fail its next scan)."""
    if not numbers.is_card_ref(card_ref):
        return None
    row = await _subjects_by_ref.load(card_ref)
    return _subject(row, records.utc(now)) if row else None


async def card_for_person(person_id: uuid.UUID | str | None, now: dt.datetime | None = None) -> CodeSubject | None:
    """The person's current card: the live one, else the most recently cancelled; never a replaced one."""
    if person_id is None:
        return None
    try:
        person_id = uuid.UUID(str(person_id))
    except ValueError:
        return None
    row = await _subject_query().where(Card.active_person == person_id).first().run()
    if row is None:
        row = (
            await _subject_query()
            .where((Card.person == person_id) & (Card.state == states.CANCELLED))
            .order_by(Card.updated_at, ascending=False)
            .first()
            .run()
        )
    return _subject(row, records.utc(now)) if row else None


@dataclass(frozen=True)
class NewCredential:
    """An offline credential of format 2 as codes signed it, for the record (cards_offline_credential)."""

    ref: str  # 16 lowercase hex: the credential's random reference
    suite: str  # ed25519 | sm2
    profile: str  # validity | concession | transit
    kid: str  # the issuer key that signed it
    key_id: str  # hex(SHA-256(one-time device public key)[0:8])
    nbf: int
    exp: int


async def _no_rows() -> list[dict[str, str]]:
    return []


async def record_credentials(
    card_id: uuid.UUID, device_id: uuid.UUID, issued: list[NewCredential], now: int, *, max_outstanding: int
) -> None:
    """Record credentials just signed for this card and phone, in one transaction that
    compare-and-sets the card's version: a suspension, cancellation or unbinding at the same
    moment either commits first (then this refuses: 409 `card.not_usable` or `device.unbound`)
    or waits and then lists these credentials on the revocation feed (revocations.Pending).

    A phone holds at most `max_outstanding` unexpired credentials (429 `credential.too_many_outstanding`):
    each is a feed entry when the card's status changes, so no one can swell every scanner's list.
    A one-time key the phone used before is refused (409 `credential.key_reused`): it would link
    the two credentials it signs for."""
    at = records.utc(now)
    key_ids = [c.key_id for c in issued]

    async def attempt() -> None:
        card = await records.get(card_id)
        pending = Pending()
        await records.settle_lapse(card, at, pending)
        if not states.usable(card.state, card.ecard_level):
            raise ApiError(
                409,
                "card.not_usable",
                f"Your card cannot be used now: it is {card.state.replace('_', ' ')}.",
                state=card.state,
                result=states.unusable_result(card.state),
                ecard_level=card.ecard_level,
            )
        device = await Device.select(Device.status, Device.card).where(Device.id == device_id).first().run()
        if device is None or device["status"] != "bound" or device["card"] != card.id:
            status = device["status"] if device is not None else "unbound"
            message = "This device is not bound to your card; bind it again before asking for credentials."
            raise ApiError(409, "device.unbound", message, device_status=status)
        held = await OfflineCredential.count().where((OfflineCredential.device == device_id) & (OfflineCredential.exp > at)).run()
        if held + len(issued) > max_outstanding:
            raise ApiError(
                429,
                "credential.too_many_outstanding",
                f"This phone already holds {held} offline credentials that have not expired; ask again when some have.",
                outstanding=held,
                limit=max_outstanding,
                retry_after=3600,
            )
        used = await (
            OfflineCredential.select(OfflineCredential.key_id)
            .where((OfflineCredential.device == device_id) & OfflineCredential.key_id.is_in(key_ids))
            .run()
            if key_ids
            else _no_rows()
        )
        if used:
            raise ApiError(
                409,
                "credential.key_reused",
                "A one-time key of this request was used before; make new keys.",
                key_id=used[0]["key_id"],
            )
        await records.cas(card, {}, at)
        rows = [
            OfflineCredential(
                id=uuid.uuid4(),
                ref=c.ref,
                card=card.id,
                device=device_id,
                suite=c.suite,
                profile=c.profile,
                kid=c.kid,
                key_id=c.key_id,
                nbf=records.utc(c.nbf),
                exp=records.utc(c.exp),
                issued_at=at,
            )
            for c in issued
        ]
        if rows:
            await OfflineCredential.insert(*rows).run()
        await pending.write(at)

    await atomic.run(attempt)


@dataclass(frozen=True)
class CredentialHolder:
    """What a credential of format 2 names, as the server alone can tell: its card and phone."""

    subject: CodeSubject
    device_id: uuid.UUID
    device_bound: bool  # false once the phone was unbound (its credentials are revoked with it)
    key_id: str  # the one-time device key's id
    profile: str


_CREDENTIAL_SQL = (
    "SELECT o.device, o.key_id, o.profile, c.ref AS card_ref, d.status AS device_status"
    " FROM cards_offline_credential o JOIN cards_card c ON c.id = o.card JOIN cards_device d ON d.id = o.device"
    " WHERE o.ref = {}"
)


async def card_for_credential(cred_ref: str, now: dt.datetime | None = None) -> CredentialHolder | None:
    """The card and phone of an offline credential of format 2 (by its cred_ref), or None.
    Read-only and live, as card_for_code."""
    if not numbers.is_card_ref(cred_ref):  # the same shape: 16 lowercase hex
        return None
    row = await db.fetch_one(_CREDENTIAL_SQL, cred_ref)
    if row is None:
        return None
    subject = await card_for_code(row["card_ref"], now)
    if subject is None:
        return None
    return CredentialHolder(
        subject=subject,
        device_id=uuid.UUID(str(row["device"])),
        device_bound=row["device_status"] == "bound",
        key_id=row["key_id"],
        profile=row["profile"],
    )


async def get_device(person_id: uuid.UUID | str | None, device_id: uuid.UUID | str | None) -> DeviceRow | None:
    """The person's device (public_key as raw bytes), or None."""
    try:
        person_id, device_id = uuid.UUID(str(person_id)), uuid.UUID(str(device_id))
    except ValueError:
        return None
    return await devices.get(person_id, device_id)


async def device_by_key(person_id: uuid.UUID | str, key_id: str) -> DeviceRow | None:
    """The person's phone with this key id, bound or since unbound (the latest if the key was bound again),
    or None: a device key the person signed with (labour contracts) is checked against it."""
    row = await (
        Device.select()
        .where((Device.person == person_id) & (Device.key_id == key_id))
        .order_by(Device.bound_at, ascending=False)
        .first()
        .run()
    )
    return devices.device_view(row) if row else None


async def revocations_since(
    version: int, limit: int = revocations.MAX_BATCH, now: dt.datetime | None = None
) -> tuple[int, list[FeedEntry]]:
    """Feed entries after `version`, oldest first, and the version to ask from next time.
    Lapses that ran out are applied first, so they appear."""
    await transitions.apply_due_lapses(now)
    return await revocations.since(version, limit)


async def revocation_snapshot(now: dt.datetime | None = None) -> tuple[int, dict[str, str], list[str]]:
    """(version, card_ref -> "suspended"|"cancelled" for unusable cards, revoked device key ids)."""
    full = await revocation_list(now)
    return full.version, full.cards, full.devices


async def revocation_list(now: dt.datetime | None = None) -> Snapshot:
    """The full list: revocation_snapshot's three parts and, for offline credentials of format 2,
    cred_ref -> status (suspended | cancelled | revoked) of each outstanding one not active."""
    await transitions.apply_due_lapses(now)
    return await revocations.snapshot(records.utc(now))


async def issue_card_directly(
    keyring: Keyring,
    *,
    person_id: uuid.UUID | str,
    city_code: str,
    office_id: uuid.UUID | str | None,
    bank_code: str,
    ecard_level: int = 1,
    transport: bool = False,
    actor: str = "system",
    now: dt.datetime | None = None,
) -> IssuedCard:
    """For the demo seeder: application (approved) + card + e-card in one transaction, with events."""
    del keyring  # the person is already registered; kept so callers need not change
    if ecard_level not in (0, 1, 2):
        raise ApiError(422, "ecard.bad_level", "The e-card level is 0, 1 or 2.")
    now = records.utc(now)
    person_id = uuid.UUID(str(person_id))
    office = uuid.UUID(str(office_id)) if office_id else None
    who = Actor(kind="system", id=actor, channel="system", office_id=office)
    await applications.city(city_code)
    await banks.active(bank_code)  # fail early, outside the transaction

    async def attempt() -> IssuedCard:
        bank = await banks.active(bank_code, hold=True)
        app = Application(
            id=uuid.uuid4(),
            person=person_id,
            status="approved",
            channel="system",
            office=office,
            region=city_code,
            bank=bank.id,
            applied_by_kind="system",
            applied_by=actor,
            reviewed_by=actor,
            reviewed_at=now,
            created_at=now,
        )
        await Application.insert(app).run()
        card = await records.insert_card(
            person_id=person_id,
            region=city_code,
            bank_id=bank.id,
            account="",  # the bank opens it and tells us the number (cards/accounts.py)
            now=now,
            office_id=office,
            application_id=app.id,
        )
        await accounts.request(card, bank.id, "new_card", now)
        await Application.update({Application.card_id: card.id}).where(Application.id == app.id).run()
        await records.event(
            card,
            who,
            action=states.ISSUE,
            to_state=states.ACTIVE,
            at=now,
            note=f"Card issued; {bank.name} is opening its account.",
        )
        if ecard_level:
            # Issued over the counter: staff saw the person and the document.
            proof = devices.Proof(level=assurance.IN_PERSON, method=assurance.COUNTER)
            await devices.issue_ecard(person_id, who, payment=ecard_level == 2, transport=transport, proof=proof, now=now)
            card = await records.get(card.id)
        return {
            "application_id": app.id,
            "card_id": card.id,
            "card_ref": card.ref,
            "card_number": card.number,
            "person_id": person_id,
            "region": card.region,
            "state": card.state,
            "ecard_level": card.ecard_level,
            "bank_code": bank.code,
            "account": card.account,
        }

    return await atomic.run(attempt)


async def activate_ecard(
    person_id: uuid.UUID | str, *, level: int, method: str, actor: Actor, now: dt.datetime | int | None = None
) -> CardRow:
    """After a proofing route proved the holder: issue the e-card of the person's active card
    (identity and queries) or, when it exists, record the new proof on it. Its level of use
    (payment, transport) stays as the holder chose. 404 without a card, 409 when not active."""
    proof = devices.Proof(level=level, method=method)
    current = await records.load_current(person_id)
    payment = bool(current and current.ecard_level == 2)
    transport = bool(current and current.transport_enabled)
    return await devices.issue_ecard(person_id, actor, payment=payment, transport=transport, proof=proof, reprove=True, now=now)


async def device_revoked(device_key_id: str | None) -> bool:
    """Whether the revocation feed lists this device key: the same fact offline scanners use.
    One indexed read of the feed (revocations' snapshots settle lapses, which writes; checking a
    presented code must stay read-only)."""
    if not device_key_id:
        return False
    return (
        await RevocationEntry.exists()
        .where(
            (RevocationEntry.kind == "device") & (RevocationEntry.ref == device_key_id) & (RevocationEntry.status == "revoked")
        )
        .run()
    )


# Bank account numbers as others may show them (payments): only the last four digits.
mask_account = numbers.mask_account


async def live_accounts(person_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[uuid.UUID, str]]:
    """Each person's live card (not replaced or cancelled) and its account ("" while the bank has not
    opened it), for many people in one statement (a payment run snapshots tens of thousands)."""
    if not person_ids:
        return {}
    rows = await db.fetch(
        "SELECT id, active_person, account FROM cards_card WHERE " + db.any_of("active_person"), db.list_arg(person_ids)
    )
    return {uuid.UUID(str(r["active_person"])): (uuid.UUID(str(r["id"])), r["account"]) for r in rows}
