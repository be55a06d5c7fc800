"""Fixed words of enforcement: signal and case kinds, case and order states, decisions, fine bounds."""

from __future__ import annotations

from typing import Literal

# What the detector finds (docs/misuse.md explains each, its threshold and its false positives).
SignalKind = Literal[
    "impossible_travel",  # two valid uses too far apart for the time between them
    "many_venues",  # one card at many distinct venues in a short time (lent or rented out)
    "far_from_home",  # regular use far from home while the holder also uses it at home
    "shared_device",  # one device presenting codes of several unrelated holders
    "replay_attempts",  # repeated `replayed` results, for one card or from one scanner
    "forgery_attempts",  # repeated `bad_signature` results from one scanner
    "revoked_device",  # repeated `device_revoked` results for one card
    "withholding",  # one venue verifying a card over and over, with no other use of it
    "outside_catalog",  # a venue verifying for scenarios the catalog does not give it
]
SIGNAL_KINDS: tuple[str, ...] = SignalKind.__args__  # type: ignore[attr-defined]  # Literal keeps its values in __args__

# Cases: Art. 19's forms of misuse of a card, and Art. 18's grounds against a service or organisation.
CaseKind = Literal[
    "lending",  # 出租、出借
    "selling",  # 出售
    "impersonation",  # 冒用
    "theft",  # 盗用
    "withholding",  # 扣押
    "forgery",  # 伪造、变造
    "impossible_travel",  # a copied or shared card, until investigated
    "outside_catalog",  # Art. 18: services ignoring the catalog
    "other",
]
CASE_KINDS: tuple[str, ...] = CaseKind.__args__  # type: ignore[attr-defined]  # Literal keeps its values in __args__

# The case a signal opens (or joins, while one of that kind is open for the same subject).
CASE_OF_SIGNAL: dict[str, str] = {
    "impossible_travel": "impossible_travel",
    "many_venues": "lending",
    "far_from_home": "lending",
    "shared_device": "lending",
    "replay_attempts": "forgery",
    "forgery_attempts": "forgery",
    "revoked_device": "theft",
    "withholding": "withholding",
    "outside_catalog": "outside_catalog",
}

CaseState = Literal["open", "investigating", "proposed", "decided", "appealed", "closed"]
CASE_STATES: tuple[str, ...] = CaseState.__args__  # type: ignore[attr-defined]  # Literal keeps its values in __args__

Decision = Literal["no_action", "warning", "correction_order", "fine"]
DECISIONS: tuple[str, ...] = Decision.__args__  # type: ignore[attr-defined]  # Literal keeps its values in __args__

AppealState = Literal["", "lodged", "upheld", "overturned"]

# Art. 19: 处一千元以上一万元以下罚款.
# Case kinds under Art. 18, which orders correction and provides no fine.
NO_FINE_KINDS = frozenset({"outside_catalog"})
FINE_MIN_YUAN = 1_000
FINE_MAX_YUAN = 10_000

# Art. 18 grounds for ordering a service or organisation to correct its conduct.
OrderGround = Literal["outside_catalog", "duplicate_card", "not_connected", "no_holder_queries", "other"]
ORDER_GROUNDS: tuple[str, ...] = OrderGround.__args__  # type: ignore[attr-defined]  # Literal keeps its values in __args__

OrderState = Literal["issued", "reported", "complied", "overdue", "escalated", "withdrawn"]
ORDER_STATES: tuple[str, ...] = OrderState.__args__  # type: ignore[attr-defined]  # Literal keeps its values in __args__

OrderTarget = Literal["venue", "agency", "employer", "service_point"]
