"""Certificates as a caller sees them: a stored version turned into its answer."""

from __future__ import annotations

import datetime as dt

from backend.certificates.records import CertificateRow, effective_status
from backend.certificates.schemas import CertificateOut, SignatureOut


def certificate_out(row: CertificateRow) -> CertificateOut:
    """The answer for one certificate, its status as of now."""
    return CertificateOut(
        id=row.id,
        type=row.type_code,
        type_name=row.type_name,
        issuer_name=row.issuer_name,
        status=effective_status(row, dt.datetime.now(dt.UTC)),
        attributes=row.attributes,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        version=row.version,
        reason=row.reason,
        issued_at=row.issued_at,
        updated_at=row.updated_at,
        signature=SignatureOut(key_id=row.key_id, value=row.signature, signed_at=row.signed_at),
    )
