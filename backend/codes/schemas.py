"""Request and response Structs for minting online codes and issuing offline credentials."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

UnixTime = Annotated[int, Meta(ge=0, description="Unix time in seconds.", examples=[1767258000])]


class OnlineCode(msgspec.Struct, frozen=True, kw_only=True):
    """A freshly minted online code: show it as a QR code until `expires_at`, then mint another."""

    code: Annotated[
        str,
        Meta(
            description="The text to put in the QR code (alphanumeric mode). It carries no personal data.",
            examples=["YKO1:Q80ZG3N:1AJE09T*YTZD2/KOY+VHO3ZS58YSWIP5ML*2"],
        ),
    ]
    code_id: Annotated[
        str,
        Meta(
            pattern="^[0-9a-f]{32}$",
            description=(
                "The code's id (the one a venue claims when it accepts the code). Ask "
                "`GET /api/v1/me/codes/{code_id}/use` whether it has been used."
            ),
            examples=["9f1c2b7a4e6d8c0b1a2f3e4d5c6b7a89"],
        ),
    ]
    kind: Literal["online"]
    issued_at: UnixTime
    expires_at: Annotated[
        int,
        Meta(
            ge=0,
            description="Unix time after which venues refuse the code (plus a few seconds of clock skew).",
            examples=[1767258060],
        ),
    ]
    qr_version: Annotated[
        int,
        Meta(ge=1, le=40, description="Smallest QR version that holds the code at error correction M.", examples=[3]),
    ]


class CredentialRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Ask for an offline credential for one of your bound devices."""

    device_id: Annotated[
        uuid.UUID,
        Meta(
            description="Id of a device bound to your card that has registered its Ed25519 public key.",
            examples=["3f2c1a9e-8d4b-4c1f-9a7e-2b6d5c4e3f10"],
        ),
    ]


class OfflineCredential(msgspec.Struct, frozen=True, kw_only=True):
    """An issuer-signed credential binding the device's key to the card, for offline codes.

    The phone keeps it and signs each offline code (YKD1) with its own key; verifiers check both
    signatures against the JWK Set at /.well-known/jwks.json.
    """

    credential: Annotated[
        str,
        Meta(
            description="The 121-byte credential (YKC1 layout, see docs/qr-format.md), base64url without padding.",
            examples=["AVStUkkKYLAkb5MvsNAGtGRpVfTAaVnWAJ..."],
        ),
    ]
    kid: Annotated[
        str, Meta(pattern="^[0-9a-f]{8}$", description="Issuer key id; find the key in the JWK Set.", examples=["54ad5249"])
    ]
    nbf: UnixTime
    exp: Annotated[
        int, Meta(ge=0, description="Unix time the credential expires; ask for a new one before.", examples=[1767301200])
    ]
    device_key_id: Annotated[
        str,
        Meta(
            pattern="^[0-9a-f]{16}$",
            description="Id of the device key (first 8 bytes of its SHA-256, hex), as used in revocation lists.",
            examples=["b5758728e5eb2e47"],
        ),
    ]
    format: Literal["YKC1"]


CodeId = Annotated[
    str,
    Meta(
        pattern="^[0-9a-f]{32}$",
        min_length=32,
        max_length=32,
        description="A code's id: `code_id` of a minted online code, or SHA-256 of an offline code's body, first 16 bytes, hex.",
        examples=["9f1c2b7a4e6d8c0b1a2f3e4d5c6b7a89"],
    ),
]


class CodeUse(msgspec.Struct, frozen=True, kw_only=True):
    """Whether one of your codes has been accepted by a venue, and where: the wallet asks while
    it shows the code, so it can say so and show a fresh one at once."""

    code_id: CodeId
    used: Annotated[bool, Meta(description="True once a venue has accepted the code (its one use).")]
    at: Annotated[int, Meta(ge=0, description="Unix time the venue accepted it.", examples=[1767258031])] | None = None
    venue_name: (
        Annotated[str, Meta(max_length=128, description="The venue that accepted it.", examples=["E2E 图书馆"])] | None
    ) = None
    scenario: Annotated[str, Meta(max_length=64, description="What it was accepted for.", examples=["library_entry"])] | None = (
        None
    )
    offline: Annotated[bool, Meta(description="True when an offline scanner accepted it and uploaded the scan later.")] | None = (
        None
    )
