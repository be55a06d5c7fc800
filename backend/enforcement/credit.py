"""Credit records for the public credit platform (Art. 19, docs/credit.md): a signed penalty when a fine is
approved, a signed withdrawal when it is overturned, sealed at rest, served in `seq` order to the platform."""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
import uuid
import warnings
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from joserfc import jws
from joserfc.jwk import OKPKey

from backend.audit import services as audit
from backend.enforcement import schemas as s
from backend.enforcement.records import CaseRow
from backend.enforcement.tables import CreditRecord
from backend.identity import services as identity
from backend.identity.protect import redact
from backend.keys.keyring import Keyring, NamedKey
from backend.lib import db
from backend.lib.auth import Principal
from backend.lib.errors import ApiError
from backend.org.tables import Agency, City, Office
from backend.venues.tables import Venue

TYP = "yikatong-credit+jwt"
KEY_NAME = "credit"
PLATFORM_KIND = "credit"  # the agency kind of the public credit platform
LEGAL_BASIS = "《广东省社会保障卡居民服务一卡通条例》第十九条"
EXPORT_BASIS = "Art. 19"
EXPORT_FIELDS = ["name", "id_number", "penalty"]
LOCK = "enforcement.credit_seq"

_SEALED_VERSION = b"\x01"
_AAD = b"yikatong.credit.v1|"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_jwk(key: NamedKey) -> dict[str, str]:
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(key.public), "kid": key.kid, "alg": "EdDSA", "use": "sig"}


def keys(keyring: Keyring) -> s.CreditKeys:
    """The JWK Set the platform verifies records with (the `credit` key; its kid is in each record's header)."""
    return s.CreditKeys(keys=[s.CreditJwk(**public_jwk(keyring.named_key(KEY_NAME)))])


def sign(keyring: Keyring, content: dict[str, Any]) -> str:
    """The compact JWS of `content` by the keyring's `credit` key (EdDSA)."""
    key = keyring.named_key(KEY_NAME)
    private = OKPKey.import_key({"kty": "OKP", "crv": "Ed25519", "x": _b64url(key.public), "d": _b64url(key.private)})
    header = {"alg": "EdDSA", "kid": key.kid, "typ": TYP}
    body = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # joserfc calls "EdDSA" deprecated (RFC 9864); every JOSE library reads it
        return jws.serialize_compact(header, body, private, algorithms=["EdDSA"])


def seal(keyring: Keyring, row_id: uuid.UUID, text: str) -> bytes:
    """AES-256-GCM under the personal-data key, bound to the row: the record names a person."""
    nonce = secrets.token_bytes(12)
    return _SEALED_VERSION + nonce + AESGCM(keyring.pii).encrypt(nonce, text.encode(), _AAD + str(row_id).encode())


def unseal(keyring: Keyring, row_id: uuid.UUID, blob: bytes) -> str:
    blob = bytes(blob)
    if blob[:1] != _SEALED_VERSION or len(blob) < 1 + 12 + 16:
        raise ValueError("sealed credit record has an unknown format")
    return AESGCM(keyring.pii).decrypt(blob[1:13], blob[13:], _AAD + str(row_id).encode()).decode()


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


async def _issuer(city: str, office_id: str | None) -> dict[str, str]:
    row = await City.select(City.name).where(City.code == city).first().run()
    office = None
    if office_id:
        office = await Office.select(Office.name).where(Office.id == office_id).first().run()
    return {
        "city": city,
        "city_name": row["name"] if row else "",
        "office_id": str(office_id or ""),
        "office_name": office["name"] if office else "",
    }


async def _subject(keyring: Keyring, case: CaseRow) -> dict[str, str]:
    """Whom the penalty is on: the card's holder (name and identity document: the platform keys its
    records by them), or the venue's operator for a case about a venue."""
    if case.person is not None:
        person = await identity.get_person(case.person)
        return {
            "type": "person",
            "name": person["name"],
            "doc_type": person["doc_type"],
            "id_number": identity.reveal_number(keyring, person),
        }
    venue = await Venue.select(Venue.name).where(Venue.id == case.venue_id).first().run() if case.venue_id else None
    return {"type": "venue", "name": venue["name"] if venue else "", "venue_id": str(case.venue_id or case.subject_id)}


async def _write(keyring: Keyring, case: CaseRow, kind: str, record_id: str, content: dict[str, Any], now: dt.datetime) -> int:
    await db.advisory_lock(LOCK)
    last = await CreditRecord.select(CreditRecord.seq).order_by(CreditRecord.seq, ascending=False).first().run()
    seq = int(last["seq"]) + 1 if last else 1
    row_id = uuid.uuid4()
    content = {"jti": str(row_id), "seq": seq, **content}
    await CreditRecord.insert(
        CreditRecord(
            id=row_id,
            seq=seq,
            case=case.id,
            kind=kind,
            record_id=record_id,
            sealed=seal(keyring, row_id, sign(keyring, content)),
            created_at=now,
        )
    ).run()
    return seq


async def penalty(keyring: Keyring, region: str, case: CaseRow, approver: Principal, now: dt.datetime) -> str:
    """Write the signed penalty record of a fine just approved; returns its record_id. Call inside
    the approval's transaction (a clash on `seq` means: run the transaction again)."""
    record_id = str(uuid.uuid4())
    await _write(
        keyring,
        case,
        "penalty",
        record_id,
        {
            "record_id": record_id,
            "kind": "penalty",
            "region": region,
            "case": case.number,
            "case_kind": case.kind,
            "decision": "fine",
            "amount_yuan": case.fine_yuan,
            "legal_basis": LEGAL_BASIS,
            "reason": redact(case.decision_reason),  # an identity number typed into a reason stays here
            "subject": await _subject(keyring, case),
            "decided_at": _stamp(case.decided_at or now),
            "issuer": await _issuer(case.city, approver.office_id),
            "iat": int(now.timestamp()),
        },
        now,
    )
    return record_id


async def withdrawal(keyring: Keyring, region: str, case: CaseRow, by: Principal, reason: str, now: dt.datetime) -> str | None:
    """Write the signed withdrawal of the case's penalty (same record_id), if it has one; call inside
    the overturn's transaction."""
    row = await (
        CreditRecord.select(CreditRecord.record_id)
        .where((CreditRecord.case == case.id) & (CreditRecord.kind == "penalty"))
        .order_by(CreditRecord.seq, ascending=False)
        .first()
        .run()
    )
    if row is None:
        return None
    record_id: str = row["record_id"]
    await _write(
        keyring,
        case,
        "withdrawal",
        record_id,
        {
            "record_id": record_id,
            "kind": "withdrawal",
            "withdraws": record_id,
            "region": region,
            "case": case.number,
            "reason": redact(reason),
            "legal_basis": LEGAL_BASIS,
            "subject": await _subject(keyring, case),
            "withdrawn_at": _stamp(now),
            "issuer": await _issuer(case.city, by.office_id),
            "iat": int(now.timestamp()),
        },
        now,
    )
    return record_id


async def _ensure_platform(principal: Principal) -> None:
    row = None
    if principal.org_id:
        row = await Agency.select(Agency.kind).where(Agency.id == principal.org_id).first().run()
    if row is None or row["kind"] != PLATFORM_KIND:
        raise ApiError(403, "credit.not_the_platform", "Credit records are served to the public credit platform only.")


async def page(principal: Principal, keyring: Keyring, *, after: int, limit: int) -> s.CreditPage:
    """Records with seq > `after`, oldest first; each one served is on its person's access record."""
    await _ensure_platform(principal)
    async with db.transaction():
        rows = await (
            CreditRecord.select(*CreditRecord.all_columns(), CreditRecord.case.person.as_alias("person"))
            .where(CreditRecord.seq > after)
            .order_by(CreditRecord.seq)
            .limit(limit)
            .run()
        )
        actor = await audit.actor_of(principal) if rows else None
        items = []
        for row in rows:
            items.append(
                s.CreditRecordOut(
                    seq=int(row["seq"]),
                    kind=row["kind"],
                    record_id=row["record_id"],
                    jws=unseal(keyring, row["id"], row["sealed"]),
                    created_at=row["created_at"],
                )
            )
            if row["person"] is not None and actor is not None:
                await audit.record(
                    actor,
                    person_id=row["person"],
                    action="credit.export",
                    fields=EXPORT_FIELDS,
                    purpose=f"Credit record {row['kind']} {row['record_id']}",
                    basis_kind="statute",
                    basis_ref=EXPORT_BASIS,
                )
    return s.CreditPage(items=items, next_after=items[-1].seq if items else after)
