"""The first issuing agencies and certificate types (Art. 7, 9), written by a data migration.

After this, operators add types through the API; nothing here is read at run time.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any, TypedDict

_NS = uuid.UUID("6f1d2c1e-3b7a-4c55-9a55-59b1c0e7d001")  # stable ids: the same on every database

AGENCIES = (
    ("GD-PSD-TMB", "广东省公安厅交通管理局 Traffic Management Bureau, Public Security", "public_security"),
    ("GD-CAD-AGEING", "广东省民政厅老龄工作办公室 Office on Ageing, Civil Affairs", "civil_affairs"),
    ("GD-DPF", "广东省残疾人联合会 Disabled Persons' Federation", "disabled_federation"),
    ("GD-VAD", "广东省退役军人事务厅 Department of Veterans Affairs", "veterans"),
)


class _Type(TypedDict):
    code: str
    name: str
    issuer: str  # agency code
    attribute_schema: dict[str, dict[str, Any]]
    concessions: list[dict[str, Any]]
    disclosure: dict[str, list[str]]
    statutory_access: dict[str, list[str]]


TYPES: tuple[_Type, ...] = (
    {
        "code": "driving_licence",
        "name": "电子驾驶证 Electronic driving licence",
        "issuer": "GD-PSD-TMB",
        "attribute_schema": {
            "licence_class": {"type": "string", "required": True, "max_length": 16},
            "points": {"type": "integer", "required": True, "min": 0, "max": 12},
            "first_issued": {"type": "date", "required": True},
            "issuing_city": {"type": "string", "required": False, "max_length": 64},
        },
        "concessions": [],
        "disclosure": {"certificate_check": ["first_issued", "licence_class"]},
        "statutory_access": {"public_security": ["first_issued", "licence_class", "points"]},
    },
    {
        "code": "elderly_preferential",
        "name": "老年人优待证 Elderly preferential certificate",
        "issuer": "GD-CAD-AGEING",
        "attribute_schema": {"age_band": {"type": "string", "required": True, "enum": ["60-64", "65-69", "70+"]}},
        "concessions": [
            {"code": "elderly", "scenarios": ["scenic_entry", "transit_ride"]},
            {"code": "free_transit", "scenarios": ["transit_ride"]},
        ],
        "disclosure": {"certificate_check": ["age_band"]},
        "statutory_access": {"civil_affairs": ["age_band"], "hrss": ["age_band"]},
    },
    {
        "code": "disability_certificate",
        "name": "残疾人证 Disability certificate",
        "issuer": "GD-DPF",
        "attribute_schema": {
            "category": {
                "type": "string",
                "required": True,
                "enum": ["visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple"],
            },
            "grade": {"type": "integer", "required": True, "min": 1, "max": 4},
        },
        "concessions": [
            {"code": "disability", "scenarios": ["scenic_entry", "transit_ride"]},
            {"code": "scenic_discount", "scenarios": ["scenic_entry"]},
        ],
        # Health data: a venue sees the grade only, never the category.
        "disclosure": {"certificate_check": ["grade"]},
        "statutory_access": {"civil_affairs": ["category", "grade"], "hrss": ["grade"]},
    },
    {
        "code": "veteran_preferential",
        "name": "优待证 Veteran preferential certificate",
        "issuer": "GD-VAD",
        "attribute_schema": {
            "holder_kind": {"type": "string", "required": True, "enum": ["veteran", "martyr_family", "serviceman_family"]}
        },
        "concessions": [
            {"code": "scenic_free_entry", "scenarios": ["scenic_entry"]},
            {"code": "veteran", "scenarios": ["scenic_entry", "transit_ride"]},
        ],
        "disclosure": {"certificate_check": ["holder_kind"]},
        "statutory_access": {"hrss": ["holder_kind"]},
    },
)


def agency_id(code: str) -> uuid.UUID:
    return uuid.uuid5(_NS, "agency:" + code)


async def seed_builtin() -> None:
    """Insert the agencies and types unless they exist (by code). Raw SQL with explicit
    columns, so this migration keeps working however the tables' Python classes change."""
    from backend.certificates.tables import CertificateType

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    for code, name, kind in AGENCIES:
        await CertificateType.raw(
            "INSERT INTO org_agency (id, code, name, kind) VALUES ({}, {}, {}, {}) ON CONFLICT (code) DO NOTHING",
            agency_id(code),
            code,
            name,
            kind,
        ).run()
    for spec in TYPES:
        rows = await CertificateType.raw("SELECT id FROM org_agency WHERE code = {}", spec["issuer"]).run()
        await CertificateType.raw(
            "INSERT INTO certificates_type (id, code, name, issuer, attribute_schema, concessions, disclosure, "
            "statutory_access, active, created_by, created_at, updated_at) "
            "VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}) ON CONFLICT (code) DO NOTHING",
            uuid.uuid5(_NS, "type:" + spec["code"]),
            spec["code"],
            spec["name"],
            rows[0]["id"],
            json.dumps(spec["attribute_schema"]),
            json.dumps(spec["concessions"]),
            json.dumps(spec["disclosure"]),
            json.dumps(spec["statutory_access"]),
            True,
            "seed",
            now,
            now,
        ).run()
