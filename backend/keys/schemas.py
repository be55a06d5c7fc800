"""Response Structs of the keys feature: the public JWK Set of issuer keys."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

UINT32 = 2**32 - 1  # Unix seconds, as the 4-byte times inside credentials carry them


class Jwk(msgspec.Struct, frozen=True, kw_only=True):
    """One issuer public key (RFC 8037 OKP/Ed25519) that signs, or signed, offline credentials."""

    kty: Literal["OKP"]
    crv: Literal["Ed25519"]
    x: Annotated[
        str,
        Meta(
            description="The 32-byte public key, base64url without padding.",
            examples=["waimSrAWvBvdILJHPW5DLJaK9P9ztQFzeMz-2k5yBeU"],
        ),
    ]
    kid: Annotated[
        str,
        Meta(
            pattern="^[0-9a-f]{8}$",
            description="Key id: the 4 key-id bytes inside every credential it signs, as hex.",
            examples=["54ad5249"],
        ),
    ]
    use: Literal["sig"]
    alg: Literal["EdDSA"]
    nbf: Annotated[
        int, Meta(ge=0, le=UINT32, description="Unix time the key started signing credentials.", examples=[1767250800])
    ]
    exp: Annotated[
        int, Meta(ge=0, le=UINT32, description="Unix time the key stops (or stopped) signing credentials.", examples=[1775026800])
    ]
    yk_publish_until: Annotated[
        int,
        Meta(
            ge=0,
            le=UINT32,
            description="Unix time until which verifiers must keep trusting this key: the last credential it signed expires then.",
            examples=[1775113200],
        ),
    ]


class RevokedJwk(msgspec.Struct, frozen=True, kw_only=True):
    """An issuer key withdrawn before its time (compromised): nothing it signed is valid."""

    kid: Annotated[str, Meta(pattern="^[0-9a-f]{8}$", description="The revoked key's id.", examples=["54ad5249"])]
    x: Annotated[
        str,
        Meta(
            description="Its public key, base64url without padding, so a verifier can match the exact key.",
            examples=["waimSrAWvBvdILJHPW5DLJaK9P9ztQFzeMz-2k5yBeU"],
        ),
    ]
    revoked_at: Annotated[int, Meta(ge=0, le=UINT32, description="Unix time of the revocation.", examples=[1770000000])]
    until: Annotated[
        int,
        Meta(
            ge=0,
            le=UINT32,
            description="Unix time until which this entry stays listed (the key's `yk_publish_until`).",
            examples=[1775113200],
        ),
    ]


class JwkSet(msgspec.Struct, frozen=True, kw_only=True):
    """The trust list verifiers (venues, other regions) load to check offline codes."""

    keys: list[Jwk]
    yk_revoked: Annotated[
        list[RevokedJwk],
        Meta(
            description="Issuer keys revoked before their time. They are never in `keys`; a verifier that keeps keys "
            "from earlier sets drops these, and codes under them give `unknown_key`."
        ),
    ] = []
