"""Response Structs of the keys feature: the public JWK Set of issuer keys and document roots."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

UINT32 = 2**32 - 1  # Unix seconds, as the 4-byte times inside credentials carry them

# The members every issuer key has, whatever its algorithm (Ed25519 or SM2).
KeyId = Annotated[
    str,
    Meta(
        pattern="^[0-9a-f]{8}$",
        description="Key id: the 4 key-id bytes inside every credential it signs, as hex.",
        examples=["54ad5249"],
    ),
]
SignsFrom = Annotated[
    int, Meta(ge=0, le=UINT32, description="Unix time the key started signing credentials.", examples=[1767250800])
]
SignsUntil = Annotated[
    int, Meta(ge=0, le=UINT32, description="Unix time the key stops (or stopped) signing credentials.", examples=[1775026800])
]
PublishedUntil = Annotated[
    int,
    Meta(
        ge=0,
        le=UINT32,
        description="Unix time until which verifiers must keep trusting this key: the last credential it signed expires then.",
        examples=[1775113200],
    ),
]


class Jwk(msgspec.Struct, frozen=True, kw_only=True, tag_field="kty", tag="OKP"):
    """One Ed25519 issuer public key (RFC 8037, `kty` OKP) that signs, or signed, offline credentials."""

    crv: Literal["Ed25519"]
    x: Annotated[
        str,
        Meta(
            description="The 32-byte public key, base64url without padding.",
            examples=["waimSrAWvBvdILJHPW5DLJaK9P9ztQFzeMz-2k5yBeU"],
        ),
    ]
    kid: KeyId
    use: Literal["sig"]
    alg: Literal["EdDSA"]
    nbf: SignsFrom
    exp: SignsUntil
    yk_publish_until: PublishedUntil


class Sm2Jwk(msgspec.Struct, frozen=True, kw_only=True, tag_field="kty", tag="EC"):
    """One SM2 issuer public key (`kty` EC, `crv` SM2: the recommended curve of GB/T 32918.5) that
    signs, or signed, offline credentials of the SM suite: SM2 signatures with SM3 and the default
    user id 1234567812345678 (docs/national-crypto.md)."""

    crv: Literal["SM2"]
    x: Annotated[
        str,
        Meta(
            description="The public point's x coordinate, 32 bytes big-endian, base64url without padding.",
            examples=["CfnfMR5UIaFQ3X0WHkvFxnIXn60YM_wHa7CP81bzUCA"],
        ),
    ]
    y: Annotated[
        str,
        Meta(
            description="The public point's y coordinate, 32 bytes big-endian, base64url without padding.",
            examples=["zOpJDOJndaUtxupxjMGqYArtBfvzXghKZjL2By2prRM"],
        ),
    ]
    kid: KeyId
    use: Literal["sig"]
    alg: Literal["SM2SM3"]
    nbf: SignsFrom
    exp: SignsUntil
    yk_publish_until: PublishedUntil


class RetiredFormats(msgspec.Struct, frozen=True, kw_only=True, rename={"ykd1": "YKD1"}):
    """Offline code formats verifiers refuse (`format_retired`) from a given time."""

    ykd1: Annotated[
        int,
        Meta(
            ge=0,
            le=UINT32,
            description="Unix time from which a well-formed YKD1 code (format 1) is refused as format_retired.",
            examples=[1803859200],
        ),
    ]


class RevokedJwk(msgspec.Struct, frozen=True, kw_only=True):
    """An issuer key withdrawn before its time (compromised): nothing it signed is valid."""

    kid: Annotated[str, Meta(pattern="^[0-9a-f]{8}$", description="The revoked key's id.", examples=["54ad5249"])]
    x: Annotated[
        str,
        Meta(
            description="Its public key, base64url without padding, so a verifier can match the exact key: "
            "Ed25519 the 32 raw bytes, SM2 the 33-byte compressed point.",
            examples=["waimSrAWvBvdILJHPW5DLJaK9P9ztQFzeMz-2k5yBeU"],
        ),
    ]
    alg: Annotated[Literal["EdDSA", "SM2SM3"], Meta(description="The revoked key's algorithm.")] = "EdDSA"
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


class DocumentRootJwk(msgspec.Struct, frozen=True, kw_only=True):
    """A document CA (RFC 7517 EC P-256 with its certificate): the root that statements' PDF
    signatures chain to (docs/documents.md). Trust this, and only this, to check a statement offline."""

    kty: Literal["EC"]
    crv: Literal["P-256"]
    x: Annotated[
        str,
        Meta(
            description="The public point's x coordinate, 32 bytes, base64url without padding.",
            examples=["f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"],
        ),
    ]
    y: Annotated[
        str,
        Meta(
            description="The public point's y coordinate, 32 bytes, base64url without padding.",
            examples=["x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"],
        ),
    ]
    kid: Annotated[
        str,
        Meta(
            pattern="^doc-[0-9a-f]{16}$",
            description="`doc-` and the first 16 hex digits of the certificate's SHA-256 fingerprint.",
            examples=["doc-3f1c0a9be27d4410"],
        ),
    ]
    use: Literal["sig"]
    alg: Literal["ES256"]
    x5c: Annotated[
        list[str],
        Meta(
            min_length=1,
            max_length=1,
            description="The CA's self-signed X.509 certificate, base64 (not base64url) DER (RFC 7517 §4.7).",
        ),
    ]


class JwkSet(msgspec.Struct, frozen=True, kw_only=True):
    """The trust list verifiers (venues, other regions) load to check offline codes."""

    keys: Annotated[
        list[Jwk | Sm2Jwk],
        Meta(
            description="Issuer keys, each with its `alg`: EdDSA (OKP Ed25519) or SM2SM3 (EC SM2). A verifier skips kinds it does not know."
        ),
    ]
    yk_revoked: Annotated[
        list[RevokedJwk],
        Meta(
            description="Issuer keys revoked before their time. They are never in `keys`; a verifier that keeps keys "
            "from earlier sets drops these, and codes under them give `unknown_key`."
        ),
    ] = []
    yk_document_roots: Annotated[
        list[DocumentRootJwk],
        Meta(
            description="The document CA that signed statements' PDF signatures chain to (P-256, with its certificate in "
            "`x5c`). Separate from `keys`: it signs no offline credential. `yikatong documents verify FILE.pdf --trust` reads it."
        ),
    ] = []
    yk_retired_formats: Annotated[
        RetiredFormats,
        Meta(description="Offline code formats refused from a given Unix time: `YKD1` (format 1) from `offline_v1_retire_at`."),
    ]
