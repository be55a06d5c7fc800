"""Builders for directory tests: a service point body with a unique word to search for."""

from __future__ import annotations

import secrets


def point(city: str = "440100", *, word: str | None = None, **overrides) -> dict:
    word = word or f"w{secrets.token_hex(4)}"
    return {
        "kind": "service_point",
        "city_code": city,
        "district": "天河区",
        "name": {"zh-Hans": f"天河服务网点{word}", "zh-Hant": f"天河服務網點{word}", "en": f"Tianhe Service Point {word}"},
        "address": {"zh-Hans": "广州市天河区体育西路1号", "zh-Hant": "廣州市天河區體育西路1號", "en": "1 Tiyu West Road, Tianhe"},
        "phone": "020-12333",
        "opening_hours": [
            {"days": [1, 2, 3, 4, 5], "opens": "09:00", "closes": "17:30"},
            {"days": [6], "opens": "09:00", "closes": "12:00"},
        ],
        "hours_note": {"zh-Hans": "法定节假日休息", "zh-Hant": "法定節假日休息", "en": "Closed on public holidays"},
        "services": ["apply", "replace", "report_loss"],
        "facilities": ["wheelchair_access", "priority_window"],
        "latitude": 23.1357,
        "longitude": 113.3216,
        **overrides,
    }
