"""What verification learns from linked certificates: concessions per scenario, and a shown certificate."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

from backend.certificates.schemas import PresentedCertificate
from backend.certificates.services import effective_status, load
from backend.lib import db
from backend.lib.store import Store

SHOW_KEY = "certshow:"  # + code id -> certificate id, while the code can still be scanned


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


_ACTIVE_CONCESSIONS_SQL = (
    "SELECT c.person, c.status, c.valid_from, c.valid_until, t.concessions AS concessions"
    " FROM certificates_certificate c JOIN certificates_type t ON t.id = c.type"
    " WHERE c.status = 'active' AND "
)


async def _active_certificates(people: list[uuid.UUID]) -> list[list[dict]]:
    """Each person's active certificates with their types' concessions, in one query."""
    rows = await db.fetch(_ACTIVE_CONCESSIONS_SQL + db.any_of("c.person"), db.list_arg(people))
    by_person: dict[uuid.UUID, list[dict]] = {}
    for row in rows:
        row["concessions"] = db.json_column(row["concessions"])
        by_person.setdefault(row["person"], []).append(row)
    return [by_person.get(person, []) for person in people]


# Transit and scenic scans ask this every time: concurrent scans share one query.
_certificates_by_person = db.Loader(_active_certificates)


async def concessions_for(person_id: uuid.UUID | str, scenario_name: str | None, *, rows=None) -> set[str]:
    """Concession codes the person's usable certificates grant in this scenario, and only this one
    (None: in any scenario, for offline credentials whose flags serve every offline gate).
    `rows`: the lookup `certificates_soon` started, if the caller started it early."""
    rows = await (rows if rows is not None else _certificates_by_person.load(uuid.UUID(str(person_id))))
    now = _now()
    granted: set[str] = set()
    for row in rows:
        if effective_status(row, now) != "active":
            continue
        granted |= {c["code"] for c in row["concessions"] or [] if scenario_name is None or scenario_name in c["scenarios"]}
    return granted


def certificates_soon(subject, scenario):
    """Start the certificate lookup `with_concessions` will need, so it overlaps the caller's
    other waits (verification: the one-time claim); None when the scenario needs none. Pass
    the result to `with_concessions`, or await it, on every path."""
    if subject is None or not scenario.discloses_concessions:
        return None
    return _certificates_by_person.soon(uuid.UUID(str(subject.person_id)))


async def with_concessions(subject, scenario, *, started=None):
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


def presented_view(row: dict, fields: list[str], at: dt.datetime) -> PresentedCertificate:
    """Status always; the allowed fields only while the certificate is usable."""
    status = effective_status(row, at)
    shown = {name: row["attributes"][name] for name in fields if name in row["attributes"]} if status == "active" else {}
    return PresentedCertificate(
        id=row["id"],
        type=row["type_code"],
        type_name=row["type_name"],
        issuer_name=row["issuer_name"],
        status=status,
        valid_until=row["valid_until"],
        fields=shown,
    )


async def shown_with_code(store: Store, code_id: str | None, person_id) -> dict | None:
    """The certificate the holder chose to show with this code, if any and if it is theirs."""
    if not code_id:
        return None
    held = await store.get(SHOW_KEY + code_id)
    if held is None:
        return None
    row = await load(uuid.UUID(held))
    if row is None or str(row["person"]) != str(person_id):
        return None
    return row


async def shown_for_scenario(store: Store, code_id: str | None, subject, scenario_name: str) -> PresentedCertificate | None:
    """For verification: the shown certificate with the fields its type lets this scenario see."""
    from backend.certificates import registry

    row = await shown_with_code(store, code_id, getattr(subject, "person_id", None))
    if row is None:
        return None
    ctype = await registry.by_id(row["type"])
    return presented_view(row, ctype["disclosure"].get(scenario_name, []), _now())
