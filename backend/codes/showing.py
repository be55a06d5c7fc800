"""A code that shows a certificate: a fresh online code that also presents one of the holder's
linked certificates to the venue or agency that checks it (Art. 9: no paper copy)."""

from __future__ import annotations

import uuid
from typing import cast

from backend.certificates import linked
from backend.certificates import services as certificates
from backend.certificates.schemas import CertificateCode
from backend.codes import format as fmt
from backend.codes import presented
from backend.codes.minting import online_code
from backend.keys.keyring import Keyring
from backend.lib.settings import Settings
from backend.lib.store import Store


async def code_showing(
    account_id: str,
    person_id: str,
    certificate_id: uuid.UUID,
    *,
    keyring: Keyring,
    store: Store,
    settings: Settings,
    now: int,
) -> CertificateCode:
    """A fresh online code for the holder's card (account `account_id`, bound to `person_id`)
    that also shows this certificate to the venue that scans it (scenario `certificate_check`)
    or to an agency it is presented to."""
    row = await certificates.holder_certificate(person_id, certificate_id)
    minted = await online_code(account_id=account_id, person_id=person_id, keyring=keyring, store=store, now=now)
    # verify_online sets code_id once the MAC holds, and this code was minted just above under
    # the same secrets: it always has one.
    code_id = cast(
        str, fmt.verify_online(minted.code, masters=keyring.online_masters, now=now, skew=settings.clock_skew_seconds).code_id
    )
    # Lives as long as the code can be claimed; the code id alone leads to it, never the card.
    await linked.remember_shown(store, code_id, row.id, presented.claim_ttl(settings))
    return CertificateCode(
        code=minted.code,
        kind=minted.kind,
        certificate_id=row.id,
        issued_at=minted.issued_at,
        expires_at=minted.expires_at,
        qr_version=minted.qr_version,
    )
