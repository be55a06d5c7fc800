"""Fixed words of the federation: what another region's codes may disclose here, and the results only federation gives."""

from __future__ import annotations

import enum
from typing import Literal

# What an imported region's codes may show at our scanners: the YKD2 disclosure fields and the
# online attribute names (docs/federation.md). Nothing that names or identifies the holder more.
Disclose = Literal["valid_until", "concessions", "transport", "masked_name"]
DISCLOSE: tuple[str, ...] = ("valid_until", "concessions", "transport", "masked_name")
RegionStatus = Literal["active", "suspended"]


class FederationResult(str, enum.Enum):
    """Verification results beside codes.format.Result that only trust between regions gives."""

    ISSUER_UNREACHABLE = "issuer_unreachable"  # an online code another region may have issued: it did not answer
    REGION_NOT_TRUSTED = "region_not_trusted"  # a YKD2 code of a region not imported here, or whose list is stale
    REGION_NOT_ACCEPTED = "region_not_accepted"  # an imported region, but not for this scenario

    def __str__(self) -> str:
        return self.value


# An issuer's answer that says the code is not its own: the caller's own result stands.
NOT_THEIRS = frozenset({"unknown_key", "bad_signature", "malformed"})
