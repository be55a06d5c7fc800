"""The federation's face: what venues call to verify another region's codes and to answer other regions' calls."""

from __future__ import annotations

from backend.federation.forwarding import forward_offline, import_disclosure
from backend.federation.imports import active_regions, merged_trust
from backend.federation.inbound import Caller, authenticate, signed_answer, target_uri
from backend.federation.issuers import RemoteVerdict, verify_elsewhere
from backend.federation.offline_v2 import HOME, ForeignCheck, code_region, verify_foreign_v2

__all__ = [
    "HOME",
    "Caller",
    "ForeignCheck",
    "RemoteVerdict",
    "active_regions",
    "authenticate",
    "code_region",
    "forward_offline",
    "import_disclosure",
    "merged_trust",
    "signed_answer",
    "target_uri",
    "verify_elsewhere",
    "verify_foreign_v2",
]
