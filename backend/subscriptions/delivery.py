"""Pushing deliveries: one sender per subscription at a time (a lease on its row), strictly in seq
order, signed per Standard Webhooks; retries with back-off, then a dead letter that holds the rest."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import logging
import random
import secrets
import uuid
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from backend.audit import services as audit
from backend.jobs import services as jobs
from backend.keys.keyring import Keyring
from backend.lib import db, outbound
from backend.lib.errors import ApiError
from backend.lib.logs import redact
from backend.lib.settings import PRODUCTION_ENVS, Settings
from backend.org.tables import Agency
from backend.subscriptions import fanout
from backend.subscriptions import webhook_signing as signing
from backend.subscriptions.tables import Delivery, Subscription

log = logging.getLogger(__name__)

DELIVER = "subscriptions.deliver"
BATCH = 100  # deliveries one lease sends before handing over to a fresh job
ROUNDS = 3  # lease, send, release: again when a delivery arrived meanwhile
ID_FIELDS = {"event_id", "subscription_id", "seq", "subject", "basis"}
Outcome = Literal["idle", "failed", "gone", "batch"]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def lease_seconds(settings: Settings) -> float:
    return max(30.0, settings.webhook_timeout_seconds * 4)


# -- where we may send ------------------------------------------------------------------------

ANSWER_BYTES = 4096  # of the receiver's answer we read at most this much: only the status counts


def production(settings: Settings) -> bool:
    return settings.env in PRODUCTION_ENVS


def check_url(url: str, settings: Settings) -> None:
    """422 for a URL we will not send to: https on port 443 only in production, no user name, no
    address of ours or a private network's (a literal address here; names are resolved and checked
    again at each send by lib/outbound.py)."""
    prod = production(settings)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ApiError(422, "subscription.bad_url", "The URL is malformed (host or port).") from None
    if parts.scheme not in (("https",) if prod else ("https", "http")) or not parts.hostname:
        raise ApiError(422, "subscription.bad_url", "The URL must be https (http only outside production) with a host.")
    if parts.username or parts.password:
        raise ApiError(422, "subscription.bad_url", "The URL must not carry a user name or password.")
    if prod and port not in (None, *outbound.PROD_PORTS):
        raise ApiError(422, "subscription.bad_url", "In production the URL must use port 443.")
    if prod:
        try:
            address = ipaddress.ip_address(parts.hostname)
        except ValueError:
            return
        if outbound.refused_address(address):
            raise ApiError(422, "subscription.private_url", "The URL points at a private, loopback or reserved address.")


def deadline(settings: Settings) -> float:
    """One attempt's whole time (DNS, connect, send, answer): well inside the sender's lease, so a
    slow receiver never lets a second sender take over and send out of order."""
    return min(settings.webhook_timeout_seconds, lease_seconds(settings) / 3)


async def post(url: str, headers: dict[str, str], body: str, settings: Settings) -> tuple[int, str]:
    """One attempt: (HTTP status or 0, error or ""), through lib/outbound.py: the address resolved
    once, checked and pinned; no redirects, cookies or environment proxies; the answer cut short."""
    sent = {**headers, "content-type": "application/json", "user-agent": "yikatong-webhooks/1"}
    try:
        answer = await outbound.post(
            url,
            content=body.encode(),
            headers=sent,
            limit_bytes=ANSWER_BYTES,
            keep_partial=True,
            deadline=deadline(settings),
            allow_private=not production(settings),
        )
    except (outbound.OutboundRefused, outbound.OutboundFailed) as exc:
        return 0, str(exc)[:300]
    if 200 <= answer.status < 300:
        return answer.status, ""
    if 300 <= answer.status < 400:
        return answer.status, f"HTTP {answer.status}: redirects are not followed"
    return answer.status, f"HTTP {answer.status}"


def backoff(attempts: int, settings: Settings) -> dt.timedelta:
    """The jobs feature's back-off (docs/jobs.md): base x 2^(n-1) with jitter, capped."""
    base = settings.jobs_backoff_seconds * 2 ** min(max(attempts - 1, 0), 40)
    return dt.timedelta(seconds=min(base * random.uniform(0.75, 1.25), settings.jobs_backoff_max_seconds))


# -- the lease ---------------------------------------------------------------------------------


async def _lease(sub_id: uuid.UUID, me: str, settings: Settings) -> bool:
    now = _now()
    async with db.transaction():
        taken = (
            await Subscription.update(
                {Subscription.lease_until: now + dt.timedelta(seconds=lease_seconds(settings)), Subscription.lease_by: me}
            )
            .where(
                (Subscription.id == sub_id)
                & (Subscription.state == "active")
                & (Subscription.url != "")
                & (Subscription.lease_until.is_null() | (Subscription.lease_until < now))
            )
            .returning(Subscription.id)
            .run()
        )
    return bool(taken)


async def _release(sub_id: uuid.UUID, me: str) -> None:
    async with db.transaction():
        await (
            Subscription.update({Subscription.lease_until: None, Subscription.lease_by: ""})
            .where((Subscription.id == sub_id) & (Subscription.lease_by == me))
            .run()
        )


async def _look_after_lease(sub_id: uuid.UUID) -> None:
    """Another sender holds the lease: it sends what is due. In case it dies, look again when its lease ends."""
    row = await Subscription.select(Subscription.state, Subscription.lease_until).where(Subscription.id == sub_id).first().run()
    if row is None or row["state"] != "active" or row["lease_until"] is None:
        return
    until = db.time_column(row["lease_until"])
    async with db.transaction():
        await jobs.enqueue(
            DELIVER, {"subscription": str(sub_id)}, key=f"{DELIVER}:{sub_id}:{int(until.timestamp())}", run_at=until
        )


# -- sending -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    id: uuid.UUID
    url: str
    secrets: list[str]  # the ones that sign now: the current, and the previous during an overlap
    description: str
    actor: audit.Actor


async def _target(sub_id: uuid.UUID, keyring: Keyring, now: dt.datetime) -> Target | None:
    row = await Subscription.select().where(Subscription.id == sub_id).first().run()
    if row is None or row["state"] != "active" or not row["url"]:
        return None
    keys = [signing.unseal(keyring, str(sub_id), row["secret"])]
    if row["previous_secret"] and row["previous_until"] is not None and db.time_column(row["previous_until"]) > now:
        keys.append(signing.unseal(keyring, str(sub_id), row["previous_secret"]))
    agency = await Agency.select(Agency.name).where(Agency.id == row["agency"]).first().run()
    actor = audit.Actor("agency", row["created_by"], str(row["agency"]), agency["name"] if agency else "")
    return Target(sub_id, row["url"], keys, row["description"], actor)


async def first_pending(sub_id: uuid.UUID) -> dict[str, Any] | None:
    """The lowest-seq delivery still to push: nothing after it goes before it does. A dead letter
    before it holds it (None): later events never overtake an unsent one."""
    row = (
        await Delivery.select()
        .where((Delivery.subscription == sub_id) & Delivery.state.is_in(["pending", "dead"]))
        .order_by(Delivery.seq)
        .first()
        .run()
    )
    return row if row is not None and row["state"] == "pending" else None


async def _first_due(sub_id: uuid.UUID) -> bool:
    row = await first_pending(sub_id)
    return row is not None and db.time_column(row["next_attempt_at"]) <= _now()


async def _still_mine(sub_id: uuid.UUID, me: str) -> bool:
    """Inside the settling transaction: the lease is still ours (row-locked on PostgreSQL)."""
    lock = "" if db.is_sqlite() else " FOR UPDATE"
    row = await db.fetch_one(f"SELECT lease_by FROM subscriptions_subscription WHERE id = {{}}{lock}", sub_id)
    return row is not None and row["lease_by"] == me


def record_fields(kind: str, body: str) -> list[str]:
    """What the event told the agency, in the access record's names (the wallet words each): a card
    event its status, an account event the card's bank account, a certificate event that certificate's
    status (`certificate.<type>.status`, as agency queries name certificate fields)."""
    data = json.loads(body)["data"]
    if kind == "card.status_changed":
        return ["card.status"]
    if kind == "card.account_changed":
        return ["card.bank_account"]
    if kind == "certificate.changed" and isinstance(data.get("type"), str):
        return [f"certificate.{data['type']}.status"]
    return [f"{kind}.{name}" for name in sorted(data) if name not in ID_FIELDS]  # a kind added later


async def _settle(target: Target, row: dict[str, Any], me: str, status: int, error: str, settings: Settings) -> Outcome | None:
    """Record one attempt's outcome; None when delivered (go on), else why to stop."""
    now = _now()
    attempts = int(row["attempts"]) + 1
    async with db.transaction():
        if not await _still_mine(target.id, me):
            return "gone"
        if not error:
            await (
                Delivery.update(
                    {
                        Delivery.state: "delivered",
                        Delivery.attempts: attempts,
                        Delivery.last_status: status,
                        Delivery.last_error: "",
                        Delivery.delivered_at: now,
                    }
                )
                .where((Delivery.id == row["id"]) & (Delivery.state == "pending"))
                .run()
            )
            # The holder sees what reached the agency, under the basis it had (docs/webhooks.md).
            await audit.record(
                target.actor,
                person_id=row["person"],
                action="agency.webhook",
                fields=record_fields(row["kind"], row["body"]),
                purpose=target.description,
                basis_kind=row["basis_kind"],
                basis_ref=row["basis_ref"],
            )
            return None
        dead = attempts >= settings.webhook_max_attempts
        later = now + backoff(attempts, settings)
        await (
            Delivery.update(
                {
                    Delivery.state: "dead" if dead else "pending",
                    Delivery.attempts: attempts,
                    Delivery.last_status: status,
                    Delivery.last_error: redact(error)[:300],
                    Delivery.next_attempt_at: later,
                }
            )
            .where((Delivery.id == row["id"]) & (Delivery.state == "pending"))
            .run()
        )
        if dead:  # later deliveries wait behind it until a replay: order and once still hold
            await (
                Subscription.update({Subscription.state: "failing", Subscription.updated_at: now})
                .where((Subscription.id == target.id) & (Subscription.state == "active"))
                .run()
            )
        else:
            key = f"{DELIVER}:{row['id']}:{attempts}"
            await jobs.enqueue(DELIVER, {"subscription": str(target.id)}, key=key, run_at=later)
    if dead:
        log.warning("webhook delivery %s is dead after %d attempts: %s", row["id"], attempts, error)
    return "failed"


async def _withdraw(sub_id: uuid.UUID, delivery_id: uuid.UUID, me: str) -> bool:
    """Mark a delivery whose basis is gone `withdrawn` (fenced by the lease); False when the lease is lost."""
    async with db.transaction():
        if not await _still_mine(sub_id, me):
            return False
        await (
            Delivery.update({Delivery.state: "withdrawn", Delivery.last_error: "basis withdrawn by the holder"})
            .where((Delivery.id == delivery_id) & (Delivery.state == "pending"))
            .run()
        )
    return True


async def _send_pending(sub_id: uuid.UUID, me: str, keyring: Keyring, settings: Settings) -> Outcome:
    for _ in range(BATCH):
        now = _now()
        row = await first_pending(sub_id)
        if row is None or db.time_column(row["next_attempt_at"]) > now:
            return "idle"  # nothing, or the first one waits for its retry (its job is scheduled)
        target = await _target(sub_id, keyring, now)
        if target is None or not await _renew(sub_id, me, settings):
            return "gone"
        if not await fanout.basis_holds(row["basis_kind"], row["basis_ref"]):
            if not await _withdraw(sub_id, row["id"], me):
                return "gone"
            continue  # the holder withdrew the basis: this one never goes out, the next may
        stamp = int(now.timestamp())
        headers = signing.headers(target.secrets, str(row["id"]), stamp, row["body"])
        status, error = await post(target.url, headers, row["body"], settings)
        stop = await _settle(target, row, me, status, error, settings)
        if stop is not None:
            return stop
    return "batch"


async def _renew(sub_id: uuid.UUID, me: str, settings: Settings) -> bool:
    async with db.transaction():
        renewed = (
            await Subscription.update({Subscription.lease_until: _now() + dt.timedelta(seconds=lease_seconds(settings))})
            .where((Subscription.id == sub_id) & (Subscription.lease_by == me) & (Subscription.state == "active"))
            .returning(Subscription.id)
            .run()
        )
    return bool(renewed)


async def deliver(sub_id: uuid.UUID, keyring: Keyring, settings: Settings) -> None:
    """The job: push this subscription's due deliveries in order, as their one sender."""
    for _ in range(ROUNDS):
        me = f"deliver:{secrets.token_hex(8)}"
        if not await _lease(sub_id, me, settings):
            await _look_after_lease(sub_id)
            return
        try:
            outcome = await _send_pending(sub_id, me, keyring, settings)
        finally:
            await _release(sub_id, me)
        if outcome in ("failed", "gone"):
            return
        # "idle": a delivery committed while we held the lease found us busy and left it to us.
        if outcome == "idle" and not await _first_due(sub_id):
            return
    async with db.transaction():
        await jobs.enqueue(DELIVER, {"subscription": str(sub_id)})
