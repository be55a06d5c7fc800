"""The access record entry for a venue verification that disclosed personal data (audit writes it)."""

from __future__ import annotations

import uuid

from backend.audit import services
from backend.catalog import services as catalog
from backend.catalog.scenarios import Scenario
from backend.certificates.schemas import PresentedCertificate
from backend.venues.records import Entry
from backend.venues.schemas import VenueOut


def disclosed_fields(disclosed: list[str], certificate: PresentedCertificate | None) -> list[str]:
    """Attribute names, with a shown certificate spelled out as the fields the venue saw."""
    names = [n for n in disclosed if n != "certificate"]
    if certificate is not None:
        names += [f"certificate.{certificate.type}.status", *(f"certificate.{certificate.type}.{f}" for f in certificate.fields)]
    return names


async def verification_entry(
    *,
    venue: VenueOut,
    scanner_id: str,
    scenario_name: str,
    disclosed: list[str],
    certificate: PresentedCertificate | None,
    person_id: uuid.UUID,
    retry: bool,
    scenario: Scenario | None = None,
) -> Entry:
    """The access record content for a venue scan. `scenario` is the definition the scan was
    checked against; without it (uploaded offline scans) the latest published one is looked up.
    Call it BEFORE opening the verification's transaction: the catalog lookup may wait on a
    reload, and nothing that can wait may run while a transaction holds a pooled connection
    (waiters would starve the pool)."""
    if scenario is None:
        scenario = (await catalog.definitions([scenario_name])).get(scenario_name)
    return services.entry(
        services.Actor("venue", scanner_id, str(venue.id), venue.name),
        person_id=person_id,
        action="verification.retry" if retry else "verification",
        fields=disclosed_fields(disclosed, certificate),
        purpose=scenario.title if scenario else scenario_name,
        basis_kind="scenario",
        basis_ref=f"{scenario_name}: {scenario.legal_basis}" if scenario and scenario.legal_basis else scenario_name,
    )
