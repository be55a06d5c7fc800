"""What verification learns from linked certificates: concessions per scenario, and a shown certificate."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Awaitable
from typing import overload

import msgspec

from backend.cards.services import CodeSubject
from backend.catalog.scenarios import Scenario
from backend.certificates import registry
from backend.certificates.records import CertificateRow, effective_status, load
from backend.certificates.schemas import PresentedCertificate, StoredStatus
from backend.lib import db
from backend.lib.store import Store

SHOW_KEY = "certshow:"  # + code id -> certificate id, while the code can still be scanned


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Concession(msgspec.Struct, frozen=True):
    """One entry of a type's `concessions` column: a code and the scenarios it is granted in
    (schemas.ConcessionSpec without the request's checks: the registry checked it when written)."""

    code: str
    scenarios: list[str]


class ActiveCertificate(msgspec.Struct, frozen=True):
    """An active certificate of a person, as much as concessions need: its validity and its type's
    concessions. Read-only: concurrent scans of one person share the same records (db.Loader)."""

    person: uuid.UUID
    status: StoredStatus
    valid_from: dt.datetime
    valid_until: dt.datetime | None
    concessions: list[Concession] | None


_ACTIVE_CONCESSIONS_SQL = (
    "SELECT c.person, c.status, c.valid_from, c.valid_until, t.concessions AS concessions"
    " FROM certificates_certificate c JOIN certificates_type t ON t.id = c.type"
    " WHERE c.status = 'active' AND "
)
_CONCESSIONS: msgspec.json.Decoder[list[Concession] | None] = msgspec.json.Decoder(list[Concession] | None)


def _concessions(value: object) -> list[Concession] | None:
    """The type's `concessions` column as `fetch` gives it (JSON text), decoded straight into records."""
    if isinstance(value, str | bytes):
        return _CONCESSIONS.decode(value)
    return None if value is None else msgspec.convert(value, list[Concession])  # already decoded (db.json_column allows it)


async def _active_certificates(people: list[uuid.UUID]) -> list[list[ActiveCertificate]]:
    """Each person's active certificates with their types' concessions, in one query."""
    rows = await db.fetch(_ACTIVE_CONCESSIONS_SQL + db.any_of("c.person"), db.list_arg(people))
    by_person: dict[uuid.UUID, list[ActiveCertificate]] = {}
    for row in rows:
        found = ActiveCertificate(
            row["person"], row["status"], row["valid_from"], row["valid_until"], _concessions(row["concessions"])
        )
        by_person.setdefault(found.person, []).append(found)
    return [by_person.get(person, []) for person in people]


# Transit and scenic scans ask this every time: concurrent scans share one query.
_certificates_by_person = db.Loader(_active_certificates)


async def concessions_for(
    person_id: uuid.UUID | str, scenario_name: str | None, *, rows: Awaitable[list[ActiveCertificate]] | None = None
) -> set[str]:
    """Concession codes the person's usable certificates grant in this scenario, and only this one
    (None: in any scenario, for offline credentials whose flags serve every offline gate).
    `rows`: the lookup `certificates_soon` started, if the caller started it early."""
    found = await (rows if rows is not None else _certificates_by_person.load(uuid.UUID(str(person_id))))
    now = _now()
    granted: set[str] = set()
    for row in found:
        if effective_status(row, now) != "active":
            continue
        granted |= {c.code for c in row.concessions or [] if scenario_name is None or scenario_name in c.scenarios}
    return granted


def certificates_soon(subject: CodeSubject | None, scenario: Scenario) -> Awaitable[list[ActiveCertificate]] | None:
    """Start the certificate lookup `with_concessions` will need, so it overlaps the caller's
    other waits (verification: the one-time claim); None when the scenario needs none. Pass
    the result to `with_concessions`, or await it, on every path."""
    if subject is None or not scenario.discloses_concessions:
        return None
    return _certificates_by_person.soon(uuid.UUID(str(subject.person_id)))


@overload
async def with_concessions(
    subject: CodeSubject, scenario: Scenario, *, started: Awaitable[list[ActiveCertificate]] | None = None
) -> CodeSubject: ...
@overload
async def with_concessions(
    subject: None, scenario: Scenario, *, started: Awaitable[list[ActiveCertificate]] | None = None
) -> None: ...
async def with_concessions(
    subject: CodeSubject | None, scenario: Scenario, *, started: Awaitable[list[ActiveCertificate]] | None = None
) -> CodeSubject | None:
    """The verified card's subject with its certificates' concessions for this scenario added.
    Scenarios that show no concessions get the subject unchanged: nothing leaks there.
    `started`: what `certificates_soon` returned for this subject and scenario."""
    if subject is None or not scenario.discloses_concessions:
        return subject
    extra = await concessions_for(subject.person_id, scenario.name, rows=started)
    if not extra - set(subject.concessions):
        return subject
    merged = tuple(subject.concessions) + tuple(sorted(extra - set(subject.concessions)))
    return dataclasses.replace(subject, concessions=merged)


async def remember_shown(store: Store, code_id: str, certificate_id: uuid.UUID, ttl: int) -> None:
    await store.set(SHOW_KEY + code_id, str(certificate_id), ttl)


def presented_view(row: CertificateRow, fields: list[str], at: dt.datetime) -> PresentedCertificate:
    """Status always; the allowed fields only while the certificate is usable."""
    status = effective_status(row, at)
    shown = {name: row.attributes[name] for name in fields if name in row.attributes} if status == "active" else {}
    return PresentedCertificate(
        id=row.id,
        type=row.type_code,
        type_name=row.type_name,
        issuer_name=row.issuer_name,
        status=status,
        valid_until=row.valid_until,
        fields=shown,
    )


async def shown_with_code(store: Store, code_id: str | None, person_id: uuid.UUID | str | None) -> CertificateRow | None:
    """The certificate the holder chose to show with this code, if any and if it is theirs."""
    if not code_id:
        return None
    held = await store.get(SHOW_KEY + code_id)
    if held is None:
        return None
    row = await load(uuid.UUID(held))
    if row is None or str(row.person) != str(person_id):
        return None
    return row


async def shown_for_scenario(
    store: Store, code_id: str | None, subject: CodeSubject | None, scenario_name: str
) -> PresentedCertificate | None:
    """For verification: the shown certificate with the fields its type lets this scenario see."""
    row = await shown_with_code(store, code_id, subject.person_id if subject is not None else None)
    if row is None:
        return None
    ctype = await registry.by_id(row.type)
    return presented_view(row, ctype.disclosure.get(scenario_name, []), _now())
