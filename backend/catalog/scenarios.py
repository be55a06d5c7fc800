"""Built-in verification scenarios: what a venue type may ask a code to disclose."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from backend.lib import assurance

OfflineProfile = Literal["validity", "concession", "transit"]

VENUE_TYPES: tuple[str, ...] = (
    "hotel",
    "hospital",
    "metro",
    "bus",
    "ferry",
    "library",
    "museum",
    "scenic_spot",
    "sports_ground",
    "service_counter",
    "office",
)

# Every attribute a scenario can disclose. Offline scanners see only what the signed
# credential carries (validity and concession flags), never a name or a number.
ATTRIBUTES: tuple[str, ...] = (
    "name",
    "doc_type",
    "identity_number",
    "masked_name",
    "masked_identity_number",
    "card_valid",
    "valid_until",
    "concession",
    "concessions",
    "certificate",  # certificates feature: the linked certificate the holder chose to show
)
OFFLINE_ATTRIBUTES = frozenset({"card_valid", "valid_until", "concession", "concessions"})
# The proofing level a scenario may ask of the e-card (backend/lib/assurance.py), and the highest
# one an offline scanner can honour: the offline credential does not carry the level, so a
# scenario asking more than FAMILY is checked online only (catalog/validate.py enforces it).
DEFAULT_ASSURANCE = assurance.FAMILY
OFFLINE_MAX_ASSURANCE = assurance.FAMILY


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    venue_types: frozenset[str]
    attributes: tuple[str, ...]  # exactly what a valid answer discloses, nothing more
    needs_transport: bool = False  # Art. 7: public transport only for cards with transport enabled
    legal_basis: str = ""
    # The least proofing of the e-card's holder this scenario accepts (online checks answer
    # `assurance_too_low` below it); `offline`: whether offline scanners may verify it at all.
    min_assurance: int = DEFAULT_ASSURANCE
    offline: bool = True

    @property
    def offline_attributes(self) -> tuple[str, ...]:
        return tuple(a for a in self.attributes if a in OFFLINE_ATTRIBUTES)

    @property
    def discloses_concessions(self) -> bool:
        return "concession" in self.attributes or "concessions" in self.attributes

    @property
    def offline_profile(self) -> OfflineProfile | None:
        """Which offline credential of format 2 this scenario takes (docs/qr-format.md): transit for
        public transport, concession where concessions are shown, validity otherwise; None for a
        scenario never verified offline."""
        if not self.offline:
            return None
        if self.needs_transport:
            return "transit"
        return "concession" if self.discloses_concessions else "validity"


# The built-in table: it seeds the initial provincial application catalog (backend/catalog/seed.py),
# which then decides what is in effect; keep entries small and declarative.
_BUILT_IN: tuple[Scenario, ...] = (
    Scenario(
        "hotel_checkin",
        "酒店入住登记 Hotel check-in",
        frozenset({"hotel"}),
        ("name", "doc_type", "identity_number"),
        legal_basis="Art. 9; lodging registration requires the full identity number",
        # Issue 14: a check-in proves who stays, so the e-card's holder must have been proven
        # at a counter, by the bank or by an identity provider; never offline.
        min_assurance=assurance.REMOTE,
        offline=False,
    ),
    Scenario(
        "hospital_registration",
        "医院挂号 Hospital registration",
        frozenset({"hospital"}),
        ("name", "masked_identity_number", "card_valid"),
        legal_basis="Art. 7 medical journey",
    ),
    Scenario(
        "transit_ride",
        "公共交通乘车 Public transport ride",
        frozenset({"metro", "bus", "ferry"}),
        ("valid_until", "concession"),
        needs_transport=True,
        legal_basis="Art. 7 public transport",
    ),
    Scenario("library_entry", "图书馆入馆 Library entry", frozenset({"library"}), ("masked_name",), legal_basis="Art. 7"),
    Scenario(
        "scenic_entry",
        "景区场馆入园 Museum, scenic spot and sports ground entry",
        frozenset({"museum", "scenic_spot", "sports_ground"}),
        ("valid_until", "concessions"),
        legal_basis="Art. 7 concessions",
    ),
    Scenario(
        "counter_service",
        "窗口业务办理 Counter service",
        frozenset({"service_counter", "office"}),
        ("name", "masked_identity_number"),
        legal_basis="Art. 9 identity for public services",
    ),
    # certificates feature: the holder shows one linked certificate with the card (Art. 9);
    # its type decides which of its fields this scenario sees (backend/certificates).
    Scenario(
        "certificate_check",
        "电子证照核验 Certificate check",
        frozenset({"service_counter", "office"}),
        ("name", "card_valid", "certificate"),
        legal_basis="Art. 9 linked electronic certificates instead of paper copies",
    ),
)

_SCENARIOS: dict[str, Scenario] = {s.name: s for s in _BUILT_IN}


def stored_assurance(definition: dict) -> tuple[int, bool]:
    """(min_assurance, offline) of a stored scenario definition. Definitions published before
    issue 14 carry neither: they ask for FAMILY and may be verified offline, as they were."""
    level = int(definition.get("min_assurance", DEFAULT_ASSURANCE))
    return level, bool(definition.get("offline", level <= OFFLINE_MAX_ASSURANCE))


def get(name: str) -> Scenario | None:
    return _SCENARIOS.get(name)


def all_scenarios() -> tuple[Scenario, ...]:
    return tuple(_SCENARIOS.values())


def for_venue_type(venue_type: str) -> tuple[Scenario, ...]:
    return tuple(s for s in _SCENARIOS.values() if venue_type in s.venue_types)


def replace(scenarios: list[Scenario]) -> None:
    """Swap in another table (the application catalog); every attribute must be a known one."""
    for s in scenarios:
        unknown = set(s.attributes) - set(ATTRIBUTES)
        if unknown:
            raise ValueError(f"scenario {s.name} names unknown attributes {sorted(unknown)}")
        if s.min_assurance not in assurance.LEVELS:
            raise ValueError(f"scenario {s.name} asks for an unknown assurance level {s.min_assurance}")
        if s.offline and s.min_assurance > OFFLINE_MAX_ASSURANCE:
            raise ValueError(f"scenario {s.name} asks for more proofing than an offline scanner can check")
    _SCENARIOS.clear()
    _SCENARIOS.update({s.name: s for s in scenarios})
