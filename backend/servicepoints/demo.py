"""Demo directory entries for `yikatong demo`: a few service points and terminals (safe to run again)."""

from __future__ import annotations

from typing import Any

import msgspec

from backend.lib.auth import PROVINCIAL, Principal
from backend.servicepoints import directory
from backend.servicepoints.schemas import PointCreate
from backend.servicepoints.tables import ServicePoint

_SEEDER = Principal(kind="staff", id="demo", role=PROVINCIAL, city="440000")
_WEEKDAYS = [{"days": [1, 2, 3, 4, 5], "opens": "09:00", "closes": "17:30"}]
_ALWAYS = [{"days": [1, 2, 3, 4, 5, 6, 7], "opens": "00:00", "closes": "24:00"}]
_HOLIDAYS = {"zh-Hans": "法定节假日休息", "zh-Hant": "法定節假日休息", "en": "Closed on public holidays"}


def _text(zh: str, hant: str, en: str) -> dict:
    return {"zh-Hans": zh, "zh-Hant": hant, "en": en}


POINTS: list[dict[str, Any]] = [
    {
        "kind": "service_point",
        "city_code": "440100",
        "district": "天河区",
        "name": _text("广州市天河区社保服务网点", "廣州市天河區社保服務網點", "Tianhe Social Security Service Point, Guangzhou"),
        "address": _text("广州市天河区天河路 123 号", "廣州市天河區天河路 123 號", "123 Tianhe Road, Tianhe District, Guangzhou"),
        "phone": "020-12333",
        "opening_hours": _WEEKDAYS,
        "hours_note": _HOLIDAYS,
        "services": [
            "apply",
            "report_loss",
            "lift_loss",
            "replace",
            "cancel",
            "change_bank",
            "social_insurance",
            "consultation",
            "complaints",
        ],
        "facilities": ["wheelchair_access", "accessible_toilet", "priority_window", "elderly_assistance"],
        "latitude": 23.1372,
        "longitude": 113.3305,
    },
    {
        "kind": "terminal",
        "city_code": "440100",
        "district": "越秀区",
        "name": _text(
            "越秀政务服务中心自助终端", "越秀政務服務中心自助終端", "Yuexiu Government Service Centre self-service terminal"
        ),
        "address": _text(
            "广州市越秀区府前路 1 号一楼大厅",
            "廣州市越秀區府前路 1 號一樓大廳",
            "Ground floor, 1 Fuqian Road, Yuexiu District, Guangzhou",
        ),
        "opening_hours": _ALWAYS,
        "services": ["report_loss", "ecard", "hr_records"],
        "facilities": ["wheelchair_access", "voice_guidance", "large_print"],
    },
    {
        "kind": "service_point",
        "city_code": "440300",
        "district": "福田区",
        "name": _text("深圳市福田区社保服务网点", "深圳市福田區社保服務網點", "Futian Social Security Service Point, Shenzhen"),
        "address": _text(
            "深圳市福田区福华三路 88 号", "深圳市福田區福華三路 88 號", "88 Fuhua 3rd Road, Futian District, Shenzhen"
        ),
        "phone": "0755-12333",
        "opening_hours": _WEEKDAYS,
        "hours_note": _HOLIDAYS,
        "services": ["apply", "replace", "cancel", "medical_insurance", "certificates", "consultation"],
        "facilities": ["wheelchair_access", "sign_language", "hearing_loop", "braille"],
    },
]


async def ensure_demo_points() -> int:
    """Adds the demo entries whose Chinese name is not in the directory yet; returns how many."""
    existing = {r["name"].get("zh-Hans") for r in await ServicePoint.select(ServicePoint.name).output(load_json=True).run()}
    added = 0
    for point in POINTS:
        if point["name"]["zh-Hans"] in existing:
            continue
        await directory.create_point(_SEEDER, msgspec.convert(point, PointCreate))
        added += 1
    return added
