"""Who may write which HR record and who may read on what basis: the HR file's permission checks."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from backend.employers import services as employers
from backend.hrfile import vocab
from backend.lib.auth import AGENCY, COUNTER, EMPLOYER, SUPERVISOR, Principal, current
from backend.lib.errors import ApiError
from backend.org.tables import Agency, Office


async def signed_in(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: any signed-in caller; who may write or read what is decided by the checks below, so a
    citizen or a scanner is told `hrfile.writer_not_allowed` rather than a bare wrong role."""
    current(connection)


@dataclass(frozen=True)
class Writer:
    """A caller as the source of records, and what the rules need to know about it."""

    role: str
    source_kind: str = ""  # agency | employer | staff; "" for a caller that writes nothing
    source_id: str = ""
    source_name: str = ""
    client_id: str = ""
    agency_kind: str = ""
    employer_uscc: str = ""
    employer_name: str = ""

    @property
    def label(self) -> str:
        """The writer as an error message names it."""
        if self.source_kind == "agency":
            return f"agency of kind {self.agency_kind}"
        if self.source_kind == "staff":
            return f"staff ({self.role})"
        return self.role


def refused(kind: str, writer: Writer, why: str = "") -> ApiError:
    return ApiError(
        403,
        "hrfile.writer_not_allowed",
        f"A {writer.label} may not write {kind} records{why}.",
        kind=kind,
        writer=writer.label,
    )


async def writer_of(principal: Principal) -> Writer:
    """The caller as a writer; callers that write nothing come back without a source kind."""
    if principal.role == AGENCY and principal.org_id:
        row = await Agency.select(Agency.name, Agency.kind).where(Agency.id == principal.org_id).first().run()
        if row is None:
            raise ApiError(403, "agency.unknown", "This credential's agency is not registered.")
        return Writer(AGENCY, "agency", principal.org_id, row["name"], principal.id, agency_kind=row["kind"])
    if principal.role == EMPLOYER:
        employer = await employers.active_employer_of(principal)
        return Writer(
            EMPLOYER,
            "employer",
            str(employer.id),
            employer.name,
            principal.id,
            employer_uscc=employer.uscc,
            employer_name=employer.name,
        )
    if principal.is_staff and principal.role in (COUNTER, SUPERVISOR) and principal.office_id:
        office = await Office.select(Office.name).where(Office.id == principal.office_id).first().run()
        return Writer(principal.role, "staff", principal.office_id, office["name"] if office else "", principal.id)
    return Writer(principal.role)


def check_kind(writer: Writer, kind: str) -> None:
    """403 `hrfile.writer_not_allowed` (naming kind and writer) unless this writer writes this kind."""
    if writer.source_kind == "agency":
        allowed = vocab.AGENCY_WRITERS.get(writer.agency_kind, frozenset())
    elif writer.source_kind == "employer":
        allowed = vocab.EMPLOYER_KINDS
    elif writer.source_kind == "staff":
        allowed = vocab.AGENCY_KINDS
    else:
        allowed = frozenset()
    if kind not in allowed:
        raise refused(kind, writer)


def own_employer(writer: Writer, data: dict[str, Any]) -> dict[str, Any]:
    """An employer's record names the employer itself: its USCC and name from the registry
    (an employer may leave them out); another employer's USCC is refused (403 `hrfile.other_employer`)."""
    if writer.source_kind != "employer":
        return data
    if data.get("employer_uscc") not in (None, writer.employer_uscc):
        raise ApiError(
            403, "hrfile.other_employer", "An employer writes employment records for itself only: employer_uscc is not yours."
        )
    return {**data, "employer_uscc": writer.employer_uscc, "employer_name": writer.employer_name}


def check_data(writer: Writer, kind: str, data: dict[str, Any]) -> None:
    """Limits within a kind: the medical insurance bureau writes medical and maternity contributions only."""
    if writer.agency_kind == "medical_insurance" and data.get("insurance") not in vocab.MEDICAL_INSURANCES:
        raise refused(kind, writer, f" of {data.get('insurance')} insurance (medical and maternity only)")


def check_correction(writer: Writer, target: dict[str, Any] | None, kind: str, person_ids: list[uuid.UUID]) -> None:
    """A correction names a record of the same person and kind, written by the same source (or the
    caller is a supervisor), not corrected already."""
    if target is None or uuid.UUID(str(target["person"])) not in person_ids:
        raise ApiError(404, "hrfile.not_found", "`corrects` names no record of this person.")
    if target["kind"] != kind:
        raise ApiError(
            422,
            "hrfile.correction_kind",
            f"A correction has the kind of what it corrects ({target['kind']}).",
            kind=target["kind"],
        )
    if str(target["source_id"]) != writer.source_id and writer.role != SUPERVISOR:
        raise ApiError(
            403, "hrfile.correction_not_allowed", "Only the source that wrote a record (or a supervisor) may correct it."
        )
    if target.get("corrected_by") is not None:
        raise ApiError(
            409,
            "hrfile.already_corrected",
            "This record was corrected already; correct the correction instead.",
            corrected_by=str(target["corrected_by"]),
        )
