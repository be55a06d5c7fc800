"""Proofing by a remote identity-verification provider: a session, the evidence, the verdict;
and the photo of record staff set, which a face is matched against."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import uuid
from typing import Any

from backend.audit import services as audit
from backend.identity import services as identity
from backend.keys.keyring import Keyring
from backend.lib import db
from backend.lib.auth import Principal
from backend.lib.errors import ApiError
from backend.lib.settings import Settings
from backend.lib.store import Store
from backend.proofing import attempts, providers, records, vocab
from backend.proofing.records import Try, as_uuid
from backend.proofing.schemas import AttemptOut, PhotoOut, ProviderSessionOut
from backend.proofing.tables import PhotoOfRecord, ProviderSession

log = logging.getLogger("yikatong.proofing")


def decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ApiError(422, "proofing.bad_image", "Send the image as base64url.") from None


def photo_digest(keyring: Keyring, photo: bytes) -> str:
    return hmac.new(keyring.blind, b"proofing.photo:" + photo, hashlib.sha256).hexdigest()


async def reference(person: uuid.UUID) -> str | None:
    row = await PhotoOfRecord.select(PhotoOfRecord.digest).where(PhotoOfRecord.person == person).first().run()
    return str(row["digest"]) if row else None


def provider(settings: Settings, keyring: Keyring) -> providers.Provider | None:
    try:
        return providers.select(settings, reference, lambda photo: photo_digest(keyring, photo))
    except providers.ProviderRefused as exc:
        log.error("identity-verification provider refused", extra={"problem": str(exc)})
        return None


def _required(settings: Settings, keyring: Keyring) -> providers.Provider:
    chosen = provider(settings, keyring)
    if chosen is None:
        raise ApiError(409, "proofing.provider_disabled", "No identity-verification provider is enabled here.")
    return chosen


async def set_photo(keyring: Keyring, principal: Principal, *, doc_type: str, id_number: str, photo: str, now: int) -> PhotoOut:
    """Staff set the photo of record of the document's person; only a keyed digest is kept."""
    doc = identity.check_document(doc_type, id_number)
    person = await identity.find_person_id(keyring, doc_type, doc.number)
    if person is None:
        raise ApiError(404, vocab.NO_PERSON, "Nobody is registered with this document.")
    digest = photo_digest(keyring, decode(photo))
    moment = records.utc(now)
    actor = await audit.actor_of(principal)
    async with db.transaction():
        await PhotoOfRecord.delete().where(PhotoOfRecord.person == person).run()
        await PhotoOfRecord.insert(
            PhotoOfRecord(
                person=person, digest=digest, set_by=uuid.UUID(principal.id), office=as_uuid(principal.office_id), set_at=moment
            )
        ).run()
        await audit.record(
            actor,
            person_id=person,
            action="proofing.photo_of_record",
            fields=["identity.photo_of_record"],
            purpose="Set the photo of record a remote face match is compared with",
            basis_kind="official_duty",
            basis_ref="Identity proofing: the document checked in person",
        )
    holder = await identity.get_person(person)
    return PhotoOut(person_name_masked=identity.masked_name(holder["name"]), set_at=moment)


def _out(row: dict[str, Any], instructions: str, now: int) -> ProviderSessionOut:
    status = row["status"]
    if status == "pending" and row["expires_at"] <= records.utc(now):
        status = "expired"
    return ProviderSessionOut(
        session_id=row["id"],
        provider=row["provider"],
        instructions=instructions,
        expires_at=row["expires_at"],
        status=status,
        reason=row["reason"],
    )


async def start(
    settings: Settings,
    keyring: Keyring,
    *,
    account: uuid.UUID | None,
    person: uuid.UUID | None,
    reset: uuid.UUID | None = None,
    session: uuid.UUID | None = None,
    now: int,
) -> ProviderSessionOut:
    chosen = _required(settings, keyring)
    if person is None or await reference(person) is None:
        raise ApiError(409, "proofing.no_photo_of_record", "There is no photo of record to match against; use a counter.")
    started = await chosen.start(person)
    row = ProviderSession(
        id=uuid.uuid4(),
        account=account,
        person=person,
        reset=reset,
        provider=chosen.name,
        provider_ref=started.ref,
        session=session,
        status="pending",
        created_at=records.utc(now),
        expires_at=records.utc(now + vocab.PROVIDER_SECONDS),
    )
    await ProviderSession.insert(row).run()
    return _out(row.to_dict(), started.instructions, now)


async def finish(
    settings: Settings,
    keyring: Keyring,
    store: Store,
    session_id: uuid.UUID,
    evidence: str,
    *,
    account: uuid.UUID | None = None,
    reset: uuid.UUID | None = None,
    now: int,
) -> AttemptOut:
    """The evidence reaches the provider, whose verdict proves the person or is refused."""
    chosen = _required(settings, keyring)
    actor = audit.Actor("system", f"provider:{chosen.name}"[:64], "", f"Identity-verification provider {chosen.name}")
    attempt = Try(method=vocab.PROVIDER, actor=actor, provider=chosen.name, ref=session_id, account=account)
    async with attempts.attempting(store, attempt, now) as at:
        query = ProviderSession.select().where(ProviderSession.id == session_id)
        query = query.where(ProviderSession.account == account) if reset is None else query.where(ProviderSession.reset == reset)
        row = await query.first().run()
        if row is None:
            raise ApiError(404, vocab.SESSION_UNKNOWN, "No such provider session.")
        at.learn_from(row)
        await at.check(("person", row["person"]))
        if row["status"] != "pending":
            raise ApiError(409, "proofing.session_used", "This provider session is over.")
        if row["expires_at"] <= records.utc(now):
            raise ApiError(409, "proofing.session_expired", "This provider session has expired; start again.")
        result = await chosen.finish(row["person"], row["provider_ref"], decode(evidence))
        matched = result.matched and result.score >= vocab.MATCH_THRESHOLD
        async with db.transaction():
            done = await (
                ProviderSession.update(
                    {
                        ProviderSession.status: "proven" if matched else "refused",
                        ProviderSession.reason: "" if matched else vocab.FACE_MISMATCH,
                        ProviderSession.score: result.score,
                        ProviderSession.finished_at: records.utc(now),
                    }
                )
                .where((ProviderSession.id == row["id"]) & (ProviderSession.status == "pending"))
                .returning(ProviderSession.id)
                .run()
            )
            if not done:
                raise ApiError(409, "proofing.session_used", "This provider session is over.")
            if matched:
                return await attempts.prove(at, method=vocab.PROVIDER)
            return await attempts.refused(at, vocab.FACE_MISMATCH)
    raise AssertionError("attempting() re-raises every refusal")
