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


# --- offline credentials of format 2 (issue 18) ---------------------------------------------

Suite = Literal["ed25519", "sm2"]
Profile = Literal["validity", "concession", "transit"]
BATCH_MAX_KEYS = 32
BATCH_CONTEXT = "yikatong/credential-batch/v2"  # the first line of what the device key signs


class CredentialBatchRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Ask for offline credentials of format 2, one per fresh one-time key, signed by the phone's
    bound key: the answer ties each key to the card for one slot and one disclosure profile."""

    device_id: Annotated[
        uuid.UUID,
        Meta(
            description="Id of a device bound to your card with its registered Ed25519 key.",
            examples=["3f2c1a9e-8d4b-4c1f-9a7e-2b6d5c4e3f10"],
        ),
    ]
    suite: Annotated[
        Suite,
        Meta(
            description="The suite of the one-time keys: the server's current issuing suite (the active issuer key's "
            "`alg` in the JWK Set: EdDSA -> ed25519, SM2SM3 -> sm2). Another one is refused with 409 "
            "`credential.suite_changed`.",
        ),
    ]
    t: Annotated[
        int,
        Meta(
            ge=0,
            le=0xFFFFFFFF,
            description="Unix time the phone signed the request; within 60 s (plus clock skew) of the server's.",
            examples=[1767258000],
        ),
    ]
    keys: Annotated[
        list[Annotated[str, Meta(min_length=43, max_length=44, pattern="^[A-Za-z0-9_-]+$")]],
        Meta(
            min_length=1,
            max_length=BATCH_MAX_KEYS,
            description="Fresh one-time public keys, base64url without padding, each used for one credential: "
            "Ed25519 raw 32 bytes (suite ed25519) or an SM2 compressed point, 33 bytes (suite sm2). They are "
            "consumed slot by slot (the current slot's three profiles first), so a short list still covers now.",
            examples=[["11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"]],
        ),
    ]
    signature: Annotated[
        str,
        Meta(
            min_length=86,
            max_length=86,
            pattern="^[A-Za-z0-9_-]+$",
            description="Ed25519 signature (base64url, 64 bytes) by the device's registered key over the UTF-8 of "
            '"yikatong/credential-batch/v2\\n" + device_id + "\\n" + t + "\\n" + suite + "\\n" + the keys joined by "\\n".',
        ),
    ]


class IssuedCredentialV2(msgspec.Struct, frozen=True, kw_only=True):
    """One credential of format 2 (docs/qr-format.md): a random reference, one profile, one slot."""

    credential: Annotated[
        str,
        Meta(
            description="The credential (123 bytes for ed25519, 124 for sm2; docs/qr-format.md), base64url without padding.",
            examples=["AgFUrVJJ..."],
        ),
    ]
    cred_ref: Annotated[
        str,
        Meta(
            pattern="^[0-9a-f]{16}$",
            description="The credential's random reference (8 bytes, hex), as revocation lists name it.",
            examples=["5f0c3a9e1b2d4c6f"],
        ),
    ]
    profile: Profile
    nbf: UnixTime
    exp: Annotated[
        int, Meta(ge=0, description="Unix time the slot ends (or the issuer key's listing, if sooner).", examples=[1767268800])
    ]
    kid: Annotated[
        str, Meta(pattern="^[0-9a-f]{8}$", description="Issuer key id; find the key in the JWK Set.", examples=["54ad5249"])
    ]
    key_index: Annotated[int, Meta(ge=0, le=BATCH_MAX_KEYS - 1, description="Index in `keys` of the one-time key it binds.")]


class CredentialBatch(msgspec.Struct, frozen=True, kw_only=True):
    """Credentials of format 2 for the slots from now on, one per profile and slot."""

    suite: Suite
    slot_seconds: Annotated[int, Meta(ge=1, description="Length of a slot: every nbf is a multiple of it.", examples=[10800])]
    credentials: list[IssuedCredentialV2]
    needed: Annotated[
        int,
        Meta(
            ge=0,
            description="How many credentials the full plan has (3 profiles x the slots through now + "
            "credential_hours). When it is more than the keys sent, ask again with more keys.",
            examples=[15],
        ),
    ]
