"""Relations: a proven holder adds a relative (within the limits), the relative or a counter agrees,
and either side ends it."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from backend.audit import services as audit
from backend.cards import services as cards
from backend.family import records, vocab
from backend.family.records import RelationRow
from backend.family.schemas import AddRelative, CounterConsent
from backend.family.tables import Relation
from backend.identity import services as identity
from backend.keys.keyring import Keyring
from backend.lib import assurance, db
from backend.lib.auth import Principal, require_step_up
from backend.lib.errors import ApiError
from backend.lib.store import Store

RATE_WINDOW = 3600


def utc(now: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(now, dt.UTC)


def person_of(principal: Principal) -> uuid.UUID:
    if not principal.person_id:
        raise ApiError(403, "auth.no_person", "This account is not bound to a person.")
    return uuid.UUID(principal.person_id)


def require_proven(principal: Principal) -> uuid.UUID:
    """Acting for someone else needs an account proven at a counter, through the bank or a
    provider: a family-level proof (someone vouched for you) never passes on to others."""
    person = person_of(principal)
    if principal.assurance < assurance.REMOTE:
        raise ApiError(
            403,
            "family.not_proven",
            "Only a holder proven at a counter, through their bank or a verification provider can act for relatives.",
            assurance=principal.assurance,
        )
    return person


async def _throttle(store: Store, account_id: str) -> None:
    key = f"family:add:{account_id}"
    if await store.incr(key, RATE_WINDOW) > vocab.ADDS_PER_HOUR:
        left = await store.ttl(key)
        retry_after = left if left > 0 else RATE_WINDOW
        raise ApiError(
            429,
            "family.rate_limited",
            f"Too many relatives added: at most {vocab.ADDS_PER_HOUR} an hour. Try again in {retry_after} s.",
            retry_after=retry_after,
        )


async def _find_relative(keyring: Keyring, data: AddRelative) -> tuple[uuid.UUID, dict[str, object]]:
    """The person with this document and this name. Both must match, and either mismatch gives
    the same answer, so adding never tells whether a number belongs to someone."""
    person_id = await identity.find_person_id(keyring, data.doc_type, data.id_number)  # 422 document.*
    row = await identity.get_person(person_id) if person_id else None
    if row is None or row["name"] != data.name.strip():
        raise ApiError(
            404,
            "family.relative_not_found",
            "No one with this document and name is known; check both, or apply for their card first.",
        )
    return uuid.UUID(str(row["id"])), row


def _check_limits(live: list[str], relationship: str) -> None:
    if len(live) >= vocab.TOTAL:
        raise ApiError(409, "family.total_limit_reached", f"You act for at most {vocab.TOTAL} relatives.", limit=vocab.TOTAL)
    limit = vocab.LIMITS[relationship]
    if live.count(relationship) >= limit:
        raise ApiError(
            409,
            "family.limit_reached",
            f"You act for at most {limit} relative(s) of this kind ({relationship}).",
            relationship=relationship,
            limit=limit,
        )


async def add(principal: Principal, data: AddRelative, *, keyring: Keyring, store: Store, now: int) -> RelationRow:
    """Ask to act for a relative. Pending until the relative (or a counter) agrees: it gives
    nothing before. The limits count pending and active relations and hold when two adds race."""
    holder = require_proven(principal)
    require_step_up(principal, now)  # adding a family member needs a fresh factor (issue 14, section 3)
    await _throttle(store, principal.id)
    relative, person = await _find_relative(keyring, data)
    if relative == holder:
        raise ApiError(422, "family.self", "You cannot add yourself as your own relative.")
    birth = person.get("birth_date")
    age = cards.age_on(birth if isinstance(birth, dt.date) else None, utc(now).astimezone(cards.CHINA).date())
    minor = age is not None and age < vocab.MINOR_AGE
    if minor and data.relationship not in vocab.MINOR_RELATIONSHIPS:
        raise ApiError(
            422, "family.bad_relationship", "A relative under 16 is your child or another relative, not an elder or spouse."
        )
    at = utc(now)
    row = Relation(
        id=uuid.uuid4(),
        holder=holder,
        relative=relative,
        relationship=data.relationship,
        status=vocab.PENDING,
        live_pair=f"{holder}|{relative}",
        minor=minor,
        requested_by=principal.id,
        created_at=at,
    )
    try:
        async with db.transaction():
            # One holder's adds one at a time (SQLite's IMMEDIATE transactions already are), so
            # two adds at once cannot both see room under a limit.
            await db.advisory_lock(f"yk-family:{holder}")
            live = await (
                Relation.select(Relation.relationship)
                .where((Relation.holder == holder) & Relation.status.is_in(list(vocab.LIVE)))
                .output(as_list=True)
                .run()
            )
            _check_limits(live, data.relationship)
            await Relation.insert(row).run()
            relation = await records.load(row.id)
            await records.on_record(
                relation,
                "family.requested",
                "Family service: asked to act for you (pending until agreed)",
                fields=["person.name", "person.document"],
            )
            if not minor:
                await records.tell(relative, "family.request", relation, now)
    except Exception as exc:
        if db.is_unique_violation(exc):
            raise ApiError(409, "family.duplicate", "You already act for (or asked to act for) this relative.") from exc
        raise
    return relation


async def accept(principal: Principal, relation_id: uuid.UUID, *, now: int) -> RelationRow:
    """The relative agrees from their own account: an account proven to be them."""
    me = person_of(principal)
    relation = await records.load(relation_id, relative=me)
    if relation.minor:
        raise ApiError(409, "family.guardianship_at_counter", "A guardian's relation to a child under 16 is proven at a counter.")
    if principal.assurance < assurance.REMOTE:
        raise ApiError(
            403,
            "family.not_proven",
            "Agree from an account proven at a counter, through your bank or a provider, or agree in person at a counter.",
            assurance=principal.assurance,
        )
    values = {
        Relation.status: vocab.ACTIVE,
        Relation.consent: vocab.BY_RELATIVE,
        Relation.agreed_by: principal.id,
        Relation.agreed_at: utc(now),
    }
    return await _activate(relation, values, now, by="relative")


async def _activate(
    relation: RelationRow, values: dict[Any, Any], now: int, *, by: str, staff: audit.Actor | None = None
) -> RelationRow:
    async with db.transaction():
        await records.change(relation, (vocab.PENDING,), values)
        relation = await records.load(relation.id)
        if staff is not None:
            evidence = str(values.get(Relation.evidence, ""))
            await records.on_record(
                relation, "family.counter_consent", f"Family service: agreed at a counter ({evidence} checked)", actor=staff
            )
        await records.on_record(
            relation, "family.proxy_added", "Family service: may show your card's code and activate your e-card for you"
        )
        await records.tell(relation.relative, "family.proxy_added", relation, now, by=by)
        await records.tell(relation.holder, "family.proxy_added", relation, now, by=by, role="holder")
    return relation


async def refuse(principal: Principal, relation_id: uuid.UUID, *, now: int) -> RelationRow:
    """The relative says no to a pending request."""
    relation = await records.load(relation_id, relative=person_of(principal))
    async with db.transaction():
        await records.change(
            relation,
            (vocab.PENDING,),
            {
                Relation.status: vocab.REFUSED,
                Relation.live_pair: None,
                Relation.ended_by: "relative",
                Relation.ended_at: utc(now),
            },
        )
        await records.tell(relation.holder, "family.proxy_ended", relation, now, by="relative", outcome="refused")
        refused = await records.load(relation.id)
    return refused


async def end(principal: Principal, relation_id: uuid.UUID, *, side: str, now: int) -> RelationRow:
    """Either side ends a pending or active relation at will; the proxy can do nothing after."""
    me = person_of(principal)
    relation = await records.load(relation_id, holder=me) if side == "holder" else await records.load(relation_id, relative=me)
    async with db.transaction():
        await records.change(
            relation,
            vocab.LIVE,
            {Relation.status: vocab.ENDED, Relation.live_pair: None, Relation.ended_by: side, Relation.ended_at: utc(now)},
        )
        ended = await records.load(relation.id)
        who = "you" if side == "relative" else "the proxy"
        await records.on_record(ended, "family.proxy_ended", f"Family service: ended by {who}")
        other = relation.relative if side == "holder" else relation.holder
        await records.tell(other, "family.proxy_ended", ended, now, by=side, outcome="ended")
    return ended


# --- at a counter ---------------------------------------------------------------------------


async def pending_for(
    principal: Principal, keyring: Keyring, doc_type: str, number: str
) -> tuple[uuid.UUID | None, list[RelationRow]]:
    """The pending requests to act for the person with this document (the relative at the counter)."""
    relative = await identity.find_person_id(keyring, doc_type, number)
    if relative is None:
        return None, []
    await audit.record(
        await audit.actor_of(principal),
        person_id=relative,
        action="family.counter_lookup",
        fields=["family.requests"],
        purpose="Family service: requests to act for you, looked up at a counter",
        basis_kind="official_duty",
        basis_ref="Family service consent at a counter",
    )
    rows = await (
        Relation.select(*records.COLUMNS)
        .where((Relation.relative == relative) & (Relation.status == vocab.PENDING))
        .order_by(Relation.created_at, ascending=False)
        .limit(50)
        .run()
    )
    return relative, [records.row_of(row) for row in rows]


async def counter_consent(principal: Principal, relation_id: uuid.UUID, data: CounterConsent, *, now: int) -> RelationRow:
    """Staff record the consent after checking: the adult relative agreed in person (their
    identity document), or the holder's guardianship (household register, birth certificate or a
    guardianship document). A child under 16 only through guardianship."""
    relation = await records.load(relation_id)
    if data.basis == "guardianship":
        if data.evidence not in vocab.GUARDIANSHIP_EVIDENCE:
            raise ApiError(
                422,
                "family.bad_evidence",
                "Guardianship is shown by the household register, a birth certificate or a guardianship document.",
            )
        consent = vocab.GUARDIANSHIP
    else:
        if relation.minor:
            raise ApiError(
                409,
                "family.guardianship_required",
                "For a child under 16 the counter checks the guardianship, not the child's agreement.",
            )
        if data.evidence not in vocab.IN_PERSON_EVIDENCE:
            raise ApiError(422, "family.bad_evidence", "An adult relative agreeing in person shows their identity document.")
        consent = vocab.AT_COUNTER
    values = {
        Relation.status: vocab.ACTIVE,
        Relation.consent: consent,
        Relation.agreed_by: principal.id,
        Relation.agreed_office: uuid.UUID(principal.office_id) if principal.office_id else None,
        Relation.evidence: data.evidence,
        Relation.agreed_at: utc(now),
    }
    return await _activate(relation, values, now, by="counter", staff=await audit.actor_of(principal))
