"""The cursor feed: a subscription's deliveries by seq after `after`, each read on its holder's record."""

from __future__ import annotations

import json
import uuid

from backend.audit import services as audit
from backend.lib import db
from backend.lib.errors import ApiError
from backend.subscriptions import fanout
from backend.subscriptions import schemas as s
from backend.subscriptions.delivery import record_fields
from backend.subscriptions.tables import Delivery, Subscription


async def page(sub_id: uuid.UUID, agency_id: str, client_id: str, *, after: int, limit: int) -> s.FeedPage:
    """Events with seq > `after`, oldest first. Seqs are handed out under the subscription's lock
    and commit in order, so paging by the last seq seen never skips one (docs/webhooks.md)."""
    sub = (
        await Subscription.select(Subscription.id, Subscription.description, Subscription.agency.name.as_alias("agency_name"))
        .where((Subscription.id == sub_id) & (Subscription.agency == agency_id))
        .first()
        .run()
    )
    if sub is None:
        raise ApiError(404, "subscription.not_found", "No subscription with this id belongs to your agency.")
    actor = audit.Actor("agency", client_id, str(agency_id), sub["agency_name"])
    holds: dict[str, bool] = {}
    served = []
    async with db.transaction():  # what is served and its access records stand or fall together
        rows = (
            await Delivery.select()
            .where((Delivery.subscription == sub_id) & (Delivery.seq > after))
            .order_by(Delivery.seq)
            .limit(limit)
            .run()
        )
        for row in rows:
            if row["state"] == "withdrawn":
                continue
            if not await fanout.basis_holds(row["basis_kind"], row["basis_ref"], holds):
                # Checked again at serve time: a revoked consent's events are not served, now or later.
                await Delivery.update({Delivery.state: "withdrawn"}).where(Delivery.id == row["id"]).run()
                continue
            await audit.record(
                actor,
                person_id=row["person"],
                action="agency.feed",
                fields=record_fields(row["kind"], row["body"]),
                purpose=sub["description"],
                basis_kind=row["basis_kind"],
                basis_ref=row["basis_ref"],
            )
            served.append(row)
    items = []
    for row in served:
        body = json.loads(row["body"])
        items.append(
            s.FeedEvent(id=row["id"], seq=int(row["seq"]), type=body["type"], timestamp=body["timestamp"], data=body["data"])
        )
    # Past withdrawn ones too: a page may be empty yet move the cursor on.
    return s.FeedPage(items=items, next_after=int(rows[-1]["seq"]) if rows else after)
