"""Citizen endpoints: mint an online code, get an offline credential for a bound device."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, post
from litestar.datastructures import CacheControlHeader

from backend.certificates.schemas import CertificateCode
from backend.codes import batches, images, minting, showing
from backend.codes.schemas import CredentialBatch, CredentialBatchRequest, CredentialRequest, OfflineCredential, OnlineCode
from backend.keys.keyring import Keyring
from backend.lib.auth import Principal, proven_citizen
from backend.lib.errors import ApiError
from backend.lib.openapi import error
from backend.lib.settings import Settings
from backend.lib.store import Store

# Codes and credentials are bearer material: no cache may keep them.
NO_STORE = CacheControlHeader(no_store=True)
MINT_ERRORS = {
    401: error("auth.required or auth.invalid_token"),
    403: error("auth.wrong_role: only citizens have codes"),
    404: error("card.not_found: you have no card"),
    409: error("card.not_usable, with details.state, details.result and details.ecard_level"),
    429: error("codes.rate_limited, with details.retry_after and Retry-After"),
}
CREDENTIAL_ERRORS = {
    **MINT_ERRORS,
    400: error("request.invalid or request.unknown_field: the body is not {device_id: uuid}"),
    404: error("device.not_found (not one of your devices) or card.not_found"),
    409: error("card.not_usable, device.unbound (with details.device_status), device.no_public_key or device.bad_public_key"),
    410: error("credential.format_retired: format 1 is past settings.offline_v1_retire_at; use the batch route"),
    503: error("keys.no_signing_key: no issuer key can sign now (rotation overdue)"),
}
BATCH_ERRORS = {
    **MINT_ERRORS,
    400: error(
        "request.invalid or request.unknown_field (the body's shape), credential.stale_request (t more than 60 s plus "
        "skew from the server's clock, with details.now), credential.bad_public_key or credential.duplicate_key "
        "(with details.index of the key)"
    ),
    403: error("auth.wrong_role (only citizens) or credential.bad_device_signature (not signed by the device's registered key)"),
    404: error("device.not_found (not one of your devices) or card.not_found"),
    409: error(
        "card.not_usable, device.unbound (with details.device_status), device.no_public_key, device.bad_public_key, "
        "credential.suite_changed (with details.suite, the suite to make keys of) or credential.key_reused (a one-time "
        "key this phone used before, with details.key_id)"
    ),
    429: error(
        "codes.rate_limited, or credential.too_many_outstanding (the phone holds 4 plans of unexpired credentials; "
        "details.outstanding, details.limit, details.retry_after)"
    ),
    503: error("keys.no_signing_key: no issuer key can sign now (rotation overdue, or the key about to retire)"),
}


@post(
    "/api/v1/me/codes/online",
    summary="Mint an online code",
    description=(
        "Mints a fresh dynamic QR code (YKO1, AES + HMAC, QR version 3) for your card. It is valid "
        "for 60 seconds, carries no personal data and can be scanned once: the venue's server checks "
        "it and claims its id. Nothing is stored per code. Errors: 404 `card.not_found` (no card), "
        "409 `card.not_usable` with `details.state` and `details.result` (e.g. reported lost), "
        "429 `codes.rate_limited` (more than 30 a minute, with Retry-After)."
    ),
    tags=["codes"],
    guards=[proven_citizen],
    status_code=200,
    cache_control=NO_STORE,
    responses=MINT_ERRORS,
)
async def mint_online_code(request: Request[Principal, Any, Any], keyring: Keyring, store: Store, now: int) -> OnlineCode:
    return await images.mint_for_caller(request, keyring, store, now)


@post(
    "/api/v1/me/credentials",
    summary="Get an offline credential",
    description=(
        "Issues an issuer-signed credential (YKC1, Ed25519) binding a device's registered public key "
        "to your card, so the phone can sign offline codes (YKD1) that gates check without the "
        "network. It carries the card reference, issuing region and concession flags, never a name "
        "or identity number. Valid for a few hours; ask again before `exp`. Format 1 is retired at "
        "`offline_v1_retire_at` (2027-03-01T00:00:00Z by default): from then on this answers 410 "
        "`credential.format_retired`; use `POST /api/v1/me/credentials/batch`. Errors: 404 "
        "`device.not_found`, 404 `card.not_found`, 409 `card.not_usable`, 409 `device.unbound`, "
        "409 `device.no_public_key`, 409 `device.bad_public_key`, 410 `credential.format_retired`, "
        "429 `codes.rate_limited`, 503 `keys.no_signing_key`."
    ),
    tags=["codes"],
    guards=[proven_citizen],
    status_code=200,
    cache_control=NO_STORE,
    responses=CREDENTIAL_ERRORS,
)
async def issue_credential(
    request: Request[Principal, Any, Any], data: CredentialRequest, keyring: Keyring, store: Store, settings: Settings, now: int
) -> OfflineCredential:
    principal = request.user
    return await minting.issue_credential(
        account_id=principal.id,
        person_id=principal.person_id,
        device_id=data.device_id,
        keyring=keyring,
        store=store,
        settings=settings,
        now=now,
    )


@post(
    "/api/v1/me/credentials/batch",
    summary="Get offline credentials of format 2",
    description=(
        "Issues offline credentials of format 2 (YKD2, docs/qr-format.md) for a bound phone: one per "
        "disclosure profile (validity, concession, transit) and aligned slot of `slot_seconds`, from the "
        "current slot through the next `credential_hours`, each bound to one of the fresh one-time public "
        "keys sent (`key_index`) and named by a random `cred_ref` that only this server can tie to the card. "
        "Keys are used slot by slot, the current slot's three profiles first; `needed` says how many the "
        "full plan has. The request is signed by the device's registered Ed25519 key over "
        '`"yikatong/credential-batch/v2\\n" + device_id + "\\n" + t + "\\n" + suite + "\\n" + keys joined by "\\n"`. '
        "Validity and concession credentials name the card's province, transit ones its city; concession "
        "and transit ones carry the concession bits (transit also the transport bit), validity ones none. "
        "Every credential is recorded, and revoking the card or the phone lists each outstanding one on "
        "`GET /api/v1/revocations`. Errors: 400 `credential.stale_request`, 400 `credential.bad_public_key`, "
        "400 `credential.duplicate_key`, 403 `credential.bad_device_signature`, 404 `device.not_found`, "
        "404 `card.not_found`, 409 `card.not_usable`, 409 `device.unbound`, 409 `device.no_public_key`, "
        "409 `device.bad_public_key`, 409 `credential.suite_changed` (with `details.suite`), "
        "409 `credential.key_reused`, 429 `codes.rate_limited`, 429 `credential.too_many_outstanding`, "
        "503 `keys.no_signing_key`."
    ),
    tags=["codes"],
    guards=[proven_citizen],
    status_code=200,
    cache_control=NO_STORE,
    responses=BATCH_ERRORS,
)
async def issue_credential_batch(
    request: Request[Principal, Any, Any],
    data: CredentialBatchRequest,
    keyring: Keyring,
    store: Store,
    settings: Settings,
    now: int,
) -> CredentialBatch:
    principal = request.user
    return await batches.issue_batch(
        account_id=principal.id,
        person_id=principal.person_id,
        request=data,
        keyring=keyring,
        store=store,
        settings=settings,
        now=now,
    )


@post(
    "/api/v1/me/certificates/{certificate_id:uuid}/code",
    status_code=200,
    guards=[proven_citizen],
    tags=["certificates", "me"],
    cache_control=NO_STORE,
    summary="Show a certificate with my card",
    description="Mints an online code (as `POST /api/v1/me/codes/online`) that also shows this certificate: a venue "
    "scanning it in scenario `certificate_check` sees the certificate's status and the fields its type allows there, "
    "and an agency it is presented to may check it (Art. 9: no paper copy). Only this code shows it, and only once. "
    "404 `certificate.not_found`, 409 `card.not_usable`, 429 `codes.rate_limited`.",
    responses={
        404: error("certificate.not_found or card.not_found"),
        409: error("card.not_usable"),
        429: error("codes.rate_limited"),
    },
)
async def show_with_card(
    request: Request[Principal, Any, Any], certificate_id: uuid.UUID, keyring: Keyring, store: Store, settings: Settings, now: int
) -> CertificateCode:
    principal = request.user
    if not principal.person_id:
        raise ApiError(403, "auth.no_person", "This account is not bound to a person.")
    return await showing.code_showing(
        principal.id, principal.person_id, certificate_id, keyring=keyring, store=store, settings=settings, now=now
    )


ROUTES = [mint_online_code, issue_credential, issue_credential_batch, show_with_card, *images.ROUTES]
