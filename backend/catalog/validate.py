"""Rules a version's content must follow before it is stored (decoding already checked the shapes)."""

from __future__ import annotations

import msgspec

from backend.catalog.scenarios import ATTRIBUTES, OFFLINE_MAX_ASSURANCE
from backend.catalog.schemas import ContentIn
from backend.lib import assurance
from backend.lib.errors import ApiError


def _blank(text) -> bool:
    return any(not getattr(text, f).strip() for f in ("zh_hans", "zh_hant", "en"))


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def content_row(content: ContentIn, *, extension: bool) -> dict:
    """The stored columns of a version, or 422 with the first rule broken."""
    if _blank(content.name):
        raise ApiError(422, "catalog.name_required", "The item needs a name in every language.")
    venue_types = _unique(content.venue_types)
    seen: set[str] = set()
    scenarios = []
    for index, s in enumerate(content.scenarios):
        if s.name in seen:
            raise ApiError(422, "catalog.duplicate_scenario", f"Scenario {s.name!r} is listed twice.", index=index)
        seen.add(s.name)
        if _blank(s.title):
            raise ApiError(422, "catalog.title_required", f"Scenario {s.name!r} needs a title in every language.", index=index)
        if not s.legal_basis.strip():
            # PIPL: personal data is disclosed only on a legal basis, which the catalog states.
            raise ApiError(422, "catalog.legal_basis_required", f"Scenario {s.name!r} needs its legal basis.", index=index)
        outside = sorted(set(s.venue_types) - set(venue_types))
        if outside:
            raise ApiError(
                422,
                "catalog.scenario_venue_type",
                f"Scenario {s.name!r} names venue types the item does not.",
                index=index,
                venue_types=outside,
            )
        unknown = sorted(set(s.attributes) - set(ATTRIBUTES))
        if unknown:  # decoding refuses these too; the seed path does not decode
            raise ApiError(422, "catalog.unknown_attribute", f"Scenario {s.name!r} names unknown attributes.", attributes=unknown)
        offline = _offline(s.name, index, s.min_assurance, s.offline)
        row = msgspec.to_builtins(s)
        row["venue_types"] = _unique(s.venue_types)
        row["attributes"] = _unique(s.attributes)
        row["legal_basis"] = s.legal_basis.strip()
        row["offline"] = offline  # stored resolved, so a stored definition says it outright
        scenarios.append(row)
    if extension and not scenarios:
        raise ApiError(422, "catalog.extension_needs_scenarios", "A city extension adds at least one scenario.")
    return {
        "domain": content.domain,
        "name": msgspec.to_builtins(content.name),
        "description": msgspec.to_builtins(content.description),
        "venue_types": venue_types,
        "scenarios": scenarios,
        "note": content.note.strip(),
    }


def _offline(name: str, index: int, level: int, offline: bool | None) -> bool:
    """Whether offline scanners may verify the scenario; 422 for a level outside 0..3, or for an
    offline scenario asking more proofing than FAMILY: an offline credential does not carry the
    holder's level, so an offline scanner could not honour it (such scenarios are online only)."""
    if level not in assurance.LEVELS:  # decoding refuses these too; the seed path does not decode
        raise ApiError(
            422,
            "catalog.bad_assurance",
            f"Scenario {name!r} asks for an unknown proofing level.",
            index=index,
            allowed=list(assurance.LEVELS),
        )
    if offline is None:
        return level <= OFFLINE_MAX_ASSURANCE
    if offline and level > OFFLINE_MAX_ASSURANCE:
        raise ApiError(
            422,
            "catalog.offline_assurance",
            f"Scenario {name!r} asks for more proofing than an offline scanner can check: it must be online only.",
            index=index,
            min_assurance=level,
            offline_max=OFFLINE_MAX_ASSURANCE,
        )
    return offline
