"""What an active relation lets the proxy do: show the relative's dynamic code, issue their e-card;
and, for the relative's record, which shown codes came from a proxy."""

from __future__ import annotations

import uuid
from typing import cast

from backend.cards import services as cards
from backend.cards.services import Actor, CardRow, CodeSubject
from backend.codes import format as fmt
from backend.codes import minting
from backend.family import records, vocab
from backend.family.records import RelationRow
from backend.family.relations import require_proven, utc
from backend.family.schemas import PresentedBy, RelativeCode, RelativeEcard
from backend.family.tables import ProxyCode
from backend.identity import services as identity
from backend.keys.keyring import Keyring
from backend.lib import assurance, db
from backend.lib.auth import Principal
from backend.lib.errors import ApiError
from backend.lib.settings import Settings
from backend.lib.store import Store


async def _active(principal: Principal, relation_id: uuid.UUID) -> RelationRow:
    relation = await records.load(relation_id, holder=require_proven(principal))
    if relation.status != vocab.ACTIVE:
        raise ApiError(
            409,
            "family.not_active",
            "This relation is not active: the relative (or a counter) has not agreed, or it ended.",
            state=relation.status,
        )
    return relation


async def _relative_card(relation: RelationRow) -> CodeSubject:
    subject = await cards.card_for_person(relation.relative)
    if subject is None:
        raise ApiError(404, "family.relative_no_card", "Your relative has no social security card yet.")
    return subject


async def show_code(
    principal: Principal, relation_id: uuid.UUID, *, keyring: Keyring, store: Store, settings: Settings, now: int
) -> RelativeCode:
    """A fresh online code for the relative's usable card. The code's id is kept with the relation,
    so the verification a venue makes of it says it was shown by the proxy."""
    relation = await _active(principal, relation_id)
    await minting.rate_limit(store, "family-mint", principal.id, vocab.CODES_PER_MINUTE)
    subject = await _relative_card(relation)
    if not subject.usable:
        raise ApiError(
            409,
            "family.relative_card_not_usable",
            "Your relative's card cannot be used now"
            + (
                ": its e-card is not issued yet."
                if subject.unusable_result is None
                else f": it is {subject.state.replace('_', ' ')}."
            ),
            state=subject.state,
            ecard_level=subject.ecard_level,
        )
    minted = minting.mint(subject.card_ref, keyring, now)
    # Minted just above under these secrets: the MAC holds, so the code has its id.
    code_id = cast(
        str, fmt.verify_online(minted.code, masters=keyring.online_masters, now=now, skew=settings.clock_skew_seconds).code_id
    )
    async with db.transaction():
        await ProxyCode.insert(
            ProxyCode(
                id=uuid.uuid4(),
                code_id=code_id,
                relation=relation.id,
                proxy=relation.holder,
                relative=relation.relative,
                at=utc(now),
            )
        ).run()
        await records.on_record(relation, "family.code_shown", "Family service: showed your card's code", fields=["card.code"])
        await records.tell(relation.relative, "family.proxy_acted", relation, now, action="code_shown")
    return RelativeCode(
        code=minted.code,
        kind="online",
        relation_id=relation.id,
        relative_name=identity.masked_name(subject.holder_name),
        issued_at=minted.issued_at,
        expires_at=minted.expires_at,
        qr_version=minted.qr_version,
    )


async def activate_ecard(principal: Principal, relation_id: uuid.UUID, *, now: int) -> RelativeEcard:
    """Issue the relative's e-card, proven by the family member (assurance FAMILY). Only where it
    is not issued: an e-card proven more surely keeps its proof."""
    relation = await _active(principal, relation_id)
    subject = await _relative_card(relation)
    if subject.ecard_level > 0:
        raise ApiError(
            409, "family.ecard_already_issued", "Your relative's e-card is already issued.", ecard_level=subject.ecard_level
        )
    actor = Actor(kind="citizen", id=principal.id, channel="mobile")

    async def attempt() -> CardRow:
        # The card's compare-and-set, its record entry and the notice in one transaction; a lost
        # compare-and-set runs it all again.
        card = await cards.activate_ecard(
            relation.relative, level=assurance.FAMILY, method=assurance.BY_FAMILY, actor=actor, now=now
        )
        await records.on_record(relation, "family.ecard_activated", "Family service: issued your e-card", fields=["card.ecard"])
        await records.tell(relation.relative, "family.proxy_acted", relation, now, action="ecard_activated")
        return card

    card = await db.retrying(attempt, attempts=5, busy=_busy)
    return RelativeEcard(relation_id=relation.id, ecard_level=card.ecard_level, assurance=card.assurance)


def _busy() -> ApiError:
    return ApiError(409, "family.busy", "Your relative's card is being changed by other requests; try again.", retry_after=1)


async def presenters(code_ids: list[str]) -> dict[str, PresentedBy]:
    """Which of these codes a family proxy showed, and who: for the relative's verification record."""
    if not code_ids:
        return {}
    rows = await (
        ProxyCode.select(
            ProxyCode.code_id,
            ProxyCode.proxy.name.as_alias("proxy_name"),
            ProxyCode.relation.relationship.as_alias("relationship"),
        )
        .where(ProxyCode.code_id.is_in(code_ids))
        .run()
    )
    return {
        row["code_id"]: PresentedBy(name=identity.masked_name(row["proxy_name"]), relationship=row["relationship"])
        for row in rows
    }
