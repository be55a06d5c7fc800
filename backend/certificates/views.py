"""Rows to response Structs for the certificates API."""

from __future__ import annotations

import datetime as dt

import msgspec

from backend.certificates.schemas import CertificateOut, ConcessionSpec, FieldSpec, IssuerOut, SignatureOut, TypeOut
from backend.certificates.services import effective_status


def type_out(row: dict) -> TypeOut:
    return TypeOut(
        id=row["id"],
        code=row["code"],
        name=row["name"],
        issuer=IssuerOut(id=row["issuer_id"], code=row["issuer_code"], name=row["issuer_name"], kind=row["issuer_kind"]),
        attribute_schema=msgspec.convert(row["attribute_schema"], dict[str, FieldSpec]),
        concessions=msgspec.convert(row["concessions"] or [], list[ConcessionSpec]),
        disclosure=row["disclosure"] or {},
        statutory_access=row["statutory_access"] or {},
        active=row["active"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def certificate_out(row: dict) -> CertificateOut:
    return CertificateOut(
        id=row["id"],
        type=row["type_code"],
        type_name=row["type_name"],
        issuer_name=row["issuer_name"],
        status=effective_status(row, dt.datetime.now(dt.UTC)),
        attributes=row["attributes"],
        valid_from=row["valid_from"],
        valid_until=row["valid_until"],
        version=row["version"],
        reason=row["reason"],
        issued_at=row["issued_at"],
        updated_at=row["updated_at"],
        signature=SignatureOut(key_id=row["key_id"], value=row["signature"], signed_at=row["signed_at"]),
    )
